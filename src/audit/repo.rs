//! Queries over the audit log for the 审计管理员's search page and export.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::ExprTrait,
};

use super::entity::{self, Column};

/// Filters of the audit search. All optional; text filters match a prefix or substring.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub event: Option<String>,
    pub object: Option<String>,
    pub result: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn filtered(f: &AuditFilter) -> Select<entity::Entity> {
    let mut q = entity::Entity::find();
    if let Some(a) = f.actor.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(Column::ActorName.contains(a));
    }
    if let Some(e) = f.event.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(Column::Event.starts_with(e));
    }
    if let Some(o) = f.object.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(Column::ObjectId.eq(o).or(Column::ObjectType.eq(o)));
    }
    if let Some(r) = f.result.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(Column::Result.eq(r));
    }
    if let Some(t) = f.from {
        q = q.filter(Column::Ts.gte(t));
    }
    if let Some(t) = f.to {
        q = q.filter(Column::Ts.lt(t));
    }
    q
}

/// One page of matching rows, newest first, and the total count.
pub async fn list(
    conn: &impl ConnectionTrait,
    f: &AuditFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<entity::Model>, u64), DbErr> {
    let total = filtered(f).count(conn).await?;
    let rows = filtered(f)
        .order_by_desc(Column::Seq)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Up to `cap` matching rows for an export, newest first.
pub async fn export(conn: &impl ConnectionTrait, f: &AuditFilter, cap: u64) -> Result<Vec<entity::Model>, DbErr> {
    filtered(f).order_by_desc(Column::Seq).limit(cap).all(conn).await
}

pub async fn count_all(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    entity::Entity::find().count(conn).await
}
