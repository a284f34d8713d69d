//! Static files: finding them in the project's and apps' `static/` folders, serving
//! them, and `collectstatic`.
//!
//! In debug, `/static/shop/site.css` is served straight from the first source that has
//! `shop/site.css` (project folders first, then apps in order), never cached. Otherwise
//! files are served from `static.root`, filled by `collectstatic`; `static("shop/site.css")`
//! gives the content-hashed name from the manifest, and hashed files are sent with
//! `Cache-Control: public, max-age=31536000, immutable`.

mod collect;
mod css;
mod manifest;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use percent_encoding::{AsciiSet, utf8_percent_encode};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

pub use collect::{CollectOptions, CollectReport, collect};
pub use manifest::{MANIFEST_NAME, Manifest};

use crate::assets::{Assets, safe_relative};
use crate::error::{Error, HttpError};
use crate::settings::Settings;

/// Characters escaped in static URLs: the same as in a reversed path (so the result
/// needs no HTML escaping), keeping the `/` separators.
const PATH: &AsciiSet = crate::routing::CATCH_ALL;

/// The project's static files. Cheap to clone.
///
/// ```
/// use galvani_core::prelude::*;
/// let project = Project::new(Settings::default()).build().unwrap();
/// assert_eq!(project.static_files().url("shop/site.css").unwrap(), "/static/shop/site.css");
/// ```
#[derive(Clone)]
pub struct StaticFiles {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    root: PathBuf,
    sources: Vec<(String, Assets)>,
    use_manifest: bool,
    manifest: Result<Option<Manifest>, String>,
    serve: bool,
}

impl std::fmt::Debug for StaticFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticFiles")
            .field("url", &self.inner.url)
            .field("root", &self.inner.root)
            .field("sources", &self.inner.sources)
            .finish_non_exhaustive()
    }
}

impl StaticFiles {
    /// `sources` are `(owner, folder)` pairs in lookup order.
    pub(crate) fn new(settings: &Settings, sources: Vec<(String, Assets)>) -> Self {
        let root = settings.path(&settings.static_files.root);
        let use_manifest = settings.static_manifest();
        let manifest = if use_manifest {
            Manifest::load(&root).map_err(|e| e.to_string())
        } else {
            Ok(None)
        };
        StaticFiles {
            inner: Arc::new(Inner {
                url: settings.static_files.url.clone(),
                root,
                sources,
                use_manifest,
                manifest,
                serve: settings.static_files.serve.unwrap_or(true),
            }),
        }
    }

    /// The URL of static file `name`: its hashed name when the manifest is in use.
    pub fn url(&self, name: &str) -> Result<String, Error> {
        let name = name.trim_start_matches('/');
        let resolved = if self.inner.use_manifest {
            match &self.inner.manifest {
                Ok(Some(m)) => m.get(name).ok_or_else(|| Error::Static {
                    message: format!(
                        "`{name}` is not in the manifest {}; check the name, or run `collectstatic` after adding the file",
                        self.inner.root.join(MANIFEST_NAME).display()
                    ),
                })?,
                Ok(None) => {
                    return Err(Error::Static {
                        message: format!(
                            "there is no manifest at {}; run `collectstatic` before serving with debug off",
                            self.inner.root.join(MANIFEST_NAME).display()
                        ),
                    });
                }
                Err(e) => return Err(Error::Static { message: e.clone() }),
            }
        } else {
            name
        };
        Ok(format!(
            "{}{}",
            self.inner.url,
            utf8_percent_encode(resolved, PATH)
        ))
    }

    /// The URL prefix (`/static/`).
    pub fn url_prefix(&self) -> &str {
        &self.inner.url
    }

    /// The folder `collectstatic` writes to.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// The source folders, in lookup order, with their owners (`project` or an app label).
    pub fn sources(&self) -> &[(String, Assets)] {
        &self.inner.sources
    }

    /// A problem with the manifest, if it is in use and missing or unreadable.
    pub fn manifest_problem(&self) -> Option<String> {
        if !self.inner.use_manifest {
            return None;
        }
        match &self.inner.manifest {
            Ok(Some(_)) => None,
            Ok(None) => Some(format!(
                "no static files manifest at {}",
                self.inner.root.join(MANIFEST_NAME).display()
            )),
            Err(e) => Some(e.clone()),
        }
    }

    /// The route serving static files, when this process serves them.
    pub(crate) fn route_path(&self) -> Option<String> {
        (self.inner.serve && self.inner.url.starts_with('/'))
            .then(|| format!("{}{{*path}}", self.inner.url))
    }

    /// Answers a request for static file `path`.
    pub(crate) async fn serve(&self, path: &str, req: Request) -> Response {
        let Some(rel) = safe_relative(path) else {
            return not_found(path);
        };
        if self.inner.use_manifest {
            let file = self.inner.root.join(&rel);
            if !file.is_file() {
                return not_found(path);
            }
            let immutable = matches!(&self.inner.manifest, Ok(Some(m)) if m.is_hashed(path));
            let cache = if immutable {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=60"
            };
            return serve_file(file, req, cache).await;
        }
        for (_, assets) in &self.inner.sources {
            let on_disk = assets.source_dir().join(&rel);
            if on_disk.is_file() {
                return serve_file(on_disk, req, "no-cache").await;
            }
            if let Some(bytes) = assets.read(path) {
                return serve_bytes(path, bytes.into_owned(), &req);
            }
        }
        not_found(path)
    }
}

fn not_found(path: &str) -> Response {
    HttpError::not_found(format!("There is no static file `{path}`.")).into_response()
}

async fn serve_file(file: PathBuf, req: Request, cache: &'static str) -> Response {
    let res = match tower_http::services::ServeFile::new(file)
        .oneshot(req)
        .await
    {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    finish(res, cache)
}

fn serve_bytes(path: &str, bytes: Vec<u8>, req: &Request) -> Response {
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{digest}\"");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        let mut res = Response::new(Body::from(bytes));
        if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        res
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    finish(res, "no-cache")
}

/// Adds the cache policy and a UTF-8 charset to text types.
fn finish(mut res: Response, cache: &'static str) -> Response {
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    let needs_charset = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|ct| !ct.contains("charset"))
        .filter(|ct| {
            ct.starts_with("text/")
                || ct.ends_with("javascript")
                || ct.ends_with("json")
                || ct.ends_with("svg+xml")
        })
        .map(|ct| format!("{ct}; charset=utf-8"));
    if let Some(ct) = needs_charset.and_then(|ct| HeaderValue::from_str(&ct).ok()) {
        res.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    res
}
