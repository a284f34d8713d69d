//! Misusing `#[derive(Model)]` is a compile error that says what to write instead.

#[test]
fn misuse_fails_to_compile_with_a_clear_message() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
