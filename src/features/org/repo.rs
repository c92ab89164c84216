//! Every query over units, people and postings. Functions take any connection, so the caller
//! decides what runs inside one transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
    sea_query::{BinOper, Expr, ExprTrait, Func, Query},
};

use super::{
    domain::{NewPerson, NewUnit, child_path},
    entity::{person, posting, unit},
};
use crate::{authz::Scope, error::AppError, i18n::Msg};

pub async fn find_unit(conn: &impl ConnectionTrait, id: i64) -> Result<Option<unit::Model>, DbErr> {
    Ok(unit::Entity::find_by_id(id).one(conn).await?.filter(|u| u.deleted_at.is_none()))
}

pub async fn find_unit_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<unit::Model>, DbErr> {
    unit::Entity::find().filter(unit::Column::Uuid.eq(id)).filter(unit::Column::DeletedAt.is_null()).one(conn).await
}

pub async fn find_unit_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<unit::Model>, DbErr> {
    unit::Entity::find().filter(unit::Column::Code.eq(code)).one(conn).await
}

/// Units in scope, ordered for a tree: by path depth-first is not possible in SQL portably, so
/// callers build the tree from this flat list (a province has ~2,000 units).
pub async fn list_units(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<unit::Model>, DbErr> {
    unit::Entity::find()
        .filter(unit::Column::DeletedAt.is_null())
        .filter(scope.path_condition((unit::Entity, unit::Column::Path)))
        .order_by_asc(unit::Column::Depth)
        .order_by_asc(unit::Column::SortOrder)
        .order_by_asc(unit::Column::Id)
        .all(conn)
        .await
}

/// All live units (for imports that resolve codes).
pub async fn list_all_units(conn: &impl ConnectionTrait) -> Result<Vec<unit::Model>, DbErr> {
    unit::Entity::find().filter(unit::Column::DeletedAt.is_null()).all(conn).await
}

/// Record a unit's principal leader (主要负责人).
pub async fn set_principal(conn: &impl ConnectionTrait, unit_id: i64, person: Option<i64>) -> Result<(), DbErr> {
    unit::Entity::update_many()
        .col_expr(unit::Column::PrincipalPersonId, sea_orm::sea_query::Expr::value(person))
        .filter(unit::Column::Id.eq(unit_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Units by id (any state), in path order.
pub async fn units_by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<unit::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(unit::Entity::find().filter(unit::Column::Id.is_in(chunk.to_vec())).all(conn).await?);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

pub async fn units_by_uuids(conn: &impl ConnectionTrait, ids: &[uuid::Uuid]) -> Result<Vec<unit::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(unit::Entity::find().filter(unit::Column::Uuid.is_in(chunk.to_vec())).all(conn).await?);
    }
    Ok(out)
}

pub async fn list_children(conn: &impl ConnectionTrait, parent: i64) -> Result<Vec<unit::Model>, DbErr> {
    unit::Entity::find()
        .filter(unit::Column::ParentId.eq(parent))
        .filter(unit::Column::DeletedAt.is_null())
        .order_by_asc(unit::Column::SortOrder)
        .order_by_asc(unit::Column::Id)
        .all(conn)
        .await
}

pub async fn count_units(conn: &impl ConnectionTrait, scope: &Scope) -> Result<u64, DbErr> {
    unit::Entity::find()
        .filter(unit::Column::DeletedAt.is_null())
        .filter(scope.path_condition((unit::Entity, unit::Column::Path)))
        .count(conn)
        .await
}

#[derive(Debug, FromQueryResult)]
struct UnitCount {
    unit_id: i64,
    n: i64,
}

/// Active people per unit (directly in it), for the tree.
pub async fn count_active_people_by_unit(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<HashMap<i64, i64>, DbErr> {
    let rows = person::Entity::find()
        .select_only()
        .column(person::Column::UnitId)
        .column_as(Expr::col((person::Entity, person::Column::Id)).count(), "n")
        .filter(person::Column::DeletedAt.is_null())
        .filter(person::Column::Status.eq("active"))
        .filter(scope.unit_condition((person::Entity, person::Column::UnitId)))
        .group_by(person::Column::UnitId)
        .into_model::<UnitCount>()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.unit_id, r.n)).collect())
}

