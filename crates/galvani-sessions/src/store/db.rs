//! Sessions in the project's database, through the ORM.

use async_trait::async_trait;
use galvani_orm::prelude::*;
use time::OffsetDateTime;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error as StoreError, Result, SessionStore};

use super::ClearExpired;
use crate::models::StoredSession;

/// Keeps sessions in the `galvani_session` table (the app's migration makes it).
///
/// ```no_run
/// # async fn run(db: galvani_orm::Db) -> Result<(), Box<dyn std::error::Error>> {
/// use galvani_sessions::{Id, Record, SessionStore, store::DbStore};
/// let store = DbStore::new(db);
/// let mut record = Record { id: Id::default(), data: Default::default(),
///     expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1) };
/// store.create(&mut record).await?;
/// assert!(store.load(&record.id).await?.is_some());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DbStore {
    db: Db,
}

impl DbStore {
    /// A store on `db`.
    pub fn new(db: Db) -> Self {
        DbStore { db }
    }

    fn row(record: &Record) -> Result<StoredSession> {
        Ok(StoredSession {
            session_key: record.id.to_string(),
            session_data: serde_json::to_string(&record.data)
                .map_err(|e| StoreError::Encode(e.to_string()))?,
            expire_date: record.expiry_date,
        })
    }
}

fn backend(e: DbError) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // 128 random bits collide practically never; if they do, draw again rather
        // than overwrite someone else's session.
        loop {
            let mut rows = [Self::row(record)?];
            match StoredSession::objects()
                .bulk_create(&mut rows, &self.db)
                .await
            {
                Ok(()) => return Ok(()),
                Err(DbError::UniqueViolation { .. }) => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        Self::row(record)?.save(&self.db).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row = StoredSession::objects()
            .filter(
                StoredSession::session_key.eq(id.to_string())
                    & StoredSession::expire_date.gt(OffsetDateTime::now_utc()),
            )
            .first(&self.db)
            .await
            .map_err(backend)?;
        row.map(|row| {
            Ok(Record {
                id: *id,
                data: serde_json::from_str(&row.session_data)
                    .map_err(|e| StoreError::Decode(e.to_string()))?,
                expiry_date: row.expire_date,
            })
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        StoredSession::objects()
            .filter(StoredSession::session_key.eq(id.to_string()))
            .delete(&self.db)
            .await
            .map(drop)
            .map_err(backend)
    }
}

#[async_trait]
impl ClearExpired for DbStore {
    async fn clear_expired(&self) -> Result<Option<u64>> {
        StoredSession::objects()
            .filter(StoredSession::expire_date.lte(OffsetDateTime::now_utc()))
            .delete(&self.db)
            .await
            .map(Some)
            .map_err(backend)
    }
}
