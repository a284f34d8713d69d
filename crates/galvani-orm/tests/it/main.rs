//! The ORM against real databases: every test runs on SQLite and on PostgreSQL (when
//! `TEST_POSTGRES_URL` names a server; `scripts/test` starts one).

mod models;
mod support;

mod aggregates;
mod annotations;
mod instances;
mod many;
mod project;
mod queries;
mod relations;
mod signals;
mod transactions;
mod validation;
