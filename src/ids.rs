//! Typed integer ids, from one macro. Integer keys stay inside the server; URLs and the API use
//! each record's UUID. A function that takes a `UnitId` cannot be handed a `PersonId` by mistake.

macro_rules! typed_id {
    ($($(#[$m:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }

        impl From<$name> for sea_orm::Value {
            fn from(v: $name) -> Self {
                v.0.into()
            }
        }
    )+};
}

typed_id!(
    /// A unit (单位) of the organisation tree.
    UnitId,
    /// A person (干部) on the roster.
    PersonId,
    /// A login account.
    UserId,
);
