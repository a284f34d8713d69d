//! Sessions in Redis, shared by every process of a site. Keys expire by themselves
//! (`EX`), so `clearsessions` has nothing to do.

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use time::OffsetDateTime;
use tokio::sync::OnceCell;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error as StoreError, Result, SessionStore};

use super::ClearExpired;

/// Keeps each session as a JSON string under `prefix + id`, expiring with the session.
/// It connects on first use and reconnects by itself after Redis restarts.
///
/// ```no_run
/// let store = galvani_sessions::store::RedisStore::new("redis://127.0.0.1/0", "myapp:session:")?;
/// # Ok::<_, galvani_sessions::Error>(())
/// ```
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    conn: std::sync::Arc<OnceCell<ConnectionManager>>,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on the server at `url` (checked now, connected on first use).
    pub fn new(url: &str, prefix: &str) -> std::result::Result<Self, crate::Error> {
        let client = redis::Client::open(url).map_err(|e| {
            crate::Error::Config(format!(
                "`redis_url` `{}` is not a Redis URL: {e}",
                galvani_core::settings::url_without_password(url)
            ))
        })?;
        Ok(RedisStore {
            client,
            conn: Default::default(),
            prefix: prefix.to_owned(),
        })
    }

    async fn conn(&self) -> Result<ConnectionManager> {
        self.conn
            .get_or_try_init(|| self.client.get_connection_manager())
            .await
            .cloned()
            .map_err(backend)
    }

    fn key(&self, id: &Id) -> String {
        format!("{}{id}", self.prefix)
    }

    /// `SET key value EX ttl`, with `NX` when `only_new`; whether it was set.
    async fn set(&self, record: &Record, only_new: bool) -> Result<bool> {
        let value = serde_json::to_string(record).map_err(|e| StoreError::Encode(e.to_string()))?;
        let ttl = (record.expiry_date - OffsetDateTime::now_utc())
            .whole_seconds()
            .max(1);
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(&record.id)).arg(value).arg("EX").arg(ttl);
        if only_new {
            cmd.arg("NX");
        }
        let reply: Option<String> = cmd
            .query_async(&mut self.conn().await?)
            .await
            .map_err(backend)?;
        Ok(reply.is_some())
    }
}

fn backend(e: redis::RedisError) -> StoreError {
    StoreError::Backend(format!("redis: {e}"))
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        while !self.set(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.set(record, false).await.map(drop)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let value: Option<String> = self
            .conn()
            .await?
            .get(self.key(id))
            .await
            .map_err(backend)?;
        value
            .map(|v| serde_json::from_str(&v).map_err(|e| StoreError::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let _: i64 = self
            .conn()
            .await?
            .del(self.key(id))
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ClearExpired for RedisStore {
    async fn clear_expired(&self) -> Result<Option<u64>> {
        Ok(None)
    }
}
