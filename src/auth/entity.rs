//! Accounts, sessions and API tokens.

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        /// NFKC-normalised and lower-cased, so `ZhangSan` and `ｚｈａｎｇｓａｎ` are one name.
        pub username: String,
        pub display_name: String,
        pub person_id: Option<i64>,
        pub password_hash: String,
        pub password_changed_at: ChronoDateTimeUtc,
        pub must_change_password: bool,
        pub temp_password_expires_at: Option<ChronoDateTimeUtc>,
        pub disabled: bool,
        pub failed_count: i32,
        pub first_failed_at: Option<ChronoDateTimeUtc>,
        pub locked_until: Option<ChronoDateTimeUtc>,
        pub last_login_at: Option<ChronoDateTimeUtc>,
        pub lang: Option<String>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        /// SM3 of the cookie token; the token itself is never stored.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: i64,
        pub csrf: String,
        pub created_at: ChronoDateTimeUtc,
        pub last_seen_at: ChronoDateTimeUtc,
        pub expires_at: ChronoDateTimeUtc,
        pub ip: String,
        pub user_agent: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub user_id: i64,
        pub name: String,
        /// The first characters of the token, shown so a user can tell tokens apart.
        pub prefix: String,
        pub token_hash: String,
        pub created_at: ChronoDateTimeUtc,
        pub last_used_at: Option<ChronoDateTimeUtc>,
        pub expires_at: Option<ChronoDateTimeUtc>,
        pub revoked_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
