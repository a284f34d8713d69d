//! Finds the field names of a `Deserialize` struct, so an unknown settings key can be
//! answered with "did you mean ...?". It asks the type to deserialize from a recorder
//! that notes the field list serde hands to `deserialize_struct`, then stops.

use serde::de::{self, Deserialize, Visitor};
use std::fmt;

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

struct Recorder<'a>(&'a mut Vec<&'static str>);

impl<'de> de::Deserializer<'de> for Recorder<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stop> {
        self.0.extend_from_slice(fields);
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// The field names of struct `T` (empty when `T` is not a plain struct).
pub fn fields_of<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
    let mut fields = Vec::new();
    let _ = T::deserialize(Recorder(&mut fields));
    fields
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_struct_fields() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct S {
            alpha: u8,
            #[serde(rename = "beta")]
            b: String,
        }
        assert_eq!(super::fields_of::<S>(), ["alpha", "beta"]);
        assert!(super::fields_of::<u8>().is_empty());
    }
}
