//! Entities of 主体责任.

pub mod list {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_lists")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub unit_id: i64,
        pub year: i32,
        pub title: String,
        /// draft / published
        pub status: String,
        /// Periods ending before this day generate no tasks (a list published in spring).
        pub starts_on: ChronoDate,
        pub copied_from: Option<i64>,
        pub published_at: Option<ChronoDateTimeUtc>,
        pub published_by: Option<i64>,
        pub created_by: Option<i64>,
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
    #[sea_orm(table_name = "duty_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub list_id: i64,
        pub seq: i32,
        pub category: String,
        pub content: String,
        pub cadence: String,
        pub once_on: Option<ChronoDate>,
        /// working / calendar
        pub rule_kind: String,
        pub rule_days: i32,
        pub evidence: String,
        pub weight: i32,
        /// unit / leader
        pub target: String,
        pub withdrawn_at: Option<ChronoDateTimeUtc>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod target {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_targets")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub list_id: i64,
        pub unit_id: i64,
        pub person_id: Option<i64>,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod amendment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_amendments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub list_id: i64,
        pub item_id: Option<i64>,
        pub action: String,
        pub reason: String,
        /// JSON: what changed.
        pub detail: String,
        pub by_user: Option<i64>,
        pub by_name: String,
        pub at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod task {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_tasks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub list_id: i64,
        pub item_id: i64,
        pub unit_id: i64,
        pub person_id: Option<i64>,
        pub publisher_unit_id: i64,
        pub year: i32,
        pub month: i32,
        pub period: String,
        pub period_start: ChronoDate,
        pub period_end: ChronoDate,
        pub due_on: ChronoDate,
        /// open / submitted / returned / accepted
        pub status: String,
        pub submitted_on: Option<ChronoDate>,
        pub accepted_on: Option<ChronoDate>,
        pub days_late: Option<i32>,
        pub rating: Option<i32>,
        pub cycle: i32,
        pub cancelled_at: Option<ChronoDateTimeUtc>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod record {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_records")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub task_id: i64,
        pub done_on: ChronoDate,
        pub place: String,
        pub participants: String,
        pub content: String,
        pub submitted_by: Option<i64>,
        pub submitter_person: Option<i64>,
        pub submitter_name: String,
        pub submitted_at: ChronoDateTimeUtc,
        pub submitted_on: ChronoDate,
        pub days_late: i32,
        /// pending / accepted / returned
        pub outcome: String,
        pub review_note: String,
        pub reviewed_by: Option<i64>,
        pub reviewer_name: String,
        pub reviewed_at: Option<ChronoDateTimeUtc>,
        pub rating: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod report {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_reports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub year: i32,
        pub person_id: i64,
        pub unit_id: i64,
        pub title: String,
        pub body: String,
        /// draft / submitted
        pub status: String,
        pub submitted_at: Option<ChronoDateTimeUtc>,
        pub created_by: Option<i64>,
        pub version: i32,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod contact {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_contacts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub year: i32,
        pub person_id: i64,
        pub unit_id: i64,
        pub created_by: Option<i64>,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod visit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_visits")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uuid: Uuid,
        pub contact_id: i64,
        pub visited_on: ChronoDate,
        pub content: String,
        pub problems: String,
        pub rect_problem_id: Option<i64>,
        pub created_by: Option<i64>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod cell {
    use sea_orm::entity::prelude::*;

    /// A list's unit tasks of one unit and month, counted (the matrix reads these).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_cells")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub list_id: i64,
        pub unit_id: i64,
        pub year: i32,
        pub month: i32,
        pub total: i32,
        pub accepted: i32,
        pub submitted: i32,
        pub late: i32,
        /// Earliest deadline among tasks still with the unit (open or returned).
        pub open_due: Option<ChronoDate>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
