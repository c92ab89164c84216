//! Entities of 整改台账.

pub mod batch {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rect_batches")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub title: String,
        pub source: String,
        pub issuer: String,
        pub feedback_on: ChronoDate,
        pub report_due_on: ChronoDate,
        pub notes: String,
        /// Set when the last open problem is closed (整改工作全部完成); cleared by a reopening.
        pub completed_at: Option<ChronoDateTimeUtc>,
        pub created_by: Option<i64>,
        pub deleted_at: Option<ChronoDateTimeUtc>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod batch_unit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rect_batch_units")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub batch_id: i64,
        pub unit_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod problem {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rect_problems")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub batch_id: i64,
        /// 序号 within the batch.
        pub seq: i32,
        pub description: String,
        pub kind: String,
        pub unit_id: i64,
        pub owner_person_id: i64,
        pub leader_person_id: Option<i64>,
        pub due_on: ChronoDate,
        pub measures: String,
        pub status: String,
        /// How many times it was reopened (回头看): notifications are per cycle.
        pub cycle: i32,
        pub progress_count: i32,
        /// The latest progress text (the ledger's 整改进展 column).
        pub last_progress: String,
        /// The owner's self-assessment (完成情况).
        pub assessment: String,
        pub submitted_at: Option<ChronoDateTimeUtc>,
        pub submitted_by: Option<i64>,
        pub closed_on: Option<ChronoDate>,
        pub closed_by: Option<i64>,
        /// The reviewer's conclusion (销号情况).
        pub conclusion: String,
        pub created_by: Option<i64>,
        pub deleted_at: Option<ChronoDateTimeUtc>,
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

pub mod link {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rect_problem_links")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub problem_id: i64,
        /// `risk` (a risk point) or `person`.
        pub kind: String,
        pub target_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;

    /// One step of a problem's history: created, edited, progress, submitted, returned,
    /// closed, reopened.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rect_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub problem_id: i64,
        pub kind: String,
        pub from_status: String,
        pub to_status: String,
        pub text: String,
        /// JSON: changed fields for edits.
        pub detail: String,
        pub actor_user_id: Option<i64>,
        pub actor_name: String,
        pub at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
