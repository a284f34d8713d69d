//! Password validation: Django's four default `AUTH_PASSWORD_VALIDATORS`, in Django's
//! order (similarity to the user, minimum length, common passwords, entirely numeric),
//! every failure reported as one English sentence.

use super::common::is_common;

/// The fewest characters (not bytes) a password may have.
const MIN_LENGTH: usize = 12;

/// The similarity ratio at or above which a password is refused (Django's default
/// `max_similarity`).
const MAX_SIMILARITY: f64 = 0.7;

/// Attribute values (or their parts) this long or longer are compared by containment
/// only: the similarity ratio is quadratic in the lengths.
const MAX_RATIO_LEN: usize = 256;

/// What a password is compared against: the user it is for.
///
/// Empty fields are skipped, so a form that knows only some of them leaves the others
/// `""` (or uses `..Default::default()`).
///
/// ```
/// use galvani_auth::passwords::{UserAttributes, validate_password};
///
/// let user = UserAttributes { username: "margaret", ..Default::default() };
/// assert!(validate_password("margaret-1234567", &user).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserAttributes<'a> {
    /// The user's username.
    pub username: &'a str,
    /// The user's email address.
    pub email: &'a str,
    /// The user's first name.
    pub first_name: &'a str,
    /// The user's last name.
    pub last_name: &'a str,
}

