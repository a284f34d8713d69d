//! Forms for HTML pages: typed input validated with [garde], every field's errors shown
//! back beside the field with what the user typed, and uploads within limits.
//!
//! [`HtmlForm<T>`] reads a URL-encoded or multipart body into `T` (serde) and checks it
//! with garde. Unlike the strict [`Form`](crate::extract::Form) extractor, which refuses
//! bad input with 400/422 (right for APIs), it never refuses: the handler renders the
//! page again with the form, and the template's `field` macro shows the errors.
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::forms::HtmlForm;
//!
//! #[derive(serde::Deserialize, garde::Validate)]
//! struct Contact {
//!     #[garde(email)]
//!     email: String,
//!     #[garde(length(min = 10, max = 2000))]
//!     message: String,
//! }
//!
//! async fn contact(form: HtmlForm<Contact>) -> Response {
//!     match form.valid() {
//!         Some(contact) => Redirect::to("/thanks").into_response(),
//!         None => Template::new("contact.html", context! { form })
//!             .with_status(StatusCode::UNPROCESSABLE_ENTITY)
//!             .into_response(),
//!     }
//! }
//! ```
//!
//! In the template (`galvani/forms.html` is built in):
//!
//! ```text
//! {% import "galvani/forms.html" as forms %}
//! <form method="post">{{ csrf_input() }}
//!   {{ forms.errors(form) }}
//!   {{ forms.field(form, "email", "Email", type="email", autocomplete="email") }}
//!   {{ forms.field(form, "message", "Message", type="textarea") }}
//!   <button>Send</button>
//! </form>
//! ```
//!
//! Blank fields count as absent, as in Django: a blank required field is "This field
//! is required.", a blank `Option` field is `None`. Password fields are never sent back
//! to the page.

mod parse;
mod upload;

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use http::header::CONTENT_TYPE;
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;

pub use upload::{UploadedFile, safe_file_name};

use crate::error::HttpError;

/// A submitted form: the raw input, its errors, and the typed value when valid.
///
/// It serialises for templates as `{bound, valid, data, errors, non_field_errors}`:
/// `data` maps field names to what was typed (fields named like `password` left
/// out), `errors` maps field names to messages.
pub struct HtmlForm<T> {
    bound: bool,
    data: Vec<(String, String)>,
    files: Vec<UploadedFile>,
    errors: parse::Errors,
    value: Option<T>,
}

impl<T> std::fmt::Debug for HtmlForm<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HtmlForm")
            .field("bound", &self.bound)
            .field("errors", &self.errors)
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

impl<T> HtmlForm<T> {
    /// An empty form, for the page that first shows it.
    ///
    /// ```
    /// let form = galvani_core::forms::HtmlForm::<()>::empty();
    /// assert!(!form.is_bound() && form.valid().is_none());
    /// ```
    pub fn empty() -> Self {
        HtmlForm {
            bound: false,
            data: Vec::new(),
            files: Vec::new(),
            errors: BTreeMap::new(),
            value: None,
        }
    }

