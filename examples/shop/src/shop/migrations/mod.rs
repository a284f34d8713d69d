//! The migrations of the `shop` app, kept up to date by `makemigrations`.

mod m0001_initial;
mod m0002_order_customer;
mod m0003_customer;

galvani::orm::migrations!(
    "shop",
    [m0001_initial, m0002_order_customer, m0003_customer]
);
