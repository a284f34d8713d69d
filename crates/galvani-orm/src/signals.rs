//! Signals: functions run around saving and deleting an instance, registered for one
//! model. A handler can ask for work to run only after the surrounding transaction
//! commits (`event.on_commit`), which is how a save becomes a real-time broadcast
//! that never announces a row a rollback took back.
//!
//! They fire for `save` and `delete` on instances; `QuerySet::update`, `bulk_*`
//! and the rows a cascade deletes do not send them (as in Django, for the first two).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use crate::model::Model;

/// When a handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Moment {
    /// Before the row is written (the handler may change the instance).
    PreSave,
    /// After the row is written.
    PostSave,
    /// Before the row is deleted.
    PreDelete,
    /// After the row is deleted.
    PostDelete,
}

/// What a handler is told.
pub struct Event<'a> {
    /// When it runs.
    pub moment: Moment,
    /// For saves: whether the row is new (an INSERT).
    pub created: bool,
    on_commit: &'a (dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync),
}

impl Event<'_> {
    /// Runs `callback` after the surrounding transaction commits (at once outside one).
    pub fn on_commit(&self, callback: impl FnOnce() + Send + 'static) {
        (self.on_commit)(Box::new(callback));
    }
}

/// A pre-save handler: it may change the instance.
type Changing<M> = dyn Fn(&mut M, &Event<'_>) + Send + Sync;
/// Every other handler.
type Watching<M> = dyn Fn(&M, &Event<'_>) + Send + Sync;

struct Entry {
    id: u64,
    /// An `Arc<Changing<M>>` (pre-save) or `Arc<Watching<M>>` for the entry's model.
    handler: Box<dyn Any + Send + Sync>,
}

type Registry = RwLock<HashMap<(TypeId, Moment), Vec<Entry>>>;

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::default);
static NEXT: AtomicU64 = AtomicU64::new(1);

/// A registered handler; [`Connection::disconnect`] removes it.
#[derive(Debug)]
pub struct Connection {
    key: (TypeId, Moment),
    id: u64,
}

impl Connection {
    /// Stops the handler from running.
    pub fn disconnect(self) {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(entries) = registry.get_mut(&self.key) {
            entries.retain(|e| e.id != self.id);
        }
    }
}

fn register<M: Model>(moment: Moment, handler: Box<dyn Any + Send + Sync>) -> Connection {
    let key = (TypeId::of::<M>(), moment);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    REGISTRY
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_default()
        .push(Entry { id, handler });
    Connection { key, id }
}

/// Runs `handler` before every instance of `M` is saved; it may change the instance
/// (fill a slug, normalise a name).
///
/// ```
/// use galvani_orm::prelude::*;
/// use galvani_orm::signals;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "signals_doc")]
/// struct Product {
///     id: i64,
///     #[field(max_length = 50)]
///     slug: String,
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// # let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
/// # create_tables(&db, &[Product::meta()]).await?;
/// let lower = signals::pre_save::<Product>(|p, _| p.slug = p.slug.to_lowercase());
/// let announce = signals::post_save::<Product>(|p, event| {
///     let id = p.id;
///     event.on_commit(move || println!("product {id} saved"));
/// });
/// let mut p = Product { id: 0, slug: "Green-Tea".into() };
/// p.save(&db).await?;
/// assert_eq!(p.slug, "green-tea");
/// lower.disconnect();
/// announce.disconnect();
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub fn pre_save<M: Model>(
    handler: impl Fn(&mut M, &Event<'_>) + Send + Sync + 'static,
) -> Connection {
    let handler: Arc<Changing<M>> = Arc::new(handler);
    register::<M>(Moment::PreSave, Box::new(handler))
}

/// Runs `handler` after every instance of `M` is saved (`event.created` tells an
/// insert from an update).
pub fn post_save<M: Model>(handler: impl Fn(&M, &Event<'_>) + Send + Sync + 'static) -> Connection {
    watch::<M>(Moment::PostSave, handler)
}

/// Runs `handler` before an instance of `M` is deleted.
pub fn pre_delete<M: Model>(
    handler: impl Fn(&M, &Event<'_>) + Send + Sync + 'static,
) -> Connection {
    watch::<M>(Moment::PreDelete, handler)
}

/// Runs `handler` after an instance of `M` is deleted.
pub fn post_delete<M: Model>(
    handler: impl Fn(&M, &Event<'_>) + Send + Sync + 'static,
) -> Connection {
    watch::<M>(Moment::PostDelete, handler)
}

fn watch<M: Model>(
    moment: Moment,
    handler: impl Fn(&M, &Event<'_>) + Send + Sync + 'static,
) -> Connection {
    let handler: Arc<Watching<M>> = Arc::new(handler);
    register::<M>(moment, Box::new(handler))
}

/// The handlers of `M` for `moment`, copied out so a handler may connect or disconnect
/// others.
fn handlers<M: Model, H: ?Sized + 'static>(moment: Moment) -> Vec<Arc<H>>
where
    Arc<H>: Any,
{
    let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
    match registry.get(&(TypeId::of::<M>(), moment)) {
        Some(entries) => entries
            .iter()
            .filter_map(|e| e.handler.downcast_ref::<Arc<H>>().cloned())
            .collect(),
        None => Vec::new(),
    }
}

/// Runs the pre-save handlers of `M`.
pub(crate) fn send_pre_save<M: Model>(
    instance: &mut M,
    created: bool,
    on_commit: &(dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync),
) {
    let event = Event {
        moment: Moment::PreSave,
        created,
        on_commit,
    };
    for handler in handlers::<M, Changing<M>>(Moment::PreSave) {
        handler(instance, &event);
    }
}

/// Runs the handlers of `M` for `moment` (not pre-save).
pub(crate) fn send<M: Model>(
    moment: Moment,
    instance: &M,
    created: bool,
    on_commit: &(dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync),
) {
    let event = Event {
        moment,
        created,
        on_commit,
    };
    for handler in handlers::<M, Watching<M>>(moment) {
        handler(instance, &event);
    }
}
