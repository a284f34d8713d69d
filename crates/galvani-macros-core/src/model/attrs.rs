//! Reading `#[model(...)]` and `#[field(...)]`: every option known, anything else a
//! compile error that lists what may be written instead.

use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprArray, Lit, LitStr, Result};

/// The model-level options.
#[derive(Default)]
pub(crate) struct ModelAttrs {
    pub app: Option<String>,
    pub table: Option<String>,
    pub ordering: Vec<String>,
    pub unique_together: Vec<Vec<String>>,
    pub verbose_name: Option<String>,
    pub verbose_name_plural: Option<String>,
    pub indexes: Vec<Vec<String>>,
    pub checks: Vec<(String, String)>,
}

const MODEL_OPTIONS: &str =
    "app, table, ordering, unique_together, indexes, checks, verbose_name, verbose_name_plural";

impl ModelAttrs {
    pub fn parse(attrs: &[syn::Attribute]) -> Result<Self> {
        let mut out = ModelAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
            attr.parse_nested_meta(|meta| {
                let key = ident(&meta)?;
                match key.as_str() {
                    "app" => out.app = Some(string(&meta)?),
                    "table" => out.table = Some(string(&meta)?),
                    "ordering" => out.ordering = strings(&meta)?,
                    "unique_together" => out.unique_together = groups(&meta)?,
                    "indexes" => out.indexes = groups(&meta)?,
                    "checks" => out.checks = pairs(&meta)?,
                    "verbose_name" => out.verbose_name = Some(string(&meta)?),
                    "verbose_name_plural" => out.verbose_name_plural = Some(string(&meta)?),
                    _ => {
                        return Err(meta.error(format!(
                            "unknown model option `{key}`: expected one of {MODEL_OPTIONS}"
                        )));
                    }
                }
                Ok(())
            })?;
        }
        Ok(out)
    }
}

/// A literal default value.
pub(crate) enum Default {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

/// The field-level options.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub primary_key: bool,
    pub unique: bool,
    pub index: bool,
    pub max_length: Option<u32>,
    pub max_digits: Option<u32>,
    pub decimal_places: Option<u32>,
    pub db_column: Option<String>,
    pub default: Option<Default>,
    pub auto_now: bool,
    pub auto_now_add: bool,
    pub verbose_name: Option<String>,
    pub help_text: Option<String>,
    pub on_delete: Option<syn::Ident>,
    pub related_name: Option<String>,
    pub reverse: Option<String>,
    pub through: Option<syn::Path>,
    pub choices: bool,
    pub blank: bool,
}

const FIELD_OPTIONS: &str = "primary_key, unique, index, max_length, max_digits, decimal_places, db_column, default, auto_now, auto_now_add, verbose_name, help_text, on_delete, related_name, reverse, through, choices, blank";

const ON_DELETE: &[&str] = &[
    "Cascade",
    "Protect",
    "Restrict",
    "SetNull",
    "SetDefault",
    "DoNothing",
];

impl FieldAttrs {
    pub fn parse(attrs: &[syn::Attribute]) -> Result<Self> {
        let mut out = FieldAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("field")) {
            attr.parse_nested_meta(|meta| {
                let key = ident(&meta)?;
                match key.as_str() {
                    "primary_key" => out.primary_key = true,
                    "unique" => out.unique = true,
                    "index" => out.index = true,
                    "auto_now" => out.auto_now = true,
                    "auto_now_add" => out.auto_now_add = true,
                    "max_length" => out.max_length = Some(number(&meta)?),
                    "max_digits" => out.max_digits = Some(number(&meta)?),
                    "decimal_places" => out.decimal_places = Some(number(&meta)?),
                    "db_column" => out.db_column = Some(string(&meta)?),
                    "verbose_name" => out.verbose_name = Some(string(&meta)?),
                    "help_text" => out.help_text = Some(string(&meta)?),
                    "related_name" => out.related_name = Some(string(&meta)?),
                    "reverse" => out.reverse = Some(string(&meta)?),
                    "through" => out.through = Some(meta.value()?.parse()?),
                    "choices" => out.choices = true,
                    "blank" => out.blank = true,
                    "default" => out.default = Some(default(&meta)?),
                    "on_delete" => {
                        let value: syn::Ident = meta.value()?.parse()?;
                        if !ON_DELETE.contains(&value.to_string().as_str()) {
                            return Err(syn::Error::new(
                                value.span(),
                                format!(
                                    "unknown on_delete `{value}`: expected one of {}",
                                    ON_DELETE.join(", ")
                                ),
                            ));
                        }
                        out.on_delete = Some(value);
                    }
                    _ => {
                        return Err(meta.error(format!(
                            "unknown field option `{key}`: expected one of {FIELD_OPTIONS}"
                        )));
                    }
                }
                Ok(())
            })?;
        }
        Ok(out)
    }
}

