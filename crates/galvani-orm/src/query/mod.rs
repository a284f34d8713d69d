//! Lazy, chainable queries: [`QuerySet`], the conditions it filters by ([`Q`]) and
//! its ordering ([`OrderBy`]).

pub(crate) mod filter;
mod order;
pub(crate) mod path;
mod queryset;
mod related;

pub(crate) use filter::Lookup;
pub use filter::Q;
pub use order::OrderBy;
pub use queryset::QuerySet;
pub use related::Related;
pub(crate) use related::select_width;
