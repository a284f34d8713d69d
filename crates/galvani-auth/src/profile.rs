//! Extending the user: a project keeps its own fields about a user in a *profile*, a
//! model of its app with a `OneToOne<User>`, and [`Profile`] ties the two together.
//!
//! Why a profile and not a replaceable user model (Django's `AUTH_USER_MODEL`): the
//! user type stays one concrete type, so sessions, guards, permissions, password
//! reset and third-party apps all name `User` without generics, and a project can add
//! a profile (or a second one, for another app) at any point in its life with an
//! ordinary migration, which Django's swappable model does not allow once the first
//! migration has run.

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use galvani_orm::prelude::*;
use http::request::Parts;

use crate::current::CurrentUser;
use crate::guards::LoginRequired;
use crate::models::User;

/// A model that extends [`User`] with a project's own fields: one row per user, joined
/// by a `OneToOne<User>` field with `on_delete = Cascade` (deleting the user deletes the
/// profile). A user who has none gets one, made by [`Profile::new_for`], the first time
/// it is asked for, so users made before the profile existed (or by `createsuperuser`)
/// need no back-filling.
///
/// ```
/// use galvani_auth::{Profile, User};
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// pub struct Customer {
///     pub id: i64,
///     #[field(on_delete = Cascade)]
///     pub user: OneToOne<User>,
///     #[field(max_length = 200, blank)]
///     pub shipping_address: String,
///     #[field(default = false)]
///     pub newsletter: bool,
/// }
///
/// impl Profile for Customer {
///     const USER: Field<Self, OneToOne<User>> = Customer::user;
///
///     fn new_for(user: &User) -> Self {
///         Customer { id: 0, user: OneToOne::to(user), shipping_address: String::new(), newsletter: false }
///     }
/// }
///
/// // In a handler: `Customer::of(&user, &db).await?`, or take `UserProfile<Customer>`.
/// assert_eq!(Customer::meta().field("user").unwrap().column, "user_id");
/// ```
pub trait Profile: Model + Send + Sync + 'static {
    /// The field linking a profile to its user.
    const USER: Field<Self, OneToOne<User>>;

    /// A new, unsaved profile for `user`, who has none yet.
    fn new_for(user: &User) -> Self;

    /// `user`'s profile, made and saved if they have none. Two requests making it at
    /// once both get the one row (the column is unique; see
    /// [`QuerySet::get_or_create`]).
    fn of<E: Executor>(user: &User, db: &E) -> impl Future<Output = Result<Self, DbError>> + Send
    where
        Self: Sized,
    {
        async move {
            let (profile, _created) = Self::objects()
                .filter(Self::USER.eq(user))
                .get_or_create(db, || Self::new_for(user))
                .await?;
            Ok(profile)
        }
    }
}

/// An extractor for handlers that need a logged-in user and their profile `P`:
/// anonymous visitors get the same refusal as [`LoginRequired`] (a redirect to log in
/// for pages, 401 for API calls).
///
/// ```
/// # use galvani_auth::{Profile, User, UserProfile};
/// # use galvani_orm::prelude::*;
/// # #[derive(Model, Debug, Clone)]
/// # #[model(app = "shop")]
/// # pub struct Customer { pub id: i64, #[field(on_delete = Cascade)] pub user: OneToOne<User>, pub newsletter: bool }
/// # impl Profile for Customer {
/// #     const USER: Field<Self, OneToOne<User>> = Customer::user;
/// #     fn new_for(user: &User) -> Self { Customer { id: 0, user: OneToOne::to(user), newsletter: false } }
/// # }
/// async fn account(UserProfile { user, profile }: UserProfile<Customer>) -> String {
///     format!("{} gets the newsletter: {}", user.username, profile.newsletter)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct UserProfile<P> {
    /// The logged-in user.
    pub user: User,
    /// Their profile.
    pub profile: P,
}

impl<S: Send + Sync, P: Profile> FromRequestParts<S> for UserProfile<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let LoginRequired(user) = LoginRequired::from_request_parts(parts, state).await?;
        let current = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let profile = P::of(&user, current.db())
            .await
            .map_err(|e| galvani_core::HttpError::internal(e).into_response())?;
        Ok(UserProfile { user, profile })
    }
}
