//! The Rust types a model field may have, and how each is written to and read from
//! each backend.

use rust_decimal::Decimal;
use sea_query::Value;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, ValueRef as _};
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

use crate::meta::FieldKind;

/// A Rust type that can be a model field. Implemented for integers, `bool`, `f64`,
/// `String`, [`Decimal`], [`Date`], [`Time`], [`OffsetDateTime`], [`Uuid`],
/// `serde_json::Value`, `Vec<u8>`, and `Option` of each (a nullable column).
///
/// ```
/// use galvani_orm::FieldType;
/// use galvani_orm::meta::FieldKind;
///
/// assert_eq!(<i64 as FieldType>::KIND, FieldKind::BigInteger);
/// assert!(<Option<String> as FieldType>::NULLABLE);
/// ```
///
/// Any other type is a compile error ("`HashMap<String, String>` cannot be a model
/// field", with the list of types that can):
///
/// ```compile_fail,E0277
/// use galvani_orm::prelude::*;
///
/// #[derive(Model)]
/// struct Product {
///     id: i64,
///     tags: std::collections::HashMap<String, String>,
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a model field",
    label = "not a field type",
    note = "a field is an integer (i16, i32, i64), bool, f64, String, Decimal, Date, Time, OffsetDateTime, Uuid, serde_json::Value, Vec<u8> or ForeignKey<Model>, or an Option of one"
)]
pub trait FieldType: Sized + Send + Sync + 'static {
    /// How the type is stored unless the field says otherwise (a `String` with
    /// `max_length` becomes `Char`).
    const KIND: FieldKind;
    /// Whether the column allows NULL.
    const NULLABLE: bool = false;
    /// The type lookups compare with: the type itself, or `T` for `Option<T>`.
    type Base: FieldType;

    /// The value as a statement parameter.
    fn to_value(&self) -> Value;
    /// A NULL of this type's parameter kind.
    fn null() -> Value;
    /// Reads column `idx` of a SQLite row.
    fn from_sqlite(row: &SqliteRow, idx: usize) -> Result<Self, String>;
    /// Reads column `idx` of a PostgreSQL row.
    fn from_postgres(row: &PgRow, idx: usize) -> Result<Self, String>;
}

/// Types both drivers read natively.
macro_rules! native {
    ($($ty:ty => $kind:expr, $variant:ident, |$v:ident| $to:expr;)*) => {$(
        impl FieldType for $ty {
            const KIND: FieldKind = $kind;
            type Base = $ty;
            fn to_value(&self) -> Value {
                let $v = self;
                Value::$variant(Some($to))
            }
            fn null() -> Value {
                Value::$variant(None)
            }
            fn from_sqlite(row: &SqliteRow, idx: usize) -> Result<Self, String> {
                row.try_get(idx).map_err(|e| e.to_string())
            }
            fn from_postgres(row: &PgRow, idx: usize) -> Result<Self, String> {
                row.try_get(idx).map_err(|e| e.to_string())
            }
        }
    )*};
}

native! {
    i16 => FieldKind::SmallInteger, SmallInt, |v| *v;
    i32 => FieldKind::Integer, Int, |v| *v;
    i64 => FieldKind::BigInteger, BigInt, |v| *v;
    bool => FieldKind::Boolean, Bool, |v| *v;
    f64 => FieldKind::Float, Double, |v| *v;
    String => FieldKind::Text, String, |v| v.clone();
    Vec<u8> => FieldKind::Bytes, Bytes, |v| v.clone();
}

/// Types SQLite keeps as text (see [`text`]) and PostgreSQL natively.
macro_rules! text_on_sqlite {
    ($($ty:ty => $kind:expr, $variant:ident, $parse:path;)*) => {$(
        impl FieldType for $ty {
            const KIND: FieldKind = $kind;
            type Base = $ty;
            fn to_value(&self) -> Value {
                Value::$variant(Some(self.clone().into()))
            }
            fn null() -> Value {
                Value::$variant(None)
            }
            fn from_sqlite(row: &SqliteRow, idx: usize) -> Result<Self, String> {
                // SQLite turns a number into text on request (a decimal column holds
                // numbers, by its affinity).
                let raw: String = row.try_get_unchecked(idx).map_err(|e| e.to_string())?;
                $parse(&raw)
            }
            fn from_postgres(row: &PgRow, idx: usize) -> Result<Self, String> {
                row.try_get(idx).map_err(|e| e.to_string())
            }
        }
    )*};
}

text_on_sqlite! {
    Decimal => FieldKind::Decimal { max_digits: 19, decimal_places: 2 }, Decimal, text::parse_decimal;
    Date => FieldKind::Date, TimeDate, text::parse_date;
    Time => FieldKind::Time, TimeTime, text::parse_time;
    OffsetDateTime => FieldKind::DateTime, TimeDateTimeWithTimeZone, text::parse_datetime;
    Uuid => FieldKind::Uuid, Uuid, text::parse_uuid;
    serde_json::Value => FieldKind::Json, Json, text::parse_json;
}

