//! Queries of 主体责任. Lists, items and targets are small; tasks are the large table (a city's
//! year: items × units × periods, ~100k rows), so task lists page in the database, the matrix
//! and the score tallies are GROUP BY queries over the `(year, unit_id, month, status, due_on)`
//! index, and generating a year's tasks inserts in batches.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func, SimpleExpr},
};

use super::{
    domain::{Cadence, Category, DeadlineRule, NewItem, Period, RuleKind, Target, TaskStatus},
    entity::{amendment, cell, contact, item, list, record, report, target, task, visit},
};
use crate::{authz::Scope, features::org::entity::unit};

// ------------------------------------------------------------------ lists

pub async fn find_list_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<list::Model>, DbErr> {
    list::Entity::find().filter(list::Column::Uuid.eq(id)).one(conn).await
}

pub async fn find_list(conn: &impl ConnectionTrait, id: i64) -> Result<Option<list::Model>, DbErr> {
    list::Entity::find_by_id(id).one(conn).await
}

pub async fn list_for_unit_year(
    conn: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
) -> Result<Option<list::Model>, DbErr> {
    list::Entity::find().filter(list::Column::UnitId.eq(unit_id)).filter(list::Column::Year.eq(year)).one(conn).await
}

/// Lists of a year that the caller sees: published by a unit in scope, or cascaded to a unit in
/// scope, or naming the caller as a target leader.
pub async fn visible_lists(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    me: Option<i64>,
    year: Option<i32>,
) -> Result<Vec<(list::Model, unit::Model)>, DbErr> {
    let mut targeted = sea_orm::sea_query::Query::select()
        .column(target::Column::ListId)
        .from(target::Entity)
        .cond_where(scope.unit_condition((target::Entity, target::Column::UnitId)))
        .to_owned();
    if let Some(p) = me {
        targeted = sea_orm::sea_query::Query::select()
            .column(target::Column::ListId)
            .from(target::Entity)
            .cond_where(
                Condition::any()
                    .add(scope.unit_condition((target::Entity, target::Column::UnitId)))
                    .add(target::Column::PersonId.eq(p)),
            )
            .to_owned();
    }
    let mut q = list::Entity::find().filter(
        Condition::any()
            .add(scope.unit_condition((list::Entity, list::Column::UnitId)))
            .add(list::Column::Id.in_subquery(targeted)),
    );
    if let Some(y) = year {
        q = q.filter(list::Column::Year.eq(y));
    }
    let lists = q.order_by_desc(list::Column::Year).order_by_asc(list::Column::Id).all(conn).await?;
    let ids: Vec<i64> = lists.iter().map(|l| l.unit_id).collect();
    let units: HashMap<i64, unit::Model> =
        crate::features::org::repo::units_by_ids(conn, &ids).await?.into_iter().map(|u| (u.id, u)).collect();
    Ok(lists.into_iter().filter_map(|l| units.get(&l.unit_id).cloned().map(|u| (l, u))).collect())
}

pub async fn insert_item(
    conn: &impl ConnectionTrait,
    list_id: i64,
    seq: i32,
    new: &NewItem,
    now: DateTime<Utc>,
) -> Result<item::Model, DbErr> {
    item::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        list_id: Set(list_id),
        seq: Set(seq),
        category: Set(new.category.code().into()),
        content: Set(new.content.clone()),
        cadence: Set(new.cadence.code().into()),
        once_on: Set(new.once_on),
        rule_kind: Set(new.rule.kind.code().into()),
        rule_days: Set(new.rule.days as i32),
        evidence: Set(new.evidence.clone()),
        weight: Set(new.weight),
        target: Set(new.target.code().into()),
        withdrawn_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// A stored item read back as the domain's item (`None` for a code this build does not know).
pub fn stored_item(i: &item::Model) -> Option<NewItem> {
    Some(NewItem {
        category: Category::parse(&i.category)?,
        content: i.content.clone(),
        cadence: Cadence::parse(&i.cadence)?,
        once_on: i.once_on,
        rule: DeadlineRule { kind: RuleKind::parse(&i.rule_kind)?, days: Ord::max(i.rule_days, 0) as u32 },
        evidence: i.evidence.clone(),
        weight: i.weight,
        target: Target::parse(&i.target)?,
    })
}

pub async fn items_of(conn: &impl ConnectionTrait, list_id: i64) -> Result<Vec<item::Model>, DbErr> {
    item::Entity::find().filter(item::Column::ListId.eq(list_id)).order_by_asc(item::Column::Seq).all(conn).await
}

pub async fn items_by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, item::Model>, DbErr> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for i in item::Entity::find().filter(item::Column::Id.is_in(chunk.to_vec())).all(conn).await? {
            out.insert(i.id, i);
        }
    }
    Ok(out)
}

