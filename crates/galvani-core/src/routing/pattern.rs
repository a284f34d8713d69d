//! Route path patterns (axum 0.8 syntax: `/products/{id}`, `/files/{*path}`), checked
//! when routes are declared and used to build paths when reversing.

use std::fmt::Write;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters escaped in one path segment: everything outside RFC 3986 `pchar`, plus
/// `'` and `&`, so a reversed path needs no HTML escaping.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'\'')
    .add(b'&')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'/');

/// A catch-all keeps its slashes; so do static-file URLs.
pub(crate) const CATCH_ALL: &AsciiSet = &SEGMENT.remove(b'/');

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Param(String),
    CatchAll(String),
}

/// A parsed route path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPattern {
    raw: String,
    parts: Vec<Part>,
}

impl UrlPattern {
    /// Parses and checks a route path, explaining what to write instead when it is wrong.
    pub fn parse(raw: &str) -> Result<UrlPattern, String> {
        if !raw.starts_with('/') {
            return Err(format!("route path `{raw}` must start with `/`"));
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let rest = &raw[i + 1..];
                    let end = rest
                        .find('}')
                        .ok_or_else(|| format!("route path `{raw}` has an unclosed `{{`"))?;
                    let inner = &rest[..end];
                    for _ in 0..=end {
                        chars.next();
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    let (catch_all, name) = match inner.strip_prefix('*') {
                        Some(n) => (true, n),
                        None => (false, inner),
                    };
                    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        return Err(format!(
                            "route path `{raw}`: `{{{inner}}}` is not a parameter name; use letters, digits and `_`"
                        ));
                    }
                    if parts
                        .iter()
                        .any(|p| matches!(p, Part::Param(n) | Part::CatchAll(n) if n == name))
                    {
                        return Err(format!(
                            "route path `{raw}` uses the parameter `{name}` twice"
                        ));
                    }
                    if catch_all {
                        if chars.peek().is_some() {
                            return Err(format!(
                                "route path `{raw}`: the catch-all `{{*{name}}}` must come last"
                            ));
                        }
                        parts.push(Part::CatchAll(name.to_owned()));
                    } else {
                        parts.push(Part::Param(name.to_owned()));
                    }
                }
                '}' => return Err(format!("route path `{raw}` has a `}}` without `{{`")),
                '"' | '\'' | '<' | '>' | '`' | '?' | '#' | '\\' | '%' => {
                    return Err(format!(
                        "route path `{raw}` contains `{c}`, which cannot appear in a route path"
                    ));
                }
                c if c.is_whitespace() || c.is_control() => {
                    return Err(format!(
                        "route path `{raw}` contains whitespace or a control character"
                    ));
                }
                ':' | '*' if raw[..i].ends_with('/') => {
                    let name: String = raw[i + 1..].chars().take_while(|c| *c != '/').collect();
                    let fixed = if c == ':' {
                        format!("{{{name}}}")
                    } else {
                        format!("{{*{name}}}")
                    };
                    return Err(format!(
                        "route path `{raw}` uses the old `{c}{name}` syntax; write `{fixed}` instead"
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(UrlPattern {
            raw: raw.to_owned(),
            parts,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The parameter names, in order.
    pub fn params(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Param(n) | Part::CatchAll(n) => Some(n.clone()),
                Part::Literal(_) => None,
            })
            .collect()
    }

    /// This pattern mounted under `prefix` (`/shop` + `/items/{id}` = `/shop/items/{id}`).
    /// A prefix may hold parameters (`/{lang}`); reversing then needs them too.
    pub fn prefixed(&self, prefix: &str) -> Result<UrlPattern, String> {
        let prefix = prefix.trim_end_matches('/');
        if prefix.is_empty() {
            return Ok(self.clone());
        }
        let head = UrlPattern::parse(prefix).map_err(|e| format!("prefix: {e}"))?;
        if head.parts.iter().any(|p| matches!(p, Part::CatchAll(_))) {
            return Err(format!(
                "prefix `{prefix}` cannot contain a catch-all parameter"
            ));
        }
        let raw = if self.raw == "/" {
            format!("{prefix}/")
        } else {
            format!("{prefix}{}", self.raw)
        };
        // Parsing the joined path checks it as a whole (a parameter named twice, say).
        UrlPattern::parse(&raw)
    }

    /// Fills the parameters with percent-encoded values. `lookup` returns the value of a
    /// parameter or `None` when it was not given.
    pub fn build<'a>(
        &self,
        mut lookup: impl FnMut(&str) -> Option<&'a str>,
    ) -> Result<String, BuildError> {
        let mut out = String::with_capacity(self.raw.len() + 16);
        for part in &self.parts {
            match part {
                Part::Literal(l) => out.push_str(l),
                Part::Param(name) | Part::CatchAll(name) => {
                    let value = lookup(name).ok_or_else(|| BuildError::Missing(name.clone()))?;
                    if value.is_empty() {
                        return Err(BuildError::Empty(name.clone()));
                    }
                    let set = if matches!(part, Part::CatchAll(_)) {
                        CATCH_ALL
                    } else {
                        SEGMENT
                    };
                    let _ = write!(out, "{}", utf8_percent_encode(value, set));
                }
            }
        }
        Ok(escape_leading_slashes(out))
    }
}

/// A path starting with `//` (or `/\\`, which browsers read the same way) is a link to
/// another host; the second character is percent-encoded so the path stays on this site.
pub fn escape_leading_slashes(path: String) -> String {
    match path.as_bytes() {
        [b'/', b'/', ..] => format!("/%2F{}", &path[2..]),
        [b'/', b'\\', ..] => format!("/%5C{}", &path[2..]),
        _ => path,
    }
}

/// Why a pattern could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// A parameter was not given.
    Missing(String),
    /// A parameter was given an empty value.
    Empty(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(p: &str, args: &[(&str, &str)]) -> Result<String, BuildError> {
        UrlPattern::parse(p)
            .unwrap()
            .build(|n| args.iter().find(|(k, _)| *k == n).map(|(_, v)| *v))
    }

    #[test]
    fn parameters_are_filled_and_escaped() {
        assert_eq!(build("/p/{id}", &[("id", "5")]).unwrap(), "/p/5");
        assert_eq!(
            build("/p/{slug}/", &[("slug", "a b/c?")]).unwrap(),
            "/p/a%20b%2Fc%3F/"
        );
        assert_eq!(
            build("/f/{*path}", &[("path", "css/a b.css")]).unwrap(),
            "/f/css/a%20b.css"
        );
        assert_eq!(build("/p/{id}.json", &[("id", "7")]).unwrap(), "/p/7.json");
        assert_eq!(build("/é/{x}", &[("x", "ü")]).unwrap(), "/é/%C3%BC");
        assert_eq!(
            build("/p/{x}", &[("x", "a'b&c\"<d>")]).unwrap(),
            "/p/a%27b%26c%22%3Cd%3E"
        );
    }

    #[test]
    fn missing_and_empty_parameters_are_errors() {
        assert_eq!(build("/p/{id}", &[]), Err(BuildError::Missing("id".into())));
        assert_eq!(
            build("/p/{id}", &[("id", "")]),
            Err(BuildError::Empty("id".into()))
        );
    }

    #[test]
    fn bad_paths_explain_the_fix() {
        assert!(
            UrlPattern::parse("p")
                .unwrap_err()
                .contains("must start with `/`")
        );
        assert!(
            UrlPattern::parse("/p/:id")
                .unwrap_err()
                .contains("write `{id}` instead")
        );
        assert!(
            UrlPattern::parse("/p/{id")
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(
            UrlPattern::parse("/p/{*rest}/x")
                .unwrap_err()
                .contains("must come last")
        );
        assert!(
            UrlPattern::parse("/p/{a}/{a}")
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            UrlPattern::parse("/p/{a-b}")
                .unwrap_err()
                .contains("not a parameter name")
        );
    }

    #[test]
    fn escaped_braces_are_literal() {
        let p = UrlPattern::parse("/a{{b}}/{x}").unwrap();
        assert_eq!(p.params(), ["x"]);
        assert_eq!(p.build(|_| Some("1")).unwrap(), "/a{b}/1");
    }

    #[test]
    fn prefixing_keeps_parameters() {
        let p = UrlPattern::parse("/items/{id}")
            .unwrap()
            .prefixed("/shop/")
            .unwrap();
        assert_eq!(p.as_str(), "/shop/items/{id}");
        assert_eq!(p.build(|_| Some("3")).unwrap(), "/shop/items/3");
        let root = UrlPattern::parse("/").unwrap();
        assert_eq!(root.prefixed("/shop").unwrap().as_str(), "/shop/");
        let lang = UrlPattern::parse("/p/{id}")
            .unwrap()
            .prefixed("/{lang}")
            .unwrap();
        assert_eq!(lang.params(), ["lang", "id"]);
        assert!(
            UrlPattern::parse("/{id}")
                .unwrap()
                .prefixed("/{id}")
                .is_err()
        );
        assert!(
            root.prefixed("shop")
                .unwrap_err()
                .contains("must start with `/`")
        );
    }

    #[test]
    fn built_paths_never_leave_the_site() {
        let p = UrlPattern::parse("/{*rest}").unwrap();
        assert_eq!(
            p.build(|_| Some("/evil.example")).unwrap(),
            "/%2Fevil.example"
        );
        assert_eq!(escape_leading_slashes("/\\x".into()), "/%5Cx");
        assert_eq!(escape_leading_slashes("/ok/".into()), "/ok/");
    }
}
