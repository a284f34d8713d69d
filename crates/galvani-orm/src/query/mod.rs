//! Lazy, chainable queries: [`QuerySet`], the conditions it filters by ([`Q`]) and
//! its ordering ([`OrderBy`]).

mod annotate;
mod bulk;
pub(crate) mod filter;
mod order;
#[doc(hidden)]
pub mod path;
mod queryset;
mod raw;
mod related;
mod shape;
pub(crate) mod subquery;
mod values;

pub use annotate::{RelatedAggregate, RelatedRows};
pub use bulk::Chunks;
pub(crate) use filter::Lookup;
pub use filter::{DatePart, Q};
pub use order::OrderBy;
pub use queryset::QuerySet;
pub use raw::{Param, raw};
pub use related::Related;
pub(crate) use related::select_width;
pub use values::{Avg, Column, Columns, Count, Max, Min, Sum, Summable};