    /// An unbound form showing `value`'s fields, for a page that edits something that
    /// exists (Django's `initial=`). Fields are written as a submission would send
    /// them (`true`/`false` for booleans; `None` left out); a value with nested
    /// structures, which no HTML form sends, shows as empty.
    ///
    /// ```
    /// use galvani_core::forms::HtmlForm;
    /// #[derive(serde::Serialize)]
    /// struct Settings { address: String, newsletter: bool }
    ///
    /// let form = HtmlForm::initial(&Settings { address: "1 Volta St".into(), newsletter: true });
    /// assert!(!form.is_bound());
    /// assert_eq!(form.value_of("address"), Some("1 Volta St"));
    /// assert_eq!(form.value_of("newsletter"), Some("true"));
    /// ```
    pub fn initial(value: &T) -> Self
    where
        T: serde::Serialize,
    {
        let encoded = serde_urlencoded::to_string(value).unwrap_or_default();
        let data = form_urlencoded::parse(encoded.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        HtmlForm {
            data,
            ..Self::empty()
        }
    }

    /// A form filled with `pairs` and checked, as if they had been submitted.
    ///
    /// ```
    /// use galvani_core::forms::HtmlForm;
    /// #[derive(serde::Deserialize, garde::Validate)]
    /// struct Search { #[garde(length(min = 2))] q: String }
    ///
    /// assert!(HtmlForm::<Search>::submit([("q", "lamp")]).is_valid());
    /// let short = HtmlForm::<Search>::submit([("q", "l")]);
    /// assert_eq!(short.field_errors("q"), ["Length is lower than 2."]);
    /// ```
    pub fn submit<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        T: DeserializeOwned + garde::Validate<Context = ()>,
    {
        let data: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self::bind(data, Vec::new())
    }

    fn bind(data: Vec<(String, String)>, files: Vec<UploadedFile>) -> Self
    where
        T: DeserializeOwned + garde::Validate<Context = ()>,
    {
        let mut errors = BTreeMap::new();
        let value = parse::parse(&data, &mut errors);
        HtmlForm {
            bound: true,
            data,
            files,
            errors,
            value,
        }
    }

    /// The value, when the form was submitted and every check passed.
    pub fn valid(&self) -> Option<&T> {
        self.value.as_ref().filter(|_| self.errors.is_empty())
    }

    /// The value, taken out, when valid.
    pub fn into_valid(self) -> Option<T> {
        if self.errors.is_empty() {
            self.value
        } else {
            None
        }
    }

    /// Whether the form was submitted and every check passed.
    pub fn is_valid(&self) -> bool {
        self.valid().is_some()
    }

    /// Whether the form was submitted (not [`HtmlForm::empty`]).
    pub fn is_bound(&self) -> bool {
        self.bound
    }

    /// Adds an error found after validation (a taken user name, a password the
    /// validators refuse); `field` empty for the form as a whole. The form is then
    /// invalid.
    ///
    /// ```
    /// use galvani_core::forms::HtmlForm;
    /// #[derive(serde::Deserialize, garde::Validate)]
    /// struct SignUp { #[garde(length(min = 1))] username: String }
    ///
    /// let mut form = HtmlForm::<SignUp>::submit([("username", "ada")]);
    /// form.add_error("username", "That name is taken.");
    /// assert!(!form.is_valid());
    /// ```
    pub fn add_error(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// The errors of one field.
    pub fn field_errors(&self, field: &str) -> &[String] {
        self.errors
            .get(field)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// What was typed into `field` (the first value).
    pub fn value_of(&self, field: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, v)| v.as_str())
    }

    /// The uploaded files.
    pub fn files(&self) -> &[UploadedFile] {
        &self.files
    }
}

/// Fields never echoed back into a page.
fn is_secret(field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    lower.contains("password") || lower == "csrf_token"
}

impl<T> serde::Serialize for HtmlForm<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut data = BTreeMap::new();
        for (name, value) in &self.data {
            if !is_secret(name) {
                data.entry(name.as_str()).or_insert(value.as_str());
            }
        }
        let fields: BTreeMap<&str, &Vec<String>> = self
            .errors
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("bound", &self.bound)?;
        map.serialize_entry("valid", &self.is_valid())?;
        map.serialize_entry("data", &data)?;
        map.serialize_entry("errors", &fields)?;
        map.serialize_entry("non_field_errors", self.field_errors(""))?;
        map.end()
    }
}

impl<T, S> FromRequest<S> for HtmlForm<T>
where
    T: DeserializeOwned + garde::Validate<Context = ()> + Send,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, _: &S) -> Result<Self, HttpError> {
        if matches!(*req.method(), Method::GET | Method::HEAD) {
            return Ok(Self::empty());
        }
        let limits = crate::SiteState::of(&req)
            .map(|s| s.settings().uploads.clone())
            .unwrap_or_default();
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            let body = axum::body::to_bytes(req.into_body(), usize::MAX)
                .await
                .map_err(|e| {
                    HttpError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("the form body could not be read: {e}"),
                    )
                })?;
            let data: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
            if data.len() > limits.max_fields {
                return Err(upload::too_many_fields(&limits));
            }
            return Ok(Self::bind(data, Vec::new()));
        }
        if mime.eq_ignore_ascii_case("multipart/form-data") {
            let boundary = multer::parse_boundary(&content_type)
                .map_err(|_| HttpError::bad_request("the multipart body has no boundary"))?;
            let (data, files) = upload::read_multipart(req.into_body(), boundary, &limits).await?;
            return Ok(Self::bind(data, files));
        }
        Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "a form must be sent as application/x-www-form-urlencoded or multipart/form-data, not `{mime}`"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, garde::Validate)]
    struct Login {
        #[garde(length(min = 1))]
        username: String,
        #[garde(length(min = 1))]
        password: String,
    }

    #[test]
    fn passwords_are_not_sent_back_to_the_page() {
        let form = HtmlForm::<Login>::submit([("username", "ada"), ("password", "")]);
        let json = serde_json::to_value(&form).unwrap();
        assert_eq!(json["data"]["username"], "ada");
        assert!(json["data"].get("password").is_none());
        assert_eq!(json["errors"]["password"][0], "This field is required.");
        assert_eq!(json["valid"], false);
        assert_eq!(json["bound"], true);
    }
}
