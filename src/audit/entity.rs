//! `audit_log` and `audit_head`.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub ts: ChronoDateTimeUtc,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub actor_roles: String,
    pub ip: String,
    pub session_ref: String,
    pub request_id: String,
    pub event: String,
    pub object_type: String,
    pub object_id: String,
    pub unit_id: Option<i64>,
    pub result: String,
    pub detail: String,
    pub prev_mac: String,
    pub mac: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub mod head {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_head")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub last_seq: i64,
        pub last_mac: String,
        pub head_mac: String,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
