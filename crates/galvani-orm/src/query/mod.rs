//! Lazy, chainable queries: [`QuerySet`], the conditions it filters by ([`Q`]) and
//! its ordering ([`OrderBy`]).

pub(crate) mod filter;
mod order;
mod queryset;

pub(crate) use filter::Lookup;
pub use filter::Q;
pub use order::OrderBy;
pub use queryset::QuerySet;
