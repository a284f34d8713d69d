//! `csrf_input()` and `csrf_token()` in templates.

use minijinja::Value;

use super::{CsrfToken, FIELD_NAME};

/// The two template functions for one render. Each call masks the secret afresh; with
/// CSRF switched off they print nothing.
///
/// ```text
/// <form method="post">{{ csrf_input() }} ... </form>
/// <meta name="csrf-token" content="{{ csrf_token() }}">
/// ```
pub(crate) fn template_functions(token: Option<CsrfToken>) -> [(&'static str, Value); 2] {
    let for_input = token.clone();
    let input = Value::from_function(move || -> Value {
        match &for_input {
            Some(token) => Value::from_safe_string(format!(
                r#"<input type="hidden" name="{FIELD_NAME}" value="{}">"#,
                token.masked()
            )),
            None => Value::from(""),
        }
    });
    let bare = Value::from_function(move || -> String {
        token.as_ref().map(CsrfToken::masked).unwrap_or_default()
    });
    [("csrf_input", input), ("csrf_token", bare)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_is_safe_html_with_a_fresh_token_each_call() {
        let [input, token] = template_functions(Some(CsrfToken::new(None)));
        let env = minijinja::Environment::new();
        let out = env
            .render_str(
                "{{ csrf_input() }}|{{ csrf_token() }}|{{ csrf_token() }}",
                minijinja::context! { csrf_input => input.1, csrf_token => token.1 },
            )
            .unwrap();
        let parts: Vec<&str> = out.split('|').collect();
        assert!(parts[0].starts_with(r#"<input type="hidden" name="csrf_token" value=""#));
        assert_eq!(parts[1].len(), 86);
        assert_ne!(parts[1], parts[2]);

        let [input, _] = template_functions(None);
        let out = env
            .render_str("[{{ f() }}]", minijinja::context! { f => input.1 })
            .unwrap();
        assert_eq!(out, "[]");
    }
}