impl<T: FieldType> FieldType for Option<T> {
    const KIND: FieldKind = T::KIND;
    const NULLABLE: bool = true;
    type Base = T::Base;

    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => T::null(),
        }
    }
    fn null() -> Value {
        T::null()
    }
    fn from_sqlite(row: &SqliteRow, idx: usize) -> Result<Self, String> {
        let raw = row.try_get_raw(idx).map_err(|e| e.to_string())?;
        if raw.is_null() {
            return Ok(None);
        }
        T::from_sqlite(row, idx).map(Some)
    }
    fn from_postgres(row: &PgRow, idx: usize) -> Result<Self, String> {
        let raw = row.try_get_raw(idx).map_err(|e| e.to_string())?;
        if raw.is_null() {
            return Ok(None);
        }
        T::from_postgres(row, idx).map(Some)
    }
}

/// The text forms SQLite stores, fixed-width where order matters so that comparing the
/// text compares the values: dates `2026-11-22`, times `14:05:09.000000`, instants in
/// UTC `2026-11-22 14:05:09.000000`, UUIDs hyphenated in lower case.
pub mod text {
    use super::*;
    use time::format_description::FormatItem;
    use time::macros::format_description;

    const DATE: &[FormatItem<'_>] = format_description!("[year]-[month]-[day]");
    const TIME: &[FormatItem<'_>] =
        format_description!("[hour]:[minute]:[second].[subsecond digits:6]");
    const TIME_IN: &[FormatItem<'_>] =
        format_description!("[hour]:[minute]:[second][optional [.[subsecond]]]");
    const DATETIME: &[FormatItem<'_>] =
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]");
    const DATETIME_IN: &[FormatItem<'_>] = format_description!(
        "[year]-[month]-[day][first [ ][T]][hour]:[minute]:[second][optional [.[subsecond]]]"
    );

    /// `2026-11-22`.
    pub fn date(d: Date) -> String {
        d.format(DATE).unwrap_or_default()
    }

    /// `14:05:09.000000`.
    pub fn time(t: Time) -> String {
        t.format(TIME).unwrap_or_default()
    }

    /// `2026-11-22 14:05:09.000000`, in UTC.
    pub fn datetime(dt: OffsetDateTime) -> String {
        dt.to_offset(time::UtcOffset::UTC)
            .format(DATETIME)
            .unwrap_or_default()
    }

    /// Reads a date.
    pub fn parse_date(s: &str) -> Result<Date, String> {
        Date::parse(s, DATE).map_err(|e| format!("`{s}` is not a date: {e}"))
    }

    /// Reads a time of day.
    pub fn parse_time(s: &str) -> Result<Time, String> {
        Time::parse(s, TIME_IN).map_err(|e| format!("`{s}` is not a time: {e}"))
    }

    /// Reads an instant stored in UTC (with or without a trailing offset).
    pub fn parse_datetime(s: &str) -> Result<OffsetDateTime, String> {
        let plain = s
            .strip_suffix("+00:00")
            .or_else(|| s.strip_suffix('Z'))
            .unwrap_or(s);
        time::PrimitiveDateTime::parse(plain, DATETIME_IN)
            .map(|dt| dt.assume_utc())
            .map_err(|e| format!("`{s}` is not a date and time: {e}"))
    }

    /// Reads a decimal number (also one SQLite stored as an integer or a float).
    pub fn parse_decimal(s: &str) -> Result<Decimal, String> {
        s.parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(s))
            .map_err(|e| format!("`{s}` is not a decimal number: {e}"))
    }

    /// Reads a UUID.
    pub fn parse_uuid(s: &str) -> Result<Uuid, String> {
        Uuid::parse_str(s).map_err(|e| format!("`{s}` is not a UUID: {e}"))
    }

    /// Reads a JSON document.
    pub fn parse_json(s: &str) -> Result<serde_json::Value, String> {
        serde_json::from_str(s).map_err(|e| format!("not valid JSON: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::text::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn text_forms_round_trip_and_sort_as_values() {
        let d = date!(2026 - 11 - 22);
        assert_eq!(parse_date(&date(d)).unwrap(), d);
        let t = time!(9:05:01.25);
        assert_eq!(time(t), "09:05:01.250000");
        assert_eq!(parse_time(&time(t)).unwrap(), t);
        let dt = datetime!(2026-11-22 14:05:09.5 +02:00);
        assert_eq!(datetime(dt), "2026-11-22 12:05:09.500000");
        assert_eq!(parse_datetime(&datetime(dt)).unwrap(), dt);
        assert_eq!(
            parse_datetime("2026-11-22T12:05:09Z").unwrap(),
            datetime!(2026-11-22 12:05:09 UTC)
        );
        // Fixed width: text order is value order.
        assert!(time(time!(9:00)) < time(time!(10:00)));
    }

    #[test]
    fn decimals_come_back_from_sqlite_numbers() {
        assert_eq!(parse_decimal("19.99").unwrap().to_string(), "19.99");
        assert_eq!(parse_decimal("20").unwrap().to_string(), "20");
        assert_eq!(parse_decimal("1e3").unwrap().to_string(), "1000");
        assert!(parse_decimal("nope").unwrap_err().contains("`nope`"));
    }
}
