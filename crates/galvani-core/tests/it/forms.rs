//! Forms, uploads, flash messages and mail through the whole stack.

use galvani_core::forms::HtmlForm;
use galvani_core::mail::{Email, Mailer};
use galvani_core::messages::Messages;
use galvani_core::prelude::*;
use galvani_core::test::TestClient;

use crate::support::{TestApp, dev};

#[derive(serde::Deserialize, garde::Validate)]
struct SignUp {
    #[garde(length(min = 3, max = 30))]
    username: String,
    #[garde(email)]
    email: String,
    #[garde(length(min = 12))]
    password: String,
}

const PAGE: &str = r#"{% import "galvani/forms.html" as forms %}
{% for m in messages %}<p class="message {{ m.level }}">{{ m.text }}</p>{% endfor %}
<form method="post" enctype="multipart/form-data">{{ csrf_input() }}
{{ forms.errors(form) }}
{{ forms.field(form, "username", "User name", autocomplete="username") }}
{{ forms.field(form, "email", "Email", type="email") }}
{{ forms.field(form, "password", "Password", type="password") }}
</form>"#;

async fn signup(messages: Messages, mut form: HtmlForm<SignUp>) -> Response {
    if let Some(data) = form.valid()
        && data.username == "taken"
    {
        form.add_error("username", "That name is taken.");
    }
    if form.is_valid() {
        messages.success("Welcome aboard!");
        return Redirect::to("/signup").into_response();
    }
    let status = if form.is_bound() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Template::new("signup.html", context! { form })
        .with_status(status)
        .into_response()
}

#[derive(serde::Deserialize, serde::Serialize, garde::Validate)]
struct Prefs {
    #[garde(length(max = 100))]
    address: String,
    #[serde(default)]
    #[garde(skip)]
    newsletter: bool,
}

const PREFS: &str = r#"{% import "galvani/forms.html" as forms %}
{{ forms.field(form, "address", "Address") }}
{{ forms.checkbox(form, "newsletter", "Send me the newsletter", help="Once a month.") }}
{% if form.valid %}saved newsletter={{ form.data.newsletter or "absent" }}{% endif %}"#;

/// An edit page: shows what is stored with `HtmlForm::initial`, echoes a submission.
async fn prefs(form: Option<HtmlForm<Prefs>>) -> Template {
    let form = form.unwrap_or_else(|| {
        HtmlForm::initial(&Prefs {
            address: "1 Volta St".into(),
            newsletter: true,
        })
    });
    Template::new("prefs.html", context! { form })
}

fn client(toml: &str) -> TestClient {
    let templates = tempfile::tempdir().unwrap().keep();
    std::fs::write(templates.join("signup.html"), PAGE).unwrap();
    std::fs::write(templates.join("prefs.html"), PREFS).unwrap();
    let app = TestApp::new("forms")
        .templates(galvani_core::Assets::dir(templates.clone()))
        .routes(|| {
            Routes::new()
                .route("/signup", get(signup).post(signup))
                .route("/prefs", get(|| prefs(None)).post(|f| prefs(Some(f))))
                .route(
                    "/upload",
                    post(|form: HtmlForm<Caption>| async move {
                        let names: Vec<String> = form
                            .files()
                            .iter()
                            .map(|f| format!("{}:{}:{}", f.field, f.file_name, f.bytes.len()))
                            .collect();
                        let caption = form.valid().and_then(|c| c.caption.clone());
                        assert_eq!(caption.as_deref(), form.value_of("caption"));
                        format!("{} {}", caption.unwrap_or_default(), names.join(","))
                    }),
                )
                .route(
                    "/mail",
                    post(|mailer: Mailer| async move {
                        mailer
                            .send(Email::new(
                                "ada@example.com",
                                "Your order",
                                "It ships today.",
                            ))
                            .await
                            .map(|_| "sent")
                    }),
                )
        });
    TestClient::new(Project::new(dev(toml)).app(app))
}

#[derive(serde::Deserialize, garde::Validate)]
struct Caption {
    #[garde(skip)]
    caption: Option<String>,
}

