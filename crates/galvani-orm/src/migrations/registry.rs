//! How migrations reach the binary: each app's `migrations/mod.rs` lists its files
//! with [`migrations!`](crate::migrations!), and data migrations register their
//! functions with [`migration_fn!`](crate::migration_fn!). Both are compiled in, so a
//! deployed binary needs no files.

use std::path::{Path, PathBuf};

use futures_util::future::BoxFuture;

use super::migration::Migration;
use crate::error::Result;
use crate::transaction::Tx;

/// An app's migrations module, registered by [`migrations!`](crate::migrations!).
#[doc(hidden)]
pub struct MigrationModule {
    /// The app label.
    pub app: &'static str,
    /// `file!()` of the module (`.../migrations/mod.rs`).
    pub file: &'static str,
    /// `CARGO_MANIFEST_DIR` of the crate it is in.
    pub manifest_dir: &'static str,
    /// The migrations, in file order.
    pub list: fn() -> Vec<Migration>,
}

inventory::collect!(MigrationModule);

/// A function a `RunRust` operation calls, registered by
/// [`migration_fn!`](crate::migration_fn!).
#[doc(hidden)]
pub struct MigrationFn {
    /// The name migrations call it by.
    pub name: &'static str,
    /// The function, given the migration's transaction.
    pub run: fn(Tx) -> BoxFuture<'static, Result<()>>,
}

inventory::collect!(MigrationFn);

/// Every migration compiled into the program.
pub fn registered() -> Vec<Migration> {
    inventory::iter::<MigrationModule>
        .into_iter()
        .flat_map(|m| (m.list)())
        .collect()
}

/// The registered migrations module of `app`.
pub(crate) fn module_of(app: &str) -> Option<&'static MigrationModule> {
    inventory::iter::<MigrationModule>
        .into_iter()
        .find(|m| m.app == app)
}

/// The function registered as `name`.
pub(crate) fn function(name: &str) -> Option<&'static MigrationFn> {
    inventory::iter::<MigrationFn>
        .into_iter()
        .find(|f| f.name == name)
}

/// Where a source file named by `file!()` is, given its crate's manifest folder:
/// `file!()` is relative to the folder cargo ran rustc in (the workspace root, or the
/// crate's own), so the manifest folder and its parents are tried in turn.
pub(crate) fn source_path(file: &str, manifest_dir: &str) -> Option<PathBuf> {
    let file = Path::new(file);
    if file.is_absolute() {
        return file.exists().then(|| file.to_path_buf());
    }
    Path::new(manifest_dir)
        .ancestors()
        .map(|dir| dir.join(file))
        .find(|p| p.exists())
}

/// Lists an app's migrations: what `makemigrations` writes in `migrations/mod.rs`,
/// after a `mod` line for each file.
///
/// ```ignore
/// mod m0001_initial;
/// mod m0002_product_stock;
///
/// galvani::orm::migrations!("shop", [m0001_initial, m0002_product_stock]);
/// ```
#[macro_export]
macro_rules! migrations {
    ($app:literal, [$($module:ident),* $(,)?]) => {
        const _: () = {
            fn list() -> ::std::vec::Vec<$crate::migrations::Migration> {
                ::std::vec![$(
                    // `m0002_product_stock` holds the migration `0002_product_stock`.
                    $module::migration().named($app, &::std::stringify!($module)[1..]),
                )*]
            }
            $crate::__private::inventory::submit! {
                $crate::migrations::MigrationModule {
                    app: $app,
                    file: ::std::file!(),
                    manifest_dir: ::std::env!("CARGO_MANIFEST_DIR"),
                    list,
                }
            }
        };
    };
}

/// Registers an async function for `run_rust` operations (data migrations), under
/// a name the migration file uses:
///
/// ```
/// use galvani_orm::prelude::*;
///
/// async fn fill_slugs(tx: Tx) -> Result<(), DbError> {
///     // Product::objects().update(.., &tx).await?;
///     let _ = tx;
///     Ok(())
/// }
/// galvani_orm::migration_fn!("shop.fill_slugs", fill_slugs);
/// // In a migration: .operation(run_rust("shop.fill_slugs", None))
/// ```
#[macro_export]
macro_rules! migration_fn {
    ($name:literal, $function:path) => {
        const _: () = {
            fn run(tx: $crate::Tx) -> $crate::__private::BoxFuture<'static, $crate::Result<()>> {
                ::std::boxed::Box::pin($function(tx))
            }
            $crate::__private::inventory::submit! {
                $crate::migrations::MigrationFn { name: $name, run }
            }
        };
    };
}
