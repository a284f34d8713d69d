//! The list of common passwords that `validate_password` refuses.
//!
//! Source: `data/common-passwords.txt` is the first 20,000 entries (most common first) of
//! the `PASSWORDS` frequency list in `src/frequency_lists.rs` of the `zxcvbn` crate,
//! version 3.1.1 (crates.io), one per line, lowercased and trimmed (one `\'` unescaped).
//! zxcvbn-rs ports Dropbox's zxcvbn, whose lists it carries; both are under the MIT
//! licence:
//!
//! ```text
//! The MIT License (MIT)
//! Copyright (c) 2016 Joshua Holmer
//! (Dropbox's zxcvbn: Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.)
//!
//! Permission is hereby granted, free of charge, to any person obtaining a copy of
//! this software and associated documentation files (the "Software"), to deal in
//! the Software without restriction, including without limitation the rights to
//! use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
//! of the Software, and to permit persons to whom the Software is furnished to do
//! so, subject to the following conditions:
//!
//! The above copyright notice and this permission notice shall be included in all
//! copies or substantial portions of the Software.
//!
//! THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
//! IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
//! FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
//! AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
//! LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
//! OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
//! SOFTWARE.
//! ```

use std::collections::HashSet;
use std::sync::LazyLock;

/// The list, one lowercase password a line.
const LIST: &str = include_str!("data/common-passwords.txt");

/// The list as a set, built on first use.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| LIST.lines().collect());

/// Whether `password`, lowercased and trimmed (as Django's `CommonPasswordValidator`
/// does), is on the list.
pub(super) fn is_common(password: &str) -> bool {
    COMMON.contains(password.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_lowercase_trimmed_and_unique() {
        let lines: Vec<&str> = LIST.lines().collect();
        assert_eq!(lines.len(), 20_000);
        assert_eq!(COMMON.len(), lines.len(), "no duplicates");
        for line in lines {
            assert!(!line.is_empty());
            assert_eq!(line, line.trim());
            assert_eq!(line, line.to_lowercase());
        }
    }

    #[test]
    fn common_passwords_are_found_whatever_their_case() {
        for password in [
            "password",
            "123456",
            "qwerty",
            "PassWord",
            " letmein ",
            "pic's",
        ] {
            assert!(is_common(password), "{password:?}");
        }
    }

    #[test]
    fn long_common_passwords_are_listed() {
        // The length validator catches short ones; these pass it and must be caught here.
        for password in [
            "1qaz2wsx3edc",
            "qazwsxedcrfv",
            "123456qwerty",
            "leavemealone",
        ] {
            assert!(password.chars().count() >= 12);
            assert!(is_common(password), "{password:?}");
        }
    }

    #[test]
    fn uncommon_passwords_are_not() {
        for password in ["", "correct horse battery staple", "zq8!vP2#", "Ünïcödé"] {
            assert!(!is_common(password), "{password:?}");
        }
    }
}
