//! 监督执纪 queries. A clue or a measure is in a caller's scope when the unit recorded with it
//! (the person's unit at the time) lies in the scope; a person's dossier follows the person's
//! current unit.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    domain::{ClueStatus, Kind, NewClue, NewDisposal, NewMeasure},
    entity::{clue, clue_person, item, measure, request},
};
use crate::{
    authz::{Scope, repo::settle_scope},
    error::{AppError, AppResult},
    features::org::entity::person,
};

// ------------------------------------------------------------------ clues

/// The next 线索编号 of a year: `XS2026-0001`, counted within the write transaction.
pub async fn next_clue_code(conn: &impl ConnectionTrait, year: i32) -> Result<String, DbErr> {
    crate::db::serialize(conn, "clue_code").await?;
    let prefix = format!("XS{year}-");
    let n = clue::Entity::find().filter(clue::Column::Code.starts_with(&prefix)).count(conn).await?;
    Ok(format!("{prefix}{:04}", n + 1))
}

pub async fn insert_clue(
    conn: &impl ConnectionTrait,
    code: &str,
    c: &NewClue,
    people: &[(i64, i64)],
    deadline: NaiveDate,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<clue::Model, DbErr> {
    let m = clue::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        code: Set(code.into()),
        source: Set(c.source.code().into()),
        summary: Set(c.summary.clone()),
        received_on: Set(c.received_on),
        working_days: Set(c.working_days as i32),
        deadline: Set(deadline),
        disposal: Set(None),
        disposed_on: Set(None),
        result: Set(String::new()),
        status: Set(ClueStatus::Received.code().into()),
        created_by: Set(by),
        deleted_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    set_clue_people(conn, m.id, people).await?;
    Ok(m)
}

async fn set_clue_people(conn: &impl ConnectionTrait, clue_id: i64, people: &[(i64, i64)]) -> Result<(), DbErr> {
    clue_person::Entity::delete_many().filter(clue_person::Column::ClueId.eq(clue_id)).exec(conn).await?;
    if !people.is_empty() {
        clue_person::Entity::insert_many(people.iter().map(|(p, u)| clue_person::ActiveModel {
            clue_id: Set(clue_id),
            person_id: Set(*p),
            unit_id: Set(*u),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn update_clue(
    conn: &impl ConnectionTrait,
    id: i64,
    c: &NewClue,
    people: &[(i64, i64)],
    deadline: NaiveDate,
    expected_version: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let res = clue::Entity::update_many()
        .col_expr(clue::Column::Source, Expr::value(c.source.code()))
        .col_expr(clue::Column::Summary, Expr::value(c.summary.clone()))
        .col_expr(clue::Column::ReceivedOn, Expr::value(c.received_on))
        .col_expr(clue::Column::WorkingDays, Expr::value(c.working_days as i32))
        .col_expr(clue::Column::Deadline, Expr::value(deadline))
        .col_expr(clue::Column::UpdatedAt, Expr::value(now))
        .col_expr(clue::Column::Version, Expr::col(clue::Column::Version).add(1))
        .filter(clue::Column::Id.eq(id))
        .filter(clue::Column::Version.eq(expected_version))
        .filter(clue::Column::DeletedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "error.stale_version"));
    }
    set_clue_people(conn, id, people).await?;
    Ok(())
}

pub async fn set_disposal(
    conn: &impl ConnectionTrait,
    c: &clue::Model,
    d: &NewDisposal,
    status: ClueStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let res = clue::Entity::update_many()
        .col_expr(clue::Column::Disposal, Expr::value(d.disposal.code()))
        .col_expr(clue::Column::DisposedOn, Expr::value(d.disposed_on))
        .col_expr(clue::Column::Result, Expr::value(d.result.clone()))
        .col_expr(clue::Column::Status, Expr::value(status.code()))
        .col_expr(clue::Column::UpdatedAt, Expr::value(now))
        .col_expr(clue::Column::Version, Expr::col(clue::Column::Version).add(1))
        .filter(clue::Column::Id.eq(c.id))
        .filter(clue::Column::Version.eq(c.version))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "error.stale_version"));
    }
    Ok(())
}

pub async fn find_clue_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<clue::Model>, DbErr> {
    clue::Entity::find().filter(clue::Column::Uuid.eq(id)).filter(clue::Column::DeletedAt.is_null()).one(conn).await
}

pub async fn find_clue_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<clue::Model>, DbErr> {
    clue::Entity::find().filter(clue::Column::Code.eq(code)).filter(clue::Column::DeletedAt.is_null()).one(conn).await
}

/// Clues by id (the codes and ids of a page of measures), removed ones left out.
pub async fn clues_by_id(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, clue::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(clue::Entity::find()
        .filter(clue::Column::Id.is_in(ids.to_vec()))
        .filter(clue::Column::DeletedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

pub async fn find_clue(conn: &impl ConnectionTrait, id: i64) -> Result<Option<clue::Model>, DbErr> {
    Ok(clue::Entity::find_by_id(id).one(conn).await?.filter(|c| c.deleted_at.is_none()))
}

/// The people of a clue with the unit recorded for each.
pub async fn clue_people(conn: &impl ConnectionTrait, clue_id: i64) -> Result<Vec<clue_person::Model>, DbErr> {
    clue_person::Entity::find()
        .filter(clue_person::Column::ClueId.eq(clue_id))
        .order_by_asc(clue_person::Column::Id)
        .all(conn)
        .await
}

/// The clue's people in scope? (All of a clue is visible when one of its people is.)
pub async fn clue_in_scope(conn: &impl ConnectionTrait, scope: &Scope, clue_id: i64) -> Result<bool, DbErr> {
    Ok(clue_person::Entity::find()
        .filter(clue_person::Column::ClueId.eq(clue_id))
        .filter(scope.unit_condition((clue_person::Entity, clue_person::Column::UnitId)))
        .count(conn)
        .await?
        > 0)
}

/// Filters of the clue list.
#[derive(Debug, Clone, Default)]
pub struct ClueFilter {
    pub status: Option<ClueStatus>,
    /// Only clues not concluded.
    pub open_only: bool,
    pub source: Option<String>,
    pub year: Option<i32>,
    pub text: Option<String>,
    /// Only those past their handling deadline on this day (not concluded).
    pub overdue_on: Option<NaiveDate>,
}

fn clues_query(scope: &Scope, f: &ClueFilter) -> sea_orm::Select<clue::Entity> {
    let people = Query::select()
        .expr(Expr::val(1))
        .from(clue_person::Entity)
        .and_where(
            Expr::col((clue_person::Entity, clue_person::Column::ClueId)).equals((clue::Entity, clue::Column::Id)),
        )
        .cond_where(scope.unit_condition((clue_person::Entity, clue_person::Column::UnitId)))
        .to_owned();
    let mut q = clue::Entity::find().filter(clue::Column::DeletedAt.is_null()).filter(Expr::exists(people));
    if let Some(s) = f.status {
        q = q.filter(clue::Column::Status.eq(s.code()));
    }
    if f.open_only {
        q = q.filter(clue::Column::Status.ne(ClueStatus::Concluded.code()));
    }
    if let Some(s) = f.source.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(clue::Column::Source.eq(s));
    }
    if let Some(y) = f.year {
        q = q.filter(clue::Column::ReceivedOn.gte(NaiveDate::from_ymd_opt(y, 1, 1)));
        q = q.filter(clue::Column::ReceivedOn.lte(NaiveDate::from_ymd_opt(y, 12, 31)));
    }
    if let Some(t) = f.text.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(clue::Column::Summary.contains(t))
                .add(clue::Column::Code.contains(t))
                .add(clue::Column::Result.contains(t)),
        );
    }
    if let Some(d) = f.overdue_on {
        q = q.filter(clue::Column::Status.ne(ClueStatus::Concluded.code())).filter(clue::Column::Deadline.lt(d));
    }
    q
}

pub async fn list_clues(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &ClueFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<clue::Model>, u64), DbErr> {
    let scope = settle_scope(conn, scope).await?;
    let total = clues_query(&scope, f).count(conn).await?;
    let rows = clues_query(&scope, f)
        .order_by_desc(clue::Column::ReceivedOn)
        .order_by_desc(clue::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Names of the people of several clues: clue id → [(person uuid, name)].
pub async fn people_of_clues(
    conn: &impl ConnectionTrait,
    clue_ids: &[i64],
) -> Result<HashMap<i64, Vec<(uuid::Uuid, String)>>, DbErr> {
    if clue_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let links = clue_person::Entity::find()
        .filter(clue_person::Column::ClueId.is_in(clue_ids.to_vec()))
        .order_by_asc(clue_person::Column::Id)
        .all(conn)
        .await?;
    let people = people_by_id(conn, links.iter().map(|l| l.person_id)).await?;
    let mut out: HashMap<i64, Vec<(uuid::Uuid, String)>> = HashMap::new();
    for l in links {
        if let Some(p) = people.get(&l.person_id) {
            out.entry(l.clue_id).or_default().push((p.uuid, p.name.clone()));
        }
    }
    Ok(out)
}

/// Clues about a person (any status), newest first.
pub async fn clues_of_person(conn: &impl ConnectionTrait, person_id: i64) -> Result<Vec<clue::Model>, DbErr> {
    let ids: Vec<i64> = clue_person::Entity::find()
        .filter(clue_person::Column::PersonId.eq(person_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.clue_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    clue::Entity::find()
        .filter(clue::Column::Id.is_in(ids))
        .filter(clue::Column::DeletedAt.is_null())
        .order_by_desc(clue::Column::ReceivedOn)
        .all(conn)
        .await
}

/// Clues not concluded, in scope, and their count past the deadline (home page, overview).
pub async fn open_clue_counts(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    today: NaiveDate,
) -> Result<(u64, u64), DbErr> {
    let scope = settle_scope(conn, scope).await?;
    let open = |f: ClueFilter| clues_query(&scope, &f).filter(clue::Column::Status.ne(ClueStatus::Concluded.code()));
    let all = open(ClueFilter::default()).count(conn).await?;
    let late = open(ClueFilter { overdue_on: Some(today), ..Default::default() }).count(conn).await?;
    Ok((all, late))
}

// ------------------------------------------------------------------ measures

/// A valid measure with its references resolved.
#[derive(Debug, Clone)]
pub struct ResolvedMeasure<'a> {
    pub new: &'a NewMeasure,
    pub person_id: i64,
    pub unit_id: i64,
    pub clue_id: Option<i64>,
    pub rule_id: &'static str,
}

pub async fn insert_measure(
    conn: &impl ConnectionTrait,
    r: &ResolvedMeasure<'_>,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<measure::Model, DbErr> {
    use chrono::Datelike;
    measure::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        person_id: Set(r.person_id),
        unit_id: Set(r.unit_id),
        kind: Set(r.new.kind.code().into()),
        category: Set(r.new.kind.category().code().into()),
        decided_on: Set(r.new.decided_on),
        year: Set(r.new.decided_on.year()),
        body: Set(r.new.body.clone()),
        basis: Set(r.new.basis.clone()),
        doc_no: Set(r.new.doc_no.clone()),
        term_years: Set(r.new.term_years.map(i16::from)),
        clue_id: Set(r.clue_id),
        rule_id: Set(r.rule_id.into()),
        lifted_on: Set(None),
        lift_reason: Set(String::new()),
        created_by: Set(by),
        deleted_at: Set(None),
        delete_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

pub async fn update_measure(
    conn: &impl ConnectionTrait,
    id: i64,
    r: &ResolvedMeasure<'_>,
    expected_version: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use chrono::Datelike;
    let res = measure::Entity::update_many()
        .col_expr(measure::Column::PersonId, Expr::value(r.person_id))
        .col_expr(measure::Column::UnitId, Expr::value(r.unit_id))
        .col_expr(measure::Column::Kind, Expr::value(r.new.kind.code()))
        .col_expr(measure::Column::Category, Expr::value(r.new.kind.category().code()))
        .col_expr(measure::Column::DecidedOn, Expr::value(r.new.decided_on))
        .col_expr(measure::Column::Year, Expr::value(r.new.decided_on.year()))
        .col_expr(measure::Column::Body, Expr::value(r.new.body.clone()))
        .col_expr(measure::Column::Basis, Expr::value(r.new.basis.clone()))
        .col_expr(measure::Column::DocNo, Expr::value(r.new.doc_no.clone()))
        .col_expr(measure::Column::TermYears, Expr::value(r.new.term_years.map(i16::from)))
        .col_expr(measure::Column::ClueId, Expr::value(r.clue_id))
        .col_expr(measure::Column::RuleId, Expr::value(r.rule_id))
        .col_expr(measure::Column::UpdatedAt, Expr::value(now))
        .col_expr(measure::Column::Version, Expr::col(measure::Column::Version).add(1))
        .filter(measure::Column::Id.eq(id))
        .filter(measure::Column::Version.eq(expected_version))
        .filter(measure::Column::DeletedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "error.stale_version"));
    }
    Ok(())
}

/// Record an early lifting (解除) or withdraw it (`None`).
pub async fn set_lifted(
    conn: &impl ConnectionTrait,
    m: &measure::Model,
    lifted_on: Option<NaiveDate>,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let res = measure::Entity::update_many()
        .col_expr(measure::Column::LiftedOn, Expr::value(lifted_on))
        .col_expr(measure::Column::LiftReason, Expr::value(reason))
        .col_expr(measure::Column::UpdatedAt, Expr::value(now))
        .col_expr(measure::Column::Version, Expr::col(measure::Column::Version).add(1))
        .filter(measure::Column::Id.eq(m.id))
        .filter(measure::Column::Version.eq(m.version))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "error.stale_version"));
    }
    Ok(())
}

