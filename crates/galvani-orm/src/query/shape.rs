//! Reusing a query's SQL text: a QuerySet's shape (everything that decides its text,
//! nothing that is bound) keys a cache of rendered statements, so a repeated query
//! only collects its values. Building and rendering a statement with sea-query costs
//! about as much as SQLite's own work for a primary-key lookup.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use crate::db::Backend;
use crate::relation::SelectPlan;

/// Rendered statements, by shape. Bounded: a program with more shapes than this
/// renders the others every time.
static CACHE: LazyLock<RwLock<HashMap<Vec<u64>, Arc<str>>>> = LazyLock::new(Default::default);
const CAPACITY: usize = 4_096;

/// The statement text for `shape`, if it was rendered before.
pub(crate) fn get(shape: &[u64]) -> Option<Arc<str>> {
    CACHE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(shape)
        .cloned()
}

/// Keeps the statement text rendered for `shape`.
pub(crate) fn put(shape: Vec<u64>, sql: &str) {
    let mut cache = CACHE.write().unwrap_or_else(PoisonError::into_inner);
    if cache.len() < CAPACITY {
        cache.insert(shape, Arc::from(sql));
    }
}

/// The backend, for a shape.
pub(crate) fn backend(backend: Backend) -> u64 {
    match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => 2,
    }
}

/// A `select_related` plan, for a shape.
pub(crate) fn plans(plans: &[SelectPlan], out: &mut Vec<u64>) {
    out.push(plans.len() as u64);
    for plan in plans {
        out.extend([
            std::ptr::from_ref((plan.hop.model)()) as u64,
            u64::from(plan.hop.index),
        ]);
        self::plans(&plan.children, out);
    }
}
