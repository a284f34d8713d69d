//! `createsuperuser` and `changepassword`.
//!
//! Both ask at the terminal, with passwords unechoed; piped input is read line by
//! line, so scripts can answer too. `createsuperuser --noinput` takes everything from
//! `SUPERUSER_USERNAME`, `SUPERUSER_EMAIL` and
//! `SUPERUSER_PASSWORD`, for deployments.

use std::io::{BufRead, IsTerminal, Write};

use galvani_core::Error;
use galvani_core::commands::{AppCommand, CommandContext};
use galvani_orm::prelude::*;

use crate::models::User;
use crate::passwords::{self, UserAttributes};
use crate::state::AuthState;

pub(crate) fn commands() -> Vec<AppCommand> {
    vec![
        AppCommand::new::<CreateSuperuser, _, _>("createsuperuser", create_superuser),
        AppCommand::new::<ChangePassword, _, _>("changepassword", change_password),
    ]
}

/// Creates a user with every permission (staff and superuser).
#[derive(clap::Args, Debug)]
struct CreateSuperuser {
    /// The username (asked for when missing).
    #[arg(long)]
    username: Option<String>,
    /// The email address (asked for when missing).
    #[arg(long)]
    email: Option<String>,
    /// Ask nothing: take the username, email and password from SUPERUSER_USERNAME,
    /// SUPERUSER_EMAIL and SUPERUSER_PASSWORD.
    #[arg(long)]
    noinput: bool,
}

/// Sets a user's password.
#[derive(clap::Args, Debug)]
struct ChangePassword {
    /// Whose password to change.
    username: String,
}

fn db(ctx: &CommandContext) -> Result<galvani_orm::Db, Error> {
    ctx.site()
        .state()
        .data::<AuthState>()
        .map(|s| s.db.clone())
        .ok_or_else(|| Error::command("the auth app is not installed"))
}

fn fail(e: impl std::fmt::Display) -> Error {
    Error::command(e.to_string())
}

async fn create_superuser(args: CreateSuperuser, ctx: CommandContext) -> Result<(), Error> {
    let db = db(&ctx)?;
    let (username, email, password) = if args.noinput {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let username = args
            .username
            .or_else(|| var("SUPERUSER_USERNAME"))
            .ok_or_else(|| fail("--noinput needs --username or SUPERUSER_USERNAME"))?;
        let email = args
            .email
            .or_else(|| var("SUPERUSER_EMAIL"))
            .unwrap_or_default();
        let password =
            var("SUPERUSER_PASSWORD").ok_or_else(|| fail("--noinput needs SUPERUSER_PASSWORD"))?;
        check_new_user(&db, &username, &email).await?;
        let attributes = attributes(&username, &email);
        passwords::validate_password(&password, &attributes)
            .map_err(|problems| fail(format!("the password is refused: {}", problems.join(" "))))?;
        (username, email, password)
    } else {
        let mut prompt = Prompt::new();
        let username = match args.username {
            Some(u) => u,
            None => prompt.line("Username: ")?,
        };
        let email = match args.email {
            Some(e) => e,
            None => prompt.line("Email address: ")?,
        };
        check_new_user(&db, &username, &email).await?;
        let password = prompt.new_password(&attributes(&username, &email))?;
        (username, email, password)
    };
    let mut user = User::new(&username, &email);
    user.password = crate::hash_password(&password).await.map_err(fail)?;
    user.is_staff = true;
    user.is_superuser = true;
    user.save(&db).await.map_err(fail)?;
    writeln!(ctx.out(), "Superuser `{username}` created.").ok();
    Ok(())
}

async fn change_password(args: ChangePassword, ctx: CommandContext) -> Result<(), Error> {
    let db = db(&ctx)?;
    let user = User::objects()
        .filter(User::username.eq(args.username.as_str()))
        .first(&db)
        .await
        .map_err(fail)?
        .ok_or_else(|| fail(format!("there is no user `{}`", args.username)))?;
    let mut user = user;
    let password = Prompt::new().new_password(&user.attributes())?;
    user.change_password(&password, &db).await.map_err(fail)?;
    writeln!(
        ctx.out(),
        "Password changed for `{}`; their other sessions have ended.",
        user.username
    )
    .ok();
    Ok(())
}

async fn check_new_user(db: &galvani_orm::Db, username: &str, email: &str) -> Result<(), Error> {
    let username = username.trim();
    if username.is_empty() || username.len() > 150 || username.chars().any(char::is_whitespace) {
        return Err(fail("a username is 1 to 150 characters without spaces"));
    }
    if !email.is_empty() && !email.contains('@') {
        return Err(fail(format!("`{email}` is not an email address")));
    }
    let taken = User::objects()
        .filter(User::username.eq(username))
        .exists(db)
        .await
        .map_err(fail)?;
    if taken {
        return Err(fail(format!("the username `{username}` is already taken")));
    }
    Ok(())
}

fn attributes<'a>(username: &'a str, email: &'a str) -> UserAttributes<'a> {
    UserAttributes {
        username,
        email,
        ..Default::default()
    }
}

/// Questions on standard error, answers from the terminal (or piped input).
struct Prompt {
    terminal: bool,
}

impl Prompt {
    fn new() -> Self {
        Prompt {
            terminal: std::io::stdin().is_terminal(),
        }
    }

    fn line(&mut self, question: &str) -> Result<String, Error> {
        eprint!("{question}");
        std::io::stderr().flush().ok();
        let mut answer = String::new();
        let read = std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(fail)?;
        if read == 0 {
            return Err(fail("no answer: the input ended"));
        }
        Ok(answer.trim_end_matches(['\r', '\n']).to_owned())
    }

    fn secret(&mut self, question: &str) -> Result<String, Error> {
        if self.terminal {
            rpassword::prompt_password(question).map_err(fail)
        } else {
            self.line(question)
        }
    }

    /// A new password typed twice, asked again until the validators accept it.
    fn new_password(&mut self, attributes: &UserAttributes<'_>) -> Result<String, Error> {
        for _ in 0..3 {
            let first = self.secret("Password: ")?;
            let second = self.secret("Password (again): ")?;
            if first != second {
                eprintln!("The passwords do not match.");
                continue;
            }
            match passwords::validate_password(&first, attributes) {
                Ok(()) => return Ok(first),
                Err(problems) => {
                    for problem in problems {
                        eprintln!("{problem}");
                    }
                }
            }
        }
        Err(fail("no acceptable password after three tries"))
    }
}
