//! Password reset by email. The request page answers the same whether or not the
//! address has an account; the emailed link carries a token (see
//! [`PasswordResetTokens`](crate::PasswordResetTokens)) that is moved into the session
//! and off the URL before the form shows, so it cannot leak through `Referer`.

use galvani_core::extract::Secure;
use galvani_core::forms::HtmlForm;
use galvani_core::mail::{Email, Mailer};
use galvani_core::messages::Messages;
use galvani_core::prelude::*;
use galvani_orm::prelude::*;
use http::HeaderMap;
use http::header::HOST;

use super::page;
use super::password::check_new_password;
use crate::{Auth, User};

/// The session key holding a checked reset token between the link and the form.
const TOKEN_SESSION_KEY: &str = "_password_reset_token";

#[derive(serde::Deserialize, garde::Validate)]
pub(crate) struct RequestForm {
    #[garde(email, length(max = 254))]
    email: String,
}

pub(crate) async fn request_page() -> Response {
    page(
        "registration/password_reset_form.html",
        context! { form => HtmlForm::<RequestForm>::empty() },
        false,
    )
}

pub(crate) async fn request(
    auth: Auth,
    mailer: Mailer,
    site: SiteState,
    Secure(secure): Secure,
    headers: HeaderMap,
    form: HtmlForm<RequestForm>,
) -> HttpResult<Response> {
    let Some(data) = form.valid() else {
        return Ok(page(
            "registration/password_reset_form.html",
            context! { form },
            true,
        ));
    };
    let state = auth.state();
    let users = User::objects()
        .filter(User::email.iexact(data.email.trim()) & User::is_active.eq(true))
        .all(&state.db)
        .await?;
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if secure { "https" } else { "http" };
    for user in users.iter().filter(|u| u.has_usable_password()) {
        let path = site.urls().reverse(
            "auth:password-reset-confirm",
            galvani_core::url_args!(uid = user.id, token = state.reset_tokens.make(user)),
        )?;
        let ctx = context! { user, reset_url => format!("{scheme}://{host}{path}"), host };
        let templates = site.templates();
        let subject = templates.render("registration/password_reset_subject.txt", &ctx)?;
        let body = templates.render("registration/password_reset_email.txt", &ctx)?;
        // One line, whatever the template's whitespace.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Err(e) = mailer.send(Email::new(&user.email, subject, body)).await {
            // The page must not differ for addresses with accounts: log, do not tell.
            tracing::error!(error = %e, "the password-reset email could not be sent");
        }
    }
    Ok(Redirect::to(&site.urls().reverse("auth:password-reset-done", ())?).into_response())
}

pub(crate) async fn sent() -> Response {
    page("registration/password_reset_done.html", context! {}, false)
}

async fn user_with_token(auth: &Auth, uid: i64, token: &str) -> Result<Option<User>, HttpError> {
    let user = User::objects()
        .filter(User::id.eq(uid) & User::is_active.eq(true))
        .first(&auth.state().db)
        .await?;
    Ok(user.filter(|u| auth.state().reset_tokens.check(u, token)))
}

pub(crate) async fn confirm(
    auth: Auth,
    urls: Urls,
    Path((uid, token)): Path<(i64, String)>,
) -> HttpResult<Response> {
    if user_with_token(&auth, uid, &token).await?.is_none() {
        return Ok(page(
            "registration/password_reset_confirm.html",
            context! { validlink => false },
            false,
        ));
    }
    auth.session()
        .insert(TOKEN_SESSION_KEY, &token)
        .await
        .map_err(crate::Error::from)?;
    let to = urls.reverse(
        "auth:password-reset-set",
        galvani_core::url_args!(uid = uid),
    )?;
    Ok(Redirect::to(&to).into_response())
}

#[derive(serde::Deserialize, garde::Validate)]
pub(crate) struct SetForm {
    #[garde(length(max = 4096))]
    new_password1: String,
    #[garde(length(max = 4096))]
    new_password2: String,
}

async fn session_user(auth: &Auth, uid: i64) -> Result<Option<User>, HttpError> {
    let token: Option<String> = auth
        .session()
        .get(TOKEN_SESSION_KEY)
        .await
        .map_err(crate::Error::from)?;
    match token {
        Some(token) => user_with_token(auth, uid, &token).await,
        None => Ok(None),
    }
}

pub(crate) async fn set_page(auth: Auth, Path(uid): Path<i64>) -> HttpResult<Response> {
    let validlink = session_user(&auth, uid).await?.is_some();
    Ok(page(
        "registration/password_reset_confirm.html",
        context! { validlink, form => HtmlForm::<SetForm>::empty() },
        false,
    ))
}

pub(crate) async fn set(
    auth: Auth,
    urls: Urls,
    messages: Messages,
    Path(uid): Path<i64>,
    mut form: HtmlForm<SetForm>,
) -> HttpResult<Response> {
    let Some(mut user) = session_user(&auth, uid).await? else {
        return Ok(page(
            "registration/password_reset_confirm.html",
            context! { validlink => false },
            true,
        ));
    };
    if let Some(data) = form.valid() {
        let (new1, new2) = (data.new_password1.clone(), data.new_password2.clone());
        check_new_password(
            &mut form,
            &user.attributes(),
            ("new_password1", &new1),
            ("new_password2", &new2),
        );
        if form.is_valid() {
            // Changing the hash is what makes the token (and every session) void.
            user.change_password(&new1, &auth.state().db).await?;
            auth.session()
                .remove::<String>(TOKEN_SESSION_KEY)
                .await
                .map_err(crate::Error::from)?;
            messages.success("Your password has been set. You may go ahead and log in now.");
            return Ok(
                Redirect::to(&urls.reverse("auth:password-reset-complete", ())?).into_response(),
            );
        }
    }
    Ok(page(
        "registration/password_reset_confirm.html",
        context! { validlink => true, form },
        true,
    ))
}

pub(crate) async fn complete() -> Response {
    page(
        "registration/password_reset_complete.html",
        context! {},
        false,
    )
}
