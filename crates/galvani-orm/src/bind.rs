//! Statement values bound as parameters, converted for each backend: never spliced into
//! the SQL text. SQLite has no decimal, date, time, UUID or JSON type, so those travel as
//! text in one fixed format (so that comparing and ordering the text agrees with
//! comparing the values); PostgreSQL gets its native types.

use sea_query::Value;
use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;

use crate::types::text;

/// The values of a built statement as SQLite parameters.
pub(crate) fn sqlite(values: Vec<Value>) -> Result<SqliteArguments, BoxDynError> {
    let mut args = SqliteArguments::default();
    for value in values {
        match value {
            Value::Bool(v) => args.add(v)?,
            Value::TinyInt(v) => args.add(v.map(i64::from))?,
            Value::SmallInt(v) => args.add(v.map(i64::from))?,
            Value::Int(v) => args.add(v.map(i64::from))?,
            Value::BigInt(v) => args.add(v)?,
            Value::TinyUnsigned(v) => args.add(v.map(i64::from))?,
            Value::SmallUnsigned(v) => args.add(v.map(i64::from))?,
            Value::Unsigned(v) => args.add(v.map(i64::from))?,
            Value::BigUnsigned(v) => args.add(v.map(i64::try_from).transpose()?)?,
            Value::Float(v) => args.add(v.map(f64::from))?,
            Value::Double(v) => args.add(v)?,
            Value::String(v) => args.add(v)?,
            Value::Char(v) => args.add(v.map(String::from))?,
            Value::Bytes(v) => args.add(v)?,
            Value::Json(v) => args.add(v.map(|j| j.to_string()))?,
            Value::TimeDate(v) => args.add(v.map(text::date))?,
            Value::TimeTime(v) => args.add(v.map(text::time))?,
            Value::TimeDateTime(v) => args.add(v.map(|d| text::datetime(d.assume_utc())))?,
            Value::TimeDateTimeWithTimeZone(v) => args.add(v.map(text::datetime))?,
            Value::Uuid(v) => args.add(v.map(|u| u.hyphenated().to_string()))?,
            Value::Decimal(v) => args.add(v.map(|d| d.to_string()))?,
            Value::Enum(v) => args.add(enum_text(v))?,
            // Variants of sea-query features another crate may switch on.
            #[allow(unreachable_patterns)]
            other => return Err(unsupported(&other)),
        }
    }
    Ok(args)
}

/// The values of a built statement as PostgreSQL parameters.
pub(crate) fn postgres(values: Vec<Value>) -> Result<PgArguments, BoxDynError> {
    let mut args = PgArguments::default();
    for value in values {
        match value {
            Value::Bool(v) => args.add(v)?,
            Value::TinyInt(v) => args.add(v.map(i16::from))?,
            Value::SmallInt(v) => args.add(v)?,
            Value::Int(v) => args.add(v)?,
            Value::BigInt(v) => args.add(v)?,
            Value::TinyUnsigned(v) => args.add(v.map(i16::from))?,
            Value::SmallUnsigned(v) => args.add(v.map(i32::from))?,
            Value::Unsigned(v) => args.add(v.map(i64::from))?,
            Value::BigUnsigned(v) => args.add(v.map(i64::try_from).transpose()?)?,
            Value::Float(v) => args.add(v)?,
            Value::Double(v) => args.add(v)?,
            Value::String(v) => args.add(v)?,
            Value::Char(v) => args.add(v.map(String::from))?,
            Value::Bytes(v) => args.add(v)?,
            Value::Json(v) => args.add(v.map(|j| *j))?,
            Value::TimeDate(v) => args.add(v)?,
            Value::TimeTime(v) => args.add(v)?,
            Value::TimeDateTime(v) => args.add(v.map(|d| d.assume_utc()))?,
            Value::TimeDateTimeWithTimeZone(v) => args.add(v)?,
            Value::Uuid(v) => args.add(v)?,
            Value::Decimal(v) => args.add(v)?,
            Value::Enum(v) => args.add(enum_text(v))?,
            // Variants of sea-query features another crate may switch on.
            #[allow(unreachable_patterns)]
            other => return Err(unsupported(&other)),
        }
    }
    Ok(args)
}

fn enum_text(value: sea_query::OptionEnum) -> Option<String> {
    match value {
        sea_query::OptionEnum::Some(e) => Some(e.value.to_string()),
        sea_query::OptionEnum::None(_) => None,
    }
}

fn unsupported(value: &Value) -> BoxDynError {
    format!("Galvani cannot bind a value of this kind: {value:?}").into()
}
