//! Entities of the organisation: units, people and their postings.

pub mod unit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "units")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub parent_id: Option<i64>,
        /// Materialised path of ids, `/1/4/17/`, ending with this unit's own id.
        pub path: String,
        pub depth: i32,
        pub code: String,
        pub name: String,
        pub kind: String,
        pub sort_order: i32,
        /// 主要负责人: the last step of a deadline escalation.
        pub principal_person_id: Option<i64>,
        pub deleted_at: Option<ChronoDateTimeUtc>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "people")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub staff_no: Option<String>,
        pub name: String,
        pub gender: String,
        pub unit_id: i64,
        pub post: String,
        pub rank: String,
        pub position: String,
        pub political_status: String,
        pub leading_cadre: bool,
        pub status: String,
        pub birth_date: Option<ChronoDate>,
        /// Since when the person holds the current post (rotation hints count from here).
        pub post_since: Option<ChronoDate>,
        pub deleted_at: Option<ChronoDateTimeUtc>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(belongs_to = "super::unit::Entity", from = "Column::UnitId", to = "super::unit::Column::Id")]
        Unit,
    }

    impl Related<super::unit::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Unit.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod posting {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_postings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub unit_id: i64,
        pub post: String,
        pub position: String,
        pub rank: String,
        pub start_date: ChronoDate,
        pub end_date: Option<ChronoDate>,
        pub reason: String,
        pub created_at: ChronoDateTimeUtc,
        pub created_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(belongs_to = "super::unit::Entity", from = "Column::UnitId", to = "super::unit::Column::Id")]
        Unit,
    }

    impl Related<super::unit::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Unit.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}
