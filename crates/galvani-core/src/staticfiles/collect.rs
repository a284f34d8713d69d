//! `collectstatic`: copy every static file into the static root, add content-hashed
//! copies (`site.3f2a1b9c8d7e.css`), rewrite references inside CSS to the hashed names,
//! and write the manifest `static()` reads in production.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::StaticFiles;
use super::css;
use super::manifest::Manifest;
use crate::assets::safe_relative;
use crate::error::Error;

/// What `collectstatic` did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CollectReport {
    /// The folder written to.
    pub root: PathBuf,
    /// Files copied (originals).
    pub copied: usize,
    /// Files given a hashed copy.
    pub hashed: usize,
    /// Stylesheets whose references were rewritten.
    pub rewritten: usize,
    /// `(path, used from, hidden in)`: files found in several sources; the first wins.
    pub overridden: Vec<(String, String, String)>,
}

/// Options for [`collect`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CollectOptions {
    /// Empty the static root first.
    pub clear: bool,
}

/// Collects the static files of `statics` into its root.
pub fn collect(statics: &StaticFiles, options: CollectOptions) -> Result<CollectReport, Error> {
    let root = statics.root().to_path_buf();
    let mut report = CollectReport {
        root: root.clone(),
        ..CollectReport::default()
    };

    let mut files: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    for (owner, assets) in statics.sources() {
        for name in assets.list() {
            if name == super::manifest::MANIFEST_NAME || safe_relative(&name).is_none() {
                continue;
            }
            if let Some((winner, _)) = files.get(&name) {
                report
                    .overridden
                    .push((name, winner.clone(), owner.clone()));
                continue;
            }
            if let Some(bytes) = assets.read(&name) {
                files.insert(name, (owner.clone(), bytes.into_owned()));
            }
        }
    }

    if options.clear {
        clear_root(statics, &root)?;
    }
    for (name, (_, bytes)) in &files {
        write(&root, name, bytes)?;
        report.copied += 1;
    }

    let hashed = hash_all(&files, statics.url_prefix(), &mut report)?;
    for (name, (hashed_name, bytes)) in &hashed {
        if name != hashed_name {
            write(&root, hashed_name, bytes)?;
        }
    }
    let manifest = Manifest::new(hashed.into_iter().map(|(k, (h, _))| (k, h)).collect());
    manifest.save(&root)?;
    Ok(report)
}

/// The hashed name and final bytes of every file. Stylesheets are rewritten after the
/// files they reference have their hashes, so a stylesheet's hash covers its references.
fn hash_all(
    files: &BTreeMap<String, (String, Vec<u8>)>,
    static_url: &str,
    report: &mut CollectReport,
) -> Result<BTreeMap<String, (String, Vec<u8>)>, Error> {
    let mut done: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    let mut stylesheets: BTreeMap<&str, (String, Vec<css::CssRef>)> = BTreeMap::new();
    for (name, (_, bytes)) in files {
        match (is_css(name), std::str::from_utf8(bytes)) {
            (true, Ok(text)) => {
                let refs = css::references(text, name, static_url);
                if let Some(missing) = refs.iter().find(|r| !files.contains_key(&r.target)) {
                    return Err(Error::Static {
                        message: format!(
                            "`{name}` refers to `{}` (as `{}`), which is not a static file; fix the reference or add the file",
                            missing.target, missing.written
                        ),
                    });
                }
                stylesheets.insert(name, (text.to_owned(), refs));
            }
            _ => {
                done.insert(name.clone(), (hashed_name(name, bytes), bytes.clone()));
                report.hashed += 1;
            }
        }
    }

    while !stylesheets.is_empty() {
        let ready: Vec<&str> = stylesheets
            .iter()
            .filter(|(name, (_, refs))| {
                refs.iter()
                    .all(|r| done.contains_key(&r.target) || r.target == **name)
            })
            .map(|(name, _)| *name)
            .collect();
        if ready.is_empty() {
            let names: BTreeSet<&str> = stylesheets.keys().copied().collect();
            return Err(Error::Static {
                message: format!(
                    "these stylesheets import each other in a cycle, so none can be hashed: {}",
                    names.into_iter().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        for name in ready {
            let (text, refs) = stylesheets.remove(name).expect("ready names are pending");
            let rewritten = css::rewrite(&text, &refs, |t| done.get(t).map(|(h, _)| h.clone()));
            if !refs.is_empty() {
                report.rewritten += 1;
            }
            let bytes = rewritten.into_bytes();
            done.insert(name.to_owned(), (hashed_name(name, &bytes), bytes));
            report.hashed += 1;
        }
    }
    Ok(done)
}

fn is_css(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".css")
}

/// `shop/site.css` + content → `shop/site.3f2a1b9c8d7e.css`.
pub(crate) fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let (dir, base) = match name.rfind('/') {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => ("", name),
    };
    match base.rfind('.') {
        Some(i) if i > 0 => format!("{dir}{}.{hash}{}", &base[..i], &base[i..]),
        _ => format!("{dir}{base}.{hash}"),
    }
}

fn write(root: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let rel = safe_relative(name).ok_or_else(|| Error::Static {
        message: format!("refusing to write `{name}` outside the static root"),
    })?;
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            action: "create the folder",
            source,
        })?;
    }
    std::fs::write(&path, bytes).map_err(|source| Error::Io {
        path,
        action: "write the static file",
        source,
    })
}

fn clear_root(statics: &StaticFiles, root: &Path) -> Result<(), Error> {
    if !root.exists() {
        return Ok(());
    }
    let canonical = root.canonicalize().map_err(|source| Error::Io {
        path: root.to_path_buf(),
        action: "resolve the static root",
        source,
    })?;
    let dangerous = canonical.parent().is_none()
        || statics.sources().iter().any(|(_, a)| {
            a.source_dir()
                .canonicalize()
                .is_ok_and(|s| s.starts_with(&canonical) || canonical.starts_with(&s))
        });
    if dangerous {
        return Err(Error::Static {
            message: format!(
                "refusing to clear `{}`: it holds (or is inside) a static source folder; set `static.root` to a folder of its own",
                root.display()
            ),
        });
    }
    std::fs::remove_dir_all(&canonical).map_err(|source| Error::Io {
        path: canonical,
        action: "clear the static root",
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_extension() {
        assert_eq!(
            hashed_name("shop/site.css", b"x").len(),
            "shop/site.".len() + 12 + 4
        );
        assert!(hashed_name("shop/site.css", b"x").starts_with("shop/site."));
        assert!(hashed_name("shop/site.css", b"x").ends_with(".css"));
        assert!(hashed_name("LICENSE", b"x").starts_with("LICENSE."));
        assert!(hashed_name(".htaccess", b"x").starts_with(".htaccess."));
        assert_ne!(hashed_name("a.css", b"x"), hashed_name("a.css", b"y"));
    }
}
