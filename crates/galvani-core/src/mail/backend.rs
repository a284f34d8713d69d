//! The backends: where a built message goes.

use std::path::PathBuf;

use lettre::message::Message;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::email::mail_error;
use crate::error::Error;
use crate::settings::Settings;

pub(super) enum Backend {
    Console,
    File(PathBuf),
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Memory,
}

impl Backend {
    pub(super) fn from_settings(settings: &Settings) -> Result<Backend, Error> {
        let mail = &settings.mail;
        Ok(match mail.backend.as_str() {
            "console" => Backend::Console,
            "memory" => Backend::Memory,
            "file" => Backend::File(settings.path(&mail.file_path)),
            "smtp" => {
                let host = mail.smtp_host.as_str();
                let builder = match mail.smtp_security.as_str() {
                    "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
                    "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
                    "none" => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                        host,
                    )),
                    other => {
                        return Err(mail_error(format!(
                            "mail.smtp_security is `{other}`; use `starttls`, `tls` or `none`"
                        )));
                    }
                }
                .map_err(|e| mail_error(format!("the SMTP host `{host}` cannot be used: {e}")))?;
                let mut builder = builder
                    .port(mail.smtp_port)
                    .timeout(Some(mail.smtp_timeout.as_duration()));
                if !mail.smtp_user.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        mail.smtp_user.clone(),
                        mail.smtp_password.expose().to_owned(),
                    ));
                }
                Backend::Smtp(Box::new(builder.build()))
            }
            other => {
                return Err(mail_error(format!(
                    "mail.backend is `{other}`; use `console`, `file`, `smtp` or `memory`"
                )));
            }
        })
    }

    pub(super) fn name(&self) -> &'static str {
        match self {
            Backend::Console => "console",
            Backend::File(_) => "file",
            Backend::Smtp(_) => "smtp",
            Backend::Memory => "memory",
        }
    }

    pub(super) async fn send(&self, message: &Message) -> Result<(), Error> {
        match self {
            Backend::Console => {
                let text = String::from_utf8_lossy(&message.formatted()).into_owned();
                println!("{text}\n{}", "-".repeat(72));
                Ok(())
            }
            Backend::Memory => Ok(()),
            Backend::File(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| {
                    mail_error(format!(
                        "the mail folder {} cannot be made: {e}",
                        dir.display()
                    ))
                })?;
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default();
                let name = format!("{stamp}-{}.eml", crate::signing::random_token(6));
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| {
                        mail_error(format!(
                            "the message could not be written to {}: {e}",
                            path.display()
                        ))
                    })
            }
            Backend::Smtp(transport) => {
                transport
                    .send(message.clone())
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        mail_error(format!(
                            "the SMTP server refused or could not be reached: {e}"
                        ))
                    })
            }
        }
    }
}
