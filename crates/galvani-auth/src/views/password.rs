//! Changing one's password while logged in.

use galvani_core::forms::HtmlForm;
use galvani_core::messages::Messages;
use galvani_core::prelude::*;
use galvani_orm::prelude::*;

use super::page;
use crate::passwords::{self, UserAttributes};
use crate::{Auth, CurrentUser, User};

#[derive(serde::Deserialize, garde::Validate)]
pub(crate) struct ChangeForm {
    #[garde(length(max = 4096))]
    old_password: String,
    #[garde(length(max = 4096))]
    new_password1: String,
    #[garde(length(max = 4096))]
    new_password2: String,
}

/// Checks a new password typed twice against the validators, adding form errors to
/// `field2` (mismatch) or `field1` (validators).
pub(crate) fn check_new_password<T>(
    form: &mut HtmlForm<T>,
    user: &User,
    (field1, first): (&str, &str),
    (field2, second): (&str, &str),
) {
    if first != second {
        form.add_error(field2, "The two password fields didn't match.");
        return;
    }
    let attributes = UserAttributes {
        username: &user.username,
        email: &user.email,
        first_name: &user.first_name,
        last_name: &user.last_name,
    };
    if let Err(problems) = passwords::validate_password(first, &attributes) {
        for problem in problems {
            form.add_error(field1, problem);
        }
    }
}

pub(crate) async fn change_page() -> Response {
    page(
        "registration/password_change_form.html",
        context! { form => HtmlForm::<ChangeForm>::empty() },
        false,
    )
}

pub(crate) async fn change(
    auth: Auth,
    current: CurrentUser,
    messages: Messages,
    mut form: HtmlForm<ChangeForm>,
) -> HttpResult<Response> {
    let Some(mut user) = current.user().cloned() else {
        return Err(HttpError::forbidden());
    };
    if let Some(data) = form.valid() {
        let (old, new1, new2) = (
            data.old_password.clone(),
            data.new_password1.clone(),
            data.new_password2.clone(),
        );
        let stored = user.password.clone();
        let check = tokio::task::spawn_blocking(move || passwords::check_password(&old, &stored))
            .await
            .map_err(HttpError::internal)?;
        if !check.is_valid() {
            form.add_error(
                "old_password",
                "Your old password was entered incorrectly. Please enter it again.",
            );
        } else {
            check_new_password(
                &mut form,
                &user,
                ("new_password1", &new1),
                ("new_password2", &new2),
            );
        }
        if form.is_valid() {
            let hash = tokio::task::spawn_blocking(move || passwords::make_password(&new1))
                .await
                .map_err(HttpError::internal)?;
            User::objects()
                .filter(User::id.eq(user.id))
                .update([User::password.set(hash.clone())], &auth.state().db)
                .await?;
            user.password = hash;
            auth.update_session_hash(&user).await?;
            messages.success("Your password was changed.");
            return Ok(Redirect::to(&auth.state().settings.login_redirect_url).into_response());
        }
    }
    Ok(page(
        "registration/password_change_form.html",
        context! { form },
        true,
    ))
}
