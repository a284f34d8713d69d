//! auth.0001_initial, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Create model Group
//! - Create model Permission
//! - Create model User
//! - Add many-to-many permissions to Group
//! - Add many-to-many groups to User
//! - Add many-to-many user_permissions to User

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .operation(create_model(
            "Group",
            "auth_group",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("name", FieldKind::Char { max_length: 150 }).unique(),
            ],
        ))
        .operation(
            create_model(
                "Permission",
                "auth_permission",
                [
                    field("id", FieldKind::AutoId).primary_key(),
                    field("name", FieldKind::Char { max_length: 255 }),
                    field("app_label", FieldKind::Char { max_length: 100 }),
                    field("model", FieldKind::Char { max_length: 100 }),
                    field("codename", FieldKind::Char { max_length: 100 }),
                ],
            )
            .unique_together(["app_label", "codename"]),
        )
        .operation(create_model(
            "User",
            "auth_user",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("username", FieldKind::Char { max_length: 150 }).unique(),
                field("email", FieldKind::Char { max_length: 254 }),
                field("password", FieldKind::Char { max_length: 256 }),
                field("first_name", FieldKind::Char { max_length: 150 }),
                field("last_name", FieldKind::Char { max_length: 150 }),
                field("is_active", FieldKind::Boolean).default(true),
                field("is_staff", FieldKind::Boolean).default(false),
                field("is_superuser", FieldKind::Boolean).default(false),
                field("last_login", FieldKind::DateTime).null(),
                field("date_joined", FieldKind::DateTime),
            ],
        ))
        .operation(add_many_to_many(
            "Group",
            many_to_many(
                "permissions",
                "auth.Permission",
                "auth_group_permissions",
                "group_id",
                "permission_id",
            ),
        ))
        .operation(add_many_to_many(
            "User",
            many_to_many(
                "groups",
                "auth.Group",
                "auth_user_groups",
                "user_id",
                "group_id",
            ),
        ))
        .operation(add_many_to_many(
            "User",
            many_to_many(
                "user_permissions",
                "auth.Permission",
                "auth_user_user_permissions",
                "user_id",
                "permission_id",
            ),
        ))
}
