//! The scenario's models, one module per step: each is what the code says after a
//! change a developer makes. All are app `scenario`, so each step's state is built
//! from its own module's models only.

use galvani_orm::meta::ModelMeta;
use galvani_orm::prelude::*;

/// 1: categories and products.
pub mod v1 {
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Category {
        pub id: i64,
        #[field(max_length = 50)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub title: String,
        pub price: i32,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Category::meta(), Product::meta()]
    }
}

/// 2: a nullable field.
pub mod v2 {
    pub use super::v1::Category;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub title: String,
        pub price: i32,
        #[field(max_length = 20)]
        pub sku: Option<String>,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Category::meta(), Product::meta()]
    }
}

/// 3: a NOT NULL field with a default.
pub mod v3 {
    pub use super::v1::Category;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub title: String,
        pub price: i32,
        #[field(max_length = 20)]
        pub sku: Option<String>,
        #[field(default = 0)]
        pub stock: i32,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Category::meta(), Product::meta()]
    }
}

/// 4: `title` renamed to `name`.
pub mod v4 {
    pub use super::v1::Category;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        pub price: i32,
        #[field(max_length = 20)]
        pub sku: Option<String>,
        #[field(default = 0)]
        pub stock: i32,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Category::meta(), Product::meta()]
    }
}

/// 5: `price` from i32 to i64.
pub mod v5 {
    pub use super::v1::Category;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        pub price: i64,
        #[field(max_length = 20)]
        pub sku: Option<String>,
        #[field(default = 0)]
        pub stock: i32,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Category::meta(), Product::meta()]
    }
}

/// 6: `sku` unique.
pub mod v6 {
    pub use super::v1::Category;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        pub price: i64,
        #[field(max_length = 20, unique)]
        pub sku: Option<String>,
        #[field(default = 0)]
        pub stock: i32,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Category::meta(), Product::meta()]
    }
}

/// 7: a foreign key to Category, and tags (a new model) as many-to-many.
pub mod v7 {
    pub use super::v1::Category;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Tag {
        pub id: i64,
        #[field(max_length = 30)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        pub price: i64,
        #[field(max_length = 20, unique)]
        pub sku: Option<String>,
        #[field(default = 0)]
        pub stock: i32,
        #[field(on_delete = SetNull)]
        pub category: Option<ForeignKey<Category>>,
        pub tags: ManyToMany<Tag>,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Category::meta(), Tag::meta(), Product::meta()]
    }
}

/// 8: Category renamed to Section.
pub mod v8 {
    pub use super::v7::Tag;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Section {
        pub id: i64,
        #[field(max_length = 50)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        pub price: i64,
        #[field(max_length = 20, unique)]
        pub sku: Option<String>,
        #[field(default = 0)]
        pub stock: i32,
        #[field(on_delete = SetNull)]
        pub category: Option<ForeignKey<Section>>,
        pub tags: ManyToMany<Tag>,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Section::meta(), Tag::meta(), Product::meta()]
    }
}

/// 9: `sku` removed.
pub mod v9 {
    pub use super::v7::Tag;
    pub use super::v8::Section;
    use super::*;

    #[derive(Model, Debug, Clone)]
    #[model(app = "scenario")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        pub price: i64,
        #[field(default = 0)]
        pub stock: i32,
        #[field(on_delete = SetNull)]
        pub category: Option<ForeignKey<Section>>,
        pub tags: ManyToMany<Tag>,
    }

    pub fn all() -> Vec<&'static ModelMeta> {
        vec![Section::meta(), Tag::meta(), Product::meta()]
    }
}
