//! Galvani's own templates (the debug page, the fallback error page, the form macros) and the
//! built-in filters.

use minijinja::Value;
use minijinja::value::ValueKind;

/// `(name, source)` of every built-in template; apps and the project can override them.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "galvani/debug.html",
        include_str!("../../templates/galvani/debug.html"),
    ),
    (
        "galvani/error.html",
        include_str!("../../templates/galvani/error.html"),
    ),
    (
        "galvani/forms.html",
        include_str!("../../templates/galvani/forms.html"),
    ),
];

/// The source of a built-in template.
pub(super) fn get(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// `{{ data|json_script("product-data") }}`: a `<script type="application/json">` element
/// holding `data` as JSON, escaped so that no value can close the element or inject markup.
/// Read it in JavaScript with `JSON.parse(document.getElementById("product-data").textContent)`.
pub(super) fn json_script(value: Value, id: Option<String>) -> Result<Value, minijinja::Error> {
    if value.kind() == ValueKind::Undefined {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::UndefinedError,
            "json_script got an undefined value",
        ));
    }
    let json = serde_json::to_string(&value).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::BadSerialization, "json_script").with_source(e)
    })?;
    let json = json
        .replace('<', "\\u003C")
        .replace('>', "\\u003E")
        .replace('&', "\\u0026");
    let id_attr = match id {
        Some(id) => format!(" id=\"{}\"", html_escape(&id)),
        None => String::new(),
    };
    Ok(Value::from_safe_string(format!(
        "<script{id_attr} type=\"application/json\">{json}</script>"
    )))
}

/// Escapes `& < > " '` for HTML text and attributes.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_script_cannot_break_out_of_the_element() {
        let v = Value::from("</script><script>alert(1)</script>&");
        let out = json_script(v, Some("a\"b".into())).unwrap().to_string();
        assert!(!out.contains("</script><"), "{out}");
        assert!(out.starts_with("<script id=\"a&quot;b\" type=\"application/json\">"));
        assert!(out.contains("\\u003C/script\\u003E"));
        assert!(out.contains("\\u0026"));
    }

    #[test]
    fn html_escape_covers_quotes() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }
}
