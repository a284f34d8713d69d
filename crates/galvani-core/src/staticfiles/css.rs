//! Finding and rewriting file references inside CSS (`url(...)` and `@import`), so
//! hashed names stay consistent after `collectstatic`.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^'"()\s]+))\s*\)"#).expect("valid regex")
});
static IMPORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)@import\s+(?:"([^"]*)"|'([^']*)')"#).expect("valid regex"));
static COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)/\*.*?\*/").expect("valid regex"));

/// A reference found in a stylesheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CssRef {
    /// Where the URL text sits in the stylesheet.
    pub span: Range<usize>,
    /// The static file it points at (a path relative to the static root).
    pub target: String,
    /// How it was written, minus query and fragment.
    pub written: String,
    /// `?query` and `#fragment` kept as written.
    pub suffix: String,
}

/// Every reference in `css` (the stylesheet at `css_path`) that points at a static file.
/// External URLs, `data:` URIs, fragments and absolute paths outside `static_url` are left
/// alone; references in comments are ignored.
pub(crate) fn references(css: &str, css_path: &str, static_url: &str) -> Vec<CssRef> {
    let comments: Vec<Range<usize>> = COMMENT.find_iter(css).map(|m| m.range()).collect();
    let in_comment = |i: usize| comments.iter().any(|c| c.contains(&i));
    let mut refs = Vec::new();
    for re in [&*URL, &*IMPORT] {
        for caps in re.captures_iter(css) {
            let Some(m) = (1..=3).find_map(|i| caps.get(i)) else {
                continue;
            };
            if in_comment(m.start()) {
                continue;
            }
            if let Some((target, written, suffix)) = resolve(css_path, m.as_str(), static_url) {
                refs.push(CssRef {
                    span: m.range(),
                    target,
                    written,
                    suffix,
                });
            }
        }
    }
    refs.sort_by_key(|r| r.span.start);
    refs.dedup_by_key(|r| r.span.start);
    refs
}

fn resolve(css_path: &str, reference: &str, static_url: &str) -> Option<(String, String, String)> {
    let reference = reference.trim();
    let lower = reference.to_ascii_lowercase();
    let external = [
        "data:", "#", "http:", "https:", "//", "about:", "blob:", "%23",
    ];
    if reference.is_empty() || external.iter().any(|p| lower.starts_with(p)) {
        return None;
    }
    let cut = reference.find(['?', '#']).unwrap_or(reference.len());
    let (path, suffix) = reference.split_at(cut);
    let joined = if let Some(abs) = path.strip_prefix('/') {
        let prefix = static_url.trim_start_matches('/');
        abs.strip_prefix(prefix)?.to_owned()
    } else {
        match css_path.rfind('/') {
            Some(i) => format!("{}/{path}", &css_path[..i]),
            None => path.to_owned(),
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return None;
    }
    let target = percent_encoding::percent_decode_str(&parts.join("/"))
        .decode_utf8()
        .ok()?
        .into_owned();
    Some((target, path.to_owned(), suffix.to_owned()))
}

/// `css` with every reference replaced by `hashed(target)`'s file name, keeping the
/// directory part, query and fragment as written.
pub(crate) fn rewrite(
    css: &str,
    refs: &[CssRef],
    hashed: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(css.len() + refs.len() * 16);
    let mut last = 0;
    for r in refs {
        let Some(new_target) = hashed(&r.target) else {
            continue;
        };
        let new_base = new_target.rsplit('/').next().unwrap_or(&new_target);
        let dir = match r.written.rfind('/') {
            Some(i) => &r.written[..=i],
            None => "",
        };
        out.push_str(&css[last..r.span.start]);
        out.push_str(dir);
        out.push_str(new_base);
        out.push_str(&r.suffix);
        last = r.span.end;
    }
    out.push_str(&css[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSS: &str = r#"
@import "base.css";
@import url('../fonts/fonts.css');
body { background: url(img/bg.png) }
.logo { background-image: url( "../img/logo.svg?v=2#icon" ) }
.ext { background: url(https://cdn.example.com/x.png) }
.data { background: url(data:image/png;base64,AAAA) }
.abs { background: url(/static/shop/abs.png) }
.other { background: url(/media/upload.png) }
/* url(commented.png) */
.frag { filter: url(#svg-filter) }
"#;

    #[test]
    fn finds_static_references_only() {
        let refs = references(CSS, "shop/css/site.css", "/static/");
        let targets: Vec<&str> = refs.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "shop/css/base.css",
                "shop/fonts/fonts.css",
                "shop/css/img/bg.png",
                "shop/img/logo.svg",
                "shop/abs.png"
            ]
        );
        assert_eq!(refs[3].suffix, "?v=2#icon");
    }

    #[test]
    fn rewriting_keeps_directories_and_suffixes() {
        let refs = references(CSS, "shop/css/site.css", "/static/");
        let out = rewrite(CSS, &refs, |t| {
            let (stem, ext) = t.rsplit_once('.').unwrap();
            Some(format!("{stem}.abc123.{ext}"))
        });
        assert!(out.contains(r#"@import "base.abc123.css";"#), "{out}");
        assert!(out.contains("url('../fonts/fonts.abc123.css')"), "{out}");
        assert!(out.contains("url(img/bg.abc123.png)"), "{out}");
        assert!(
            out.contains(r#"url( "../img/logo.abc123.svg?v=2#icon" )"#),
            "{out}"
        );
        assert!(out.contains("url(/static/shop/abs.abc123.png)"), "{out}");
        assert!(out.contains("url(https://cdn.example.com/x.png)"), "{out}");
        assert!(out.contains("url(commented.png)"), "{out}");
    }

    #[test]
    fn references_cannot_climb_out_of_the_static_root() {
        assert!(references("a { b: url(../../x.png) }", "shop/a.css", "/static/").is_empty());
    }
}
