//! Turning submitted fields into a typed value, collecting every field's errors rather
//! than stopping at the first.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

/// Field name → messages. The empty name holds errors about the form as a whole.
pub(crate) type Errors = BTreeMap<String, Vec<String>>;

/// What stands in for a field while parsing continues past its error: an empty string
/// suits text fields, `0` numbers, `false` booleans.
const STAND_INS: [&str; 3] = ["", "0", "false"];

/// Parses `pairs` into `T`, then validates it with garde. Empty values count as absent,
/// as in Django: a required field left blank is "This field is required.", an
/// `Option` field left blank is `None`.
pub(crate) fn parse<T>(pairs: &[(String, String)], errors: &mut Errors) -> Option<T>
where
    T: DeserializeOwned + garde::Validate<Context = ()>,
{
    let mut fields: Vec<(String, String)> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .cloned()
        .collect();
    // Each failing field is recorded, then given stand-ins so the fields after it are
    // parsed (and reported) too; bounded by the stand-ins per field.
    let mut attempts: BTreeMap<String, usize> = BTreeMap::new();
    let parsed = loop {
        match deserialize::<T>(&fields) {
            Ok(value) => break Some(value),
            Err((field, message)) => {
                let Some(field) = field else {
                    push(errors, "", message);
                    break None;
                };
                let tried = attempts.entry(field.clone()).or_default();
                if *tried == 0 {
                    push(errors, &field, message);
                }
                let Some(stand_in) = STAND_INS.get(*tried) else {
                    break None;
                };
                *tried += 1;
                fields.retain(|(name, _)| *name != field);
                fields.push((field, (*stand_in).to_owned()));
            }
        }
    };
    let value = parsed?;
    if let Err(report) = value.validate() {
        for (path, error) in report.iter() {
            let path = path.to_string();
            let field = path.split(['.', '[']).next().unwrap_or("");
            // A field whose input did not parse already says so; a stand-in's
            // validation errors would only confuse.
            if !attempts.contains_key(field) {
                push(errors, field, sentence(error.message()));
            }
        }
    }
    errors.is_empty().then_some(value)
}

/// One attempt: the value, or the failing field (if known) and a message for the user.
fn deserialize<T: DeserializeOwned>(
    fields: &[(String, String)],
) -> Result<T, (Option<String>, String)> {
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if let Some(missing) = inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            return (
                Some(missing.to_owned()),
                "This field is required.".to_owned(),
            );
        }
        let field = (path != ".").then(|| path.split(['.', '[']).next().unwrap_or("").to_owned());
        (field, format!("Enter a valid value ({inner})."))
    })
}

fn push(errors: &mut Errors, field: &str, message: String) {
    errors.entry(field.to_owned()).or_default().push(message);
}

/// garde's messages are lower-case fragments ("length is lower than 12"): made
/// sentences for people.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, garde::Validate, Debug)]
    struct SignUp {
        #[garde(length(min = 3, max = 20))]
        username: String,
        #[garde(email)]
        email: String,
        #[garde(range(min = 13))]
        age: u32,
        #[garde(skip)]
        nickname: Option<String>,
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_valid_form_parses_and_blank_optional_fields_are_none() {
        let mut errors = Errors::new();
        let form: SignUp = parse(
            &pairs(&[
                ("username", "ada"),
                ("email", "ada@example.com"),
                ("age", "36"),
                ("nickname", " "),
            ]),
            &mut errors,
        )
        .unwrap();
        assert!(errors.is_empty());
        assert_eq!(form.age, 36);
        assert_eq!(form.nickname, None);
    }

    #[test]
    fn every_field_reports_its_own_error() {
        let mut errors = Errors::new();
        let form: Option<SignUp> = parse(
            &pairs(&[("username", ""), ("email", "nope"), ("age", "old")]),
            &mut errors,
        );
        assert!(form.is_none());
        assert_eq!(errors["username"], ["This field is required."]);
        assert!(
            errors["age"][0].starts_with("Enter a valid value"),
            "{errors:?}"
        );
        // email parsed (it is a string); garde could not run, since other fields failed
        // to parse... unless stand-ins let it: then it reports too.
        assert_eq!(errors.get("email").map(Vec::len), Some(1), "{errors:?}");
    }

    #[test]
    fn garde_messages_become_sentences() {
        let mut errors = Errors::new();
        let form: Option<SignUp> = parse(
            &pairs(&[
                ("username", "al"),
                ("email", "al@example.com"),
                ("age", "12"),
            ]),
            &mut errors,
        );
        assert!(form.is_none());
        assert_eq!(errors["username"], ["Length is lower than 3."]);
        assert_eq!(errors["age"], ["Lower than 13."]);
    }
}
