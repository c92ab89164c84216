//! Notification queries. Delivery is an insert that ignores a duplicate `dedup_key`: the unique
//! index makes each notice exactly-once however many times, or in however many processes, the
//! sender runs.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};

use super::entity::notification;

/// A notice to deliver.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub person_id: i64,
    pub kind: &'static str,
    pub level: &'static str,
    pub msg_key: String,
    pub args: serde_json::Value,
    pub link: String,
    pub dedup_key: String,
}

/// Insert notices, skipping any whose key was delivered before. Returns how many were new.
pub async fn deliver(conn: &impl ConnectionTrait, list: &[Outgoing], now: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut inserted = 0;
    for chunk in list.chunks(400) {
        let rows = chunk.iter().map(|o| notification::ActiveModel {
            uuid: sea_orm::Set(uuid::Uuid::new_v4()),
            person_id: sea_orm::Set(o.person_id),
            kind: sea_orm::Set(o.kind.to_string()),
            level: sea_orm::Set(o.level.to_string()),
            msg_key: sea_orm::Set(o.msg_key.clone()),
            args: sea_orm::Set(o.args.to_string()),
            link: sea_orm::Set(o.link.clone()),
            dedup_key: sea_orm::Set(o.dedup_key.clone()),
            created_at: sea_orm::Set(now),
            read_at: sea_orm::Set(None),
            ..Default::default()
        });
        let res = notification::Entity::insert_many(rows)
            .on_conflict(OnConflict::column(notification::Column::DedupKey).do_nothing().to_owned())
            .exec_without_returning(conn)
            .await;
        match res {
            Ok(n) => inserted += n,
            // Every row of the chunk was a duplicate.
            Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(inserted)
}

pub async fn unread_count(conn: &impl ConnectionTrait, person_id: i64) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::PersonId.eq(person_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(conn)
        .await
}

/// One page of a person's notices, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    person_id: i64,
    unread_only: bool,
    page: u64,
    per_page: u64,
) -> Result<(Vec<notification::Model>, u64), DbErr> {
    let q = || {
        let mut q = notification::Entity::find().filter(notification::Column::PersonId.eq(person_id));
        if unread_only {
            q = q.filter(notification::Column::ReadAt.is_null());
        }
        q
    };
    let total = q().count(conn).await?;
    let rows = q()
        .order_by_desc(notification::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Mark one of the person's notices read. `None` when it is not theirs (or does not exist).
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    person_id: i64,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Option<notification::Model>, DbErr> {
    let Some(n) = notification::Entity::find()
        .filter(notification::Column::Uuid.eq(id))
        .filter(notification::Column::PersonId.eq(person_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if n.read_at.is_none() {
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(now))
            .filter(notification::Column::Id.eq(n.id))
            .exec(conn)
            .await?;
    }
    Ok(Some(n))
}

/// Mark all of a person's notices read; returns how many changed.
pub async fn mark_all_read(conn: &impl ConnectionTrait, person_id: i64, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::PersonId.eq(person_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// Render a notice in the reader's language.
pub fn text(t: &crate::i18n::Catalog, n: &notification::Model) -> String {
    let args: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&n.args).unwrap_or_default();
    let pairs: Vec<(&str, String)> = args
        .iter()
        .map(|(k, v)| {
            let s = match v {
                serde_json::Value::String(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    // Dates are stored as ISO and shown as the reader writes them.
                    Ok(d) => t.date(d),
                    Err(_) => s.clone(),
                },
                other => other.to_string(),
            };
            (k.as_str(), s)
        })
        .collect();
    t.fmt(&n.msg_key, &pairs)
}
