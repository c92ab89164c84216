//! Entities of 监督执纪.

pub mod clue {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "clues")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        /// 线索编号, e.g. `XS2026-0007`.
        pub code: String,
        pub source: String,
        pub summary: String,
        pub received_on: ChronoDate,
        pub working_days: i32,
        /// The handling deadline (received + working days, by the calendar).
        pub deadline: ChronoDate,
        pub disposal: Option<String>,
        pub disposed_on: Option<ChronoDate>,
        pub result: String,
        pub status: String,
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

pub mod clue_person {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "clue_people")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub clue_id: i64,
        pub person_id: i64,
        /// The person's unit when the clue was received.
        pub unit_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod measure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_measures")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub person_id: i64,
        pub unit_id: i64,
        pub kind: String,
        pub category: String,
        pub decided_on: ChronoDate,
        pub year: i32,
        /// 决定机关
        pub body: String,
        /// 依据
        pub basis: String,
        /// 文号
        pub doc_no: String,
        pub term_years: Option<i16>,
        pub clue_id: Option<i64>,
        /// The period rule in force on the decision date (`domain::Rule::id`).
        pub rule_id: String,
        pub lifted_on: Option<ChronoDate>,
        pub lift_reason: String,
        pub created_by: Option<i64>,
        pub deleted_at: Option<ChronoDateTimeUtc>,
        pub delete_reason: Option<String>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod request {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "opinion_requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub title: String,
        pub purpose: String,
        /// The requesting letter's 文号.
        pub request_doc_no: String,
        pub requested_on: ChronoDate,
        pub needed_by: ChronoDate,
        pub requested_by: Option<i64>,
        pub requester_unit_id: i64,
        /// `open` or `answered`.
        pub status: String,
        /// The reply's 文号.
        pub reply_doc_no: String,
        pub answered_on: Option<ChronoDate>,
        pub answered_by: Option<i64>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "opinion_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub request_id: i64,
        pub person_id: i64,
        pub seq: i32,
        /// What the blockers suggested when answered.
        pub suggested: Option<String>,
        pub conclusion: Option<String>,
        /// Required when the conclusion differs from the suggestion.
        pub override_reason: String,
        /// JSON of the blockers the answer relied on.
        pub basis: String,
        pub basis_digest: String,
        pub answered_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
