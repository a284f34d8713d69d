//! The migrations of every app as one graph: dependencies checked, squashed
//! migrations standing in for the ones they replace, two leaves in an app reported
//! as a conflict, and the states before and after each migration rebuilt by
//! replaying its ancestors.

use std::collections::{BTreeMap, BTreeSet};

use super::migration::{Key, Migration};
use super::state::ProjectState;
use crate::error::{Error, Result};

/// Every migration, keyed by `(app, name)`.
///
/// ```
/// use std::collections::BTreeSet;
/// use galvani_orm::migrations::{Graph, dsl::*};
///
/// let graph = Graph::new(
///     vec![
///         Migration::new().named("shop", "0001_initial"),
///         Migration::new().named("shop", "0002_stock").depends_on("shop", "0001_initial"),
///     ],
///     &BTreeSet::new(),
/// )?;
/// assert_eq!(graph.leaves("shop"), ["0002_stock"]);
/// # Ok::<_, galvani_orm::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: BTreeMap<Key, Migration>,
}

fn label((app, name): &Key) -> String {
    format!("{app}.{name}")
}

impl Graph {
    /// The graph of `migrations`, given which are recorded as applied (that decides
    /// whether a squashed migration or the ones it replaces are used: the squashed one
    /// when all or none of them are applied, the originals when some are).
    pub fn new(migrations: Vec<Migration>, applied: &BTreeSet<Key>) -> Result<Graph> {
        let mut nodes: BTreeMap<Key, Migration> = BTreeMap::new();
        for m in migrations {
            if let Some(twice) = nodes.insert(m.key(), m) {
                return Err(Error::Migration(format!(
                    "migration {} is listed twice",
                    twice.label()
                )));
            }
        }
        // Squashed migrations: in place of the originals, or left out.
        let squashed: Vec<Key> = nodes
            .values()
            .filter(|m| !m.replaces.is_empty())
            .map(Migration::key)
            .collect();
        for key in squashed {
            let replaces = nodes[&key].replaces.clone();
            let done = replaces.iter().filter(|r| applied.contains(*r)).count();
            if done > 0 && done < replaces.len() {
                nodes.remove(&key);
                continue;
            }
            for r in &replaces {
                nodes.remove(r);
            }
            for m in nodes.values_mut() {
                for d in &mut m.dependencies {
                    if replaces.contains(d) {
                        d.clone_from(&key);
                    }
                }
                m.dependencies.dedup();
            }
        }
        let graph = Graph { nodes };
        for m in graph.nodes.values() {
            for d in &m.dependencies {
                if !graph.nodes.contains_key(d) {
                    return Err(Error::Migration(format!(
                        "migration {} depends on {}, which does not exist; \
                         is the app installed and its migrations module listed?",
                        m.label(),
                        label(d)
                    )));
                }
            }
        }
        graph.order()?;
        Ok(graph)
    }

    /// The migration `key`.
    pub fn get(&self, key: &Key) -> Option<&Migration> {
        self.nodes.get(key)
    }

