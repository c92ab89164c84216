//! Responsibility tasks as a deadline source: those still with the assignee (open or returned).
//! Submitted tasks wait for the assigning level and are not chased. A named leader's task goes
//! to the leader, then to the unit's principal; a unit's task goes to its principal leader.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{domain::TaskStatus, entity::task};
use crate::{
    features::org::{entity::unit, repo as org_repo},
    jobs::deadlines::{DeadlineItem, DeadlineSource},
};

pub struct TaskSource;

/// The first characters of an item's content, for notices.
pub fn short(text: &str) -> String {
    crate::features::rectify::deadlines::short(text)
}

#[async_trait::async_trait]
impl DeadlineSource for TaskSource {
    fn code(&self) -> &'static str {
        "duty"
    }

    async fn open_items(
        &self,
        conn: &DatabaseConnection,
        until: NaiveDate,
        after: i64,
        limit: u64,
    ) -> Result<Vec<DeadlineItem>, DbErr> {
        type Row = (i64, uuid::Uuid, i32, i64, i64, Option<i64>, String, NaiveDate);
        let rows: Vec<Row> = task::Entity::find()
            .select_only()
            .columns([
                task::Column::Id,
                task::Column::Uuid,
                task::Column::Cycle,
                task::Column::ItemId,
                task::Column::UnitId,
                task::Column::PersonId,
                task::Column::Period,
                task::Column::DueOn,
            ])
            .filter(task::Column::Status.is_in([TaskStatus::Open.code(), TaskStatus::Returned.code()]))
            .filter(task::Column::DueOn.lte(until))
            .filter(task::Column::CancelledAt.is_null())
            .filter(task::Column::Id.gt(after))
            .order_by_asc(task::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(conn)
            .await?;
        let mut unit_ids: Vec<i64> = rows.iter().map(|r| r.4).collect();
        unit_ids.sort_unstable();
        unit_ids.dedup();
        let principals: std::collections::HashMap<i64, Option<i64>> = org_repo::units_by_ids(conn, &unit_ids)
            .await?
            .into_iter()
            .map(|u: unit::Model| (u.id, u.principal_person_id))
            .collect();
        let mut item_ids: Vec<i64> = rows.iter().map(|r| r.3).collect();
        item_ids.sort_unstable();
        item_ids.dedup();
        let items = super::repo::items_by_ids(conn, &item_ids).await?;
        Ok(rows
            .into_iter()
            .map(|(id, uuid, cycle, item_id, unit_id, person, period, due_on)| {
                let principal = principals.get(&unit_id).copied().flatten();
                let content = items.get(&item_id).map(|i| short(&i.content)).unwrap_or_default();
                DeadlineItem {
                    id,
                    subject: uuid,
                    cycle,
                    title: format!("{}（{}）", content, super::domain::period_text(&period, true)),
                    link: format!("/duty/tasks/{uuid}"),
                    unit_id,
                    due_on,
                    owner: person.or(principal),
                    leader: if person.is_some() { principal } else { None },
                }
            })
            .collect())
    }
}