/// Checks a new password against the rules, returning every rule it breaks, each as one
/// English sentence.
///
/// The rules, Django's defaults:
/// - not too similar to the user's username, email address (and its part before the
///   `@`), first or last name (compared lowercased: the password contains the value, the
///   value contains the password, or they are at least 70% alike);
/// - at least 12 characters long;
/// - not one of the 20,000 most common passwords;
/// - not entirely numeric.
///
/// ```
/// use galvani_auth::passwords::{UserAttributes, validate_password};
///
/// let user = UserAttributes {
///     username: "ada",
///     email: "ada.lovelace@example.com",
///     first_name: "Ada",
///     last_name: "Lovelace",
/// };
/// assert_eq!(validate_password("correct horse battery staple", &user), Ok(()));
///
/// let errors = validate_password("123456", &user).unwrap_err();
/// assert_eq!(
///     errors,
///     [
///         "This password is too short. It must contain at least 12 characters.",
///         "This password is too common.",
///         "This password is entirely numeric.",
///     ]
/// );
///
/// let errors = validate_password("LovelaceForever", &user).unwrap_err();
/// assert_eq!(errors, ["The password is too similar to the last name."]);
/// ```
pub fn validate_password(password: &str, user: &UserAttributes<'_>) -> Result<(), Vec<String>> {
    let mut errors = similarity_errors(password, user);
    if password.chars().count() < MIN_LENGTH {
        errors.push(format!(
            "This password is too short. It must contain at least {MIN_LENGTH} characters."
        ));
    }
    if is_common(password) {
        errors.push("This password is too common.".to_owned());
    }
    if !password.is_empty() && password.chars().all(char::is_numeric) {
        errors.push("This password is entirely numeric.".to_owned());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// One error for each attribute the password is too similar to.
fn similarity_errors(password: &str, user: &UserAttributes<'_>) -> Vec<String> {
    let password = password.to_lowercase();
    let email_local = user.email.rsplit_once('@').map_or("", |(local, _)| local);
    let attributes: [(&str, &[&str]); 4] = [
        ("username", &[user.username]),
        ("email address", &[user.email, email_local]),
        ("first name", &[user.first_name]),
        ("last name", &[user.last_name]),
    ];
    attributes
        .into_iter()
        .filter(|(_, values)| {
            values
                .iter()
                .any(|value| too_similar(&password, &value.trim().to_lowercase()))
        })
        .map(|(name, _)| format!("The password is too similar to the {name}."))
        .collect()
}

/// Whether the lowercased `password` is too similar to the lowercased attribute `value`.
///
/// Django uses difflib's `SequenceMatcher.quick_ratio` (Ratcliff/Obershelp-style, over
/// the value and each of its `\W+`-separated parts). `strsim` has no Ratcliff/Obershelp,
/// so the ratio here is the normalized Levenshtein similarity, 1 - distance / longer
/// length, over the same candidates: like Django's ratio it is 1 for equal strings and
/// falls with every edit, but it respects order, so it is a little less eager; the
/// containment tests, both ways, make up for that with the cases that matter most
/// (`alice1990!` for `alice`, `smith` for `john.smith`).
fn too_similar(password: &str, value: &str) -> bool {
    if value.is_empty() || password.is_empty() {
        return false;
    }
    if value.chars().count() >= 3 && password.contains(value) {
        return true;
    }
    if password.chars().count() >= 3 && value.contains(password) {
        return true;
    }
    std::iter::once(value)
        .chain(value.split(|c: char| !c.is_alphanumeric() && c != '_'))
        .filter(|part| !part.is_empty())
        .any(|part| ratio(password, part) >= MAX_SIMILARITY)
}

/// The normalized Levenshtein similarity of `a` and `b`, skipping the quadratic work when
/// the lengths alone rule out reaching [`MAX_SIMILARITY`] (the similarity is at most
/// shorter / longer) or are over [`MAX_RATIO_LEN`].
fn ratio(a: &str, b: &str) -> f64 {
    let (len_a, len_b) = (a.chars().count(), b.chars().count());
    let (shorter, longer) = (len_a.min(len_b), len_a.max(len_b));
    if longer > MAX_RATIO_LEN || (shorter as f64) < MAX_SIMILARITY * longer as f64 {
        return 0.0;
    }
    strsim::normalized_levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOBODY: UserAttributes<'static> = UserAttributes {
        username: "",
        email: "",
        first_name: "",
        last_name: "",
    };

    fn errors(password: &str, user: &UserAttributes<'_>) -> Vec<String> {
        validate_password(password, user).err().unwrap_or_default()
    }

    #[test]
    fn a_good_password_passes() {
        assert_eq!(
            validate_password("correct horse battery staple", &NOBODY),
            Ok(())
        );
        assert_eq!(validate_password("zq8!vP2#mL4@", &NOBODY), Ok(()));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let too_short = "ünïcödé_pâs"; // 11 characters, 16 bytes
        assert!(too_short.len() >= 12);
        assert_eq!(
            errors(too_short, &NOBODY),
            ["This password is too short. It must contain at least 12 characters."]
        );
        assert_eq!(validate_password("ünïcödé_pâss", &NOBODY), Ok(()));
        assert_eq!(
            errors("", &NOBODY),
            ["This password is too short. It must contain at least 12 characters."]
        );
    }

    #[test]
    fn entirely_numeric_passwords_fail() {
        assert_eq!(
            errors("384720193847", &NOBODY),
            ["This password is entirely numeric."]
        );
        assert_eq!(validate_password("38472019384a", &NOBODY), Ok(()));
        // Other scripts' digits count too, as in Python's str.isdigit.
        assert_eq!(
            errors("١٢٣٤٥٦٧٨٩٠١٢", &NOBODY),
            ["This password is entirely numeric."]
        );
    }

    #[test]
    fn common_passwords_fail_whatever_their_case() {
        assert_eq!(
            errors("LeaveMeAlone", &NOBODY),
            ["This password is too common."]
        );
        assert_eq!(
            errors("1qaz2wsx3edc", &NOBODY),
            ["This password is too common."]
        );
    }

    #[test]
    fn every_failure_is_reported_in_djangos_order() {
        let user = UserAttributes {
            username: "123456",
            ..NOBODY
        };
        assert_eq!(
            errors("123456", &user),
            [
                "The password is too similar to the username.",
                "This password is too short. It must contain at least 12 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ]
        );
    }

    #[test]
    fn passwords_containing_an_attribute_fail() {
        let user = UserAttributes {
            username: "Margaret",
            email: "m.hamilton@nasa.example",
            first_name: "Margaret",
            last_name: "Hamilton",
        };
        assert_eq!(
            errors("my name is MARGARET!", &user),
            [
                "The password is too similar to the username.",
                "The password is too similar to the first name.",
            ]
        );
        assert_eq!(
            errors("xx m.hamilton@nasa.example xx", &user),
            [
                "The password is too similar to the email address.",
                "The password is too similar to the last name.",
            ]
        );
        // The email's local part on its own.
        let user = UserAttributes {
            email: "zorblax@example.com",
            ..NOBODY
        };
        assert_eq!(
            errors("i am zorblax, hello", &user),
            ["The password is too similar to the email address."]
        );
    }

    #[test]
    fn attributes_containing_the_password_fail() {
        let user = UserAttributes {
            email: "correct.horse.battery.staple.fan@example.com",
            ..NOBODY
        };
        assert_eq!(
            errors("horse.battery.staple", &user),
            ["The password is too similar to the email address."]
        );
    }

    #[test]
    fn near_misses_fail_on_the_ratio() {
        let user = UserAttributes {
            username: "stardust_rider",
            ..NOBODY
        };
        // Two letters swapped: no containment, similarity 12/14.
        assert!(ratio("stardsut_rider", "stardust_rider") >= MAX_SIMILARITY);
        assert_eq!(
            errors("stardsut_rider", &user),
            ["The password is too similar to the username."]
        );
        // A part of a value: "bartholomew" from the last name, nearly.
        let user = UserAttributes {
            last_name: "de bartholomew-smythe",
            ..NOBODY
        };
        assert!(!"bartholemew12".contains("bartholomew"));
        assert_eq!(
            errors("bartholemew12", &user),
            ["The password is too similar to the last name."]
        );
    }

    #[test]
    fn short_or_unrelated_attributes_do_not_fail() {
        let user = UserAttributes {
            username: "al",
            email: "x@y.z",
            first_name: "Al",
            last_name: "Wu",
        };
        // "al" and "wu" are under three characters: no containment test.
        assert_eq!(validate_password("always wubbling around", &user), Ok(()));
        let user = UserAttributes {
            username: "zebra_crossing",
            email: "zebra@example.com",
            first_name: "Quentin",
            last_name: "Blake",
        };
        assert_eq!(
            validate_password("correct horse battery staple", &user),
            Ok(())
        );
    }

    #[test]
    fn huge_inputs_are_quick() {
        let password = "a".repeat(100_000);
        let user = UserAttributes {
            username: &"b".repeat(100_000),
            ..NOBODY
        };
        assert_eq!(validate_password(&password, &user), Ok(()));
    }

    #[test]
    fn ratio_is_skipped_when_lengths_rule_it_out() {
        assert_eq!(ratio("abc", "abcdefghij"), 0.0);
        assert_eq!(ratio("abcdefghij", "abcdefghij"), 1.0);
        assert!((ratio("abcdefghij", "abcdefghiX") - 0.9).abs() < 1e-9);
    }
}
