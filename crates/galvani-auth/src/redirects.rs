//! The open-redirect guard for `next=` parameters.

/// `next` when it is a path on this site, `None` otherwise: only a path beginning with a
/// single `/` is accepted, so `https://evil.example`, `//evil.example`, `/\evil.example`,
/// `javascript:...` and control characters are all refused.
///
/// ```
/// use galvani_auth::safe_next;
/// assert_eq!(safe_next("/orders/?page=2"), Some("/orders/?page=2"));
/// assert_eq!(safe_next("https://evil.example"), None);
/// assert_eq!(safe_next("//evil.example/x"), None);
/// assert_eq!(safe_next("/\\evil.example"), None);
/// ```
pub fn safe_next(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let ok = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next
            .chars()
            .any(|c| c.is_control() || c == '\\' || c.is_whitespace());
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_pass() {
        for good in ["/", "/a", "/a/b?c=d#e", "/%2F%2Fevil"] {
            assert_eq!(safe_next(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "https://evil.example",
            "http:/evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/a\nLocation: x",
            "/\t/evil.example",
            "evil.example",
            " /a",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
