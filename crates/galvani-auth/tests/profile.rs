//! Extending the user with a profile, on SQLite and PostgreSQL: made on first use and
//! only once (even by two requests at once), unique per user, deleted with the user,
//! and handed to handlers by `UserProfile` behind the login guard.

use galvani_auth::{Profile, User, UserProfile};
use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use galvani_orm::prelude::*;

mod common;
use common::{PASSWORD, log_in, on_both, site, user};

/// A project's own fields about a user.
#[derive(Model, Debug, Clone)]
#[model(app = "accounts")]
struct Customer {
    id: i64,
    #[field(on_delete = Cascade)]
    user: OneToOne<User>,
    #[field(max_length = 200, blank)]
    shipping_address: String,
    #[field(default = false)]
    newsletter: bool,
}

impl Profile for Customer {
    const USER: Field<Self, OneToOne<User>> = Customer::user;

    fn new_for(user: &User) -> Self {
        Customer {
            id: 0,
            user: OneToOne::to(user),
            shipping_address: String::new(),
            newsletter: false,
        }
    }
}

async fn with_profiles(db: &Db) {
    galvani_orm::create_tables(db, &[Customer::meta()])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_profile_is_made_once_and_goes_with_its_user() {
    on_both(|db, _| async move {
        with_profiles(&db).await;
        let ada = user(&db, "ada").await;
        let bob = user(&db, "bob").await;

        // Two requests asking at once still make one row.
        let (a, b) = tokio::join!(Customer::of(&ada, &db), Customer::of(&ada, &db));
        let (mut a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.id, b.id);
        a.newsletter = true;
        a.save(&db).await.unwrap();
        let again = Customer::of(&ada, &db).await.unwrap();
        assert_eq!((again.id, again.newsletter), (a.id, true));
        assert_ne!(Customer::of(&bob, &db).await.unwrap().id, a.id);

        // One per user: the column is unique.
        let err = Customer::new_for(&ada).save(&db).await.unwrap_err();
        assert!(matches!(err, DbError::UniqueViolation { .. }), "{err:?}");

        ada.delete(&db).await.unwrap();
        let left = Customer::objects().all(&db).await.unwrap();
        assert_eq!(left.len(), 1, "ada's profile went with her");
        assert_eq!(*left[0].user.id(), bob.id);
    })
    .await;
}

async fn account(UserProfile { user, profile }: UserProfile<Customer>) -> String {
    format!("{} newsletter={}", user.username, profile.newsletter)
}

#[tokio::test]
async fn user_profile_needs_a_login_and_hands_over_the_profile() {
    on_both(|db, url| async move {
        with_profiles(&db).await;
        let ada = user(&db, "ada").await;
        let client =
            TestClient::new(site(&url).routes(Routes::new().route("/account", get(account))));

        let page = client.get("/account").header("accept", "text/html").await;
        assert_eq!(page.status(), StatusCode::FOUND);
        assert_eq!(
            page.header("location"),
            Some("/accounts/login/?next=/account")
        );
        assert_eq!(
            client.get("/account").await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(Customer::objects().count(&db).await.unwrap(), 0);

        log_in(&client, "ada", PASSWORD, "/").await;
        let res = client.get("/account").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.text(), "ada newsletter=false");
        let made = Customer::objects().get(&db).await.unwrap();
        assert_eq!(*made.user.id(), ada.id);
        client.get("/account").await;
        assert_eq!(Customer::objects().count(&db).await.unwrap(), 1);
    })
    .await;
}
