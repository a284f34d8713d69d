//! Integration tests for galvani-core: every feature through the whole stack.

mod support;

mod commands;
mod csrf;
mod errors;
mod forms;
mod middleware;
mod routing;
mod server;
mod settings;
mod smoke;
mod staticfiles;
mod templates;
mod test_client;
