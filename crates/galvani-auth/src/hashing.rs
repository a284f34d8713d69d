//! Password work off the async workers: hashing takes tens of milliseconds of CPU, so
//! every hash and check made while serving runs on tokio's blocking pool.

use galvani_orm::prelude::*;

use crate::Error;
use crate::models::User;
use crate::passwords::{self, Check};

/// Hashes `password` with the current hasher (Argon2id) off the async workers.
///
/// ```
/// # async fn run() {
/// let hash = galvani_auth::hash_password("correct horse battery").await.unwrap();
/// assert!(hash.starts_with("argon2$argon2id$"));
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run());
/// ```
pub async fn hash_password(password: &str) -> Result<String, Error> {
    let password = password.to_owned();
    blocking(move || passwords::make_password(&password)).await
}

/// Checks `password` against a stored hash off the async workers.
pub(crate) async fn check_password(password: &str, encoded: &str) -> Result<Check, Error> {
    let (password, encoded) = (password.to_owned(), encoded.to_owned());
    blocking(move || passwords::check_password(&password, &encoded)).await
}

/// Costs what checking a password costs, for an unknown user.
pub(crate) async fn dummy_check(password: &str) -> Result<(), Error> {
    let password = password.to_owned();
    blocking(move || passwords::dummy_check(&password)).await
}

impl User {
    /// Hashes `password` off the async workers and stores it (only the password column
    /// is written). Every session the user had ends at its next request; after a change
    /// on the current session, call [`Auth::update_session_hash`](crate::Auth::update_session_hash)
    /// to keep that one.
    pub async fn change_password(&mut self, password: &str, db: &Db) -> Result<(), Error> {
        let hash = hash_password(password).await?;
        User::objects()
            .filter(User::id.eq(self.id))
            .update([User::password.set(hash.clone())], db)
            .await?;
        self.password = hash;
        Ok(())
    }

    /// What the password validators compare a password with.
    pub fn attributes(&self) -> passwords::UserAttributes<'_> {
        passwords::UserAttributes {
            username: &self.username,
            email: &self.email,
            first_name: &self.first_name,
            last_name: &self.last_name,
        }
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Hashing(e.to_string()))
}