/// Insert a unit under `parent` (None: a root). The path needs the new id, hence two writes.
pub async fn insert_unit(
    conn: &impl ConnectionTrait,
    new: &NewUnit,
    parent: Option<&unit::Model>,
    now: DateTime<Utc>,
) -> Result<unit::Model, AppError> {
    let am = unit::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        parent_id: Set(parent.map(|p| p.id)),
        path: Set(String::new()),
        depth: Set(parent.map(|p| p.depth + 1).unwrap_or(0)),
        code: Set(new.code.clone()),
        name: Set(new.name.clone()),
        kind: Set(new.kind.code().to_string()),
        sort_order: Set(new.sort_order),
        deleted_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let m = am.insert(conn).await.map_err(|e| crate::error::on_unique(e, "code", "org.code_taken"))?;
    let path = child_path(parent.map(|p| p.path.as_str()), m.id);
    let mut am: unit::ActiveModel = m.into();
    am.path = Set(path);
    Ok(am.update(conn).await?)
}

/// Change a unit's own fields if nobody changed it since `expected_version`.
pub async fn update_unit(
    conn: &impl ConnectionTrait,
    id: i64,
    new: &NewUnit,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let res = unit::Entity::update_many()
        .col_expr(unit::Column::Code, Expr::value(new.code.clone()))
        .col_expr(unit::Column::Name, Expr::value(new.name.clone()))
        .col_expr(unit::Column::Kind, Expr::value(new.kind.code()))
        .col_expr(unit::Column::SortOrder, Expr::value(new.sort_order))
        .col_expr(unit::Column::UpdatedAt, Expr::value(now))
        .col_expr(unit::Column::Version, Expr::col(unit::Column::Version).add(1))
        .filter(unit::Column::Id.eq(id))
        .filter(unit::Column::Version.eq(expected_version))
        .exec(conn)
        .await
        .map_err(|e| crate::error::on_unique(e, "code", "org.code_taken"))?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "error.stale_version"));
    }
    Ok(())
}

/// Move a unit (and its subtree) under a new parent: one UPDATE rewrites every descendant path.
pub async fn move_unit(
    conn: &impl ConnectionTrait,
    u: &unit::Model,
    new_parent: &unit::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let old_prefix = u.path.clone();
    let new_prefix = child_path(Some(&new_parent.path), u.id);
    let depth_delta = new_parent.depth + 1 - u.depth;
    let subtree = Scope::from_paths([old_prefix.clone()]);
    // `||` and SUBSTR mean the same on SQLite and PostgreSQL; sea-query binds the values.
    let tail = Func::cust("SUBSTR").arg(Expr::col(unit::Column::Path)).arg(old_prefix.chars().count() as i32 + 1);
    let new_path = Expr::val(new_prefix).binary(BinOper::Custom("||"), tail);
    unit::Entity::update_many()
        .col_expr(unit::Column::Path, new_path)
        .col_expr(unit::Column::Depth, Expr::col(unit::Column::Depth).add(depth_delta))
        .col_expr(unit::Column::UpdatedAt, Expr::value(now))
        .col_expr(unit::Column::Version, Expr::col(unit::Column::Version).add(1))
        .filter(subtree.path_condition(unit::Column::Path))
        .exec(conn)
        .await?;
    unit::Entity::update_many()
        .col_expr(unit::Column::ParentId, Expr::value(new_parent.id))
        .filter(unit::Column::Id.eq(u.id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn soft_delete_unit(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    unit::Entity::update_many()
        .col_expr(unit::Column::DeletedAt, Expr::value(now))
        .col_expr(unit::Column::UpdatedAt, Expr::value(now))
        .filter(unit::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn count_live_children(conn: &impl ConnectionTrait, id: i64) -> Result<u64, DbErr> {
    unit::Entity::find()
        .filter(unit::Column::ParentId.eq(id))
        .filter(unit::Column::DeletedAt.is_null())
        .count(conn)
        .await
}

pub async fn count_people_in_unit(conn: &impl ConnectionTrait, id: i64) -> Result<u64, DbErr> {
    person::Entity::find()
        .filter(person::Column::UnitId.eq(id))
        .filter(person::Column::DeletedAt.is_null())
        .filter(person::Column::Status.eq("active"))
        .count(conn)
        .await
}

/// Filters of the people search.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub name: Option<String>,
    /// Restrict to this unit's subtree (already intersected with the caller's scope).
    pub post: Option<String>,
    pub status: Option<String>,
    pub rank: Option<String>,
    pub leading_cadre: Option<bool>,
}

/// A person with their unit, for lists.
#[derive(Debug, Clone)]
pub struct PersonRow {
    pub person: person::Model,
    pub unit: unit::Model,
}

fn people_query(scope: &Scope, f: &PersonFilter) -> sea_orm::Select<person::Entity> {
    let mut q = person::Entity::find()
        .join(JoinType::InnerJoin, person::Relation::Unit.def())
        .filter(person::Column::DeletedAt.is_null())
        .filter(scope.path_condition((unit::Entity, unit::Column::Path)));
    if let Some(n) = f.name.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(person::Column::Name.contains(n));
    }
    if let Some(p) = f.post.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(Condition::any().add(person::Column::Post.contains(p)).add(person::Column::Position.contains(p)));
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(person::Column::Status.eq(s));
    }
    if let Some(r) = f.rank.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(person::Column::Rank.eq(r));
    }
    if let Some(l) = f.leading_cadre {
        q = q.filter(person::Column::LeadingCadre.eq(l));
    }
    q
}

/// One page of people in scope matching the filter, and the total.
/// Active people of the units in `scope`, plus those of the units `also` (not their subtrees).
pub async fn active_people(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    also: &[i64],
) -> Result<Vec<person::Model>, DbErr> {
    let mut any = sea_orm::Condition::any().add(scope.unit_condition((person::Entity, person::Column::UnitId)));
    if !also.is_empty() {
        any = any.add(person::Column::UnitId.is_in(also.to_vec()));
    }
    person::Entity::find()
        .filter(person::Column::DeletedAt.is_null())
        .filter(person::Column::Status.eq("active"))
        .filter(any)
        .all(conn)
        .await
}

pub async fn list_people(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &PersonFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<PersonRow>, u64), DbErr> {
    let total = people_query(scope, f).count(conn).await?;
    let rows = people_query(scope, f)
        .select_also(unit::Entity)
        .order_by_asc(Expr::col((unit::Entity, unit::Column::Path)))
        .order_by_asc(person::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows.into_iter().filter_map(|(p, u)| Some(PersonRow { person: p, unit: u? })).collect(), total))
}

