//! Paths across relations (`product -> category -> parent`) and the joins they need.
//! A path is a short fixed array, so field handles that carry one stay `Copy` and can
//! be constants.

use sea_query::{Expr, ExprTrait, JoinType, SelectStatement};

use crate::meta::{FieldMeta, ModelMeta};

/// How many relations a lookup may cross.
pub const MAX_HOPS: usize = 4;

/// One relation crossed: field `index` (a foreign key) of model `model`.
#[derive(Clone, Copy)]
pub struct Hop {
    pub model: fn() -> &'static ModelMeta,
    pub index: u16,
}

impl Hop {
    pub fn field(&self) -> &'static FieldMeta {
        &(self.model)().fields[usize::from(self.index)]
    }

    /// The model the relation leads to.
    pub fn target(&self) -> &'static ModelMeta {
        match &self.field().relation {
            Some(relation) => (relation.to)(),
            // Only relation fields make hops (the derive and `then` see to it).
            None => (self.model)(),
        }
    }
}

fn no_model() -> &'static ModelMeta {
    static NONE: ModelMeta = ModelMeta {
        app: "",
        name: "",
        table: "",
        fields: &[],
        many_to_many: &[],
        reverse: &[],
        ordering: &[],
        unique_together: &[],
        indexes: &[],
        checks: &[],
        verbose_name: "",
        verbose_name_plural: "",
    };
    &NONE
}

const NO_HOP: Hop = Hop {
    model: no_model,
    index: 0,
};

/// The relations between a query's model and the model a field belongs to.
#[derive(Clone, Copy)]
pub struct Path {
    hops: [Hop; MAX_HOPS],
    len: u8,
}

impl std::fmt::Debug for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.alias_or("(base)"))
    }
}

impl Path {
    /// The empty path: a field of the query's own model.
    pub const EMPTY: Path = Path {
        hops: [NO_HOP; MAX_HOPS],
        len: 0,
    };

    pub fn hops(&self) -> &[Hop] {
        &self.hops[..usize::from(self.len)]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the hops (model and field) to a query's shape.
    pub(crate) fn shape(&self, out: &mut Vec<u64>) {
        out.push(u64::from(self.len));
        for hop in self.hops() {
            out.extend([
                std::ptr::from_ref((hop.model)()) as u64,
                u64::from(hop.index),
            ]);
        }
    }

    /// `self`, then `hop`, then `rest`; `None` if that is longer than [`MAX_HOPS`].
    pub fn join(&self, hop: Hop, rest: &Path) -> Option<Path> {
        let mut out = *self;
        for h in std::iter::once(&hop).chain(rest.hops()) {
            if usize::from(out.len) == MAX_HOPS {
                return None;
            }
            out.hops[usize::from(out.len)] = *h;
            out.len += 1;
        }
        Some(out)
    }

    /// The SQL alias of the table this path reaches: the base table's own name when
    /// empty, else `r:category__parent` (quoted, so it cannot meet a table name).
    pub fn alias(&self, base: &'static str) -> String {
        self.alias_or(base)
    }

    fn alias_or(&self, base: &str) -> String {
        if self.is_empty() {
            return base.to_owned();
        }
        let names: Vec<&str> = self.hops().iter().map(|h| h.field().name).collect();
        format!("r:{}", names.join("__"))
    }

    /// Adds the LEFT JOINs this path needs (and its prefixes), once each.
    pub fn add_joins(
        &self,
        base: &'static str,
        select: &mut SelectStatement,
        done: &mut Vec<String>,
    ) {
        let mut prefix = Path::EMPTY;
        for hop in self.hops() {
            let parent_alias = prefix.alias(base);
            prefix.hops[usize::from(prefix.len)] = *hop;
            prefix.len += 1;
            let alias = prefix.alias(base);
            if done.contains(&alias) {
                continue;
            }
            let target = hop.target();
            select.join_as(
                JoinType::LeftJoin,
                target.table,
                alias.clone(),
                Expr::col((alias.clone(), target.pk().column))
                    .equals((parent_alias, hop.field().column)),
            );
            done.push(alias);
        }
    }
}
