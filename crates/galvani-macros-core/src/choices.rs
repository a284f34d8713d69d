//! `#[derive(Choices)]`: a fieldless enum as a model field with a fixed set of values,
//! stored as text, with a label for each (the admin's select boxes).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr, Result};

use crate::case::{sentence, snake};

/// Expands `#[derive(Choices)]` on `input`.
pub fn derive(input: TokenStream) -> TokenStream {
    match syn::parse2::<DeriveInput>(input).and_then(|input| expand(&input)) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

struct Choice {
    ident: syn::Ident,
    value: String,
    label: String,
}

fn expand(input: &DeriveInput) -> Result<TokenStream> {
    let name = &input.ident;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "#[derive(Choices)] needs an enum whose variants have no fields, such as `enum Status { Pending, Shipped }`",
        ));
    };
    let mut choices = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                variant,
                "a choice cannot hold data: remove the variant's fields",
            ));
        }
        let mut value = snake(&variant.ident.to_string());
        let mut label = sentence(&variant.ident.to_string());
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("choice")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("value") {
                    value = meta.value()?.parse::<LitStr>()?.value();
                } else if meta.path.is_ident("label") {
                    label = meta.value()?.parse::<LitStr>()?.value();
                } else {
                    return Err(meta.error("unknown choice option: expected `value` or `label`"));
                }
                Ok(())
            })?;
        }
        choices.push(Choice {
            ident: variant.ident.clone(),
            value,
            label,
        });
    }
    if choices.is_empty() {
        return Err(syn::Error::new_spanned(
            name,
            "a choices enum needs at least one variant",
        ));
    }
    let orm = crate::model::orm_path();
    let max_length = choices
        .iter()
        .map(|c| c.value.chars().count())
        .max()
        .unwrap_or(1) as u32;
    let pairs = choices.iter().map(|c| {
        let (v, l) = (&c.value, &c.label);
        quote!((#v, #l))
    });
    let to_text = choices.iter().map(|c| {
        let (i, v) = (&c.ident, &c.value);
        quote!(#name::#i => #v)
    });
    let from_text = choices.iter().map(|c| {
        let (i, v) = (&c.ident, &c.value);
        quote!(#v => Ok(#name::#i))
    });
    let type_name = name.to_string();
    Ok(quote! {
        impl #orm::Choices for #name {
            const CHOICES: &'static [(&'static str, &'static str)] = &[#(#pairs),*];

            fn as_value(&self) -> &'static str {
                match self { #(#to_text),* }
            }

            fn from_value(text: &str) -> ::std::result::Result<Self, ::std::string::String> {
                match text {
                    #(#from_text,)*
                    other => Err(::std::format!(
                        "`{other}` is not a {}: expected one of {:?}",
                        #type_name,
                        <Self as #orm::Choices>::CHOICES.iter().map(|c| c.0).collect::<::std::vec::Vec<_>>()
                    )),
                }
            }
        }

        impl #orm::FieldType for #name {
            const KIND: #orm::meta::FieldKind = #orm::meta::FieldKind::Char { max_length: #max_length };
            type Base = #name;

            fn to_value(&self) -> #orm::__private::Value {
                #orm::__private::Value::String(Some(
                    <Self as #orm::Choices>::as_value(self).to_owned(),
                ))
            }
            fn null() -> #orm::__private::Value {
                #orm::__private::Value::String(None)
            }
            fn from_sqlite(row: &#orm::__private::SqliteRow, idx: usize) -> ::std::result::Result<Self, ::std::string::String> {
                let text = <::std::string::String as #orm::FieldType>::from_sqlite(row, idx)?;
                <Self as #orm::Choices>::from_value(&text)
            }
            fn from_postgres(row: &#orm::__private::PgRow, idx: usize) -> ::std::result::Result<Self, ::std::string::String> {
                let text = <::std::string::String as #orm::FieldType>::from_postgres(row, idx)?;
                <Self as #orm::Choices>::from_value(&text)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_labels_come_from_the_variants() {
        let out = derive(
            "enum Status { Pending, InTransit, #[choice(value = \"x\", label = \"Gone\")] Lost }"
                .parse()
                .unwrap(),
        )
        .to_string();
        assert!(out.contains("(\"pending\" , \"Pending\")"), "{out}");
        assert!(out.contains("(\"in_transit\" , \"In transit\")"), "{out}");
        assert!(out.contains("(\"x\" , \"Gone\")"), "{out}");
        assert!(out.contains("max_length : 10u32"), "{out}");
    }

    #[test]
    fn enums_with_data_are_refused() {
        let out = derive("enum S { A(i32) }".parse().unwrap()).to_string();
        assert!(out.contains("cannot hold data"), "{out}");
        let out = derive("struct S;".parse().unwrap()).to_string();
        assert!(out.contains("needs an enum"), "{out}");
    }
}