/// Everyone matching, for an export (bounded by `cap`).
pub async fn export_people(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &PersonFilter,
    cap: u64,
) -> Result<Vec<PersonRow>, DbErr> {
    let rows = people_query(scope, f)
        .select_also(unit::Entity)
        .order_by_asc(Expr::col((unit::Entity, unit::Column::Path)))
        .order_by_asc(person::Column::Id)
        .limit(cap)
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(p, u)| Some(PersonRow { person: p, unit: u? })).collect())
}

pub async fn count_people(conn: &impl ConnectionTrait, scope: &Scope) -> Result<u64, DbErr> {
    people_query(scope, &PersonFilter { status: Some("active".into()), ..Default::default() }).count(conn).await
}

pub async fn find_person_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<person::Model>, DbErr> {
    person::Entity::find()
        .filter(person::Column::Uuid.eq(id))
        .filter(person::Column::DeletedAt.is_null())
        .one(conn)
        .await
}

pub async fn find_person(conn: &impl ConnectionTrait, id: i64) -> Result<Option<person::Model>, DbErr> {
    Ok(person::Entity::find_by_id(id).one(conn).await?.filter(|p| p.deleted_at.is_none()))
}

pub async fn find_person_by_staff_no(
    conn: &impl ConnectionTrait,
    staff_no: &str,
) -> Result<Option<person::Model>, DbErr> {
    person::Entity::find().filter(person::Column::StaffNo.eq(staff_no)).one(conn).await
}

/// People by staff number (for imports).
pub async fn find_people_by_staff_nos(
    conn: &impl ConnectionTrait,
    staff_nos: &[String],
) -> Result<Vec<person::Model>, DbErr> {
    if staff_nos.is_empty() {
        return Ok(Vec::new());
    }
    person::Entity::find().filter(person::Column::StaffNo.is_in(staff_nos.to_vec())).all(conn).await
}

