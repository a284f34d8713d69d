//! Management commands: app commands through `call_command`, usage errors, unknown
//! commands, and the `routes` listing.

use std::io::Write;

use galvani_core::Error;
use galvani_core::commands::{AppCommand, CommandContext};
use galvani_core::prelude::*;

use crate::support::{TestApp, blog};

/// Greets someone, several times.
#[derive(clap::Args)]
struct Greet {
    /// Who to greet.
    name: String,
    /// How many times.
    #[arg(long, default_value_t = 1)]
    times: u32,
    /// Shout.
    #[arg(long)]
    loud: bool,
}

async fn greet(args: Greet, ctx: CommandContext) -> galvani_core::Result<()> {
    for _ in 0..args.times {
        let line = format!("hello {}", args.name);
        let line = if args.loud { line.to_uppercase() } else { line };
        writeln!(ctx.out(), "{line}").map_err(|e| Error::command(e.to_string()))?;
    }
    Ok(())
}

/// Prints the URL of a post.
#[derive(clap::Args)]
struct PostUrl {
    id: u32,
}

async fn post_url(args: PostUrl, ctx: CommandContext) -> galvani_core::Result<()> {
    let url = ctx
        .site()
        .urls()
        .reverse("blog:post-detail", ("id", args.id))?;
    writeln!(ctx.out(), "{url}").ok();
    Ok(())
}

/// Always fails, after saying what it tried.
#[derive(clap::Args)]
struct Fail {}

async fn fail(_: Fail, ctx: CommandContext) -> galvani_core::Result<()> {
    writeln!(ctx.out(), "loading seed data").ok();
    Err(Error::command("the seed data is missing"))
}

fn tools() -> TestApp {
    TestApp::new("tools").commands(|| {
        vec![
            AppCommand::new::<Greet, _, _>("greet", greet),
            AppCommand::new::<PostUrl, _, _>("post-url", post_url),
            AppCommand::new::<Fail, _, _>("fail", fail),
        ]
    })
}

fn project() -> Project {
    Project::new(Settings::default())
        .app(tools())
        .app_at("/blog", blog())
}

#[tokio::test]
async fn app_command_runs_with_its_arguments_and_writes_to_the_output() {
    let out = project().call_command(["greet", "Ada"]).await.unwrap();
    assert_eq!(out, "hello Ada\n");
    let out = project()
        .call_command(["greet", "--times", "3", "--loud", "Grace"])
        .await
        .unwrap();
    assert_eq!(out, "HELLO GRACE\n".repeat(3));
}

#[tokio::test]
async fn app_command_sees_the_built_site() {
    let out = project().call_command(["post-url", "9"]).await.unwrap();
    assert_eq!(out, "/blog/posts/9\n");
    let site = project().build().unwrap();
    let names: Vec<&str> = site.app_commands().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["greet", "post-url", "fail"]);
}

#[tokio::test]
async fn usage_errors_are_errors() {
    for args in [
        vec!["greet"],
        vec!["greet", "Ada", "--times", "many"],
        vec!["greet", "Ada", "--colour"],
        vec!["post-url", "-1"],
    ] {
        let err = project().call_command(args.clone()).await.unwrap_err();
        assert!(matches!(err, Error::Command { .. }), "{args:?}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
    let err = project().call_command(["greet"]).await.unwrap_err();
    assert!(err.to_string().contains("<NAME>"), "{err}");
}

#[tokio::test]
async fn unknown_command_is_an_error() {
    let err = project().call_command(["nope"]).await.unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let err = project().call_command(["gret", "Ada"]).await.unwrap_err();
    assert!(
        err.to_string().contains("greet"),
        "suggests the close match: {err}"
    );
}

#[tokio::test]
async fn failing_command_returns_its_error() {
    let err = project().call_command(["fail"]).await.unwrap_err();
    assert_eq!(err.to_string(), "the seed data is missing");
    match err {
        Error::CommandFailed { error, output } => {
            assert!(matches!(*error, Error::Command { .. }), "{error:?}");
            assert_eq!(output, "loading seed data\n");
        }
        other => panic!("expected CommandFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn commands_do_not_run_when_the_project_does_not_build() {
    let err = Project::new(Settings::default())
        .app(tools())
        .routes(Routes::new().route("/old/:id", get(|| async { "x" })))
        .call_command(["greet", "Ada"])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Routes { .. }), "{err:?}");
}

#[test]
fn app_command_named_like_a_built_in_fails_the_build() {
    let app =
        TestApp::new("clash").commands(|| vec![AppCommand::new::<Greet, _, _>("routes", greet)]);
    match Project::new(Settings::default()).app(app).build() {
        Err(Error::App { label, message }) => {
            assert_eq!(label, "clash");
            assert!(message.contains("routes"), "{message}");
        }
        other => panic!("expected Error::App, got {other:?}"),
    }
}

#[test]
fn two_apps_with_the_same_command_name_fail_the_build() {
    let other =
        TestApp::new("other").commands(|| vec![AppCommand::new::<Greet, _, _>("greet", greet)]);
    match Project::new(Settings::default())
        .app(tools())
        .app(other)
        .build()
    {
        Err(Error::App { label, message }) => {
            assert_eq!(label, "other");
            assert!(
                message.contains("greet") && message.contains("tools"),
                "{message}"
            );
        }
        other => panic!("expected Error::App, got {other:?}"),
    }
}

async fn list_posts() -> &'static str {
    "posts"
}

async fn create_post() -> &'static str {
    "created"
}

#[tokio::test]
async fn routes_lists_name_method_path_and_handler_of_every_route() {
    let out = project()
        .routes(
            Routes::new()
                .route("/posts", get(list_posts).post(create_post))
                .name("posts")
                .route("/health", get(|| async { "ok" })),
        )
        .call_command(["routes"])
        .await
        .unwrap();
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "METHOD", "PATH", "HANDLER"], "{out}");
    let row = |name: &str, method: &str| {
        lines
            .iter()
            .find(|cols| cols.first() == Some(&name) && cols.get(1) == Some(&method))
            .unwrap_or_else(|| panic!("no row for {name} {method} in:\n{out}"))
            .clone()
    };
    let get_row = row("posts", "GET");
    assert_eq!(get_row[2], "/posts");
    assert!(get_row[3].ends_with("list_posts"), "{out}");
    let post_row = row("posts", "POST");
    assert_eq!(post_row[2], "/posts");
    assert!(post_row[3].ends_with("create_post"), "{out}");
    let detail = row("blog:post-detail", "GET");
    assert_eq!(detail[2], "/blog/posts/{id}");
    assert!(detail[3].ends_with("post_detail"), "{out}");
    let unnamed = row("-", "GET");
    assert_eq!(unnamed[2], "/health");
    // Nothing else is listed but the static files route.
    let others: Vec<_> = lines[1..]
        .iter()
        .filter(|cols| !cols.get(2).is_some_and(|p| p.starts_with("/static/")))
        .collect();
    assert_eq!(others.len(), 5, "{out}");
}
