//! One email: [`Email`] to send, [`SentEmail`] as the memory backend keeps it.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::error::Error;

/// A message to send: recipients, subject, a plain-text body and optionally an HTML
/// alternative.
///
/// ```
/// use galvani_core::mail::Email;
/// let email = Email::new("ada@example.com", "Your order", "It ships today.")
///     .to("grace@example.com")
///     .from("Shop <shop@example.com>")
///     .html("<p>It ships <b>today</b>.</p>");
/// ```
#[derive(Debug, Clone)]
pub struct Email {
    to: Vec<String>,
    from: Option<String>,
    reply_to: Option<String>,
    subject: String,
    text: String,
    html: Option<String>,
}

impl Email {
    /// A plain-text message to one recipient (`ada@example.com` or `Ada <ada@example.com>`).
    pub fn new(to: impl Into<String>, subject: impl Into<String>, text: impl Into<String>) -> Self {
        Email {
            to: vec![to.into()],
            from: None,
            reply_to: None,
            subject: subject.into(),
            text: text.into(),
            html: None,
        }
    }

    /// Adds a recipient.
    pub fn to(mut self, to: impl Into<String>) -> Self {
        self.to.push(to.into());
        self
    }

    /// Sets the sender (otherwise `mail.default_from`).
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Sets `Reply-To`.
    pub fn reply_to(mut self, reply_to: impl Into<String>) -> Self {
        self.reply_to = Some(reply_to.into());
        self
    }

    /// Adds an HTML alternative to the text body.
    pub fn html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }

    /// The lettre message, addresses checked.
    pub(crate) fn build(&self, default_from: &str) -> Result<Message, Error> {
        if self.subject.contains(['\r', '\n']) {
            return Err(mail_error(
                "the subject contains a line break; subjects are one line (a line break from user input could add headers)",
            ));
        }
        let from = self.from.as_deref().unwrap_or(default_from);
        let mut builder = Message::builder()
            .from(mailbox(from, "sender")?)
            .subject(self.subject.clone());
        for to in &self.to {
            builder = builder.to(mailbox(to, "recipient")?);
        }
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(mailbox(reply_to, "Reply-To address")?);
        }
        let built = match &self.html {
            None => builder.singlepart(SinglePart::plain(self.text.clone())),
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                self.text.clone(),
                html.clone(),
            )),
        };
        built.map_err(|e| mail_error(format!("the message could not be built: {e}")))
    }
}

fn mailbox(address: &str, role: &str) -> Result<Mailbox, Error> {
    address.parse().map_err(|e| {
        mail_error(format!(
            "the {role} `{address}` is not an email address ({e}); write `name@example.com` or `Name <name@example.com>`"
        ))
    })
}

pub(super) fn mail_error(message: impl Into<String>) -> Error {
    Error::Mail {
        message: message.into(),
    }
}

/// A message the `memory` backend kept, for tests to read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentEmail {
    /// The sender.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML alternative.
    pub html: Option<String>,
    /// The whole message as it would go over the wire.
    pub raw: String,
}

impl SentEmail {
    pub(super) fn of(email: &Email, message: &Message, default_from: &str) -> Self {
        SentEmail {
            from: email
                .from
                .clone()
                .unwrap_or_else(|| default_from.to_owned()),
            to: email.to.clone(),
            subject: email.subject.clone(),
            text: email.text.clone(),
            html: email.html.clone(),
            raw: String::from_utf8_lossy(&message.formatted()).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_subjects_stay_one_line() {
        let ok = Email::new("Ada <ada@example.com>", "Hi", "text").build("shop@example.com");
        let raw = String::from_utf8(ok.unwrap().formatted()).unwrap();
        assert!(
            raw.contains("To: \"Ada\" <ada@example.com>")
                || raw.contains("To: Ada <ada@example.com>"),
            "{raw}"
        );

        let bad = Email::new("not an address", "Hi", "text").build("shop@example.com");
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("not an email address")
        );

        let injected = Email::new("ada@example.com", "Hi\r\nBcc: all@example.com", "x")
            .build("shop@example.com");
        assert!(injected.unwrap_err().to_string().contains("line break"));
    }
}
