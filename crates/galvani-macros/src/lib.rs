//! Galvani's derive macros. The code lives in `galvani-macros-core`; see the
//! `galvani_orm::Model` trait for what the derive gives.

use proc_macro::TokenStream;

/// Derives `galvani_orm::Model` for a struct: its table, columns and a typed handle per
/// field. Options go in `#[model(...)]` on the struct and `#[field(...)]` on fields;
/// see the `Model` trait's documentation.
#[proc_macro_derive(Model, attributes(model, field))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    galvani_macros_core::derive_model(input.into()).into()
}
