//! The code behind Galvani's derive macros, as a plain library on `proc_macro2` so it
//! can be unit-tested; `galvani-macros` is a thin proc-macro shell over it.
//!
//! ```
//! let tokens = galvani_macros_core::derive_model(
//!     "#[model(app = \"shop\")] struct Tag { id: i64, #[field(max_length = 30)] name: String }"
//!         .parse()
//!         .unwrap(),
//! );
//! assert!(tokens.to_string().contains("shop_tag"));
//! ```

mod case;
mod choices;
mod model;

/// Expands `#[derive(Model)]`.
pub fn derive_model(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    model::derive(input)
}

/// Expands `#[derive(Choices)]`.
pub fn derive_choices(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    choices::derive(input)
}
