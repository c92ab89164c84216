//! Problems as a deadline source: those the owner still works on (未整改, 整改中), not removed.
//! Submitted problems wait for the reviewer and are not chased.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{domain::Status, entity::problem};
use crate::jobs::deadlines::{DeadlineItem, DeadlineSource};

pub struct ProblemSource;

/// The first characters of a description, for notices.
pub fn short(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let s: String = first.chars().take(40).collect();
    if first.chars().count() > 40 { format!("{s}…") } else { s }
}

#[async_trait::async_trait]
impl DeadlineSource for ProblemSource {
    fn code(&self) -> &'static str {
        "rect"
    }

    async fn open_items(
        &self,
        conn: &DatabaseConnection,
        until: NaiveDate,
        after: i64,
        limit: u64,
    ) -> Result<Vec<DeadlineItem>, DbErr> {
        type Row = (i64, uuid::Uuid, i32, String, i64, NaiveDate, i64, Option<i64>);
        let rows: Vec<Row> = problem::Entity::find()
            .select_only()
            .columns([
                problem::Column::Id,
                problem::Column::Uuid,
                problem::Column::Cycle,
                problem::Column::Description,
                problem::Column::UnitId,
                problem::Column::DueOn,
                problem::Column::OwnerPersonId,
                problem::Column::LeaderPersonId,
            ])
            .filter(problem::Column::Status.is_in([Status::Open.code(), Status::InProgress.code()]))
            .filter(problem::Column::DueOn.lte(until))
            .filter(problem::Column::DeletedAt.is_null())
            .filter(problem::Column::Id.gt(after))
            .order_by_asc(problem::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, uuid, cycle, description, unit_id, due_on, owner, leader)| DeadlineItem {
                id,
                subject: uuid,
                cycle,
                title: short(&description),
                link: format!("/rect/{uuid}"),
                unit_id,
                due_on,
                owner: Some(owner),
                leader,
            })
            .collect())
    }
}