    /// The migration of `app` whose name is or begins with `name` (`0002` for
    /// `0002_product_stock`); an error when none or several do.
    pub fn find(&self, app: &str, name: &str) -> Result<Key> {
        let matches: Vec<&Key> = self
            .nodes
            .keys()
            .filter(|k| k.0 == app && k.1.starts_with(name))
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::Migration(format!(
                "{app} has no migration `{name}` (see showmigrations)"
            ))),
            _ => Err(Error::Migration(format!(
                "more than one migration of {app} begins with `{name}`: give more of its name"
            ))),
        }
    }

    /// Every migration, by app and name.
    pub fn migrations(&self) -> impl Iterator<Item = &Migration> {
        self.nodes.values()
    }

    /// The names of `app`'s migrations that no other migration of `app` depends on:
    /// one normally, none before the first, several after two branches met (a conflict).
    pub fn leaves(&self, app: &str) -> Vec<String> {
        let depended: BTreeSet<&Key> = self
            .nodes
            .iter()
            .filter(|(key, _)| key.0 == app)
            .flat_map(|(_, m)| m.dependencies.iter())
            .filter(|d| d.0 == app)
            .collect();
        self.nodes
            .keys()
            .filter(|k| k.0 == app && !depended.contains(k))
            .map(|k| k.1.clone())
            .collect()
    }

    /// Apps with more than one leaf, with their leaves.
    pub fn conflicts(&self) -> BTreeMap<String, Vec<String>> {
        let apps: BTreeSet<&String> = self.nodes.keys().map(|k| &k.0).collect();
        apps.into_iter()
            .map(|app| (app.clone(), self.leaves(app)))
            .filter(|(_, leaves)| leaves.len() > 1)
            .collect()
    }

    /// An error naming the conflicts, if there are any.
    pub fn check_conflicts(&self) -> Result<()> {
        let conflicts = self.conflicts();
        if conflicts.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = conflicts
            .iter()
            .map(|(app, leaves)| format!("{} in {app}", leaves.join(", ")))
            .collect();
        Err(Error::Migration(format!(
            "conflicting migrations: {}; run `makemigrations --merge` to join them",
            list.join("; ")
        )))
    }

    /// Every migration, each after its dependencies (ties by app and name).
    pub fn order(&self) -> Result<Vec<Key>> {
        self.order_of(self.nodes.keys().cloned().collect())
    }

    /// `keys` in dependency order.
    fn order_of(&self, keys: BTreeSet<Key>) -> Result<Vec<Key>> {
        let mut done: BTreeSet<Key> = BTreeSet::new();
        let mut out = Vec::new();
        let mut waiting = keys;
        while !waiting.is_empty() {
            let ready: Vec<Key> = waiting
                .iter()
                .filter(|k| {
                    self.nodes[*k]
                        .dependencies
                        .iter()
                        .all(|d| done.contains(d) || !waiting.contains(d))
                })
                .cloned()
                .collect();
            if ready.is_empty() {
                let stuck: Vec<String> = waiting.iter().map(label).collect();
                return Err(Error::Migration(format!(
                    "the migrations depend on each other in a circle: {}",
                    stuck.join(", ")
                )));
            }
            for k in ready {
                waiting.remove(&k);
                done.insert(k.clone());
                out.push(k);
            }
        }
        Ok(out)
    }

    /// Everything `key` depends on, directly or not (without `key`).
    pub fn ancestors(&self, key: &Key) -> BTreeSet<Key> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&Key> = self
            .nodes
            .get(key)
            .map_or(Vec::new(), |m| m.dependencies.iter().collect());
        while let Some(k) = todo.pop() {
            if seen.insert(k.clone())
                && let Some(m) = self.nodes.get(k)
            {
                todo.extend(m.dependencies.iter());
            }
        }
        seen
    }

    /// Everything that depends on `key`, directly or not (without `key`).
    pub fn descendants(&self, key: &Key) -> BTreeSet<Key> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![key.clone()];
        while let Some(k) = todo.pop() {
            for m in self.nodes.values() {
                if m.dependencies.contains(&k) && seen.insert(m.key()) {
                    todo.push(m.key());
                }
            }
        }
        seen
    }

    /// The state `keys` build, replayed in dependency order.
    pub fn state_of(&self, keys: BTreeSet<Key>) -> Result<ProjectState> {
        let mut state = ProjectState::new();
        for key in self.order_of(keys)? {
            let m = &self.nodes[&key];
            for op in &m.operations {
                op.state_forwards(&m.app, &mut state)
                    .map_err(|e| Error::Migration(format!("{}: {e}", m.label())))?;
            }
        }
        Ok(state)
    }

    /// The state every migration builds: what the models were at the last migration.
    pub fn state(&self) -> Result<ProjectState> {
        self.state_of(self.nodes.keys().cloned().collect())
    }

    /// The state just before `key` runs.
    pub fn state_before(&self, key: &Key) -> Result<ProjectState> {
        self.state_of(self.ancestors(key))
    }

    /// The migrations to apply, in order, so that `targets` (and what they need) are
    /// applied.
    pub fn forward_plan(&self, targets: &[Key], applied: &BTreeSet<Key>) -> Result<Vec<Key>> {
        let mut wanted = BTreeSet::new();
        for t in targets {
            wanted.insert(t.clone());
            wanted.extend(self.ancestors(t));
        }
        Ok(self
            .order_of(wanted)?
            .into_iter()
            .filter(|k| !applied.contains(k))
            .collect())
    }

    /// The migrations to unapply, in order, so that `app` is back at `target` (`None`:
    /// none of its migrations applied): its later migrations and everything that
    /// depends on them.
    pub fn backward_plan(
        &self,
        app: &str,
        target: Option<&str>,
        applied: &BTreeSet<Key>,
    ) -> Result<Vec<Key>> {
        let keep: BTreeSet<Key> = match target {
            Some(name) => {
                let key = (app.to_owned(), name.to_owned());
                let mut keep = self.ancestors(&key);
                keep.insert(key);
                keep
            }
            None => BTreeSet::new(),
        };
        let mut undo = BTreeSet::new();
        for key in self
            .nodes
            .keys()
            .filter(|k| k.0 == app && !keep.contains(*k))
        {
            undo.insert(key.clone());
            undo.extend(self.descendants(key));
        }
        let mut order = self.order_of(undo)?;
        order.reverse();
        Ok(order.into_iter().filter(|k| applied.contains(k)).collect())
    }

    /// An error if an applied migration has a dependency that is not applied.
    pub fn check_history(&self, applied: &BTreeSet<Key>) -> Result<()> {
        for key in applied {
            let Some(m) = self.nodes.get(key) else {
                continue;
            };
            if let Some(missing) = m.dependencies.iter().find(|d| !applied.contains(*d)) {
                return Err(Error::Migration(format!(
                    "inconsistent history: {} is applied before its dependency {}; \
                     the database was migrated with other migration files",
                    m.label(),
                    label(missing)
                )));
            }
        }
        Ok(())
    }

    /// The applied set as the graph sees it: a squashed migration counts as applied
    /// when every migration it replaces is.
    pub fn effective_applied(&self, recorded: &BTreeSet<Key>) -> BTreeSet<Key> {
        let mut applied = recorded.clone();
        for m in self.nodes.values().filter(|m| !m.replaces.is_empty()) {
            if m.replaces.iter().all(|r| recorded.contains(r)) {
                applied.insert(m.key());
            }
        }
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::dsl::*;

    fn m(app: &str, name: &str, deps: &[(&str, &str)]) -> Migration {
        deps.iter()
            .fold(Migration::new().named(app, name), |m, (a, n)| {
                m.depends_on(a, n)
            })
    }

    fn key(app: &str, name: &str) -> Key {
        (app.into(), name.into())
    }

    #[test]
    fn plans_follow_dependencies_across_apps() {
        let graph = Graph::new(
            vec![
                m("shop", "0001_initial", &[("auth", "0001_initial")]),
                m("auth", "0001_initial", &[]),
                m("shop", "0002_x", &[("shop", "0001_initial")]),
            ],
            &BTreeSet::new(),
        )
        .unwrap();
        let plan = graph
            .forward_plan(&[key("shop", "0002_x")], &BTreeSet::new())
            .unwrap();
        assert_eq!(
            plan,
            [
                key("auth", "0001_initial"),
                key("shop", "0001_initial"),
                key("shop", "0002_x")
            ]
        );
        let all: BTreeSet<Key> = plan.into_iter().collect();
        let back = graph.backward_plan("auth", None, &all).unwrap();
        assert_eq!(
            back,
            [
                key("shop", "0002_x"),
                key("shop", "0001_initial"),
                key("auth", "0001_initial")
            ]
        );
    }

    #[test]
    fn another_app_depending_on_a_migration_leaves_it_a_leaf() {
        let graph = Graph::new(
            vec![
                m("auth", "0001_initial", &[]),
                m("shop", "0001_initial", &[("auth", "0001_initial")]),
            ],
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(graph.leaves("auth"), ["0001_initial"]);
        assert!(graph.check_conflicts().is_ok());
    }

    #[test]
    fn two_leaves_are_a_conflict_with_a_hint() {
        let graph = Graph::new(
            vec![
                m("shop", "0001_initial", &[]),
                m("shop", "0002_a", &[("shop", "0001_initial")]),
                m("shop", "0002_b", &[("shop", "0001_initial")]),
            ],
            &BTreeSet::new(),
        )
        .unwrap();
        let err = graph.check_conflicts().unwrap_err().to_string();
        assert!(
            err.contains("0002_a, 0002_b in shop") && err.contains("--merge"),
            "{err}"
        );
    }

    #[test]
    fn a_squashed_migration_stands_in_unless_half_applied() {
        let all = || {
            vec![
                m("shop", "0001_a", &[]),
                m("shop", "0002_b", &[("shop", "0001_a")]),
                m("shop", "0003_c", &[("shop", "0002_b")]),
                m("shop", "0001_squashed_0002_b", &[])
                    .replaces("shop", "0001_a")
                    .replaces("shop", "0002_b"),
            ]
        };
        let fresh = Graph::new(all(), &BTreeSet::new()).unwrap();
        assert_eq!(
            fresh.order().unwrap(),
            [key("shop", "0001_squashed_0002_b"), key("shop", "0003_c")]
        );
        let half: BTreeSet<Key> = [key("shop", "0001_a")].into();
        let graph = Graph::new(all(), &half).unwrap();
        assert_eq!(graph.order().unwrap().len(), 3);
        assert!(graph.get(&key("shop", "0001_squashed_0002_b")).is_none());
    }

    #[test]
    fn missing_dependencies_and_circles_are_errors() {
        let err = Graph::new(
            vec![m("shop", "0001", &[("auth", "0001")])],
            &BTreeSet::new(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("auth.0001, which does not exist"),
            "{err}"
        );
        let err = Graph::new(
            vec![m("a", "1", &[("b", "1")]), m("b", "1", &[("a", "1")])],
            &BTreeSet::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("circle"), "{err}");
    }
}
