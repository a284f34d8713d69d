//! Permissions: made for every model after `migrate`, and looked up for a user.

use std::collections::HashSet;

use galvani_orm::prelude::*;

use galvani_orm::migrations::Migrator;

use crate::models::{Group, Permission, User};

/// The default permissions of every model.
pub const DEFAULT_ACTIONS: [&str; 4] = ["add", "change", "delete", "view"];

/// Makes `add_`, `change_`, `delete_` and `view_` permissions for every registered model
/// that lacks them (run after every `migrate`).
pub async fn create_permissions(db: Db) -> Result<(), DbError> {
    // Before auth's own migration has run (or after `migrate auth zero`) there is no
    // table to fill.
    let (_, applied) = Migrator::registered(&db).graph().await?;
    if !applied.iter().any(|(app, _)| app == "auth") {
        return Ok(());
    }
    // Two processes migrating at once may both find a permission missing; the loser of
    // the race looks again and adds what is still missing.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match add_missing(&db).await {
            Err(DbError::UniqueViolation { .. }) if attempts < 5 => continue,
            other => return other,
        }
    }
}

async fn add_missing(db: &Db) -> Result<(), DbError> {
    let existing = Permission::objects().all(db).await?;
    let have: HashSet<(String, String)> = existing
        .into_iter()
        .map(|p| (p.app_label, p.codename))
        .collect();
    let mut missing = Vec::new();
    for meta in galvani_orm::models() {
        let model = meta.name.to_lowercase();
        for action in DEFAULT_ACTIONS {
            let codename = format!("{action}_{model}");
            if !have.contains(&(meta.app.to_owned(), codename.clone())) {
                missing.push(Permission {
                    id: 0,
                    name: format!("Can {action} {}", meta.verbose_name),
                    app_label: meta.app.to_owned(),
                    model: model.clone(),
                    codename,
                });
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Permission::objects().bulk_create(&mut missing, db).await
}

galvani_orm::post_migrate!("auth.create_permissions", create_permissions);

/// Every permission `user` has, directly or through a group, as `app_label.codename`.
/// An inactive user has none; a superuser's are not listed (they have every one).
pub async fn permissions_of(user: &User, db: &Db) -> Result<HashSet<String>, DbError> {
    if !user.is_active {
        return Ok(HashSet::new());
    }
    // One query: the user's own permissions, and those of the groups they are in.
    let this_user = || User::id.eq(user.id);
    let granted = User::user_permissions.referred_by(this_user())
        | Group::permissions.referred_by(User::groups.referred_by(this_user()));
    let permissions = Permission::objects().filter(granted).all(db).await?;
    Ok(permissions.iter().map(Permission::full_codename).collect())
}