pub async fn soft_delete_measure(
    conn: &impl ConnectionTrait,
    m: &measure::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let res = measure::Entity::update_many()
        .col_expr(measure::Column::DeletedAt, Expr::value(now))
        .col_expr(measure::Column::DeleteReason, Expr::value(reason))
        .col_expr(measure::Column::Version, Expr::col(measure::Column::Version).add(1))
        .filter(measure::Column::Id.eq(m.id))
        .filter(measure::Column::Version.eq(m.version))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "error.stale_version"));
    }
    Ok(())
}

pub async fn find_measure_by_uuid(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> Result<Option<measure::Model>, DbErr> {
    measure::Entity::find()
        .filter(measure::Column::Uuid.eq(id))
        .filter(measure::Column::DeletedAt.is_null())
        .one(conn)
        .await
}

pub async fn find_measure(conn: &impl ConnectionTrait, id: i64) -> Result<Option<measure::Model>, DbErr> {
    Ok(measure::Entity::find_by_id(id).one(conn).await?.filter(|m| m.deleted_at.is_none()))
}

/// Filters of the measure list.
#[derive(Debug, Clone, Default)]
pub struct MeasureFilter {
    pub year: Option<i32>,
    pub kinds: Option<Vec<String>>,
    pub category: Option<String>,
    pub text: Option<String>,
}

/// Measures in scope matching the filter. `scan` writes a broad scope as `NOT IN (units outside)`
/// so that a page in date order walks `ix_dm_order` and stops early; counts keep the `IN` form,
/// answered from the `(unit_id, deleted_at, year, kind, person_id)` index alone.
fn measures_query(scope: &Scope, f: &MeasureFilter, scan: bool) -> sea_orm::Select<measure::Entity> {
    let unit_col = (measure::Entity, measure::Column::UnitId);
    let mut q = measure::Entity::find().filter(measure::Column::DeletedAt.is_null()).filter(if scan {
        scope.scan_unit_condition(unit_col)
    } else {
        scope.unit_condition(unit_col)
    });
    if let Some(y) = f.year {
        q = q.filter(measure::Column::Year.eq(y));
    }
    if let Some(k) = &f.kinds {
        q = q.filter(measure::Column::Kind.is_in(k.clone()));
    }
    if let Some(c) = f.category.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(measure::Column::Category.eq(c));
    }
    if let Some(t) = f.text.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(measure::Column::DocNo.contains(t))
                .add(measure::Column::Basis.contains(t))
                .add(measure::Column::Body.contains(t)),
        );
    }
    q
}

