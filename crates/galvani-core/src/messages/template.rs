//! `messages` in templates: a list that takes the request's pending messages the first
//! time a template looks at it, so they are shown once.

use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

use super::Messages;

/// The template variable for one request's messages (empty when there are none).
pub(crate) fn template_value(messages: Option<Messages>) -> Value {
    Value::from_object(Shown {
        messages,
        taken: OnceLock::new(),
    })
}

#[derive(Debug)]
struct Shown {
    messages: Option<Messages>,
    taken: OnceLock<Vec<Value>>,
}

impl Shown {
    /// The messages, taken from the request on first use. A template that never
    /// mentions `messages` leaves them for the next page.
    fn items(&self) -> &[Value] {
        self.taken.get_or_init(|| {
            self.messages
                .as_ref()
                .map(|m| {
                    m.take()
                        .into_iter()
                        .map(|m| {
                            Value::from_pairs([
                                ("level", Value::from(m.level.as_str())),
                                ("text", Value::from(m.text)),
                            ])
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

impl Object for Shown {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.items().get(key.as_usize()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.items().to_vec())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items().len())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !self.items().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looking_takes_them_once_and_text_is_escaped() {
        let messages = Messages::with(Vec::new(), false);
        messages.success("<b>Saved</b>");
        let env = minijinja::Environment::new();
        let mut env = env;
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        let out = env
            .render_str(
                "{% if messages %}{% for m in messages %}[{{ m.level }}:{{ m.text }}]{% endfor %}{% endif %}{{ messages|length }}",
                minijinja::context! { messages => template_value(Some(messages.clone())) },
            )
            .unwrap();
        assert_eq!(out, "[success:&lt;b&gt;Saved&lt;&#x2f;b&gt;]1");
        assert!(messages.peek().is_empty(), "shown, so no longer pending");

        let untouched = Messages::with(Vec::new(), false);
        untouched.info("later");
        env.render_str(
            "nothing",
            minijinja::context! { messages => template_value(Some(untouched.clone())) },
        )
        .unwrap();
        assert_eq!(
            untouched.peek().len(),
            1,
            "a page that does not show them keeps them"
        );
    }
}