#[tokio::test]
async fn errors_are_shown_beside_their_fields_with_the_input_kept() {
    let client = client("");
    let empty = client.get("/signup").send().await;
    assert_eq!(empty.status(), StatusCode::OK);
    assert!(!empty.text().contains("errorlist"));

    let res = client
        .post("/signup")
        .form(&[
            ("username", "a<b>"),
            ("email", "nope"),
            ("password", "short"),
        ])
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text();
    assert!(
        html.contains(r#"value="a&lt;b&gt;""#),
        "input kept, escaped: {html}"
    );
    assert!(
        html.contains(r#"aria-invalid="true" aria-describedby="id_email_errors""#),
        "{html}"
    );
    assert!(html.contains("Length is lower than 12."), "{html}");
    assert!(
        !html.contains("short"),
        "a password is never sent back: {html}"
    );
    assert!(html.contains(r#"<label for="id_username">User name</label>"#));

    let taken = client
        .post("/signup")
        .form(&[
            ("username", "taken"),
            ("email", "t@example.com"),
            ("password", "long enough password"),
        ])
        .send()
        .await;
    assert!(taken.text().contains("That name is taken."));

    let blank = client
        .post("/signup")
        .form(&[("username", "  ")])
        .send()
        .await;
    let html = blank.text();
    assert_eq!(html.matches("This field is required.").count(), 3, "{html}");
}

#[tokio::test]
async fn an_edit_form_starts_from_initial_values_and_a_checkbox_can_be_unticked() {
    let client = client("");
    let html = client.get("/prefs").send().await.text();
    assert!(html.contains(r#"value="1 Volta St""#), "{html}");
    assert!(
        html.contains(
            r#"id="id_newsletter" value="true" checked aria-describedby="id_newsletter_help">"#
        ),
        "ticked from the initial value: {html}"
    );
    assert!(
        !html.contains("saved"),
        "an initial form is not a submission"
    );

    let unticked = client
        .post("/prefs")
        .form(&[("address", "2 Ohm Road")])
        .send()
        .await
        .text();
    assert!(unticked.contains("saved newsletter=absent"), "{unticked}");
    assert!(!unticked.contains("checked"), "{unticked}");

    let ticked = client
        .post("/prefs")
        .form(&[("address", "2 Ohm Road"), ("newsletter", "true")])
        .send()
        .await
        .text();
    assert!(ticked.contains("saved newsletter=true"), "{ticked}");
    assert!(ticked.contains(" checked"), "{ticked}");
}

#[tokio::test]
async fn a_flash_message_shows_once_on_the_next_page() {
    let client = client("");
    let res = client
        .post("/signup")
        .form(&[
            ("username", "ada"),
            ("email", "ada@example.com"),
            ("password", "long enough password"),
        ])
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.header("set-cookie").unwrap_or_default().to_owned();
    assert!(
        cookie.starts_with("messages=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    let page = client.get("/signup").send().await;
    assert!(
        page.text()
            .contains(r#"<p class="message success">Welcome aboard!</p>"#)
    );
    let again = client.get("/signup").send().await;
    assert!(!again.text().contains("Welcome aboard!"), "shown once");

    // A forged cookie shows nothing and is removed.
    client.set_cookie(
        "messages",
        "W3sibGV2ZWwiOiJlcnJvciIsInRleHQiOiJoYWNrZWQifV0",
    );
    let forged = client.get("/signup").send().await;
    assert!(!forged.text().contains("hacked"));
    assert!(client.cookie("messages").is_none());
}

fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "galvaniboundary";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts `parts` as a multipart body to `/upload`.
async fn upload(
    client: &TestClient,
    parts: &[(&str, Option<&str>, &[u8])],
) -> galvani_core::test::TestResponse {
    let (content_type, body) = multipart(parts);
    client
        .post("/upload")
        .header("content-type", &content_type)
        .body(body)
        .send()
        .await
}

#[tokio::test]
async fn uploads_get_safe_names_and_limits() {
    let client = client("[uploads]\nmax_file_size = 10\nmax_files = 2\n");
    let res = upload(
        &client,
        &[
            ("caption", None, b"holiday"),
            ("photo", Some("../../etc/passwd"), b"12345"),
            ("empty", Some(""), b""),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text());
    assert_eq!(res.text(), "holiday photo:passwd:5");

    let res = upload(&client, &[("photo", Some("big.jpg"), b"12345678901")]).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let res = upload(
        &client,
        &[
            ("a", Some("1.txt"), b"1"),
            ("b", Some("2.txt"), b"2"),
            ("c", Some("3.txt"), b"3"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().contains("at most 2 files"), "{}", res.text());

    let res = client
        .post("/upload")
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn tests_collect_mail_and_the_file_backend_writes_eml_files() {
    let client = client("");
    assert_eq!(client.post("/mail").send().await.text(), "sent");
    let sent = client.outbox();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject, "Your order");
    assert_eq!(sent[0].from, "webmaster@localhost");

    let dir = tempfile::tempdir().unwrap();
    let settings = dev(&format!(
        "[mail]\nbackend = \"file\"\nfile_path = {}\ndefault_from = \"shop@example.com\"\n",
        crate::support::toml_path(dir.path())
    ));
    let mailer = Mailer::from_settings(&settings).unwrap();
    mailer
        .send(Email::new("ada@example.com", "Hello", "Hi Ada"))
        .await
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(
        raw.contains("From: shop@example.com") && raw.contains("Subject: Hello"),
        "{raw}"
    );

    let wrong = Mailer::from_settings(&dev("[mail]\nbackend = \"pigeon\"\n"));
    assert!(
        wrong
            .unwrap_err()
            .to_string()
            .contains("use `console`, `file`, `smtp` or `memory`")
    );
}
