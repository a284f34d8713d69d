//! Errors: the crate's [`Error`] enum for configuration and framework operations,
//! [`HttpError`] for handlers, and the error pages they turn into.

mod http;
pub(crate) mod pages;
mod report;

use std::path::PathBuf;

pub use http::{ClientError, HttpError, HttpResult};
pub use report::{ErrorReport, TemplateErrorInfo};

use crate::checks::CheckMessage;
use crate::settings::SettingsProblem;

/// Everything that can go wrong while configuring or running a Galvani project.
///
/// Every message says what went wrong and how to fix it:
///
/// ```
/// use galvani_core::Error;
/// let err = Error::NoSuchRoute {
///     name: "shop:prodcut".into(),
///     suggestions: vec!["shop:product".into()],
/// };
/// assert_eq!(
///     err.to_string(),
///     "no route is named `shop:prodcut`; did you mean `shop:product`?"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings file or `GALVANI_*` variables could not be used.
    #[error("{}", settings_message(.problems))]
    Settings {
        /// Every problem found, each naming its key and where it was set.
        problems: Vec<SettingsProblem>,
    },

    /// A file or folder could not be read or written.
    #[error("could not {action} `{}`: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done, such as "read the settings file".
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// `reverse` was asked for a route name that does not exist.
    #[error("no route is named `{name}`{}", did_you_mean(.suggestions))]
    NoSuchRoute {
        /// The name asked for.
        name: String,
        /// Similar names (filled in debug mode).
        suggestions: Vec<String>,
    },

    /// `reverse` was not given a parameter the route's path needs.
    #[error("route `{route}` ({path}) needs the parameter `{param}`; it takes: {}", .expected.join(", "))]
    MissingUrlParam {
        /// The route name.
        route: String,
        /// The route's path pattern.
        path: String,
        /// The missing parameter.
        param: String,
        /// All parameters the route takes.
        expected: Vec<String>,
    },

    /// `reverse` was given a parameter the route's path does not have.
    #[error("route `{route}` ({path}) has no parameter `{param}`; it takes: {}", takes(.expected))]
    UnexpectedUrlParam {
        /// The route name.
        route: String,
        /// The route's path pattern.
        path: String,
        /// The parameter that does not belong.
        param: String,
        /// All parameters the route takes.
        expected: Vec<String>,
    },

    /// `reverse` was given an empty value, which would produce a path that does not route.
    #[error("route `{route}` got an empty value for `{param}`; give a non-empty value")]
    EmptyUrlParam {
        /// The route name.
        route: String,
        /// The parameter.
        param: String,
    },

    /// Routes were declared in a way that cannot work (duplicate name, bad path syntax).
    #[error("invalid routes: {message}")]
    Routes {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A template failed to load, parse or render.
    #[error("template error: {0:#}")]
    Template(#[from] minijinja::Error),

    /// A static file problem (missing manifest entry, unreadable manifest, CSS reference).
    #[error("static files: {message}")]
    Static {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// The system checks found errors; the project refuses to start.
    #[error("{}", checks_message(.messages))]
    Checks {
        /// The errors found (warnings are not included).
        messages: Vec<CheckMessage>,
    },

    /// The server could not listen on an address.
    #[error(
        "could not listen on {addr}: {source}; is another server running there? Pass another address, e.g. `runserver 127.0.0.1:8001`"
    )]
    Bind {
        /// The address.
        addr: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A handler asked for `Data<T>` that was never registered.
    #[error(
        "no `{type_name}` is registered as project data; add it with `Project::data(...)` or `ReadyContext::insert(...)` in an app's `ready`"
    )]
    MissingData {
        /// The type asked for.
        type_name: &'static str,
    },

    /// The apps were put together in a way that cannot work.
    #[error("app `{label}`: {message}")]
    App {
        /// The app's label.
        label: String,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A management command failed.
    #[error("{message}")]
    Command {
        /// What went wrong.
        message: String,
    },

    /// A command run by `call_command` failed after printing `output`.
    #[error("{error}")]
    CommandFailed {
        /// Why it failed.
        error: Box<Error>,
        /// What it printed before failing.
        output: String,
    },

    /// An email could not be built or sent.
    #[error("mail: {message}")]
    Mail {
        /// What went wrong and how to fix it.
        message: String,
    },

    /// A signed value (cookie, token, link) was changed, malformed, or signed with a key
    /// this site does not have.
    #[error(
        "the signed value was refused: {reason} (it was changed, or signed with another secret key; a rotated key belongs in `secret_key_fallbacks`)"
    )]
    BadSignature {
        /// Which part of the check failed.
        reason: &'static str,
    },

    /// A signed value was genuine but older than allowed.
    #[error("the signed value has expired: it is {age:?} old and at most {max_age:?} is accepted")]
    SignatureExpired {
        /// How old it is.
        age: std::time::Duration,
        /// The maximum age accepted.
        max_age: std::time::Duration,
    },
}

impl Error {
    /// A management-command failure with this message.
    pub fn command(message: impl Into<String>) -> Self {
        Error::Command {
            message: message.into(),
        }
    }
}

/// `Result` with Galvani's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn settings_message(problems: &[SettingsProblem]) -> String {
    let mut out = match problems.len() {
        1 => "invalid settings: ".to_owned(),
        n => format!("invalid settings ({n} problems):\n  "),
    };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    out.push_str(&lines.join("\n  "));
    out
}

fn checks_message(messages: &[CheckMessage]) -> String {
    let lines: Vec<String> = messages.iter().map(ToString::to_string).collect();
    format!(
        "system check identified {} error(s); the project will not start until they are fixed:\n{}",
        messages.len(),
        lines.join("\n")
    )
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => {
            let quoted: Vec<String> = many.iter().map(|s| format!("`{s}`")).collect();
            format!("; did you mean one of {}?", quoted.join(", "))
        }
    }
}

fn takes(expected: &[String]) -> String {
    if expected.is_empty() {
        "no parameters".to_owned()
    } else {
        expected.join(", ")
    }
}
