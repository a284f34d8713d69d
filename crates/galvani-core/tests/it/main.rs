//! Integration tests for galvani-core: every feature through the whole stack.

mod smoke;