pub async fn find_item_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<item::Model>, DbErr> {
    item::Entity::find().filter(item::Column::Uuid.eq(id)).one(conn).await
}

pub async fn targets_of(conn: &impl ConnectionTrait, list_id: i64) -> Result<Vec<target::Model>, DbErr> {
    target::Entity::find().filter(target::Column::ListId.eq(list_id)).order_by_asc(target::Column::Id).all(conn).await
}

pub async fn amendments_of(conn: &impl ConnectionTrait, list_id: i64) -> Result<Vec<amendment::Model>, DbErr> {
    amendment::Entity::find()
        .filter(amendment::Column::ListId.eq(list_id))
        .order_by_desc(amendment::Column::At)
        .order_by_desc(amendment::Column::Id)
        .all(conn)
        .await
}

pub async fn next_item_seq(conn: &impl ConnectionTrait, list_id: i64) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> = item::Entity::find()
        .select_only()
        .column_as(item::Column::Seq.max(), "m")
        .filter(item::Column::ListId.eq(list_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_amendment(
    conn: &impl ConnectionTrait,
    list_id: i64,
    item_id: Option<i64>,
    action: &str,
    reason: &str,
    detail: serde_json::Value,
    by: (Option<i64>, &str),
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    amendment::ActiveModel {
        list_id: Set(list_id),
        item_id: Set(item_id),
        action: Set(action.into()),
        reason: Set(reason.into()),
        detail: Set(detail.to_string()),
        by_user: Set(by.0),
        by_name: Set(by.1.into()),
        at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Bump a list's version if it is still `expected` (optimistic locking across its items).
pub async fn touch_list(
    conn: &impl ConnectionTrait,
    id: i64,
    expected: Option<i32>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = list::Entity::update_many()
        .col_expr(list::Column::Version, Expr::col(list::Column::Version).add(1))
        .col_expr(list::Column::UpdatedAt, Expr::value(now))
        .filter(list::Column::Id.eq(id));
    if let Some(v) = expected {
        q = q.filter(list::Column::Version.eq(v));
    }
    Ok(q.exec(conn).await?.rows_affected == 1)
}

// ------------------------------------------------------------------ tasks

/// The key of a task within its list: (item, unit, person, period).
pub type TaskKey = (i64, i64, Option<i64>, String);

#[derive(Debug, Clone, FromQueryResult)]
pub struct TaskBrief {
    pub id: i64,
    pub item_id: i64,
    pub unit_id: i64,
    pub person_id: Option<i64>,
    pub period: String,
    pub status: String,
    pub due_on: NaiveDate,
    pub cancelled: bool,
}

/// Every task of a list (cancelled ones too), keyed for syncing.
pub async fn task_keys(conn: &impl ConnectionTrait, list_id: i64) -> Result<HashMap<TaskKey, TaskBrief>, DbErr> {
    let rows = task::Entity::find()
        .select_only()
        .columns([
            task::Column::Id,
            task::Column::ItemId,
            task::Column::UnitId,
            task::Column::PersonId,
            task::Column::Period,
            task::Column::Status,
            task::Column::DueOn,
        ])
        .column_as(Expr::col(task::Column::CancelledAt).is_not_null(), "cancelled")
        .filter(task::Column::ListId.eq(list_id))
        .into_model::<TaskBrief>()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|t| ((t.item_id, t.unit_id, t.person_id, t.period.clone()), t)).collect())
}

/// A new open task of a list's item for a unit (or a named leader) and period.
pub fn new_task(
    l: &list::Model,
    item_id: i64,
    unit_id: i64,
    person_id: Option<i64>,
    p: &Period,
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> task::ActiveModel {
    use chrono::Datelike;
    task::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        list_id: Set(l.id),
        item_id: Set(item_id),
        unit_id: Set(unit_id),
        person_id: Set(person_id),
        publisher_unit_id: Set(l.unit_id),
        year: Set(l.year),
        month: Set(p.end.month() as i32),
        period: Set(p.label.clone()),
        period_start: Set(p.start),
        period_end: Set(p.end),
        due_on: Set(due_on),
        status: Set(TaskStatus::Open.code().into()),
        submitted_on: Set(None),
        accepted_on: Set(None),
        days_late: Set(None),
        rating: Set(None),
        cycle: Set(1),
        cancelled_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn insert_tasks(conn: &impl ConnectionTrait, rows: Vec<task::ActiveModel>) -> Result<(), DbErr> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<task::ActiveModel> = rows.by_ref().take(1000).collect();
        task::Entity::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Cancel tasks still with the assignee (withdrawn item, removed target, period no longer asked
/// for); submitted and accepted ones are kept.
pub async fn cancel_tasks(conn: &impl ConnectionTrait, ids: &[i64], now: DateTime<Utc>) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        task::Entity::update_many()
            .col_expr(task::Column::CancelledAt, Expr::value(now))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.is_in(chunk.to_vec()))
            .filter(task::Column::Status.is_in([TaskStatus::Open.code(), TaskStatus::Returned.code()]))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Restore cancelled tasks or move the due date of open ones (the rule changed).
pub async fn set_due(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        task::Entity::update_many()
            .col_expr(task::Column::DueOn, Expr::value(due_on))
            .col_expr(task::Column::CancelledAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

pub async fn find_task_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<task::Model>, DbErr> {
    task::Entity::find().filter(task::Column::Uuid.eq(id)).filter(task::Column::CancelledAt.is_null()).one(conn).await
}

pub async fn find_task(conn: &impl ConnectionTrait, id: i64) -> Result<Option<task::Model>, DbErr> {
    task::Entity::find_by_id(id).one(conn).await
}

/// What a task list shows.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub year: Option<i32>,
    pub list_id: Option<i64>,
    pub item_id: Option<i64>,
    /// Only this unit's tasks (not its sub-units').
    pub unit_id: Option<i64>,
    /// Only tasks assigned to this person by name.
    pub person: Option<i64>,
    /// Only unit tasks (not named leaders').
    pub units_only: bool,
    pub statuses: Vec<TaskStatus>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    /// Tasks waiting for review by a unit in this scope (the assigning level).
    pub to_review: Option<Scope>,
}

/// Who sees which tasks: those of units in `scope`, those assigned by units in `scope`, and the
/// caller's own (`me`).
#[derive(Debug, Clone)]
pub struct TaskVisibility {
    pub scope: Scope,
    pub me: Option<i64>,
}

fn task_query(v: &TaskVisibility, f: &TaskFilter) -> sea_orm::Select<task::Entity> {
    let mut any = Condition::any()
        .add(v.scope.unit_condition((task::Entity, task::Column::UnitId)))
        .add(v.scope.unit_condition((task::Entity, task::Column::PublisherUnitId)));
    if let Some(me) = v.me {
        any = any.add(task::Column::PersonId.eq(me));
    }
    let mut q = task::Entity::find().filter(task::Column::CancelledAt.is_null()).filter(any);
    if let Some(y) = f.year {
        q = q.filter(task::Column::Year.eq(y));
    }
    if let Some(l) = f.list_id {
        q = q.filter(task::Column::ListId.eq(l));
    }
    if let Some(i) = f.item_id {
        q = q.filter(task::Column::ItemId.eq(i));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(task::Column::UnitId.eq(u));
    }
    if let Some(p) = f.person {
        q = q.filter(task::Column::PersonId.eq(p));
    }
    if f.units_only {
        q = q.filter(task::Column::PersonId.is_null());
    }
    if !f.statuses.is_empty() {
        q = q.filter(task::Column::Status.is_in(f.statuses.iter().map(|s| s.code())));
    }
    if let Some(d) = f.due_from {
        q = q.filter(task::Column::DueOn.gte(d));
    }
    if let Some(d) = f.due_to {
        q = q.filter(task::Column::DueOn.lte(d));
    }
    if let Some(s) = &f.to_review {
        q = q
            .filter(task::Column::Status.eq(TaskStatus::Submitted.code()))
            .filter(s.unit_condition((task::Entity, task::Column::PublisherUnitId)));
    }
    q
}

pub async fn page_tasks(
    conn: &impl ConnectionTrait,
    v: &TaskVisibility,
    f: &TaskFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<task::Model>, u64), DbErr> {
    let total = task_query(v, f).count(conn).await?;
    let rows = task_query(v, f)
        .order_by_asc(task::Column::DueOn)
        .order_by_asc(task::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Tasks due in a date range (the month calendar), at most `cap`.
pub async fn tasks_due_between(
    conn: &impl ConnectionTrait,
    v: &TaskVisibility,
    f: &TaskFilter,
    cap: u64,
) -> Result<Vec<task::Model>, DbErr> {
    task_query(v, f).order_by_asc(task::Column::DueOn).order_by_asc(task::Column::Id).limit(cap).all(conn).await
}

/// One matrix cell: a unit's tasks whose period ends in a month.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CellRow {
    pub unit_id: i64,
    pub month: i32,
    pub total: i64,
    pub accepted: i64,
    pub submitted: i64,
    /// Earliest due date among tasks still with the unit (open or returned).
    pub open_due: Option<NaiveDate>,
    pub late: i64,
}

/// The city-wide matrix: units in scope × months (unit tasks), summed from the per-list cells
/// kept by [`refresh_cells`].
pub async fn matrix(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    year: i32,
    list_id: Option<i64>,
) -> Result<Vec<CellRow>, DbErr> {
    let mut q = cell::Entity::find()
        .select_only()
        .column(cell::Column::UnitId)
        .column(cell::Column::Month)
        .column_as(Expr::col(cell::Column::Total).sum(), "total")
        .column_as(Expr::col(cell::Column::Accepted).sum(), "accepted")
        .column_as(Expr::col(cell::Column::Submitted).sum(), "submitted")
        .column_as(Expr::col(cell::Column::OpenDue).min(), "open_due")
        .column_as(Expr::col(cell::Column::Late).sum(), "late")
        .filter(cell::Column::Year.eq(year))
        .filter(scope.unit_condition((cell::Entity, cell::Column::UnitId)));
    if let Some(l) = list_id {
        q = q.filter(cell::Column::ListId.eq(l));
    }
    q.group_by(cell::Column::UnitId).group_by(cell::Column::Month).into_model::<CellRow>().all(conn).await
}

/// Recount a list's cells from its tasks: all of them, or one unit and month (after a record is
/// submitted or reviewed). Runs in the caller's transaction.
pub async fn refresh_cells(conn: &impl ConnectionTrait, list_id: i64, only: Option<(i64, i32)>) -> Result<(), DbErr> {
    let mut del = cell::Entity::delete_many().filter(cell::Column::ListId.eq(list_id));
    let st = |s: TaskStatus| Expr::col(task::Column::Status).eq(s.code());
    let mut sel = task::Entity::find()
        .select_only()
        .column(task::Column::ListId)
        .column(task::Column::UnitId)
        .column(task::Column::Year)
        .column(task::Column::Month)
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(Expr::case(st(TaskStatus::Accepted), 1).finally(0).sum(), "accepted")
        .column_as(Expr::case(st(TaskStatus::Submitted), 1).finally(0).sum(), "submitted")
        .column_as(Expr::case(late(), 1).finally(0).sum(), "late")
        .column_as(
            Expr::from(Func::min(Into::<Expr>::into(Expr::case(
                st(TaskStatus::Open).or(st(TaskStatus::Returned)),
                Expr::col(task::Column::DueOn),
            )))),
            "open_due",
        )
        .filter(task::Column::ListId.eq(list_id))
        .filter(task::Column::PersonId.is_null())
        .filter(task::Column::CancelledAt.is_null());
    if let Some((unit, month)) = only {
        del = del.filter(cell::Column::UnitId.eq(unit)).filter(cell::Column::Month.eq(month));
        sel = sel.filter(task::Column::UnitId.eq(unit)).filter(task::Column::Month.eq(month));
    }
    del.exec(conn).await?;
    let sel = sel
        .group_by(task::Column::ListId)
        .group_by(task::Column::UnitId)
        .group_by(task::Column::Year)
        .group_by(task::Column::Month)
        .into_query();
    let insert = sea_orm::sea_query::Query::insert()
        .into_table(cell::Entity)
        .columns([
            cell::Column::ListId,
            cell::Column::UnitId,
            cell::Column::Year,
            cell::Column::Month,
            cell::Column::Total,
            cell::Column::Accepted,
            cell::Column::Submitted,
            cell::Column::Late,
            cell::Column::OpenDue,
        ])
        .select_from(sel)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    conn.execute(&insert).await?;
    Ok(())
}

/// The matrix counted from the tasks themselves: what [`matrix`] must equal (tests compare the
/// two after every kind of write).
pub async fn matrix_direct(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    year: i32,
    list_id: Option<i64>,
) -> Result<Vec<CellRow>, DbErr> {
    let st = |s: TaskStatus| Expr::col(task::Column::Status).eq(s.code());
    let mut q = task::Entity::find()
        .select_only()
        .column(task::Column::UnitId)
        .column(task::Column::Month)
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(Expr::case(st(TaskStatus::Accepted), 1).finally(0).sum(), "accepted")
        .column_as(Expr::case(st(TaskStatus::Submitted), 1).finally(0).sum(), "submitted")
        .column_as(
            Expr::from(Func::min(Into::<Expr>::into(Expr::case(
                st(TaskStatus::Open).or(st(TaskStatus::Returned)),
                Expr::col(task::Column::DueOn),
            )))),
            "open_due",
        )
        .column_as(Expr::case(late(), 1).finally(0).sum(), "late")
        .filter(task::Column::Year.eq(year))
        .filter(task::Column::CancelledAt.is_null())
        // Units' own tasks: named leaders' tasks have their own progress page and ranking.
        .filter(task::Column::PersonId.is_null())
        .filter(scope.unit_condition((task::Entity, task::Column::UnitId)));
    if let Some(l) = list_id {
        q = q.filter(task::Column::ListId.eq(l));
    }
    q.group_by(task::Column::UnitId).group_by(task::Column::Month).into_model::<CellRow>().all(conn).await
}

/// `COALESCE(days_late, 0) > 0`
/// Written as literal SQL: PostgreSQL matches a GROUP BY expression to the SELECT list by text,
/// and bound parameters ($1, $2 …) would make the two differ.
fn late() -> SimpleExpr {
    Expr::cust("COALESCE(\"duty_tasks\".\"days_late\", 0) > 0")
}

/// Score tallies: counted tasks grouped by owner (unit or person), item, status, lateness and
/// rating.
#[derive(Debug, Clone, FromQueryResult)]
pub struct TallyRow {
    pub owner: i64,
    pub item_id: i64,
    pub status: String,
    pub late: bool,
    pub rating: Option<i32>,
    pub n: i64,
}

pub async fn tallies(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    year: i32,
    leaders: bool,
    only_owner: Option<i64>,
    today: NaiveDate,
) -> Result<Vec<TallyRow>, DbErr> {
    let owner = if leaders { task::Column::PersonId } else { task::Column::UnitId };
    let mut q = task::Entity::find()
        .select_only()
        .column_as(Expr::col(owner), "owner")
        .column(task::Column::ItemId)
        .column(task::Column::Status)
        .column_as(late(), "late")
        .column(task::Column::Rating)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(task::Column::Year.eq(year))
        .filter(task::Column::CancelledAt.is_null())
        .filter(scope.unit_condition((task::Entity, task::Column::UnitId)))
        .filter(
            Condition::any()
                .add(task::Column::DueOn.lte(today))
                .add(task::Column::Status.eq(TaskStatus::Accepted.code())),
        );
    q = if leaders {
        q.filter(task::Column::PersonId.is_not_null())
    } else {
        q.filter(task::Column::PersonId.is_null())
    };
    if let Some(o) = only_owner {
        q = q.filter(Expr::col(owner).eq(o));
    }
    q.group_by(Expr::col(owner))
        .group_by(task::Column::ItemId)
        .group_by(task::Column::Status)
        .group_by(late())
        .group_by(task::Column::Rating)
        .into_model::<TallyRow>()
        .all(conn)
        .await
}

/// Owners (units or leaders) with any task in the year and scope, due yet or not, so a unit with
/// nothing due yet still appears in the ranking.
pub async fn owners(conn: &impl ConnectionTrait, scope: &Scope, year: i32, leaders: bool) -> Result<Vec<i64>, DbErr> {
    let owner = if leaders { task::Column::PersonId } else { task::Column::UnitId };
    let mut q = task::Entity::find()
        .select_only()
        .column_as(Expr::col(owner), "o")
        .distinct()
        .filter(task::Column::Year.eq(year))
        .filter(task::Column::CancelledAt.is_null())
        .filter(scope.unit_condition((task::Entity, task::Column::UnitId)));
    q = if leaders {
        q.filter(task::Column::PersonId.is_not_null())
    } else {
        q.filter(task::Column::PersonId.is_null())
    };
    q.into_tuple().all(conn).await
}

// ------------------------------------------------------------------ records

pub async fn records_of(conn: &impl ConnectionTrait, task_id: i64) -> Result<Vec<record::Model>, DbErr> {
    record::Entity::find().filter(record::Column::TaskId.eq(task_id)).order_by_asc(record::Column::Id).all(conn).await
}

pub async fn find_record_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<record::Model>, DbErr> {
    record::Entity::find().filter(record::Column::Uuid.eq(id)).one(conn).await
}

/// Move a task to a new state if it is still at `version`; false when someone was faster.
#[allow(clippy::too_many_arguments)]
pub async fn set_task_state(
    conn: &impl ConnectionTrait,
    t: &task::Model,
    status: TaskStatus,
    submitted_on: Option<NaiveDate>,
    accepted_on: Option<NaiveDate>,
    days_late: Option<i32>,
    rating: Option<i32>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let cycle = if status == TaskStatus::Returned { t.cycle + 1 } else { t.cycle };
    let r = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(status.code()))
        .col_expr(task::Column::SubmittedOn, Expr::value(submitted_on))
        .col_expr(task::Column::AcceptedOn, Expr::value(accepted_on))
        .col_expr(task::Column::DaysLate, Expr::value(days_late))
        .col_expr(task::Column::Rating, Expr::value(rating))
        .col_expr(task::Column::Cycle, Expr::value(cycle))
        .col_expr(task::Column::Version, Expr::value(t.version + 1))
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .filter(task::Column::Id.eq(t.id))
        .filter(task::Column::Version.eq(t.version))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

// ------------------------------------------------------------------ reports, contacts, visits

pub async fn reports_for(
    conn: &impl ConnectionTrait,
    year: i32,
    person_ids: &[i64],
) -> Result<HashMap<i64, report::Model>, DbErr> {
    let mut out = HashMap::new();
    for chunk in person_ids.chunks(500) {
        for r in report::Entity::find()
            .filter(report::Column::Year.eq(year))
            .filter(report::Column::PersonId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(r.person_id, r);
        }
    }
    Ok(out)
}

pub async fn reports_in_scope(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    year: i32,
) -> Result<Vec<report::Model>, DbErr> {
    report::Entity::find()
        .filter(report::Column::Year.eq(year))
        .filter(scope.unit_condition((report::Entity, report::Column::UnitId)))
        .all(conn)
        .await
}

/// Active people in scope who owe a 述职述廉 report: leading cadres, and the people in `also`
/// (units' principals, anyone who reported).
pub async fn report_candidates(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    also: &[i64],
) -> Result<Vec<crate::features::org::entity::person::Model>, DbErr> {
    use crate::features::org::entity::person;
    let mut who = Condition::any().add(person::Column::LeadingCadre.eq(true));
    for chunk in also.chunks(500) {
        who = who.add(person::Column::Id.is_in(chunk.to_vec()));
    }
    person::Entity::find()
        .filter(person::Column::DeletedAt.is_null())
        .filter(person::Column::Status.eq("active"))
        .filter(scope.unit_condition((person::Entity, person::Column::UnitId)))
        .filter(who)
        .all(conn)
        .await
}

pub async fn find_report_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<report::Model>, DbErr> {
    report::Entity::find().filter(report::Column::Uuid.eq(id)).one(conn).await
}

pub async fn report_of(conn: &impl ConnectionTrait, year: i32, person: i64) -> Result<Option<report::Model>, DbErr> {
    report::Entity::find()
        .filter(report::Column::Year.eq(year))
        .filter(report::Column::PersonId.eq(person))
        .one(conn)
        .await
}

pub async fn contacts(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    me: Option<i64>,
    year: i32,
) -> Result<Vec<contact::Model>, DbErr> {
    let mut any = Condition::any().add(scope.unit_condition((contact::Entity, contact::Column::UnitId)));
    if let Some(p) = me {
        any = any.add(contact::Column::PersonId.eq(p));
    }
    contact::Entity::find()
        .filter(contact::Column::Year.eq(year))
        .filter(any)
        .order_by_asc(contact::Column::PersonId)
        .order_by_asc(contact::Column::Id)
        .all(conn)
        .await
}

pub async fn find_contact_by_uuid(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> Result<Option<contact::Model>, DbErr> {
    contact::Entity::find().filter(contact::Column::Uuid.eq(id)).one(conn).await
}

pub async fn find_contact(
    conn: &impl ConnectionTrait,
    year: i32,
    person: i64,
    unit: i64,
) -> Result<Option<contact::Model>, DbErr> {
    contact::Entity::find()
        .filter(contact::Column::Year.eq(year))
        .filter(contact::Column::PersonId.eq(person))
        .filter(contact::Column::UnitId.eq(unit))
        .one(conn)
        .await
}

pub async fn visits_of(conn: &impl ConnectionTrait, contact_ids: &[i64]) -> Result<Vec<visit::Model>, DbErr> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    visit::Entity::find()
        .filter(visit::Column::ContactId.is_in(contact_ids.to_vec()))
        .order_by_desc(visit::Column::VisitedOn)
        .order_by_desc(visit::Column::Id)
        .all(conn)
        .await
}

pub async fn find_visit_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<visit::Model>, DbErr> {
    visit::Entity::find().filter(visit::Column::Uuid.eq(id)).one(conn).await
}
