//! The `holidays` table: seeded from the shipped CSV, edited by the 系统管理员.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    sea_query::OnConflict,
};

use super::{Calendar, DayKind, SpecialDay, builtin_days};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "holidays")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: ChronoDate,
        pub kind: String,
        pub name: String,
        pub updated_at: ChronoDateTimeUtc,
        pub updated_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Fill an empty table from the shipped file. Returns how many days were added.
pub async fn seed_if_empty(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<usize, DbErr> {
    if entity::Entity::find().count(conn).await? > 0 {
        return Ok(0);
    }
    let days = builtin_days();
    let n = days.len();
    let rows = days.into_iter().map(|d| entity::ActiveModel {
        day: Set(d.date),
        kind: Set(d.kind.code().to_string()),
        name: Set(d.name),
        updated_at: Set(now),
        updated_by: Set(None),
    });
    entity::Entity::insert_many(rows).exec(conn).await?;
    Ok(n)
}

pub async fn load(conn: &impl ConnectionTrait) -> Result<Calendar, DbErr> {
    let rows = entity::Entity::find().all(conn).await?;
    Ok(Calendar::new(rows.into_iter().filter_map(|r| Some((r.day, DayKind::parse(&r.kind)?)))))
}

pub async fn list_year(conn: &impl ConnectionTrait, year: i32) -> Result<Vec<SpecialDay>, DbErr> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1).expect("valid year");
    Ok(entity::Entity::find()
        .filter(entity::Column::Day.gte(from))
        .filter(entity::Column::Day.lt(to))
        .order_by_asc(entity::Column::Day)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| Some(SpecialDay { date: r.day, kind: DayKind::parse(&r.kind)?, name: r.name }))
        .collect())
}

pub async fn find(conn: &impl ConnectionTrait, day: NaiveDate) -> Result<Option<SpecialDay>, DbErr> {
    Ok(entity::Entity::find_by_id(day)
        .one(conn)
        .await?
        .and_then(|r| Some(SpecialDay { date: r.day, kind: DayKind::parse(&r.kind)?, name: r.name })))
}

pub async fn upsert(conn: &impl ConnectionTrait, d: &SpecialDay, by: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    entity::Entity::insert(entity::ActiveModel {
        day: Set(d.date),
        kind: Set(d.kind.code().to_string()),
        name: Set(d.name.clone()),
        updated_at: Set(now),
        updated_by: Set(Some(by)),
    })
    .on_conflict(
        OnConflict::column(entity::Column::Day)
            .update_columns([
                entity::Column::Kind,
                entity::Column::Name,
                entity::Column::UpdatedAt,
                entity::Column::UpdatedBy,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, day: NaiveDate) -> Result<u64, DbErr> {
    Ok(entity::Entity::delete_by_id(day).exec(conn).await?.rows_affected)
}
