//! Changing one's password while logged in.

use galvani_core::forms::HtmlForm;
use galvani_core::messages::Messages;
use galvani_core::prelude::*;

use super::page;
use crate::passwords::{self, UserAttributes};
use crate::{Auth, CurrentUser};

#[derive(serde::Deserialize, garde::Validate)]
pub(crate) struct ChangeForm {
    #[garde(length(max = 4096))]
    old_password: String,
    #[garde(length(max = 4096))]
    new_password1: String,
    #[garde(length(max = 4096))]
    new_password2: String,
}

/// Checks a new password typed twice: a mismatch is an error on `field2`, each rule
/// of [`validate_password`](crate::passwords::validate_password) it breaks an error on
/// `field1`. For sign-up and password forms.
///
/// ```
/// use galvani_auth::check_new_password;
/// use galvani_auth::passwords::UserAttributes;
/// use galvani_core::forms::HtmlForm;
///
/// #[derive(serde::Deserialize, garde::Validate)]
/// struct SetPassword { #[garde(skip)] p1: String, #[garde(skip)] p2: String }
///
/// let mut form = HtmlForm::<SetPassword>::submit([("p1", "12345678"), ("p2", "12345678")]);
/// let ada = UserAttributes { username: "ada", ..Default::default() };
/// check_new_password(&mut form, &ada, ("p1", "12345678"), ("p2", "12345678"));
/// assert!(form.field_errors("p1").iter().any(|e| e.contains("too short")));
/// ```
pub fn check_new_password<T>(
    form: &mut HtmlForm<T>,
    attributes: &UserAttributes<'_>,
    (field1, first): (&str, &str),
    (field2, second): (&str, &str),
) {
    if first != second {
        form.add_error(field2, "The two password fields didn't match.");
        return;
    }
    if let Err(problems) = passwords::validate_password(first, attributes) {
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
        let check = crate::hashing::check_password(&old, &user.password).await?;
        if !check.is_valid() {
            form.add_error(
                "old_password",
                "Your old password was entered incorrectly. Please enter it again.",
            );
        } else {
            check_new_password(
                &mut form,
                &user.attributes(),
                ("new_password1", &new1),
                ("new_password2", &new2),
            );
        }
        if form.is_valid() {
            user.change_password(&new1, &auth.state().db).await?;
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
