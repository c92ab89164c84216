//! In-app notifications (站内消息).

pub mod notification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        /// The recipient (a person; whoever signs in as that person reads it).
        pub person_id: i64,
        /// `deadline`, `digest`, …
        pub kind: String,
        /// `yellow`, `red`, `principal`, `info`.
        pub level: String,
        /// Catalog key of the message; rendered in the reader's language.
        pub msg_key: String,
        /// JSON object of the message arguments.
        pub args: String,
        pub link: String,
        /// Unique: the same notice is never stored (or delivered) twice.
        pub dedup_key: String,
        pub created_at: ChronoDateTimeUtc,
        pub read_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
