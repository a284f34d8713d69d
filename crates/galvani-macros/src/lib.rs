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

/// Derives `galvani_orm::Choices` (and `FieldType`) for a fieldless enum: stored as
/// text (`snake_case` of the variant, or `#[choice(value = "...")]`), with a label for
/// each (`#[choice(label = "...")]`, else the variant's name in words).
#[proc_macro_derive(Choices, attributes(choice))]
pub fn derive_choices(input: TokenStream) -> TokenStream {
    galvani_macros_core::derive_choices(input.into()).into()
}
