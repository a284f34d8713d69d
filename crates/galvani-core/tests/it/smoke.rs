use galvani_core::prelude::*;
use galvani_core::test::TestClient;

async fn detail(Path(id): Path<u32>, urls: Urls) -> HttpResult<String> {
    Ok(format!("{id} {}", urls.reverse("detail", ("id", id))?))
}

async fn boom() -> &'static str {
    panic!("kaboom")
}

fn project() -> Project {
    Project::new(Settings::default()).routes(
        Routes::new()
            .route("/p/{id}", get(detail))
            .name("detail")
            .route("/boom", get(boom))
            .route(
                "/t",
                get(|| async { Template::new("x.html", context! { a => "<b>" }) }),
            ),
    )
}

#[tokio::test]
async fn the_stack_answers() {
    let client = TestClient::new(project());
    let res = client.get("/p/5").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), "5 /p/5");
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert!(res.header("x-request-id").is_some());

    let res = client.get("/p/abc").await;
    assert_eq!(res.status(), 400, "{}", res.text());
    assert!(res.text().contains("Cannot parse"), "{}", res.text());

    let res = client.post("/p/5").await;
    assert_eq!(res.status(), 405);
    println!("allow = {:?}", res.header("allow"));

    let res = client.get("/nope").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().contains("p&#x2f;{id}"), "{}", res.text());

    let res = client.get("/boom").await;
    assert_eq!(res.status(), 500);
    assert!(res.text().contains("kaboom"));
    let res = client.get("/p/1").await;
    assert_eq!(res.status(), 200);

    let res = client.get("/t").await;
    println!("{} {}", res.status(), res.text());

    let res = client.get("/p/1").header("host", "evil.com").await;
    assert_eq!(res.status(), 400);
}
