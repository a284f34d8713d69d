//! [`ErrorReport`]: the facts about a failed request that the error page shows.

use http::StatusCode;

/// What went wrong with a request. Handlers and middleware put one in the response
/// extensions (through [`HttpError`](super::HttpError)); the error-page middleware turns it
/// into the debug page, the project's `{status}.html`, or a JSON error.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ErrorReport {
    /// The response status.
    pub status: StatusCode,
    /// A message that is safe to show the client (shown in production for 4xx only).
    pub message: String,
    /// The chain of underlying causes, outermost first (debug page and logs only).
    pub causes: Vec<String>,
    /// The failing template, when a template caused the error.
    pub template: Option<TemplateErrorInfo>,
    /// True when the error is a caught panic.
    pub panic: bool,
}

/// Where in a template an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateErrorInfo {
    /// The template's name, such as `shop/product_detail.html`.
    pub name: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What went wrong at that spot.
    pub detail: String,
    /// Numbered source lines around the error.
    pub excerpt: Vec<(usize, String)>,
}

impl ErrorReport {
    /// A report with a status and client-safe message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ErrorReport {
            status,
            message: message.into(),
            causes: Vec::new(),
            template: None,
            panic: false,
        }
    }

    /// Records `err` and its `source()` chain; a template error also fills [`Self::template`].
    pub fn add_cause_chain(&mut self, err: &(dyn std::error::Error + 'static)) {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = current {
            if self.template.is_none()
                && let Some(info) = template_info(e)
            {
                self.template = Some(info);
            }
            let text = e.to_string();
            // A wrapper that prints its source would repeat it on the next line.
            if !self
                .causes
                .last()
                .is_some_and(|outer| outer.contains(&text))
            {
                self.causes.push(text);
            }
            current = e.source();
        }
    }

    /// Whether this is a server error (5xx).
    pub fn is_server_error(&self) -> bool {
        self.status.is_server_error()
    }
}

fn template_info(e: &(dyn std::error::Error + 'static)) -> Option<TemplateErrorInfo> {
    let err: &minijinja::Error = match e.downcast_ref::<crate::Error>() {
        Some(crate::Error::Template(inner)) => inner,
        _ => e.downcast_ref::<minijinja::Error>()?,
    };
    let name = err.name()?.to_owned();
    let line = err.line();
    let excerpt = match (err.template_source(), line) {
        (Some(source), Some(line)) => source
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_owned()))
            .filter(|(n, _)| n.abs_diff(line) <= 3)
            .collect(),
        _ => Vec::new(),
    };
    Some(TemplateErrorInfo {
        name,
        line,
        detail: err
            .detail()
            .map(str::to_owned)
            .unwrap_or_else(|| err.kind().to_string()),
        excerpt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_error_is_located() {
        let mut env = minijinja::Environment::new();
        env.add_template("t.html", "line one\n{{ 1 + }}\nline three")
            .unwrap_err();
        let err = env
            .template_from_named_str("t.html", "line one\n{{ 1 + }}\nline three")
            .unwrap_err();
        let mut report = ErrorReport::new(StatusCode::INTERNAL_SERVER_ERROR, "x");
        report.add_cause_chain(&err);
        let info = report.template.unwrap();
        assert_eq!(info.name, "t.html");
        assert_eq!(info.line, Some(2));
        assert_eq!(info.excerpt.len(), 3);
    }
}
