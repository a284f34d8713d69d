//! Names derived from Rust identifiers: `OrderItem` -> `order_item`, `order item`.

/// `InTransit` -> `in_transit`.
pub(crate) fn snake(camel: &str) -> String {
    separated(camel, '_')
}

/// `OrderItem` -> `order item`.
pub(crate) fn words(camel: &str) -> String {
    separated(camel, ' ')
}

/// `InTransit` -> `In transit`.
pub(crate) fn sentence(camel: &str) -> String {
    let spaced = words(camel);
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

fn separated(camel: &str, separator: char) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(separator);
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_becomes_snake_words_and_sentences() {
        assert_eq!(snake("InTransit"), "in_transit");
        assert_eq!(words("OrderItem"), "order item");
        assert_eq!(words("Product"), "product");
        assert_eq!(sentence("InTransit"), "In transit");
    }
}