/// Insert a person in `unit_id`, with the first posting starting `post_since` (or `today`).
pub async fn insert_person(
    conn: &impl ConnectionTrait,
    new: &NewPerson,
    unit_id: i64,
    by: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<person::Model, AppError> {
    let am = person::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        staff_no: Set(new.staff_no.clone()),
        name: Set(new.name.clone()),
        gender: Set(new.gender.code().to_string()),
        unit_id: Set(unit_id),
        post: Set(new.post.clone()),
        rank: Set(new.rank.code().to_string()),
        position: Set(new.position.clone()),
        political_status: Set(new.political_status.code().to_string()),
        leading_cadre: Set(new.leading_cadre),
        status: Set(new.status.code().to_string()),
        birth_date: Set(new.birth_date),
        post_since: Set(Some(new.post_since.unwrap_or(today))),
        deleted_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let p = am.insert(conn).await.map_err(|e| crate::error::on_unique(e, "staff_no", "org.staff_no_taken"))?;
    insert_posting(conn, &p, new.post_since.unwrap_or(today), "org.posting_initial", by, now).await?;
    Ok(p)
}

/// Insert many people at once (imports), each with a first posting as [`insert_person`] makes;
/// returns them in the given order. Rows go in batches of 400 (two statements per batch, not two
/// per person: a 60,000-row roster on PostgreSQL spent most of its time in round trips).
pub async fn insert_people_bulk(
    conn: &impl ConnectionTrait,
    rows: &[(&NewPerson, i64)],
    by: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<person::Model>, AppError> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(400) {
        let uuids: Vec<uuid::Uuid> = chunk.iter().map(|_| uuid::Uuid::new_v4()).collect();
        let models = chunk.iter().zip(&uuids).map(|((new, unit_id), id)| person::ActiveModel {
            uuid: Set(*id),
            staff_no: Set(new.staff_no.clone()),
            name: Set(new.name.clone()),
            gender: Set(new.gender.code().to_string()),
            unit_id: Set(*unit_id),
            post: Set(new.post.clone()),
            rank: Set(new.rank.code().to_string()),
            position: Set(new.position.clone()),
            political_status: Set(new.political_status.code().to_string()),
            leading_cadre: Set(new.leading_cadre),
            status: Set(new.status.code().to_string()),
            birth_date: Set(new.birth_date),
            post_since: Set(Some(new.post_since.unwrap_or(today))),
            deleted_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        person::Entity::insert_many(models)
            .exec_without_returning(conn)
            .await
            .map_err(|e| crate::error::on_unique(e, "staff_no", "org.staff_no_taken"))?;
        let mut by_uuid: HashMap<uuid::Uuid, person::Model> = person::Entity::find()
            .filter(person::Column::Uuid.is_in(uuids.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.uuid, p))
            .collect();
        let inserted: Vec<person::Model> = uuids.iter().filter_map(|u| by_uuid.remove(u)).collect();
        let postings = inserted.iter().zip(chunk).map(|(p, (new, _))| posting::ActiveModel {
            person_id: Set(p.id),
            unit_id: Set(p.unit_id),
            post: Set(p.post.clone()),
            position: Set(p.position.clone()),
            rank: Set(p.rank.clone()),
            start_date: Set(new.post_since.unwrap_or(today)),
            end_date: Set(None),
            reason: Set("org.posting_initial".to_string()),
            created_at: Set(now),
            created_by: Set(by),
            ..Default::default()
        });
        posting::Entity::insert_many(postings).exec_without_returning(conn).await?;
        out.extend(inserted);
    }
    Ok(out)
}

async fn insert_posting(
    conn: &impl ConnectionTrait,
    p: &person::Model,
    start: NaiveDate,
    reason: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    posting::ActiveModel {
        person_id: Set(p.id),
        unit_id: Set(p.unit_id),
        post: Set(p.post.clone()),
        position: Set(p.position.clone()),
        rank: Set(p.rank.clone()),
        start_date: Set(start),
        end_date: Set(None),
        reason: Set(reason.to_string()),
        created_at: Set(now),
        created_by: Set(by),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Replace a person's fields if unchanged since `expected_version`. A change of unit, post,
/// position or rank closes the open posting and opens a new one (the history of 轮岗).
#[expect(clippy::too_many_arguments, reason = "a write with its optimistic version and its who/when stamp")]
pub async fn update_person(
    conn: &impl ConnectionTrait,
    old: &person::Model,
    new: &NewPerson,
    unit_id: i64,
    expected_version: i32,
    by: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<person::Model, AppError> {
    let posting_changed =
        old.unit_id != unit_id || old.post != new.post || old.position != new.position || old.rank != new.rank.code();
    let post_changed = old.unit_id != unit_id || old.post != new.post;
    let post_since =
        if post_changed { Some(new.post_since.unwrap_or(today)) } else { new.post_since.or(old.post_since) };
    let res = person::Entity::update_many()
        .col_expr(person::Column::StaffNo, Expr::value(new.staff_no.clone()))
        .col_expr(person::Column::Name, Expr::value(new.name.clone()))
        .col_expr(person::Column::Gender, Expr::value(new.gender.code()))
        .col_expr(person::Column::UnitId, Expr::value(unit_id))
        .col_expr(person::Column::Post, Expr::value(new.post.clone()))
        .col_expr(person::Column::Rank, Expr::value(new.rank.code()))
        .col_expr(person::Column::Position, Expr::value(new.position.clone()))
        .col_expr(person::Column::PoliticalStatus, Expr::value(new.political_status.code()))
        .col_expr(person::Column::LeadingCadre, Expr::value(new.leading_cadre))
        .col_expr(person::Column::Status, Expr::value(new.status.code()))
        .col_expr(person::Column::BirthDate, Expr::value(new.birth_date))
        .col_expr(person::Column::PostSince, Expr::value(post_since))
        .col_expr(person::Column::UpdatedAt, Expr::value(now))
        .col_expr(person::Column::Version, Expr::col(person::Column::Version).add(1))
        .filter(person::Column::Id.eq(old.id))
        .filter(person::Column::Version.eq(expected_version))
        .exec(conn)
        .await
        .map_err(|e| crate::error::on_unique(e, "staff_no", "org.staff_no_taken"))?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, Msg::new("error.stale_version")));
    }
    let updated = find_person(conn, old.id).await?.ok_or(AppError::NotFound)?;
    if posting_changed {
        let start = post_since.unwrap_or(today);
        posting::Entity::update_many()
            .col_expr(posting::Column::EndDate, Expr::value(start))
            .filter(posting::Column::PersonId.eq(old.id))
            .filter(posting::Column::EndDate.is_null())
            .exec(conn)
            .await?;
        let reason = if old.unit_id != unit_id { "org.posting_transfer" } else { "org.posting_change" };
        insert_posting(conn, &updated, start, reason, by, now).await?;
    }
    Ok(updated)
}

/// A person's postings, newest first, with unit names.
pub async fn list_postings(
    conn: &impl ConnectionTrait,
    person_id: i64,
) -> Result<Vec<(posting::Model, Option<unit::Model>)>, DbErr> {
    posting::Entity::find()
        .filter(posting::Column::PersonId.eq(person_id))
        .find_also_related(unit::Entity)
        .order_by_desc(posting::Column::StartDate)
        .order_by_desc(posting::Column::Id)
        .all(conn)
        .await
}

/// Ids of units in a subtree (for checks such as "does this unit still hold people").
pub async fn subtree_ids(conn: &impl ConnectionTrait, path: &str) -> Result<Vec<i64>, DbErr> {
    let scope = Scope::from_paths([path.to_string()]);
    let q = Query::select()
        .column(unit::Column::Id)
        .from(unit::Entity)
        .cond_where(scope.path_condition(unit::Column::Path))
        .to_owned();
    let rows = conn.query_all(&q).await?;
    rows.iter().map(|r| r.try_get::<i64>("", "id")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::QueryTrait;

    #[test]
    fn the_subtree_move_binds_its_values_on_both_backends() {
        let tail = Func::cust("SUBSTR").arg(Expr::col(unit::Column::Path)).arg(6);
        let q = unit::Entity::update_many()
            .col_expr(unit::Column::Path, Expr::val("/1/5/3/").binary(BinOper::Custom("||"), tail))
            .filter(unit::Column::Id.eq(1));
        let lite = q.build(sea_orm::DbBackend::Sqlite);
        assert!(lite.sql.contains(r#""path" = ? || SUBSTR("path", ?)"#), "{}", lite.sql);
        let pg = q.build(sea_orm::DbBackend::Postgres);
        assert!(pg.sql.contains(r#""path" = $1 || SUBSTR("path", $2)"#), "{}", pg.sql);
    }
}
