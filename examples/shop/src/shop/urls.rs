//! The shop's routes. Names are reversed as `shop:<name>`.

use galvani::prelude::*;

use galvani::realtime::websocket;

use super::{accounts, live, views};

pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(views::home))
        .name("home")
        .route("/products/", get(views::product_list))
        .name("product-list")
        .route("/products/{id}/", get(views::product_detail))
        .name("product-detail")
        .route("/products/{id}/events", live::stock_events())
        .name("product-events")
        .route("/support/", get(live::support_page))
        .name("support")
        .route("/support/ws", websocket(live::SupportChat))
        .name("support-ws")
        .route(
            "/accounts/signup/",
            get(accounts::signup_page).post(accounts::signup),
        )
        .name("signup")
        .merge(
            Routes::new()
                .route("/orders/", get(accounts::my_orders))
                .name("my-orders")
                .route(
                    "/account/",
                    get(accounts::account_page).post(accounts::account),
                )
                .name("account")
                .middleware(galvani::auth::login_required),
        )
}
