//! The `shop` app: a catalogue of products with a home page, a list and detail pages,
//! on the ORM (`models.rs`), with demo data made on the first run (`seed.rs`), and
//! customer accounts (`accounts.rs`: sign-up and "my orders"), and its real-time side
//! (`live.rs`: live stock on product pages, the support chat).

mod accounts;
pub mod live;
pub mod models;
mod seed;
mod urls;
mod views;

use galvani::Assets;
use galvani::app::AppSettings;
use galvani::prelude::*;
use serde::Deserialize;

pub use models::{Category, Customer, Order, OrderItem, Product};
pub use seed::prepare;

/// The shop app.
pub struct Shop;

/// `[apps.shop]` in `galvani.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopSettings {
    /// The currency code prices are shown in.
    pub currency: String,
    /// How many products the home page features.
    pub featured: usize,
}

impl Default for ShopSettings {
    fn default() -> Self {
        ShopSettings {
            currency: "EUR".to_owned(),
            featured: 3,
        }
    }
}

impl App for Shop {
    fn label(&self) -> &'static str {
        "shop"
    }

    fn routes(&self) -> Routes {
        urls::routes()
    }

    fn templates(&self) -> Option<Assets> {
        Some(galvani::assets!("src/shop/templates"))
    }

    fn static_files(&self) -> Option<Assets> {
        Some(galvani::assets!("src/shop/static"))
    }

    fn settings(&self) -> Option<AppSettings> {
        Some(AppSettings::of::<ShopSettings>())
    }

    fn ready(&self, ctx: &mut ReadyContext<'_>) -> Result<(), galvani::Error> {
        // Every page's footer names the currency, the auth app's pages included.
        let currency = ctx
            .get::<ShopSettings>()
            .map(|s| s.currency.clone())
            .unwrap_or_default();
        ctx.context_processor(galvani::templates::ContextProcessor::new(move |_| {
            context! { currency => &currency }
        }));
        // Stock changes reach the product pages that are open.
        let channels =
            ctx.get::<galvani::realtime::Channels>()
                .ok_or_else(|| galvani::Error::App {
                    label: "shop".to_owned(),
                    message: "the shop needs the Realtime app, installed before it".to_owned(),
                })?;
        live::announce_stock((*channels).clone());
        Ok(())
    }
}

/// The app's migrations, written by `makemigrations`.
mod migrations;
