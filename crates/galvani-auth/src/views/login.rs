//! Logging in and out.

use galvani_core::forms::HtmlForm;
use galvani_core::messages::Messages;
use galvani_core::prelude::*;

use super::page;
use crate::{Auth, Error, safe_next};

/// The login form.
#[derive(serde::Deserialize, garde::Validate)]
pub(crate) struct LoginForm {
    #[garde(length(max = 150))]
    pub(crate) username: String,
    #[garde(length(max = 4096))]
    pub(crate) password: String,
}

#[derive(serde::Deserialize)]
pub(crate) struct Next {
    next: Option<String>,
}

fn context(form: &HtmlForm<LoginForm>, next: Option<&str>) -> minijinja::Value {
    context! { form, next => next.and_then(safe_next) }
}

pub(crate) async fn login_page(Query(q): Query<Next>) -> Response {
    page(
        "registration/login.html",
        context(&HtmlForm::empty(), q.next.as_deref()),
        false,
    )
}

pub(crate) async fn login_submit(
    auth: Auth,
    messages: Messages,
    mut form: HtmlForm<LoginForm>,
) -> HttpResult<Response> {
    let next = form.value_of("next").map(str::to_owned);
    let Some(credentials) = form.valid() else {
        return Ok(page(
            "registration/login.html",
            context(&form, next.as_deref()),
            true,
        ));
    };
    match auth
        .authenticate(&credentials.username, &credentials.password)
        .await
    {
        Ok(Some(user)) => {
            auth.login(&user).await?;
            messages.success(format!("Welcome back, {}.", user.username));
            let to = next
                .as_deref()
                .and_then(safe_next)
                .unwrap_or(&auth.state().settings.login_redirect_url)
                .to_owned();
            Ok(Redirect::to(&to).into_response())
        }
        Ok(None) => {
            form.add_error(
                "",
                "Please enter a correct username and password. Note that both fields may be case-sensitive.",
            );
            Ok(page(
                "registration/login.html",
                context(&form, next.as_deref()),
                true,
            ))
        }
        Err(Error::Throttled { answer, .. }) => {
            form.add_error("", answer.message().to_owned());
            let mut res = page(
                "registration/login.html",
                context(&form, next.as_deref()),
                true,
            );
            *res.status_mut() = answer.status();
            res.headers_mut().extend(answer.headers().clone());
            Ok(res)
        }
        Err(e) => Err(HttpError::internal(e)),
    }
}

/// POST only: a logout link a page from elsewhere could trigger would be a nuisance
/// (CSRF checks the form as for any other POST).
pub(crate) async fn logout(auth: Auth, messages: Messages) -> HttpResult<Redirect> {
    auth.logout().await?;
    messages.info("You have logged out.");
    Ok(Redirect::to(&auth.state().settings.logout_redirect_url))
}
