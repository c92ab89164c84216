//! Attachment metadata and bytes (two tables, so listing files never reads their content).

pub mod attachment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attachments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        /// What the file belongs to, e.g. `rect_event`.
        pub owner_kind: String,
        pub owner_id: i64,
        pub filename: String,
        pub content_type: String,
        pub size: i64,
        /// SM3 of the bytes, hex.
        pub sm3: String,
        pub uploaded_by: Option<i64>,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod blob {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attachment_blobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub attachment_id: i64,
        pub bytes: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
