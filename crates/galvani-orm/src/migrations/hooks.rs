//! Work done after every `migrate` (Django's `post_migrate` signal): the auth app makes
//! the permissions of every model, other apps seed what they need. Hooks are registered
//! with [`post_migrate!`](crate::post_migrate) and run in name order, after `migrate`
//! (even when it had nothing to apply) and after [`TestDb::migrate`](crate::testing::TestDb::migrate).

use crate::db::Db;
use crate::error::Result;

/// A function run after `migrate`.
#[derive(Debug)]
pub struct PostMigrate {
    /// A name, for ordering and error messages (`auth.create_permissions`).
    pub name: &'static str,
    /// The function.
    pub run: fn(Db) -> crate::__private::BoxFuture<'static, Result<()>>,
}

inventory::collect!(PostMigrate);

/// Registers `async fn(Db) -> Result<(), DbError>` to run after every `migrate`. It must
/// be idempotent: it runs every time.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// async fn seed(db: Db) -> Result<(), DbError> {
///     let _ = db;
///     Ok(())
/// }
/// galvani_orm::post_migrate!("shop.seed", seed);
/// ```
#[macro_export]
macro_rules! post_migrate {
    ($name:literal, $function:path) => {
        const _: () = {
            fn run(db: $crate::Db) -> $crate::__private::BoxFuture<'static, $crate::Result<()>> {
                ::std::boxed::Box::pin($function(db))
            }
            $crate::__private::inventory::submit! {
                $crate::migrations::PostMigrate { name: $name, run }
            }
        };
    };
}

/// Runs every registered hook, in name order; the first failure stops them.
pub async fn run_post_migrate(db: &Db) -> Result<()> {
    let mut hooks: Vec<&PostMigrate> = inventory::iter::<PostMigrate>.into_iter().collect();
    hooks.sort_by_key(|h| h.name);
    for hook in hooks {
        (hook.run)(db.clone()).await?;
    }
    Ok(())
}
