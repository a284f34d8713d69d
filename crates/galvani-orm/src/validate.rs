//! `full_clean`: a model's values checked against its fields' options.

use rust_decimal::Decimal;
use sea_query::Value;

use crate::error::{Error, Result};
use crate::meta::{FieldKind, FieldMeta, ModelMeta};

/// Every problem with `values` (in field order), or `Ok`.
pub(crate) fn full_clean(model: &ModelMeta, values: &[Value]) -> Result<()> {
    let errors: Vec<(String, String)> = model
        .fields
        .iter()
        .zip(values)
        .filter_map(|(field, value)| problem(field, value).map(|m| (field.name.to_owned(), m)))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation {
            model: model.label(),
            errors,
        })
    }
}

fn problem(field: &FieldMeta, value: &Value) -> Option<String> {
    match (field.kind, value) {
        (FieldKind::Char { max_length }, Value::String(Some(s))) => {
            let n = s.chars().count();
            if n > max_length as usize {
                return Some(format!(
                    "Ensure this value has at most {max_length} characters (it has {n})."
                ));
            }
            text_problem(field, s)
        }
        (FieldKind::Text, Value::String(Some(s))) => text_problem(field, s),
        (
            FieldKind::Decimal {
                max_digits,
                decimal_places,
            },
            Value::Decimal(Some(d)),
        ) => decimal_problem(*d, max_digits, decimal_places),
        _ => None,
    }
}

fn text_problem(field: &FieldMeta, s: &str) -> Option<String> {
    if s.is_empty() && !field.blank && !field.primary_key {
        return Some("This field cannot be blank.".to_owned());
    }
    if !field.choices.is_empty() && !field.choices.iter().any(|(v, _)| *v == s) {
        return Some(format!("`{s}` is not one of the choices."));
    }
    None
}

fn decimal_problem(d: Decimal, max_digits: u32, places: u32) -> Option<String> {
    let normal = d.normalize();
    if normal.scale() > places {
        return Some(format!(
            "Ensure that there are no more than {places} decimal places."
        ));
    }
    let whole = normal.trunc().abs();
    let whole_digits = if whole.is_zero() {
        0
    } else {
        whole.to_string().len() as u32
    };
    if whole_digits > max_digits - places {
        return Some(format!(
            "Ensure that there are no more than {} digits before the decimal point.",
            max_digits - places
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_to_their_size() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(decimal_problem(d("12345678.99"), 10, 2), None);
        assert_eq!(
            decimal_problem(d("1.50"), 3, 1),
            None,
            "trailing zeros do not count"
        );
        assert!(
            decimal_problem(d("1.234"), 10, 2)
                .unwrap()
                .contains("2 decimal places")
        );
        assert!(
            decimal_problem(d("123456789.0"), 10, 2)
                .unwrap()
                .contains("8 digits")
        );
        assert_eq!(decimal_problem(d("-0.5"), 3, 1), None);
    }
}
