//! Fields with a fixed set of values: a fieldless enum with `#[derive(Choices)]`.

/// A fieldless enum stored as text, with a label per value. Derive it, and mark the
/// model field `#[field(choices)]` so the admin and `full_clean` know the set.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Choices, Debug, Clone, Copy, PartialEq)]
/// enum Status {
///     Pending,
///     #[choice(label = "On its way")]
///     InTransit,
///     Delivered,
/// }
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Parcel {
///     id: i64,
///     #[field(choices)]
///     status: Status,
/// }
///
/// assert_eq!(Status::InTransit.as_value(), "in_transit");
/// assert_eq!(Parcel::meta().field("status").unwrap().choices[1], ("in_transit", "On its way"));
/// assert!(Status::from_value("lost").unwrap_err().contains("pending"));
/// ```
pub trait Choices: Sized + Send + Sync + 'static {
    /// Every value and its label, in declaration order.
    const CHOICES: &'static [(&'static str, &'static str)];

    /// The stored text.
    fn as_value(&self) -> &'static str;

    /// The variant stored as `text`; the error lists the allowed values.
    fn from_value(text: &str) -> Result<Self, String>;

    /// The label shown to people.
    fn label(&self) -> &'static str {
        let value = self.as_value();
        Self::CHOICES
            .iter()
            .find(|(v, _)| *v == value)
            .map_or(value, |(_, l)| l)
    }
}