pub async fn list_measures(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &MeasureFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<measure::Model>, u64), DbErr> {
    let scope = settle_scope(conn, scope).await?;
    let total = measures_query(&scope, f, false).count(conn).await?;
    let rows = measures_query(&scope, f, true)
        .order_by_desc(measure::Column::DecidedOn)
        .order_by_desc(measure::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

pub async fn export_measures(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &MeasureFilter,
    cap: u64,
) -> Result<Vec<measure::Model>, DbErr> {
    let scope = settle_scope(conn, scope).await?;
    measures_query(&scope, f, true)
        .order_by_asc(measure::Column::DecidedOn)
        .order_by_asc(measure::Column::Id)
        .limit(cap)
        .all(conn)
        .await
}

/// Every measure on a person, oldest first.
pub async fn measures_of_person(conn: &impl ConnectionTrait, person_id: i64) -> Result<Vec<measure::Model>, DbErr> {
    measure::Entity::find()
        .filter(measure::Column::PersonId.eq(person_id))
        .filter(measure::Column::DeletedAt.is_null())
        .order_by_asc(measure::Column::DecidedOn)
        .order_by_asc(measure::Column::Id)
        .all(conn)
        .await
}

/// Measures that followed a clue.
pub async fn measures_of_clue(conn: &impl ConnectionTrait, clue_id: i64) -> Result<Vec<measure::Model>, DbErr> {
    measure::Entity::find()
        .filter(measure::Column::ClueId.eq(clue_id))
        .filter(measure::Column::DeletedAt.is_null())
        .order_by_asc(measure::Column::DecidedOn)
        .all(conn)
        .await
}

/// (unit, kind, person, 人次) of a year's measures in scope, grouped in the database: statistics
/// count 人次 and 人 from it. Answered from the `(unit_id, deleted_at, year, kind, person_id)`
/// index alone.
pub async fn stats_rows(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    year: i32,
) -> Result<Vec<(i64, String, i64, i64)>, DbErr> {
    let scope = settle_scope(conn, scope).await?;
    measure::Entity::find()
        .select_only()
        .column(measure::Column::UnitId)
        .column(measure::Column::Kind)
        .column(measure::Column::PersonId)
        .column_as(measure::Column::Id.count(), "n")
        .filter(measure::Column::DeletedAt.is_null())
        .filter(measure::Column::Year.eq(year))
        .filter(scope.unit_condition((measure::Entity, measure::Column::UnitId)))
        .group_by(measure::Column::UnitId)
        .group_by(measure::Column::Kind)
        .group_by(measure::Column::PersonId)
        .into_tuple()
        .all(conn)
        .await
}

/// The years that have measures in scope (for the statistics' year picker).
pub async fn measure_years(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<i32>, DbErr> {
    let scope = settle_scope(conn, scope).await?;
    let mut ys: Vec<i32> = measure::Entity::find()
        .select_only()
        .column(measure::Column::Year)
        .distinct()
        .filter(measure::Column::DeletedAt.is_null())
        .filter(scope.unit_condition((measure::Entity, measure::Column::UnitId)))
        .into_tuple()
        .all(conn)
        .await?;
    ys.sort_unstable_by(|a, b| b.cmp(a));
    Ok(ys)
}

// ------------------------------------------------------------------ opinions

#[allow(clippy::too_many_arguments)]
pub async fn insert_request(
    conn: &impl ConnectionTrait,
    title: &str,
    purpose: &str,
    request_doc_no: &str,
    requested_on: NaiveDate,
    needed_by: NaiveDate,
    requester_unit_id: i64,
    people: &[i64],
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<request::Model, DbErr> {
    let r = request::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        title: Set(title.into()),
        purpose: Set(purpose.into()),
        request_doc_no: Set(request_doc_no.into()),
        requested_on: Set(requested_on),
        needed_by: Set(needed_by),
        requested_by: Set(by),
        requester_unit_id: Set(requester_unit_id),
        status: Set("open".into()),
        reply_doc_no: Set(String::new()),
        answered_on: Set(None),
        answered_by: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    item::Entity::insert_many(people.iter().enumerate().map(|(i, p)| item::ActiveModel {
        request_id: Set(r.id),
        person_id: Set(*p),
        seq: Set(i as i32 + 1),
        suggested: Set(None),
        conclusion: Set(None),
        override_reason: Set(String::new()),
        basis: Set("[]".into()),
        basis_digest: Set(String::new()),
        answered_at: Set(None),
        ..Default::default()
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(r)
}

pub async fn find_request_by_uuid(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> Result<Option<request::Model>, DbErr> {
    request::Entity::find().filter(request::Column::Uuid.eq(id)).one(conn).await
}

pub async fn items(conn: &impl ConnectionTrait, request_id: i64) -> Result<Vec<item::Model>, DbErr> {
    item::Entity::find().filter(item::Column::RequestId.eq(request_id)).order_by_asc(item::Column::Seq).all(conn).await
}

/// Requests whose requesting unit lies in the scope, newest first.
pub async fn list_requests(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    status: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<request::Model>, u64), DbErr> {
    let scope = settle_scope(conn, scope).await?;
    let q = || {
        let mut q =
            request::Entity::find().filter(scope.unit_condition((request::Entity, request::Column::RequesterUnitId)));
        if let Some(s) = status {
            q = q.filter(request::Column::Status.eq(s));
        }
        q
    };
    let total = q().count(conn).await?;
    let rows = q()
        .order_by_desc(request::Column::RequestedOn)
        .order_by_desc(request::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// The number of people of each request.
pub async fn item_counts(conn: &impl ConnectionTrait, request_ids: &[i64]) -> Result<HashMap<i64, u64>, DbErr> {
    if request_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = item::Entity::find()
        .select_only()
        .column(item::Column::RequestId)
        .column_as(item::Column::Id.count(), "n")
        .filter(item::Column::RequestId.is_in(request_ids.to_vec()))
        .group_by(item::Column::RequestId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(r, n)| (r, n as u64)).collect())
}

/// Record the answers of one request, all at once, if it is still open at the version read.
pub async fn answer(
    conn: &impl ConnectionTrait,
    r: &request::Model,
    answers: &[(i64, super::domain::Conclusion, super::domain::Conclusion, String, String, String)],
    reply_doc_no: &str,
    answered_on: NaiveDate,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let res = request::Entity::update_many()
        .col_expr(request::Column::Status, Expr::value("answered"))
        .col_expr(request::Column::ReplyDocNo, Expr::value(reply_doc_no))
        .col_expr(request::Column::AnsweredOn, Expr::value(answered_on))
        .col_expr(request::Column::AnsweredBy, Expr::value(by))
        .col_expr(request::Column::UpdatedAt, Expr::value(now))
        .col_expr(request::Column::Version, Expr::col(request::Column::Version).add(1))
        .filter(request::Column::Id.eq(r.id))
        .filter(request::Column::Version.eq(r.version))
        .filter(request::Column::Status.eq("open"))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "disc.opinion_already_answered"));
    }
    for (item_id, suggested, conclusion, reason, basis, digest) in answers {
        item::Entity::update_many()
            .col_expr(item::Column::Suggested, Expr::value(suggested.code()))
            .col_expr(item::Column::Conclusion, Expr::value(conclusion.code()))
            .col_expr(item::Column::OverrideReason, Expr::value(reason.clone()))
            .col_expr(item::Column::Basis, Expr::value(basis.clone()))
            .col_expr(item::Column::BasisDigest, Expr::value(digest.clone()))
            .col_expr(item::Column::AnsweredAt, Expr::value(now))
            .filter(item::Column::Id.eq(*item_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Open requests the caller may answer, and how many are late (home page, overview).
pub async fn open_request_counts(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    today: NaiveDate,
) -> Result<(u64, u64), DbErr> {
    let scope = settle_scope(conn, scope).await?;
    let q = || {
        request::Entity::find()
            .filter(request::Column::Status.eq("open"))
            .filter(scope.unit_condition((request::Entity, request::Column::RequesterUnitId)))
    };
    Ok((q().count(conn).await?, q().filter(request::Column::NeededBy.lt(today)).count(conn).await?))
}

/// Answered items about a person (for the dossier).
pub async fn items_of_person(
    conn: &impl ConnectionTrait,
    person_id: i64,
) -> Result<Vec<(item::Model, request::Model)>, DbErr> {
    let items = item::Entity::find()
        .filter(item::Column::PersonId.eq(person_id))
        .filter(item::Column::Conclusion.is_not_null())
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for i in items {
        if let Some(r) = request::Entity::find_by_id(i.request_id).one(conn).await? {
            out.push((i, r));
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ people

pub async fn people_by_id(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, person::Model>, DbErr> {
    crate::features::rectify::repo::people_by_id(conn, ids).await
}

/// Does a kind code list fit the known kinds (for filters from the query string)?
pub fn parse_kinds(list: &str) -> Option<Vec<String>> {
    let v: Vec<String> =
        list.split(',').map(str::trim).filter(|s| Kind::parse(s).is_some()).map(str::to_string).collect();
    (!v.is_empty()).then_some(v)
}
