//! Users, groups and permissions.

use galvani_orm::prelude::*;
use serde::Serialize;
use time::OffsetDateTime;

/// Someone who can log in. The password is never stored, only its hash
/// ([`User::set_password`]); `is_active = false` locks the account without deleting it.
///
/// To keep more about a user, give your app a model with a `OneToOne<User>` (a profile):
/// the user table stays the framework's, and your fields live in your app's migrations.
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "auth", table = "auth_user", ordering = ["username"])]
pub struct User {
    /// The key.
    pub id: i64,
    /// The name used to log in: unique, up to 150 characters.
    #[field(max_length = 150, unique)]
    pub username: String,
    /// Where password-reset mail goes.
    #[field(max_length = 254, blank)]
    pub email: String,
    /// The password's hash (`argon2$argon2id$...`, or a Django hash being migrated).
    #[field(max_length = 256)]
    #[serde(skip)]
    pub password: String,
    /// Given name.
    #[field(max_length = 150, blank)]
    pub first_name: String,
    /// Family name.
    #[field(max_length = 150, blank)]
    pub last_name: String,
    /// Whether the account may log in.
    #[field(default = true)]
    pub is_active: bool,
    /// Whether the user may use the admin.
    #[field(default = false)]
    pub is_staff: bool,
    /// Whether the user has every permission without being given them.
    #[field(default = false)]
    pub is_superuser: bool,
    /// When the user last logged in.
    pub last_login: Option<OffsetDateTime>,
    /// When the account was made.
    #[field(auto_now_add)]
    pub date_joined: OffsetDateTime,
    /// The groups the user belongs to (their permissions apply).
    #[serde(skip)]
    pub groups: ManyToMany<Group>,
    /// Permissions given to this user directly.
    #[serde(skip)]
    pub user_permissions: ManyToMany<Permission>,
}

impl User {
    /// A new, unsaved, active user with an unusable password.
    ///
    /// ```
    /// let user = galvani_auth::User::new("ada", "ada@example.com");
    /// assert!(user.is_active && !user.is_staff);
    /// assert!(!user.has_usable_password());
    /// ```
    pub fn new(username: &str, email: &str) -> User {
        User {
            id: 0,
            username: username.to_owned(),
            email: email.to_owned(),
            password: crate::passwords::make_unusable_password(),
            first_name: String::new(),
            last_name: String::new(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            last_login: None,
            date_joined: OffsetDateTime::now_utc(),
            groups: ManyToMany::default(),
            user_permissions: ManyToMany::default(),
        }
    }

    /// Hashes `password` (Argon2id) into [`User::password`]; save the user to keep it.
    pub fn set_password(&mut self, password: &str) {
        self.password = crate::passwords::make_password(password);
    }

    /// Whether the user has a password that can be checked (not made unusable).
    pub fn has_usable_password(&self) -> bool {
        crate::passwords::is_password_usable(&self.password)
    }

    /// `"First Last"`, or the username when both are empty.
    pub fn full_name(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name);
        match name.trim() {
            "" => self.username.clone(),
            name => name.to_owned(),
        }
    }
}

/// A named set of permissions given to users together ("editors", "support").
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "auth", table = "auth_group", ordering = ["name"])]
pub struct Group {
    /// The key.
    pub id: i64,
    /// The group's name.
    #[field(max_length = 150, unique)]
    pub name: String,
    /// What members may do.
    #[serde(skip)]
    pub permissions: ManyToMany<Permission>,
}

/// Something a user may be allowed to do: `shop.change_product` is app `shop`, codename
/// `change_product`. `migrate` creates add, change, delete and view for every model.
#[derive(Model, Debug, Clone, Serialize)]
#[model(
    app = "auth",
    table = "auth_permission",
    ordering = ["app_label", "codename"],
    unique_together = [["app_label", "codename"]]
)]
pub struct Permission {
    /// The key.
    pub id: i64,
    /// A readable name ("Can change product").
    #[field(max_length = 255)]
    pub name: String,
    /// The app the permission belongs to.
    #[field(max_length = 100)]
    pub app_label: String,
    /// The model it is about (lowercase name), or empty for app-wide permissions.
    #[field(max_length = 100, blank)]
    pub model: String,
    /// The name code checks (`change_product`).
    #[field(max_length = 100)]
    pub codename: String,
}

impl Permission {
    /// `app_label.codename`, the form `has_perm` takes.
    ///
    /// ```
    /// let p = galvani_auth::Permission { id: 0, name: "Can view order".into(),
    ///     app_label: "shop".into(), model: "order".into(), codename: "view_order".into() };
    /// assert_eq!(p.full_codename(), "shop.view_order");
    /// ```
    pub fn full_codename(&self) -> String {
        format!("{}.{}", self.app_label, self.codename)
    }
}
