//! mysite: the project built in the Galvani tutorial.

pub mod pages;
