//! [`Assets`]: a folder of files an app ships (templates, static files), read from disk or
//! embedded in the binary.
//!
//! [`assets!`](crate::assets!) embeds a folder of the app's crate: debug builds read the
//! files from disk (so edits show up at once), release builds carry them inside the
//! binary (so a deployed binary needs no source tree).

use std::borrow::Cow;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

/// A folder of files: templates or static files of an app or of the project.
///
/// ```
/// use galvani_core::Assets;
/// let dir = std::env::temp_dir().join("galvani-assets-doc");
/// std::fs::create_dir_all(dir.join("shop")).unwrap();
/// std::fs::write(dir.join("shop/a.txt"), "hello").unwrap();
/// let assets = Assets::dir(&dir);
/// assert_eq!(assets.read("shop/a.txt").unwrap().as_ref(), b"hello");
/// assert!(assets.read("../etc/passwd").is_none());
/// ```
#[derive(Clone)]
pub struct Assets {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Dir(PathBuf),
    Embedded {
        source_dir: &'static str,
        get: fn(&str) -> Option<Cow<'static, [u8]>>,
        list: fn() -> Vec<String>,
    },
}

impl fmt::Debug for Assets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Assets({})", self.describe())
    }
}

impl Assets {
    /// Files in a folder on disk, read at the time they are needed.
    pub fn dir(path: impl Into<PathBuf>) -> Self {
        Assets {
            kind: Kind::Dir(path.into()),
        }
    }

    /// Files embedded with `rust-embed`; `source_dir` is the folder they were embedded from,
    /// used to notice edits in debug builds. Most code calls [`assets!`](crate::assets!) instead.
    pub fn embedded<E: rust_embed::RustEmbed>(source_dir: &'static str) -> Self {
        fn get<E: rust_embed::RustEmbed>(path: &str) -> Option<Cow<'static, [u8]>> {
            E::get(path).map(|f| f.data)
        }
        fn list<E: rust_embed::RustEmbed>() -> Vec<String> {
            E::iter().map(|p| p.into_owned()).collect()
        }
        Assets {
            kind: Kind::Embedded {
                source_dir,
                get: get::<E>,
                list: list::<E>,
            },
        }
    }

    /// The contents of `path` (relative, `/`-separated), or `None` if there is no such file
    /// or the path tries to leave the folder.
    pub fn read(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        let rel = safe_relative(path)?;
        match &self.kind {
            Kind::Dir(dir) => std::fs::read(dir.join(rel)).ok().map(Cow::Owned),
            Kind::Embedded { get, .. } => get(path),
        }
    }

    /// The contents of `path` as text, if it exists and is UTF-8.
    pub fn read_to_string(&self, path: &str) -> Option<String> {
        let bytes = self.read(path)?;
        String::from_utf8(bytes.into_owned()).ok()
    }

    /// When `path` last changed on disk and its length, if that can be known (folders, and
    /// embedded files in debug builds). Two quick saves can share a modification time;
    /// the length tells most of those apart.
    pub fn stamp(&self, path: &str) -> Option<(SystemTime, u64)> {
        let meta = std::fs::metadata(self.disk_path(path)?).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    }

    /// When `path` last changed on disk, if that can be known (folders, and embedded files
    /// in debug builds).
    pub fn modified(&self, path: &str) -> Option<SystemTime> {
        std::fs::metadata(self.disk_path(path)?)
            .and_then(|m| m.modified())
            .ok()
    }

    /// The file on disk behind `path`, where there is one to watch: always for folders, and
    /// for embedded files in debug builds (which read their source folder).
    fn disk_path(&self, path: &str) -> Option<PathBuf> {
        let rel = safe_relative(path)?;
        match &self.kind {
            Kind::Dir(dir) => Some(dir.join(rel)),
            Kind::Embedded { source_dir, .. } if cfg!(debug_assertions) => {
                Some(Path::new(source_dir).join(rel))
            }
            Kind::Embedded { .. } => None,
        }
    }

    /// Every file, as relative `/`-separated paths, sorted.
    pub fn list(&self) -> Vec<String> {
        let mut files = match &self.kind {
            Kind::Dir(dir) => walkdir::WalkDir::new(dir)
                .follow_links(true)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .filter_map(|e| {
                    let rel = e.path().strip_prefix(dir).ok()?;
                    let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_str()).collect();
                    parts
                        .into_iter()
                        .collect::<Option<Vec<_>>>()
                        .map(|p| p.join("/"))
                })
                .collect(),
            Kind::Embedded { list, .. } => list(),
        };
        files.sort();
        files
    }

    /// The folder on disk these files come from (for embedded files, where they were
    /// embedded from).
    pub fn source_dir(&self) -> &Path {
        match &self.kind {
            Kind::Dir(dir) => dir,
            Kind::Embedded { source_dir, .. } => Path::new(source_dir),
        }
    }

    /// A short description for messages: the folder, and whether the files are embedded.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Dir(dir) => dir.display().to_string(),
            Kind::Embedded { source_dir, .. } => format!("{source_dir} (embedded)"),
        }
    }
}

/// `path` as a relative path that cannot leave its folder, or `None`.
pub(crate) fn safe_relative(path: &str) -> Option<PathBuf> {
    if path.is_empty() || path.contains('\0') || path.contains('\\') {
        return None;
    }
    let p = Path::new(path);
    let mut out = PathBuf::new();
    for component in p.components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Embeds a folder of the calling crate (relative to its `Cargo.toml`) as [`Assets`].
/// Debug builds read the files from disk, release builds carry them in the binary.
/// (Code using the `galvani` facade calls `galvani::assets!`, which is the same.)
///
/// ```ignore
/// fn templates(&self) -> Option<galvani_core::Assets> {
///     Some(galvani_core::assets!("templates"))
/// }
/// ```
#[macro_export]
macro_rules! assets {
    ($folder:tt) => {
        $crate::__assets_at!("::galvani_core::__private::rust_embed", $folder)
    };
}

/// Implementation of `assets!`, parameterised by the path rust-embed is reachable at.
#[doc(hidden)]
#[macro_export]
macro_rules! __assets_at {
    ($crate_path:tt, $folder:tt) => {{
        #[derive($crate::__private::rust_embed::Embed)]
        #[folder = $folder]
        #[crate_path = $crate_path]
        struct __GalvaniAssets;
        $crate::Assets::embedded::<__GalvaniAssets>(::core::concat!(
            ::core::env!("CARGO_MANIFEST_DIR"),
            "/",
            $folder
        ))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        assert!(safe_relative("a/../../b").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("a\\b").is_none());
        assert!(safe_relative("").is_none());
        assert_eq!(
            safe_relative("./a/b.css").unwrap(),
            PathBuf::from("a/b.css")
        );
    }

    #[test]
    fn folders_list_nested_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("x/y")).unwrap();
        std::fs::write(dir.path().join("x/y/z.txt"), "z").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        let a = Assets::dir(dir.path());
        assert_eq!(a.list(), ["a.txt", "x/y/z.txt"]);
        assert!(a.modified("a.txt").is_some());
        assert!(a.read("missing").is_none());
    }
}
