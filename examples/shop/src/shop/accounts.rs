//! Customer accounts: signing up, the customer's own details (a profile extending the
//! auth app's user), and their orders. Logging in and out, password change and reset
//! come from the auth app (`/accounts/...`).

use galvani::auth::passwords::UserAttributes;
use galvani::auth::{Auth, LoginRequired, User, UserProfile, check_new_password, hash_password};
use galvani::forms::HtmlForm;
use galvani::messages::Messages;
use galvani::orm::Db;
use galvani::prelude::*;
use serde::{Deserialize, Serialize};

use super::models::{Customer, Order, OrderItem};

/// The sign-up form: what is checked here is the shape; whether the name is free and
/// the password good enough is checked against the database and the validators.
#[derive(Deserialize, garde::Validate)]
pub struct SignUp {
    #[garde(length(min = 1, max = 150), pattern(r"^[A-Za-z0-9_.@+-]+$"))]
    username: String,
    #[garde(email, length(max = 254))]
    email: String,
    #[garde(length(max = 4096))]
    password1: String,
    #[garde(length(max = 4096))]
    password2: String,
}

fn page(form: &HtmlForm<SignUp>) -> Response {
    let status = if form.is_bound() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Template::new("shop/signup.html", context! { form })
        .with_status(status)
        .into_response()
}

/// The sign-up page.
pub async fn signup_page() -> Response {
    page(&HtmlForm::empty())
}

/// Creates the account and logs the new customer in.
pub async fn signup(
    db: Db,
    auth: Auth,
    messages: Messages,
    mut form: HtmlForm<SignUp>,
) -> HttpResult<Response> {
    let Some(data) = form.valid() else {
        return Ok(page(&form));
    };
    let (username, email) = (data.username.clone(), data.email.clone());
    let password = data.password1.clone();
    let password2 = data.password2.clone();
    let attributes = UserAttributes {
        username: &username,
        email: &email,
        ..Default::default()
    };
    check_new_password(
        &mut form,
        &attributes,
        ("password1", &password),
        ("password2", &password2),
    );
    let taken = User::objects()
        .filter(User::username.iexact(username.as_str()))
        .exists(&db)
        .await?;
    if taken {
        form.add_error("username", "A user with that username already exists.");
    }
    if !form.is_valid() {
        return Ok(page(&form));
    }
    let mut user = User::new(&username, &email);
    user.password = hash_password(&password).await?;
    user.save(&db).await?;
    auth.login(&user).await?;
    messages.success(format!("Welcome, {username}! Your account is ready."));
    Ok(Redirect::to("/").into_response())
}

/// The logged-in customer's orders, newest first, with their lines. Two queries.
pub async fn my_orders(db: Db, LoginRequired(user): LoginRequired) -> HttpResult<Template> {
    let orders = Order::objects()
        .filter(Order::customer.eq(&user))
        .prefetch_related([OrderItem::order.reverse()])
        .all(&db)
        .await?;
    Ok(Template::new("shop/my_orders.html", context! { orders }))
}

/// What a customer may change about themselves. Both fields may be left empty (or the
/// box unticked), which sends nothing: hence the defaults.
#[derive(Deserialize, Serialize, garde::Validate)]
pub struct Details {
    #[serde(default)]
    #[garde(length(max = 300))]
    shipping_address: String,
    #[serde(default)]
    #[garde(skip)]
    newsletter: bool,
}

fn details_page(form: &HtmlForm<Details>, status: StatusCode) -> Response {
    Template::new("shop/account.html", context! { form })
        .with_status(status)
        .into_response()
}

/// The customer's details, as stored.
pub async fn account_page(UserProfile { profile, .. }: UserProfile<Customer>) -> Response {
    let form = HtmlForm::initial(&Details {
        shipping_address: profile.shipping_address,
        newsletter: profile.newsletter,
    });
    details_page(&form, StatusCode::OK)
}

/// Saves the customer's details.
pub async fn account(
    db: Db,
    messages: Messages,
    UserProfile { mut profile, .. }: UserProfile<Customer>,
    form: HtmlForm<Details>,
) -> HttpResult<Response> {
    let Some(details) = form.valid() else {
        return Ok(details_page(&form, StatusCode::UNPROCESSABLE_ENTITY));
    };
    profile.shipping_address = details.shipping_address.trim().to_owned();
    profile.newsletter = details.newsletter;
    profile.save(&db).await?;
    messages.success("Your details are saved.");
    Ok(Redirect::to("/account/").into_response())
}
