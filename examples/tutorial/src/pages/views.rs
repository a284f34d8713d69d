use galvani::prelude::*;

pub async fn home() -> Template {
    let features = ["named routes", "templates", "static files"];
    Template::new(
        "pages/home.html",
        context! { title => "Hello, Galvani", features },
    )
}

pub async fn about() -> Template {
    Template::new("pages/about.html", context! { title => "About this site" })
}
