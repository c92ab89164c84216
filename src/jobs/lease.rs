//! Job leases: one row per job in `job_runs`. A process runs a job only after claiming its row
//! with a conditional UPDATE (free, or the previous holder's lease expired), so two `serve`
//! processes sharing one PostgreSQL never run the same job at once, and a daily job records the
//! day it last completed so a restart does not run it again.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_runs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        /// The (Beijing) day of the last completed daily run.
        pub last_run_on: Option<ChronoDate>,
        pub lease_holder: Option<String>,
        pub lease_until: Option<ChronoDateTimeUtc>,
        /// JSON report of the last run.
        pub last_report: String,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A new name for one claim in lease rows: the process id (for operators reading the table)
/// and a random part (two servers, or two runs, never share a name).
pub fn holder_id() -> String {
    format!("pid{}-{}", std::process::id(), crate::crypto::random_token(6))
}

/// Claim `name` until `until`. With `not_done_on`, only when the job has not completed on that
/// day. Returns whether this caller now holds the lease.
pub async fn claim(
    conn: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    not_done_on: Option<NaiveDate>,
) -> Result<bool, DbErr> {
    let row = entity::ActiveModel {
        name: sea_orm::Set(name.to_string()),
        last_run_on: sea_orm::Set(None),
        lease_holder: sea_orm::Set(None),
        lease_until: sea_orm::Set(None),
        last_report: sea_orm::Set(String::new()),
        updated_at: sea_orm::Set(now),
    };
    match entity::Entity::insert(row)
        .on_conflict(OnConflict::column(entity::Column::Name).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
    {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e),
    }
    let mut q = entity::Entity::update_many()
        .col_expr(entity::Column::LeaseHolder, Expr::value(holder))
        .col_expr(entity::Column::LeaseUntil, Expr::value(until))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now))
        .filter(entity::Column::Name.eq(name))
        .filter(Condition::any().add(entity::Column::LeaseUntil.is_null()).add(entity::Column::LeaseUntil.lt(now)));
    if let Some(day) = not_done_on {
        q = q.filter(Condition::any().add(entity::Column::LastRunOn.is_null()).add(entity::Column::LastRunOn.lt(day)));
    }
    Ok(q.exec(conn).await?.rows_affected == 1)
}

/// Release the lease; with `done_on`, record the day as completed and keep the report.
pub async fn release(
    conn: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    done_on: Option<NaiveDate>,
    report: &serde_json::Value,
) -> Result<(), DbErr> {
    let mut q = entity::Entity::update_many()
        .col_expr(entity::Column::LeaseHolder, Expr::value(Option::<String>::None))
        .col_expr(entity::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now))
        .col_expr(entity::Column::LastReport, Expr::value(report.to_string()));
    if let Some(day) = done_on {
        q = q.col_expr(entity::Column::LastRunOn, Expr::value(day));
    }
    q.filter(entity::Column::Name.eq(name)).filter(entity::Column::LeaseHolder.eq(holder)).exec(conn).await?;
    Ok(())
}

pub async fn find(conn: &impl ConnectionTrait, name: &str) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(name.to_string()).one(conn).await
}