fn ident(meta: &ParseNestedMeta<'_>) -> Result<String> {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .ok_or_else(|| meta.error("expected an option name"))
}

fn string(meta: &ParseNestedMeta<'_>) -> Result<String> {
    let lit: LitStr = meta.value()?.parse()?;
    Ok(lit.value())
}

fn number(meta: &ParseNestedMeta<'_>) -> Result<u32> {
    let lit: syn::LitInt = meta.value()?.parse()?;
    lit.base10_parse()
}

fn strings_of(array: &ExprArray) -> Result<Vec<String>> {
    array
        .elems
        .iter()
        .map(|e| match e {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(s.value()),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a string, such as \"name\"",
            )),
        })
        .collect()
}

fn strings(meta: &ParseNestedMeta<'_>) -> Result<Vec<String>> {
    let array: ExprArray = meta.value()?.parse()?;
    strings_of(&array)
}

fn groups(meta: &ParseNestedMeta<'_>) -> Result<Vec<Vec<String>>> {
    let array: ExprArray = meta.value()?.parse()?;
    array
        .elems
        .iter()
        .map(|e| match e {
            Expr::Array(inner) => strings_of(inner),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a list of field names, such as [\"order\", \"product\"]",
            )),
        })
        .collect()
}

fn pairs(meta: &ParseNestedMeta<'_>) -> Result<Vec<(String, String)>> {
    let array: ExprArray = meta.value()?.parse()?;
    let help =
        "expected (\"name\", \"SQL condition\"), such as (\"stock_not_negative\", \"stock >= 0\")";
    array
        .elems
        .iter()
        .map(|e| match e {
            Expr::Tuple(t) if t.elems.len() == 2 => {
                let s: Vec<String> = t
                    .elems
                    .iter()
                    .map(|x| match x {
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Str(s), ..
                        }) => Ok(s.value()),
                        other => Err(syn::Error::new_spanned(other, help)),
                    })
                    .collect::<Result<_>>()?;
                Ok((s[0].clone(), s[1].clone()))
            }
            other => Err(syn::Error::new_spanned(other, help)),
        })
        .collect()
}

fn default(meta: &ParseNestedMeta<'_>) -> Result<Default> {
    let expr: Expr = meta.value()?.parse()?;
    let (negative, lit) = match &expr {
        Expr::Lit(l) => (false, &l.lit),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(l) => (true, &l.lit),
            _ => return Err(syn::Error::new_spanned(&expr, DEFAULT_HELP)),
        },
        _ => return Err(syn::Error::new_spanned(&expr, DEFAULT_HELP)),
    };
    let sign: i32 = if negative { -1 } else { 1 };
    Ok(match lit {
        Lit::Int(i) => Default::Int(i64::from(sign) * i.base10_parse::<i64>()?),
        Lit::Float(f) => Default::Float(f64::from(sign) * f.base10_parse::<f64>()?),
        Lit::Bool(b) if !negative => Default::Bool(b.value),
        Lit::Str(s) if !negative => Default::Str(s.value()),
        _ => return Err(syn::Error::new_spanned(&expr, DEFAULT_HELP)),
    })
}

const DEFAULT_HELP: &str = "a default must be a literal: a number, true or false, or a string (for decimals, dates and UUIDs, their text)";
