//! The session stores: [`DbStore`] (the default), [`RedisStore`] (feature `redis`) and
//! the signed-cookie store the middleware uses for `backend = "cookie"`. Any other
//! `tower_sessions_core::SessionStore` can be used with tower-sessions directly.

pub(crate) mod cookie;
mod db;
#[cfg(feature = "redis")]
mod redis;

use async_trait::async_trait;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Result, SessionStore};

pub use db::DbStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;

/// Stores that can remove their expired sessions (`clearsessions`).
#[async_trait]
pub trait ClearExpired: Send + Sync {
    /// Deletes expired sessions; returns how many went (`None` when the store expires
    /// them itself, as Redis does).
    async fn clear_expired(&self) -> Result<Option<u64>>;
}

/// A store behind a trait object, so the middleware holds one type whatever the backend.
#[derive(Debug)]
pub(crate) struct AnyStore(pub(crate) Box<dyn SessionStore>);

#[async_trait]
impl SessionStore for AnyStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.0.create(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.0.save(record).await
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        self.0.load(id).await
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.0.delete(id).await
    }
}
