//! Entities of the risk module.

pub mod point {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_points")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub unit_id: i64,
        pub post: String,
        /// `post` normalised for matching people to posts (rotation hints).
        pub post_key: String,
        pub title: String,
        pub description: String,
        pub category: String,
        pub area: String,
        pub likelihood: Option<i16>,
        pub impact: Option<i16>,
        pub level: String,
        pub responsible_person_id: Option<i64>,
        pub status: String,
        pub next_review_on: Option<ChronoDate>,
        pub last_review_on: Option<ChronoDate>,
        pub created_by: Option<i64>,
        pub deleted_at: Option<ChronoDateTimeUtc>,
        pub deleted_by: Option<i64>,
        pub delete_reason: Option<String>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "crate::features::org::entity::unit::Entity",
            from = "Column::UnitId",
            to = "crate::features::org::entity::unit::Column::Id"
        )]
        Unit,
    }

    impl Related<crate::features::org::entity::unit::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Unit.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod measure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_measures")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub risk_id: i64,
        pub content: String,
        pub owner_person_id: Option<i64>,
        pub due_date: Option<ChronoDate>,
        pub status: String,
        pub created_by: Option<i64>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod review {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_reviews")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub risk_id: i64,
        pub planned_on: ChronoDate,
        pub reviewed_on: Option<ChronoDate>,
        pub reviewer_user_id: Option<i64>,
        pub conclusion: Option<String>,
        pub notes: String,
        pub measure_changes: String,
        pub campaign_id: Option<i64>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod campaign {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_campaigns")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub year: i32,
        pub title: String,
        pub started_on: ChronoDate,
        pub deadline: ChronoDate,
        /// How the deadline was set: `date` or `N working days`.
        pub deadline_rule: String,
        /// `open` or `closed`.
        pub status: String,
        pub created_by: Option<i64>,
        pub closed_at: Option<ChronoDateTimeUtc>,
        pub closed_by: Option<i64>,
        /// The progress table frozen at closing (JSON).
        pub snapshot: Option<String>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod campaign_unit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_campaign_units")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub campaign_id: i64,
        pub unit_id: i64,
        pub signed_off_at: Option<ChronoDateTimeUtc>,
        pub signed_off_by: Option<i64>,
        pub sign_off_note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
