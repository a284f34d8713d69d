//! `#[derive(Model)]`: a constant description of the model (`ModelMeta`), the `Model`
//! impl that reads and writes rows, and a typed handle per field (`Product::price`).

mod attrs;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Ident, Result, Type};

use attrs::{Default, FieldAttrs, ModelAttrs};

use crate::case::words;

/// Expands `#[derive(Model)]` on `input`.
pub fn derive(input: TokenStream) -> TokenStream {
    match syn::parse2::<DeriveInput>(input).and_then(|input| expand(&input)) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

struct FieldInfo {
    ident: Ident,
    ty: Type,
    vis: syn::Visibility,
    attrs: FieldAttrs,
    auto_id: bool,
    relation: Option<RelationInfo>,
}

/// A `ForeignKey<T>` or `OneToOne<T>` field (possibly in an `Option`).
struct RelationInfo {
    target: Type,
    one_to_one: bool,
    nullable: bool,
}

fn expand(input: &DeriveInput) -> Result<TokenStream> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "a model cannot be generic: each model is one table",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            name,
            "#[derive(Model)] needs a struct with named fields, such as `struct Product { id: i64, ... }`",
        ));
    };
    let model = ModelAttrs::parse(&input.attrs)?;
    let mut fields = Vec::new();
    let mut reverses = Vec::new();
    let mut many = Vec::new();
    for f in &named.named {
        let ident = f.ident.clone().expect("named fields have names");
        let attrs = FieldAttrs::parse(&f.attrs)?;
        if let Some(target) = generic_of(&f.ty, "Reverse") {
            let Some(fk) = attrs.reverse.clone() else {
                return Err(syn::Error::new_spanned(
                    &ident,
                    "a `Reverse<T>` field needs the foreign key it mirrors: write `#[field(reverse = \"category\")]` (the field of T that refers to this model)",
                ));
            };
            reverses.push((ident, target.clone(), fk, f.vis.clone()));
            continue;
        }
        if let Some(target) = generic_of(&f.ty, "ManyToMany") {
            many.push((ident, target.clone(), attrs, f.vis.clone()));
            continue;
        }
        if attrs.reverse.is_some() {
            return Err(syn::Error::new_spanned(
                &ident,
                "`reverse` is for `Reverse<T>` fields",
            ));
        }
        fields.push(FieldInfo {
            auto_id: false,
            relation: relation_of(&f.ty),
            ident,
            ty: f.ty.clone(),
            vis: f.vis.clone(),
            attrs,
        });
    }
    check_primary_key(name, &mut fields)?;
    for f in &fields {
        check_field(f)?;
    }
    check_names(&model, &fields)?;

    let orm = orm_path();
    let app = model
        .app
        .clone()
        .unwrap_or_else(|| std::env::var("CARGO_CRATE_NAME").unwrap_or_else(|_| "app".to_owned()));
    let lower = name.to_string().to_lowercase();
    let many_static = format_ident!("__GALVANI_M2M_{}", name.to_string().to_uppercase());
    let table = model
        .table
        .clone()
        .unwrap_or_else(|| format!("{app}_{lower}"));
    let verbose = model
        .verbose_name
        .clone()
        .unwrap_or_else(|| words(&name.to_string()));
    let verbose_plural = model
        .verbose_name_plural
        .clone()
        .unwrap_or_else(|| format!("{verbose}s"));
    let ordering = &model.ordering;
    let unique_together = model.unique_together.iter().map(|g| quote!(&[#(#g),*]));
    let indexes = model.indexes.iter().map(|g| {
        let index_name = format!("{table}_{}_idx", g.join("_"));
        quote!(#orm::meta::IndexMeta { name: #index_name, fields: &[#(#g),*], unique: false })
    });
    let checks = model
        .checks
        .iter()
        .map(|(check_name, sql)| quote!(#orm::meta::CheckMeta { name: #check_name, sql: #sql }));
    let field_metas = fields.iter().map(|f| field_meta(&orm, f, &lower));
    let count = fields.len();
    let model_name = name.to_string();

    let reads = fields.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let field = ident.to_string();
        quote!(#ident: #orm::__private::read::<#ty>(row, offset + #i, meta, #field)?)
    });
    let reverse_defaults = reverses
        .iter()
        .map(|(ident, ..)| quote!(#ident: ::std::default::Default::default()));
    let reverse_metas = reverses.iter().map(|(ident, target, fk, _)| {
        let name = ident.to_string();
        quote!(#orm::meta::ReverseMeta {
            name: #name,
            model: <#target as #orm::Model>::meta,
            field: #fk,
        })
    });
    let reverse_slots = reverses
        .iter()
        .enumerate()
        .map(|(i, (ident, ..))| quote!(#i => Some(&mut self.#ident)));
    let reverse_methods = reverses.iter().map(|(ident, target, fk, vis)| {
        let fk = Ident::new(fk, Span::call_site());
        let doc = format!(
            "The `{target}` rows whose `{fk}` refers to this row, as a QuerySet.",
            target = quote!(#target)
        );
        quote! {
            #[doc = #doc]
            #vis fn #ident(&self) -> #orm::QuerySet<#target> {
                <#target as #orm::Model>::objects().filter(<#target>::#fk.eq(self))
            }
        }
    });
    let reverse_count = reverses.len();
    let many_count = many.len();
    let many_metas = many.iter().map(|(ident, target, attrs, _)| {
        let field = ident.to_string();
        let target_name = type_name(target).to_lowercase();
        let (source_column, target_column) = if target_name == lower {
            (format!("from_{lower}_id"), format!("to_{lower}_id"))
        } else {
            (format!("{lower}_id"), format!("{target_name}_id"))
        };
        let join_table = format!("{app}_{lower}_{field}");
        let through = match &attrs.through {
            Some(path) => quote!(Some(<#path as #orm::Model>::meta)),
            None => quote!(None),
        };
        let related_name = attrs
            .related_name
            .clone()
            .unwrap_or_else(|| format!("{lower}_set"));
        quote!(#orm::meta::ManyToManyMeta {
            name: #field,
            owner: <#name as #orm::Model>::meta,
            to: <#target as #orm::Model>::meta,
            through: #through,
            table: #join_table,
            source_column: #source_column,
            target_column: #target_column,
            related_name: #related_name,
        })
    });
    let many_defaults = many
        .iter()
        .map(|(ident, ..)| quote!(#ident: ::std::default::Default::default()));
    let many_slots = many
        .iter()
        .enumerate()
        .map(|(i, (ident, ..))| quote!(#i => Some(&mut self.#ident)));
    let many_binds = many
        .iter()
        .enumerate()
        .map(|(i, (ident, ..))| quote!(self.#ident.bind(&#many_static[#i], key.clone());));
    let many_handles = many.iter().enumerate().map(|(i, (ident, target, _, vis))| {
        let doc = format!("The `{ident}` many-to-many relation, for `prefetch_related`.");
        quote! {
            #[doc = #doc]
            #[allow(non_upper_case_globals)]
            #vis const #ident: #orm::ManyToManyField<#name, #target> = #orm::ManyToManyField::new(#i);
        }
    });
    let values = fields.iter().map(|f| {
        let ident = &f.ident;
        quote!(#orm::FieldType::to_value(&self.#ident))
    });
    let pk = fields
        .iter()
        .find(|f| f.attrs.primary_key || f.auto_id)
        .expect("checked above");
    let pk_ident = &pk.ident;
    let pk_ty = &pk.ty;
    let (is_adding, set_pk) = if pk.auto_id {
        (
            quote!(self.#pk_ident == 0),
            quote!(self.#pk_ident = #orm::__private::read::<i64>(row, idx, Self::meta(), stringify!(#pk_ident))?;),
        )
    } else {
        (quote!(false), quote!(let _ = (row, idx);))
    };
    let touches = fields.iter().filter_map(|f| {
        let ident = &f.ident;
        let ty = &f.ty;
        if f.attrs.auto_now {
            Some(quote!(self.#ident = <#ty as #orm::__private::Now>::now(now);))
        } else if f.attrs.auto_now_add {
            Some(quote!(if adding { self.#ident = <#ty as #orm::__private::Now>::now(now); }))
        } else {
            None
        }
    });
    let slots = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.relation.is_some())
        .map(|(i, f)| {
            let ident = &f.ident;
            quote!(#i => Some(&mut self.#ident))
        });
    let handles = fields.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let vis = &f.vis;
        let doc = format!("The `{ident}` field, for lookups and ordering.");
        quote! {
            #[doc = #doc]
            #[allow(non_upper_case_globals)]
            #vis const #ident: #orm::Field<#name, #ty> = #orm::Field::new(#i);
        }
    });
    let meta_static = format_ident!("__GALVANI_META_{}", name.to_string().to_uppercase());
    let fields_static = format_ident!("__GALVANI_FIELDS_{}", name.to_string().to_uppercase());
    let reverse_static = format_ident!("__GALVANI_REVERSE_{}", name.to_string().to_uppercase());

    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #fields_static: [#orm::meta::FieldMeta; #count] = [#(#field_metas),*];

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #many_static: [#orm::meta::ManyToManyMeta; #many_count] = [#(#many_metas),*];

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #reverse_static: [#orm::meta::ReverseMeta; #reverse_count] = [#(#reverse_metas),*];

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #meta_static: #orm::meta::ModelMeta = #orm::meta::ModelMeta {
            app: #app,
            name: #model_name,
            table: #table,
            fields: &#fields_static,
            many_to_many: &#many_static,
            reverse: &#reverse_static,
            ordering: &[#(#ordering),*],
            unique_together: &[#(#unique_together),*],
            indexes: &[#(#indexes),*],
            checks: &[#(#checks),*],
            verbose_name: #verbose,
            verbose_name_plural: #verbose_plural,
        };

        impl #orm::Model for #name {
            type Pk = #pk_ty;

            fn meta() -> &'static #orm::meta::ModelMeta {
                &#meta_static
            }

            fn from_row(row: &#orm::Row, offset: usize) -> #orm::Result<Self> {
                let meta = Self::meta();
                let mut value = #name { #(#reads,)* #(#reverse_defaults,)* #(#many_defaults,)* };
                #orm::Model::bind_relations(&mut value);
                Ok(value)
            }

            fn values(&self) -> ::std::vec::Vec<#orm::__private::Value> {
                vec![#(#values),*]
            }

            fn pk(&self) -> Self::Pk {
                ::std::clone::Clone::clone(&self.#pk_ident)
            }

            fn is_adding(&self) -> bool {
                #is_adding
            }

            fn set_pk_from(&mut self, row: &#orm::Row, idx: usize) -> #orm::Result<()> {
                #set_pk
                Ok(())
            }

            fn related_slot(&mut self, index: usize) -> Option<&mut dyn #orm::RelatedSlot> {
                match index {
                    #(#slots,)*
                    _ => None,
                }
            }

            fn many_to_many_slot(&mut self, index: usize) -> Option<&mut dyn ::std::any::Any> {
                match index {
                    #(#many_slots,)*
                    _ => None,
                }
            }

            #[allow(unused_variables)]
            fn bind_relations(&mut self) {
                if self.is_adding() {
                    return;
                }
                let key = #orm::FieldType::to_value(&self.#pk_ident);
                #(#many_binds)*
            }

            fn reverse_slot(&mut self, index: usize) -> Option<&mut dyn ::std::any::Any> {
                match index {
                    #(#reverse_slots,)*
                    _ => None,
                }
            }

            #[allow(unused_variables)]
            fn touch(&mut self, adding: bool, now: #orm::__private::OffsetDateTime) {
                #(#touches)*
            }
        }

        impl #name {
            #(#handles)*
            #(#many_handles)*
            #(#reverse_methods)*
        }

        #orm::__private::inventory::submit! {
            #orm::__private::ModelEntry {
                meta: <#name as #orm::Model>::meta,
                file: ::std::file!(),
                manifest_dir: ::std::env!("CARGO_MANIFEST_DIR"),
                orm: ::std::stringify!(#orm),
            }
        }
    })
}

/// Exactly one primary key: a field marked `primary_key`, or else `id: i64` (automatic).
fn check_primary_key(name: &Ident, fields: &mut [FieldInfo]) -> Result<()> {
    let marked: Vec<_> = fields.iter().filter(|f| f.attrs.primary_key).collect();
    if marked.len() > 1 {
        return Err(syn::Error::new_spanned(
            &marked[1].ident,
            "a model has one primary key: remove `primary_key` from all fields but one",
        ));
    }
    if !marked.is_empty() {
        return Ok(());
    }
    match fields.iter_mut().find(|f| f.ident == "id") {
        Some(id) if type_is(&id.ty, "i64") => {
            id.auto_id = true;
            Ok(())
        }
        Some(id) => Err(syn::Error::new_spanned(
            &id.ty,
            "the automatic primary key `id` must be an `i64`; to key the model by another type, mark that field `#[field(primary_key)]`",
        )),
        None => Err(syn::Error::new_spanned(
            name,
            "a model needs a primary key: add `id: i64` (an automatic key, 0 until the row is saved) or mark a field `#[field(primary_key)]`",
        )),
    }
}

/// Options that only fit some types.
fn check_field(f: &FieldInfo) -> Result<()> {
    let a = &f.attrs;
    let base = base_type_name(&f.ty);
    if a.max_length.is_some() && base.as_deref() != Some("String") {
        return Err(syn::Error::new_spanned(
            &f.ty,
            "`max_length` is for `String` fields; remove it, or make the field a `String`",
        ));
    }
    let is_decimal = base.as_deref() == Some("Decimal");
    if (a.max_digits.is_some() || a.decimal_places.is_some()) && !is_decimal {
        return Err(syn::Error::new_spanned(
            &f.ty,
            "`max_digits` and `decimal_places` are for `Decimal` fields",
        ));
    }
    if is_decimal && (a.max_digits.is_none() || a.decimal_places.is_none()) {
        return Err(syn::Error::new_spanned(
            &f.ty,
            "a `Decimal` field needs its size: write `#[field(max_digits = 10, decimal_places = 2)]`",
        ));
    }
    if let (Some(digits), Some(places)) = (a.max_digits, a.decimal_places)
        && places > digits
    {
        return Err(syn::Error::new_spanned(
            &f.ty,
            "`decimal_places` cannot exceed `max_digits`",
        ));
    }
    if (a.auto_now || a.auto_now_add) && !matches!(base.as_deref(), Some("OffsetDateTime" | "Date"))
    {
        return Err(syn::Error::new_spanned(
            &f.ty,
            "`auto_now` and `auto_now_add` are for `OffsetDateTime` and `Date` fields",
        ));
    }
    match &f.relation {
        None if a.on_delete.is_some() || a.related_name.is_some() => Err(syn::Error::new_spanned(
            &f.ident,
            "`on_delete` and `related_name` are for relation fields (`ForeignKey<T>`, `OneToOne<T>`)",
        )),
        Some(_) if a.on_delete.is_none() => Err(syn::Error::new_spanned(
            &f.ident,
            "a relation needs `on_delete`: write `#[field(on_delete = Cascade)]` (or Protect, Restrict, SetNull, SetDefault, DoNothing)",
        )),
        Some(r) if !r.nullable && a.on_delete.as_ref().is_some_and(|o| o == "SetNull") => {
            Err(syn::Error::new_spanned(
                &f.ty,
                "`on_delete = SetNull` needs a nullable relation: make the field `Option<ForeignKey<...>>`",
            ))
        }
        Some(_)
            if a.on_delete.as_ref().is_some_and(|o| o == "SetDefault") && a.default.is_none() =>
        {
            Err(syn::Error::new_spanned(
                &f.ident,
                "`on_delete = SetDefault` needs a `default` (the key to point at instead)",
            ))
        }
        _ => Ok(()),
    }
}

/// Names given in model options must be fields.
fn check_names(model: &ModelAttrs, fields: &[FieldInfo]) -> Result<()> {
    let known: Vec<String> = fields.iter().map(|f| f.ident.to_string()).collect();
    let names = model
        .ordering
        .iter()
        .map(|o| o.trim_start_matches('-').to_owned())
        .chain(model.unique_together.iter().flatten().cloned())
        .chain(model.indexes.iter().flatten().cloned());
    for name in names {
        if !known.contains(&name) {
            return Err(syn::Error::new(
                Span::call_site(),
                format!(
                    "the model has no field `{name}` (it has: {})",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn field_meta(orm: &TokenStream, f: &FieldInfo, model_lower: &str) -> TokenStream {
    let a = &f.attrs;
    let ty = &f.ty;
    let name = f.ident.to_string();
    let column = a.db_column.clone().unwrap_or_else(|| match f.relation {
        Some(_) => format!("{name}_id"),
        None => name.clone(),
    });
    let kind = if f.auto_id {
        quote!(#orm::meta::FieldKind::AutoId)
    } else if let Some(max_length) = a.max_length {
        quote!(#orm::meta::FieldKind::Char { max_length: #max_length })
    } else if let (Some(max_digits), Some(decimal_places)) = (a.max_digits, a.decimal_places) {
        quote!(#orm::meta::FieldKind::Decimal { max_digits: #max_digits, decimal_places: #decimal_places })
    } else {
        quote!(<#ty as #orm::FieldType>::KIND)
    };
    let default = match &a.default {
        None => quote!(None),
        Some(Default::Int(i)) => quote!(Some(#orm::meta::DefaultValue::Int(#i))),
        Some(Default::Float(v)) => quote!(Some(#orm::meta::DefaultValue::Float(#v))),
        Some(Default::Bool(b)) => quote!(Some(#orm::meta::DefaultValue::Bool(#b))),
        Some(Default::Str(s)) => quote!(Some(#orm::meta::DefaultValue::Str(#s))),
    };
    let primary_key = a.primary_key || f.auto_id;
    let unique = a.unique || f.relation.as_ref().is_some_and(|r| r.one_to_one);
    let relation = match &f.relation {
        None => quote!(None),
        Some(r) => {
            let target = &r.target;
            let kind = if r.one_to_one {
                quote!(#orm::meta::RelationKind::OneToOne)
            } else {
                quote!(#orm::meta::RelationKind::ForeignKey)
            };
            let on_delete = a.on_delete.as_ref().expect("checked above");
            let related_name = a
                .related_name
                .clone()
                .unwrap_or_else(|| format!("{}_set", model_lower));
            quote!(Some(#orm::meta::RelationMeta {
                kind: #kind,
                to: <#target as #orm::Model>::meta,
                on_delete: #orm::meta::OnDelete::#on_delete,
                related_name: #related_name,
            }))
        }
    };
    let index = a.index;
    let blank = a.blank;
    let auto_now = a.auto_now;
    let auto_now_add = a.auto_now_add;
    let verbose = a
        .verbose_name
        .clone()
        .unwrap_or_else(|| name.replace('_', " "));
    let help = a.help_text.clone().unwrap_or_default();
    let choices = if a.choices {
        quote!(<<#ty as #orm::FieldType>::Base as #orm::Choices>::CHOICES)
    } else {
        quote!(&[])
    };
    quote! {
        #orm::meta::FieldMeta {
            name: #name,
            column: #column,
            kind: #kind,
            null: <#ty as #orm::FieldType>::NULLABLE,
            primary_key: #primary_key,
            unique: #unique,
            index: #index,
            blank: #blank,
            default: #default,
            choices: #choices,
            auto_now: #auto_now,
            auto_now_add: #auto_now_add,
            verbose_name: #verbose,
            help_text: #help,
            relation: #relation,
        }
    }
}

/// Where the ORM is, seen from the crate being compiled: `::galvani::orm` for projects,
/// `::galvani_orm` for crates that use the ORM alone (and for the ORM itself).
pub(crate) fn orm_path() -> TokenStream {
    use proc_macro_crate::{FoundCrate, crate_name};
    match crate_name("galvani-orm") {
        Ok(FoundCrate::Name(n)) => {
            let n = Ident::new(&n, Span::call_site());
            return quote!(::#n);
        }
        Ok(FoundCrate::Itself) => return quote!(::galvani_orm),
        Err(_) => {}
    }
    match crate_name("galvani") {
        Ok(FoundCrate::Name(n)) => {
            let n = Ident::new(&n, Span::call_site());
            quote!(::#n::orm)
        }
        _ => quote!(::galvani::orm),
    }
}

/// The last segment of a type's path (`shop::Tag` -> `Tag`).
fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// `T` when `ty` is `Wrapper<T>`.
fn generic_of<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first() {
            Some(syn::GenericArgument::Type(inner)) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// `ForeignKey<T>`, `OneToOne<T>`, or either in an `Option`.
fn relation_of(ty: &Type) -> Option<RelationInfo> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let inner = match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first() {
            Some(syn::GenericArgument::Type(inner)) => inner,
            _ => return None,
        },
        _ => return None,
    };
    if last.ident == "Option" {
        return relation_of(inner).map(|r| RelationInfo {
            nullable: true,
            ..r
        });
    }
    let one_to_one = last.ident == "OneToOne";
    (one_to_one || last.ident == "ForeignKey").then(|| RelationInfo {
        target: inner.clone(),
        one_to_one,
        nullable: false,
    })
}

/// The last path segment's name, looking through `Option<...>`.
fn base_type_name(ty: &Type) -> Option<String> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident == "Option"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return base_type_name(inner);
    }
    Some(last.ident.to_string())
}

fn type_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(src: &str) -> String {
        derive(src.parse().unwrap()).to_string()
    }

    #[test]
    fn a_model_gets_its_table_fields_and_handles() {
        let out = expand_str(
            r#"#[model(app = "shop", ordering = ["-stock"])]
            struct OrderItem { id: i64, #[field(max_length = 20, unique)] sku: String, stock: Option<i32> }"#,
        );
        assert!(out.contains("\"shop_orderitem\""), "{out}");
        assert!(out.contains("\"order item\""), "{out}");
        assert!(out.contains("FieldKind :: AutoId"), "{out}");
        assert!(
            out.contains("FieldKind :: Char { max_length : 20u32 }"),
            "{out}"
        );
        assert!(out.contains("const sku"), "{out}");
        assert!(out.contains("\"-stock\""), "{out}");
    }

    #[test]
    fn misuse_is_a_compile_error_saying_what_to_write() {
        let cases = [
            ("struct P { name: String }", "add `id: i64`"),
            ("struct P { id: i32 }", "must be an `i64`"),
            (
                "struct P { id: i64, #[field(max_length = 3)] n: i32 }",
                "for `String` fields",
            ),
            (
                "struct P { id: i64, #[field(colour = 3)] n: i32 }",
                "unknown field option `colour`",
            ),
            (
                "#[model(tabel = \"x\")] struct P { id: i64 }",
                "unknown model option `tabel`",
            ),
            (
                "#[model(ordering = [\"nope\"])] struct P { id: i64 }",
                "no field `nope`",
            ),
            ("struct P { id: i64, price: Decimal }", "needs its size"),
            ("struct P(i64);", "named fields"),
        ];
        for (src, expected) in cases {
            let out = expand_str(src);
            assert!(out.contains("compile_error"), "{src}: {out}");
            assert!(
                out.contains(expected),
                "{src}: expected `{expected}` in {out}"
            );
        }
    }
}
