//! The static-files manifest (`staticfiles.json` in the static root): original name →
//! hashed name, written by `collectstatic` and read by `static()` in production.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The manifest's file name inside the static root.
pub const MANIFEST_NAME: &str = "staticfiles.json";

/// Original name → hashed name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    version: u32,
    paths: BTreeMap<String, String>,
    #[serde(skip)]
    hashed: HashSet<String>,
}

impl Manifest {
    pub(crate) fn new(paths: BTreeMap<String, String>) -> Self {
        let hashed = paths.values().cloned().collect();
        Manifest {
            version: 1,
            paths,
            hashed,
        }
    }

    /// Reads `root/staticfiles.json`; `Ok(None)` when it does not exist.
    pub fn load(root: &Path) -> Result<Option<Manifest>, Error> {
        let path = root.join(MANIFEST_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path,
                    action: "read the static files manifest",
                    source,
                });
            }
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::Static {
            message: format!(
                "`{}` is not a valid manifest ({e}); run `collectstatic --clear` to rebuild it",
                path.display()
            ),
        })?;
        Ok(Some(Manifest::new(manifest.paths)))
    }

    /// Writes `root/staticfiles.json`.
    pub(crate) fn save(&self, root: &Path) -> Result<(), Error> {
        let path = root.join(MANIFEST_NAME);
        let json = serde_json::to_string_pretty(self).expect("a map of strings serialises");
        std::fs::write(&path, json).map_err(|source| Error::Io {
            path,
            action: "write the static files manifest",
            source,
        })
    }

    /// The hashed name of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.paths.get(name).map(String::as_str)
    }

    /// Whether `name` is a hashed name (safe to cache forever).
    pub fn is_hashed(&self, name: &str) -> bool {
        self.hashed.contains(name)
    }

    /// How many files it lists.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether it lists no file.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}
