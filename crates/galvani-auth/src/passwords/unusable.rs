//! Unusable passwords: `!` followed by 40 random alphanumeric characters, as Django's
//! `make_password(None)` writes them. No password matches one, and each is different, so
//! a column of them leaks nothing.

/// What marks an unusable password.
pub(super) const PREFIX: char = '!';
/// How many random characters follow the prefix.
const RANDOM_LEN: usize = 40;
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh unusable password.
///
/// # Panics
/// If the operating system's random number generator fails.
pub(super) fn make() -> String {
    let mut out = String::with_capacity(1 + RANDOM_LEN);
    out.push(PREFIX);
    let mut bytes = [0u8; 64];
    while out.len() < 1 + RANDOM_LEN {
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        // Rejection sampling keeps every character equally likely: 248 = 4 * 62.
        for &byte in bytes.iter().filter(|&&byte| byte < 248) {
            if out.len() == 1 + RANDOM_LEN {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(byte % 62)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_passwords_have_the_prefix_and_40_alphanumerics() {
        let password = make();
        assert_eq!(password.len(), 41);
        let (prefix, rest) = password.split_at(1);
        assert_eq!(prefix, "!");
        assert!(
            rest.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{password}"
        );
    }

    #[test]
    fn unusable_passwords_differ() {
        let passwords: std::collections::HashSet<String> = (0..100).map(|_| make()).collect();
        assert_eq!(passwords.len(), 100);
    }

    #[test]
    fn every_character_turns_up() {
        let seen: std::collections::HashSet<char> = (0..200)
            .flat_map(|_| make().chars().skip(1).collect::<Vec<_>>())
            .collect();
        assert_eq!(seen.len(), 62);
    }
}
