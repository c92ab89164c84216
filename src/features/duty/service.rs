//! 主体责任 use cases: who may do what, one transaction per change with its audit record.
//!
//! Who:
//! - a list is managed (items, targets, publishing, amendments) by holders of 主体责任管理 over
//!   its unit; it is seen by those who see its unit, the units it is cascaded to, and the
//!   leaders it names;
//! - targets lie in the list unit's subtree (the unit itself, its 科室, 直属单位, county bureaus);
//! - a task is seen by those who see its unit or the assigning unit, and by the named leader;
//!   it is recorded by the named leader or by 履责纪实 holders over its unit;
//! - a record is accepted or returned by 验收 holders over the assigning unit, never by the
//!   person who submitted it or whose task it is.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter};
use serde::Serialize;

use super::{
    domain::{
        self, ItemInput, ListInput, NewItem, NewList, NewRecord, Rating, RecordInput, ScoreWeights, Target, TaskStatus,
    },
    entity::{contact, item, list, record, report, target, task, visit},
    repo::{self, TaskKey},
};
use crate::{
    audit::{self, Event},
    authz::Perm,
    calendar::Calendar,
    error::{AppError, AppResult},
    features::{
        inbox::repo::{Outgoing, deliver},
        org::{
            entity::{person, unit},
            repo as org_repo,
            service::deny,
        },
    },
    files,
    i18n::Msg,
    jobs::deadlines::load_policy,
    startup::AppState,
    web::Ctx,
};

pub const WEIGHTS_KEY: &str = "duty.score_weights";

pub fn me(ctx: &Ctx) -> Option<i64> {
    ctx.principal.as_ref().and_then(|p| p.person_id).map(|p| p.0)
}

fn user_id(ctx: &Ctx) -> Option<i64> {
    ctx.principal.as_ref().map(|p| p.user_id.0)
}

fn actor_name(ctx: &Ctx) -> String {
    ctx.principal.as_ref().map(|p| p.display_name.clone()).unwrap_or_default()
}

fn forbid() -> AppError {
    AppError::forbidden(Msg::new("duty.not_allowed"))
}

fn stale() -> AppError {
    AppError::conflict(None, "error.stale_version")
}

pub async fn weights(state: &AppState) -> AppResult<ScoreWeights> {
    Ok(crate::db::settings_get(&state.db.read, WEIGHTS_KEY).await?)
}

pub async fn save_weights(state: &AppState, ctx: &Ctx, w: ScoreWeights) -> AppResult<()> {
    w.validate()?;
    let old = weights(state).await?;
    let txn = state.db.begin().await?;
    crate::db::settings_set(&txn, WEIGHTS_KEY, &w, user_id(ctx), ctx.now).await?;
    let ev = Event::new("duty.weights", "setting", WEIGHTS_KEY).detail(audit::diff(&old, &w));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn audit_read(
    state: &AppState,
    ctx: &Ctx,
    event: &'static str,
    object: &'static str,
    id: impl ToString,
) -> AppResult<()> {
    state.audit(&ctx.actor(), Event::new(event, object, id)).await?;
    Ok(())
}

// ------------------------------------------------------------------ lists

/// A list with its unit, if the caller may see it; else 404 (audited).
pub async fn list_in_scope(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<(list::Model, unit::Model)> {
    let db = &state.db.read;
    let l = repo::find_list_by_uuid(db, id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(db, l.unit_id).await?.ok_or(AppError::NotFound)?;
    let scope = ctx.scope(Perm::DutyView);
    if scope.contains(&u.path) || ctx.scope(Perm::DutyManage).contains(&u.path) {
        return Ok((l, u));
    }
    let targets = repo::targets_of(db, l.id).await?;
    let me = me(ctx);
    if targets.iter().any(|t| t.person_id.is_some() && t.person_id == me) {
        return Ok((l, u));
    }
    let units = org_repo::units_by_ids(db, &targets.iter().map(|t| t.unit_id).collect::<Vec<_>>()).await?;
    if units.iter().any(|tu| scope.contains(&tu.path)) {
        return Ok((l, u));
    }
    Err(deny(state, ctx, "duty_list", id).await)
}

pub fn can_manage(ctx: &Ctx, u: &unit::Model) -> bool {
    ctx.scope(Perm::DutyManage).contains(&u.path)
}

async fn managed_list(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<(list::Model, unit::Model)> {
    let (l, u) = list_in_scope(state, ctx, id).await?;
    if !can_manage(ctx, &u) {
        return Err(forbid());
    }
    Ok((l, u))
}

/// First write of every change to a list: bump its version if it is still the one read. This
/// takes the row lock, so concurrent changes queue, and a list published meanwhile (which bumps
/// the version) answers 409 instead of taking a draft's change without a reason.
async fn lock_list(conn: &impl sea_orm::ConnectionTrait, l: &list::Model, ctx: &Ctx) -> AppResult<()> {
    if repo::touch_list(conn, l.id, Some(l.version), ctx.now).await? { Ok(()) } else { Err(stale()) }
}

pub fn is_published(l: &list::Model) -> bool {
    l.status == "published"
}

#[derive(Serialize)]
struct ItemAudit<'a> {
    category: &'a str,
    content: &'a str,
    cadence: &'a str,
    once_on: Option<NaiveDate>,
    rule_kind: &'a str,
    rule_days: i32,
    evidence: &'a str,
    weight: i32,
    target: &'a str,
}

impl<'a> From<&'a item::Model> for ItemAudit<'a> {
    fn from(i: &'a item::Model) -> Self {
        ItemAudit {
            category: &i.category,
            content: &i.content,
            cadence: &i.cadence,
            once_on: i.once_on,
            rule_kind: &i.rule_kind,
            rule_days: i.rule_days,
            evidence: &i.evidence,
            weight: i.weight,
            target: &i.target,
        }
    }
}

/// Create a list for a unit (optionally copying another list's items and targets, e.g. last
/// year's: one-off dates move by the years between them).
pub async fn create_list(
    state: &AppState,
    ctx: &Ctx,
    unit_id: uuid::Uuid,
    input: &ListInput,
) -> AppResult<list::Model> {
    let db = &state.db.read;
    let u = org_repo::find_unit_by_uuid(db, unit_id)
        .await?
        .filter(|u| u.deleted_at.is_none() && can_manage(ctx, u))
        .ok_or_else(|| AppError::invalid("unit", "duty.list_unit", "org.unit_not_found"))?;
    let new = NewList::parse(input, ctx.today)?;
    if repo::list_for_unit_year(db, u.id, new.year).await?.is_some() {
        return Err(AppError::invalid("year", "duty.year", "duty.list_exists"));
    }
    let source = match new.copy_from {
        None => None,
        Some(id) => {
            let (src, _) = list_in_scope(state, ctx, id)
                .await
                .map_err(|_| AppError::invalid("copy_from", "duty.copy_from", "duty.not_found_ref"))?;
            Some(src)
        }
    };
    let txn = state.db.begin().await?;
    let l = list::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        unit_id: Set(u.id),
        year: Set(new.year),
        title: Set(new.title.clone()),
        status: Set("draft".into()),
        starts_on: Set(new.starts_on),
        copied_from: Set(source.as_ref().map(|s| s.id)),
        published_at: Set(None),
        published_by: Set(None),
        created_by: Set(user_id(ctx)),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| crate::error::on_unique(e, "year", "duty.list_exists"))?;
    let mut copied = 0;
    if let Some(src) = &source {
        let shift = new.year - src.year;
        for (n, i) in repo::items_of(&txn, src.id).await?.into_iter().filter(|i| i.withdrawn_at.is_none()).enumerate() {
            let once_on = i.once_on.map(|d| {
                NaiveDate::from_ymd_opt(d.year() + shift, d.month(), d.day())
                    .unwrap_or_else(|| NaiveDate::from_ymd_opt(d.year() + shift, d.month(), 28).expect("28th exists"))
            });
            let Some(copy) = repo::stored_item(&i) else { continue };
            repo::insert_item(&txn, l.id, n as i32 + 1, &NewItem { once_on, ..copy }, ctx.now).await?;
            copied += 1;
        }
        // Targets still inside this unit's subtree.
        let targets = repo::targets_of(&txn, src.id).await?;
        let units: HashMap<i64, unit::Model> =
            org_repo::units_by_ids(&txn, &targets.iter().map(|t| t.unit_id).collect::<Vec<_>>())
                .await?
                .into_iter()
                .map(|x| (x.id, x))
                .collect();
        let people =
            crate::features::rectify::repo::people_by_id(&txn, targets.iter().filter_map(|t| t.person_id)).await?;
        for t in targets {
            let unit_ok = units.get(&t.unit_id).is_some_and(|x| x.deleted_at.is_none() && x.path.starts_with(&u.path));
            // A named leader only while still active and posted in that unit.
            let person_ok = t.person_id.is_none_or(|p| {
                people.get(&p).is_some_and(|p| p.deleted_at.is_none() && p.status == "active" && p.unit_id == t.unit_id)
            });
            if unit_ok && person_ok {
                target::ActiveModel {
                    list_id: Set(l.id),
                    unit_id: Set(t.unit_id),
                    person_id: Set(t.person_id),
                    created_at: Set(ctx.now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    let detail = serde_json::json!({"unit": u.id, "year": new.year, "title": new.title, "starts_on": new.starts_on,
        "copied_from": source.as_ref().map(|s| s.uuid), "items_copied": copied});
    let ev = Event::new("duty_list.create", "duty_list", l.uuid).unit(u.id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(l)
}

/// Add an item. After publishing it is an amendment (reason required) and its tasks are
/// generated at once.
pub async fn add_item(state: &AppState, ctx: &Ctx, list_id: uuid::Uuid, input: &ItemInput) -> AppResult<item::Model> {
    let (l, _) = managed_list(state, ctx, list_id).await?;
    let new = NewItem::parse(input, l.year)?;
    let reason = if is_published(&l) { Some(domain::amendment_reason(input.reason.as_deref())?) } else { None };
    let cal = state.calendar();
    let txn = state.db.begin().await?;
    lock_list(&txn, &l, ctx).await?;
    let seq = repo::next_item_seq(&txn, l.id).await?;
    let i = repo::insert_item(&txn, l.id, seq, &new, ctx.now).await?;
    let mut detail = audit::snapshot("after", &ItemAudit::from(&i));
    if let Some(reason) = &reason {
        amend(&txn, &l, Some(i.id), "add_item", reason, &mut detail, &cal, ctx).await?;
    }
    let ev = Event::new("duty_item.create", "duty_item", i.uuid).unit(l.unit_id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(i)
}

async fn item_in_scope(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<(item::Model, list::Model)> {
    let i = repo::find_item_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let l = repo::find_list(&state.db.read, i.list_id).await?.ok_or(AppError::NotFound)?;
    let (l, _) = managed_list(state, ctx, l.uuid).await?;
    Ok((i, l))
}

/// Edit an item (optimistic version). After publishing: reason required, recorded as an
/// amendment; tasks follow the new cadence and rule (untouched ones move or are cancelled).
pub async fn update_item(state: &AppState, ctx: &Ctx, id: uuid::Uuid, input: &ItemInput) -> AppResult<item::Model> {
    let (old, l) = item_in_scope(state, ctx, id).await?;
    if old.withdrawn_at.is_some() {
        return Err(AppError::conflict(None, "duty.item_withdrawn"));
    }
    let new = NewItem::parse(input, l.year)?;
    let reason = if is_published(&l) { Some(domain::amendment_reason(input.reason.as_deref())?) } else { None };
    let version = crate::features::org::domain::parse_version(input.version.as_deref())?.unwrap_or(old.version);
    let cal = state.calendar();
    let txn = state.db.begin().await?;
    lock_list(&txn, &l, ctx).await?;
    let r = item::Entity::update_many()
        .col_expr(item::Column::Category, new.category.code().into())
        .col_expr(item::Column::Content, new.content.clone().into())
        .col_expr(item::Column::Cadence, new.cadence.code().into())
        .col_expr(item::Column::OnceOn, new.once_on.into())
        .col_expr(item::Column::RuleKind, new.rule.kind.code().into())
        .col_expr(item::Column::RuleDays, (new.rule.days as i32).into())
        .col_expr(item::Column::Evidence, new.evidence.clone().into())
        .col_expr(item::Column::Weight, new.weight.into())
        .col_expr(item::Column::Target, new.target.code().into())
        .col_expr(item::Column::Version, (version + 1).into())
        .col_expr(item::Column::UpdatedAt, ctx.now.into())
        .filter(sea_orm::ColumnTrait::eq(&item::Column::Id, old.id))
        .filter(sea_orm::ColumnTrait::eq(&item::Column::Version, version))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(stale());
    }
    let after = item::Entity::find_by_id(old.id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let mut detail = audit::diff(&ItemAudit::from(&old), &ItemAudit::from(&after));
    if let Some(reason) = &reason {
        amend(&txn, &l, Some(old.id), "edit_item", reason, &mut detail, &cal, ctx).await?;
    }
    let ev = Event::new("duty_item.update", "duty_item", old.uuid).unit(l.unit_id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Remove an item: deleted from a draft; withdrawn from a published list (reason required; its
/// untouched tasks are cancelled, recorded ones stay).
pub async fn remove_item(state: &AppState, ctx: &Ctx, id: uuid::Uuid, reason: Option<&str>) -> AppResult<list::Model> {
    let (i, l) = item_in_scope(state, ctx, id).await?;
    if i.withdrawn_at.is_some() {
        return Err(AppError::conflict(None, "duty.item_withdrawn"));
    }
    let cal = state.calendar();
    let txn = state.db.begin().await?;
    lock_list(&txn, &l, ctx).await?;
    let mut detail = audit::snapshot("before", &ItemAudit::from(&i));
    if is_published(&l) {
        let reason = domain::amendment_reason(reason)?;
        item::Entity::update_many()
            .col_expr(item::Column::WithdrawnAt, Some(ctx.now).into())
            .col_expr(item::Column::Version, (i.version + 1).into())
            .filter(sea_orm::ColumnTrait::eq(&item::Column::Id, i.id))
            .exec(&txn)
            .await?;
        amend(&txn, &l, Some(i.id), "withdraw_item", &reason, &mut detail, &cal, ctx).await?;
    } else {
        item::Entity::delete_by_id(i.id).exec(&txn).await?;
    }
    let ev = Event::new("duty_item.remove", "duty_item", i.uuid).unit(l.unit_id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(l)
}

/// Raw targets: units and named leaders (UUIDs), and the amendment reason after publishing.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TargetsInput {
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub leaders: Vec<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub reason: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

/// Replace the list's targets. Every unit must lie in the list unit's subtree; every leader
/// must be a current person posted there.
pub async fn set_targets(
    state: &AppState,
    ctx: &Ctx,
    list_id: uuid::Uuid,
    input: &TargetsInput,
) -> AppResult<list::Model> {
    let (l, lu) = managed_list(state, ctx, list_id).await?;
    let reason = if is_published(&l) { Some(domain::amendment_reason(input.reason.as_deref())?) } else { None };
    let db = &state.db.read;
    let mut wanted: Vec<(i64, Option<i64>)> = Vec::new();
    let mut ids = Vec::new();
    for s in input.units.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        ids.push(crate::fields::uuid("units", "duty.target_units", s, "duty.not_found_ref")?);
    }
    if ids.len() > 5000 {
        return Err(AppError::invalid("units", "duty.target_units", Msg::new("error.too_many").arg("max", 5000)));
    }
    for chunk in ids.chunks(500) {
        let found = org_repo::units_by_uuids(db, chunk).await?;
        for id in chunk {
            let u = found
                .iter()
                .find(|u| u.uuid == *id && u.deleted_at.is_none())
                .ok_or_else(|| AppError::invalid("units", "duty.target_units", "duty.not_found_ref"))?;
            if !u.path.starts_with(&lu.path) {
                return Err(AppError::invalid(
                    "units",
                    "duty.target_units",
                    Msg::new("duty.target_outside").arg("unit", &u.name).arg("publisher", &lu.name),
                ));
            }
            if !wanted.contains(&(u.id, None)) {
                wanted.push((u.id, None));
            }
        }
    }
    for s in input.leaders.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let id = crate::fields::uuid("leaders", "duty.target_leaders", s, "duty.not_found_ref")?;
        let p = org_repo::find_person_by_uuid(db, id)
            .await?
            .filter(|p| p.deleted_at.is_none() && p.status == "active")
            .ok_or_else(|| AppError::invalid("leaders", "duty.target_leaders", "duty.not_found_ref"))?;
        let pu = org_repo::find_unit(db, p.unit_id).await?.ok_or(AppError::NotFound)?;
        if !pu.path.starts_with(&lu.path) {
            return Err(AppError::invalid(
                "leaders",
                "duty.target_leaders",
                Msg::new("duty.target_outside")
                    .arg("unit", format!("{}（{}）", p.name, pu.name))
                    .arg("publisher", &lu.name),
            ));
        }
        if !wanted.contains(&(pu.id, Some(p.id))) {
            wanted.push((pu.id, Some(p.id)));
        }
    }
    let cal = state.calendar();
    let txn = state.db.begin().await?;
    lock_list(&txn, &l, ctx).await?;
    let old: Vec<(i64, Option<i64>)> =
        repo::targets_of(&txn, l.id).await?.into_iter().map(|t| (t.unit_id, t.person_id)).collect();
    let added: Vec<_> = wanted.iter().filter(|w| !old.contains(w)).copied().collect();
    let removed: Vec<_> = old.iter().filter(|o| !wanted.contains(o)).copied().collect();
    for (u, p) in &removed {
        let mut q = target::Entity::delete_many()
            .filter(sea_orm::ColumnTrait::eq(&target::Column::ListId, l.id))
            .filter(sea_orm::ColumnTrait::eq(&target::Column::UnitId, *u));
        q = match p {
            Some(p) => q.filter(sea_orm::ColumnTrait::eq(&target::Column::PersonId, *p)),
            None => q.filter(sea_orm::ColumnTrait::is_null(&target::Column::PersonId)),
        };
        q.exec(&txn).await?;
    }
    if !added.is_empty() {
        for chunk in added.chunks(1000) {
            target::Entity::insert_many(chunk.iter().map(|(u, p)| target::ActiveModel {
                list_id: Set(l.id),
                unit_id: Set(*u),
                person_id: Set(*p),
                created_at: Set(ctx.now),
                ..Default::default()
            }))
            .exec_without_returning(&txn)
            .await?;
        }
    }
    let mut detail = serde_json::json!({"added": added, "removed": removed});
    if let Some(reason) = &reason {
        amend(&txn, &l, None, "targets", reason, &mut detail, &cal, ctx).await?;
    }
    let ev = Event::new("duty_list.targets", "duty_list", l.uuid).unit(l.unit_id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(l)
}

/// An amendment to a published list: bring its tasks in line, then record the amendment with its
/// reason and what it did (`detail` gains the task counts and the reason for the audit row too).
#[allow(clippy::too_many_arguments)]
async fn amend(
    txn: &impl sea_orm::ConnectionTrait,
    l: &list::Model,
    item_id: Option<i64>,
    action: &str,
    reason: &str,
    detail: &mut serde_json::Value,
    cal: &Calendar,
    ctx: &Ctx,
) -> AppResult<()> {
    let sync = sync_tasks(txn, l, cal, ctx.now).await?;
    detail["tasks"] = serde_json::json!(sync);
    detail["reason"] = serde_json::json!(reason);
    repo::insert_amendment(
        txn,
        l.id,
        item_id,
        action,
        reason,
        detail.clone(),
        (user_id(ctx), &actor_name(ctx)),
        ctx.now,
    )
    .await?;
    Ok(())
}

/// What syncing a list's tasks did.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct SyncReport {
    pub created: u64,
    pub cancelled: u64,
    pub moved: u64,
}

/// Bring a published list's tasks in line with its items and targets: create the missing
/// (item × target × period) tasks, cancel open or returned ones no longer asked for (their
/// records stay), move the due date of untouched ones whose rule changed. Submitted and accepted
/// tasks are never touched.
pub async fn sync_tasks(
    conn: &impl sea_orm::ConnectionTrait,
    l: &list::Model,
    cal: &Calendar,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<SyncReport> {
    let items = repo::items_of(conn, l.id).await?;
    let targets = repo::targets_of(conn, l.id).await?;
    let existing = repo::task_keys(conn, l.id).await?;
    let mut report = SyncReport::default();
    let mut seen: HashSet<TaskKey> = HashSet::new();
    let mut rows = Vec::new();
    let mut moves: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
    for i in items.iter().filter(|i| i.withdrawn_at.is_none()) {
        let Some(stored) = repo::stored_item(i) else { continue };
        let tg = stored.target;
        // The due date depends on the item and the period only: computed once per period.
        let periods: Vec<(domain::Period, NaiveDate)> = domain::periods(stored.cadence, l.year, i.once_on, l.starts_on)
            .into_iter()
            .map(|p| {
                let due = stored.rule.due(cal, p.end);
                (p, due)
            })
            .collect();
        for t in targets.iter().filter(|t| (tg == Target::Leader) == t.person_id.is_some()) {
            for (p, due) in &periods {
                let due = *due;
                let key: TaskKey = (i.id, t.unit_id, t.person_id, p.label.clone());
                if !seen.insert(key.clone()) {
                    continue;
                }
                match existing.get(&key) {
                    Some(e) => {
                        let open = e.status == TaskStatus::Open.code();
                        if e.cancelled || (open && e.due_on != due) {
                            moves.entry(due).or_default().push(e.id);
                        }
                    }
                    None => rows.push(repo::new_task(l, i.id, t.unit_id, t.person_id, p, due, now)),
                }
            }
        }
    }
    let cancel: Vec<i64> = existing
        .iter()
        .filter(|(k, e)| {
            !seen.contains(*k)
                && !e.cancelled
                && (e.status == TaskStatus::Open.code() || e.status == TaskStatus::Returned.code())
        })
        .map(|(_, e)| e.id)
        .collect();
    report.created = rows.len() as u64;
    report.cancelled = cancel.len() as u64;
    repo::insert_tasks(conn, rows).await?;
    repo::cancel_tasks(conn, &cancel, now).await?;
    for (due, ids) in moves {
        report.moved += ids.len() as u64;
        repo::set_due(conn, &ids, due, now).await?;
    }
    repo::refresh_cells(conn, l.id, None).await?;
    Ok(report)
}

/// Publish a draft: it freezes (later changes are amendments) and every item × target × period
/// becomes a dated task.
pub async fn publish(state: &AppState, ctx: &Ctx, list_id: uuid::Uuid, version: Option<&str>) -> AppResult<SyncReport> {
    let (l, _) = managed_list(state, ctx, list_id).await?;
    if is_published(&l) {
        return Err(AppError::conflict(None, "duty.already_published"));
    }
    let version = crate::features::org::domain::parse_version(version)?;
    let items: Vec<item::Model> =
        repo::items_of(&state.db.read, l.id).await?.into_iter().filter(|i| i.withdrawn_at.is_none()).collect();
    if items.is_empty() {
        return Err(AppError::invalid("items", "duty.items", "duty.no_items"));
    }
    let targets = repo::targets_of(&state.db.read, l.id).await?;
    let needs_units = items.iter().any(|i| i.target == Target::Unit.code());
    let needs_leaders = items.iter().any(|i| i.target == Target::Leader.code());
    if needs_units && !targets.iter().any(|t| t.person_id.is_none()) {
        return Err(AppError::invalid("units", "duty.target_units", "duty.no_unit_targets"));
    }
    if needs_leaders && !targets.iter().any(|t| t.person_id.is_some()) {
        return Err(AppError::invalid("leaders", "duty.target_leaders", "duty.no_leader_targets"));
    }
    let cal = state.calendar();
    let txn = state.db.begin().await?;
    if !repo::touch_list(&txn, l.id, version, ctx.now).await? {
        return Err(stale());
    }
    let r = list::Entity::update_many()
        .col_expr(list::Column::Status, "published".into())
        .col_expr(list::Column::PublishedAt, Some(ctx.now).into())
        .col_expr(list::Column::PublishedBy, user_id(ctx).into())
        .filter(sea_orm::ColumnTrait::eq(&list::Column::Id, l.id))
        .filter(sea_orm::ColumnTrait::eq(&list::Column::Status, "draft"))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::conflict(None, "duty.already_published"));
    }
    let published = list::Model { status: "published".into(), ..l.clone() };
    let sync = sync_tasks(&txn, &published, &cal, ctx.now).await?;
    let detail = serde_json::json!({"items": items.len(), "targets": targets.len(), "tasks": sync});
    let ev = Event::new("duty_list.publish", "duty_list", l.uuid).unit(l.unit_id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    // Tell the named leaders and each target unit's principal.
    let mut people: Vec<i64> = targets.iter().filter_map(|t| t.person_id).collect();
    let units = org_repo::units_by_ids(
        &txn,
        &targets.iter().filter(|t| t.person_id.is_none()).map(|t| t.unit_id).collect::<Vec<_>>(),
    )
    .await?;
    people.extend(units.iter().filter_map(|u| u.principal_person_id));
    people.sort_unstable();
    people.dedup();
    let notices: Vec<Outgoing> = people
        .into_iter()
        .map(|person_id| Outgoing {
            person_id,
            kind: "duty",
            level: "info",
            msg_key: "notify.duty_published".into(),
            args: serde_json::json!({"title": l.title, "year": l.year}),
            link: "/duty".into(),
            dedup_key: format!("duty_list:{}:published:{person_id}", l.uuid),
        })
        .collect();
    deliver(&txn, &notices, ctx.now).await?;
    txn.commit().await?;
    Ok(sync)
}

// ------------------------------------------------------------------ tasks and records

/// A task with its item, list and unit, if the caller may see it; else 404 (audited).
pub async fn task_in_scope(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
) -> AppResult<(task::Model, item::Model, list::Model, unit::Model, unit::Model)> {
    let db = &state.db.read;
    let t = repo::find_task_by_uuid(db, id).await?.ok_or(AppError::NotFound)?;
    let units = org_repo::units_by_ids(db, &[t.unit_id, t.publisher_unit_id]).await?;
    let u = units.iter().find(|u| u.id == t.unit_id).cloned().ok_or(AppError::NotFound)?;
    let pu = units.iter().find(|u| u.id == t.publisher_unit_id).cloned().ok_or(AppError::NotFound)?;
    let scope = ctx.scope(Perm::DutyView);
    let mine = t.person_id.is_some() && t.person_id == me(ctx);
    if !mine && !scope.contains(&u.path) && !scope.contains(&pu.path) {
        return Err(deny(state, ctx, "duty_task", id).await);
    }
    let i = item::Entity::find_by_id(t.item_id).one(db).await?.ok_or(AppError::NotFound)?;
    let l = repo::find_list(db, t.list_id).await?.ok_or(AppError::NotFound)?;
    Ok((t, i, l, u, pu))
}

/// What the caller may do with a visible task.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Abilities {
    pub record: bool,
    pub review: bool,
}

pub fn abilities(ctx: &Ctx, t: &task::Model, u: &unit::Model, pu: &unit::Model) -> Abilities {
    let status = TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Open);
    let mine = t.person_id.is_some() && t.person_id == me(ctx);
    Abilities {
        record: status.is_open() && (mine || ctx.scope(Perm::DutyRecord).contains(&u.path)),
        review: status == TaskStatus::Submitted && !mine && ctx.scope(Perm::DutyReview).contains(&pu.path),
    }
}

/// Recount the matrix cell of a unit task after its state changed.
async fn refresh_cell(conn: &impl sea_orm::ConnectionTrait, t: &task::Model) -> AppResult<()> {
    if t.person_id.is_none() {
        repo::refresh_cells(conn, t.list_id, Some((t.unit_id, t.month))).await?;
    }
    Ok(())
}

/// Record 履责纪实 for a task and submit it for acceptance. A late record is accepted, marked
/// with the days late (counted as the deadline engine counts).
pub async fn submit_record(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    input: &RecordInput,
    evidence: Vec<files::Checked>,
) -> AppResult<record::Model> {
    let (t, i, _l, u, pu) = task_in_scope(state, ctx, id).await?;
    let new = NewRecord::parse(input, ctx.today)?;
    if !abilities(ctx, &t, &u, &pu).record {
        return Err(match TaskStatus::parse(&t.status) {
            Some(s) if !s.is_open() => AppError::conflict(None, "duty.not_open"),
            _ => forbid(),
        });
    }
    let policy = load_policy(&state.db.read).await?;
    let days_late = policy.overdue_days(&state.calendar(), ctx.today, t.due_on) as i32;
    let txn = state.db.begin().await?;
    if !repo::set_task_state(&txn, &t, TaskStatus::Submitted, Some(ctx.today), None, Some(days_late), None, ctx.now)
        .await?
    {
        return Err(stale());
    }
    let r = record::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        task_id: Set(t.id),
        done_on: Set(new.done_on),
        place: Set(new.place.clone()),
        participants: Set(new.participants.clone()),
        content: Set(new.content.clone()),
        submitted_by: Set(user_id(ctx)),
        submitter_person: Set(me(ctx)),
        submitter_name: Set(actor_name(ctx)),
        submitted_at: Set(ctx.now),
        submitted_on: Set(ctx.today),
        days_late: Set(days_late),
        outcome: Set("pending".into()),
        review_note: Set(String::new()),
        reviewed_by: Set(None),
        reviewer_name: Set(String::new()),
        reviewed_at: Set(None),
        rating: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let stored = files::store(&txn, "duty_record", r.id, &evidence, user_id(ctx), ctx.now).await?;
    refresh_cell(&txn, &t).await?;
    let detail = serde_json::json!({"task": t.uuid, "period": t.period, "done_on": new.done_on, "days_late": days_late,
        "files": stored.iter().map(|f| serde_json::json!({"name": f.filename, "sm3": f.sm3})).collect::<Vec<_>>()});
    let ev = Event::new("duty_record.submit", "duty_record", r.uuid).unit(t.unit_id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    let reviewers = crate::authz::repo::people_holding(&txn, Perm::DutyReview, &pu.path).await?;
    let notices: Vec<Outgoing> = reviewers
        .into_iter()
        .filter(|p| Some(*p) != me(ctx))
        .map(|person_id| Outgoing {
            person_id,
            kind: "duty",
            level: "info",
            msg_key: "notify.duty_submitted".into(),
            args: serde_json::json!({"unit": u.name, "item": super::deadlines::short(&i.content), "period": t.period}),
            link: format!("/duty/tasks/{}", t.uuid),
            dedup_key: format!("duty_task:{}:{}:submitted:{person_id}", t.uuid, r.uuid),
        })
        .collect();
    deliver(&txn, &notices, ctx.now).await?;
    txn.commit().await?;
    Ok(r)
}

/// A review decision on a task's pending record.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// accept / return
    pub decision: String,
    /// excellent / good / fair / poor (accepting)
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub rating: Option<String>,
    /// The reason (returning: required) or a remark.
    #[serde(default)]
    pub note: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

/// Accept (with a rating) or return (with a reason) a task's pending record. Never one's own.
pub async fn review(state: &AppState, ctx: &Ctx, id: uuid::Uuid, input: &ReviewInput) -> AppResult<task::Model> {
    let (t, _i, _l, u, pu) = task_in_scope(state, ctx, id).await?;
    if !ctx.scope(Perm::DutyReview).contains(&pu.path) {
        return Err(forbid());
    }
    let records = repo::records_of(&state.db.read, t.id).await?;
    let Some(r) = records.iter().rev().find(|r| r.outcome == "pending").cloned() else {
        return Err(AppError::conflict(None, "duty.nothing_to_review"));
    };
    let own = (r.submitted_by.is_some() && r.submitted_by == user_id(ctx))
        || (r.submitter_person.is_some() && r.submitter_person == me(ctx))
        || (t.person_id.is_some() && t.person_id == me(ctx));
    if own {
        return Err(AppError::invalid("decision", "duty.decision", "duty.own_record"));
    }
    let accept = match input.decision.trim() {
        "accept" => true,
        "return" => false,
        "" => return Err(AppError::invalid("decision", "duty.decision", "error.required")),
        s => return Err(AppError::invalid("decision", "duty.decision", Msg::new("error.bad_choice").arg("value", s))),
    };
    let note = crate::fields::long_text("note", "duty.review_note", &input.note, 2000, !accept)?;
    let rating = match input.rating.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None if accept => return Err(AppError::invalid("rating", "duty.rating", "error.required")),
        None => None,
        Some(s) => Some(crate::fields::choice("rating", "duty.rating", s, Rating::parse)?),
    };
    let txn = state.db.begin().await?;
    let (status, accepted_on, level) = if accept {
        (TaskStatus::Accepted, Some(ctx.today), rating.map(Rating::level))
    } else {
        (TaskStatus::Returned, None, None)
    };
    if !repo::set_task_state(&txn, &t, status, t.submitted_on, accepted_on, t.days_late, level, ctx.now).await? {
        return Err(stale());
    }
    record::Entity::update_many()
        .col_expr(record::Column::Outcome, (if accept { "accepted" } else { "returned" }).into())
        .col_expr(record::Column::ReviewNote, note.clone().into())
        .col_expr(record::Column::ReviewedBy, user_id(ctx).into())
        .col_expr(record::Column::ReviewerName, actor_name(ctx).into())
        .col_expr(record::Column::ReviewedAt, Some(ctx.now).into())
        .col_expr(record::Column::Rating, level.into())
        .filter(sea_orm::ColumnTrait::eq(&record::Column::Id, r.id))
        .exec(&txn)
        .await?;
    refresh_cell(&txn, &t).await?;
    let detail = serde_json::json!({"task": t.uuid, "decision": input.decision.trim(), "rating": rating.map(|r| r.code()),
        "note": note, "days_late": r.days_late});
    let event = if accept { "duty_record.accept" } else { "duty_record.return" };
    let ev = Event::new(event, "duty_record", r.uuid).unit(t.unit_id).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    if let Some(person_id) = r.submitter_person {
        let notice = Outgoing {
            person_id,
            kind: "duty",
            level: if accept { "info" } else { "warn" },
            msg_key: if accept { "notify.duty_accepted".into() } else { "notify.duty_returned".into() },
            args: serde_json::json!({"unit": u.name, "period": t.period, "note": note}),
            link: format!("/duty/tasks/{}", t.uuid),
            dedup_key: format!("duty_record:{}:{}", r.uuid, if accept { "accepted" } else { "returned" }),
        };
        deliver(&txn, &[notice], ctx.now).await?;
    }
    txn.commit().await?;
    repo::find_task(&state.db.read, t.id).await?.ok_or(AppError::NotFound)
}

/// An attachment of a record of a visible task.
pub async fn evidence(
    state: &AppState,
    ctx: &Ctx,
    task_id: uuid::Uuid,
    file_id: uuid::Uuid,
) -> AppResult<(crate::files::entity::attachment::Model, Vec<u8>)> {
    let (t, ..) = task_in_scope(state, ctx, task_id).await?;
    let Some(a) = files::find(&state.db.read, file_id).await? else {
        return Err(deny(state, ctx, "attachment", file_id).await);
    };
    let records = repo::records_of(&state.db.read, t.id).await?;
    let owner = match a.owner_kind.as_str() {
        "duty_record" => records.iter().any(|r| r.id == a.owner_id),
        _ => false,
    };
    if !owner {
        return Err(deny(state, ctx, "attachment", file_id).await);
    }
    let bytes = files::load(&state.db.read, &a).await?;
    let ev = Event::new("duty_file.download", "attachment", a.uuid)
        .unit(t.unit_id)
        .detail(serde_json::json!({"name": a.filename}));
    state.audit(&ctx.actor(), ev).await?;
    Ok((a, bytes))
}

// ------------------------------------------------------------------ scores

/// Fold the counted rows into each owner's per-item tallies, with the items' weights.
pub async fn tallies_by_owner(
    conn: &impl sea_orm::ConnectionTrait,
    rows: &[repo::TallyRow],
) -> AppResult<HashMap<i64, Vec<domain::Tally>>> {
    let item_ids: Vec<i64> = rows.iter().map(|r| r.item_id).collect::<HashSet<_>>().into_iter().collect();
    let items = repo::items_by_ids(conn, &item_ids).await?;
    let mut by_owner: HashMap<i64, BTreeMap<i64, domain::Tally>> = HashMap::new();
    for r in rows {
        let weight = items.get(&r.item_id).map(|i| i.weight).unwrap_or(1);
        let t = by_owner.entry(r.owner).or_default().entry(r.item_id).or_insert_with(|| domain::Tally {
            item_id: r.item_id,
            weight,
            ..Default::default()
        });
        let status = TaskStatus::parse(&r.status).unwrap_or(TaskStatus::Open);
        t.add(status, Some(i32::from(r.late)), r.rating.and_then(Rating::from_level), r.n as u32);
    }
    Ok(by_owner.into_iter().map(|(o, m)| (o, m.into_values().collect())).collect())
}

/// One ranked unit or leader.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ranked {
    pub rank: usize,
    pub owner_id: i64,
    /// Unit name, or the leader's name and unit.
    pub name: String,
    pub uuid: uuid::Uuid,
    pub score: domain::Score,
}

/// Scores of the units (or leaders) in scope for a year, ranked (best first; nothing due yet last).
pub async fn ranking(state: &AppState, ctx: &Ctx, year: i32, leaders: bool) -> AppResult<Vec<Ranked>> {
    let db = &state.db.read;
    let scope = crate::authz::repo::settle_scope(db, &ctx.scope(Perm::DutyView)).await?;
    let w = weights(state).await?;
    let rows = repo::tallies(db, &scope, year, leaders, None, ctx.today).await?;
    let owners = repo::owners(db, &scope, year, leaders).await?;
    let mut by_owner = tallies_by_owner(db, &rows).await?;
    let names: HashMap<i64, (String, uuid::Uuid)> = if leaders {
        let people = crate::features::rectify::repo::people_by_id(db, owners.iter().copied()).await?;
        let units: HashMap<i64, String> =
            org_repo::units_by_ids(db, &people.values().map(|p| p.unit_id).collect::<Vec<_>>())
                .await?
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect();
        people
            .into_values()
            .map(|p| {
                let unit = units.get(&p.unit_id).cloned().unwrap_or_default();
                (p.id, (format!("{}（{}）", p.name, unit), p.uuid))
            })
            .collect()
    } else {
        org_repo::units_by_ids(db, &owners).await?.into_iter().map(|u| (u.id, (u.name, u.uuid))).collect()
    };
    let mut out: Vec<Ranked> = owners
        .into_iter()
        .map(|o| {
            let tallies = by_owner.remove(&o).unwrap_or_default();
            let (name, uuid) = names.get(&o).cloned().unwrap_or_default();
            Ranked { rank: 0, owner_id: o, name, uuid, score: domain::score(&tallies, w) }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total
            .unwrap_or(-1.0)
            .partial_cmp(&a.score.total.unwrap_or(-1.0))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut rank = 0;
    let mut last: Option<Option<f64>> = None;
    for (n, r) in out.iter_mut().enumerate() {
        if last != Some(r.score.total) {
            rank = n + 1;
            last = Some(r.score.total);
        }
        r.rank = rank;
    }
    Ok(out)
}

// ------------------------------------------------------------------ 述职述廉

/// Raw fields of a 述职述廉 report.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub year: Option<String>,
    pub title: String,
    pub body: String,
    /// `1`/true: submit now (otherwise saved as a draft).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub submit: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

/// Save (and optionally submit) the caller's own report for a year. A submitted report is final.
pub async fn save_report(
    state: &AppState,
    ctx: &Ctx,
    input: &ReportInput,
    attachments: Vec<files::Checked>,
) -> AppResult<report::Model> {
    let person_id = me(ctx).ok_or_else(|| AppError::forbidden(Msg::new("duty.no_person")))?;
    let person = org_repo::find_person(&state.db.read, person_id).await?.ok_or(AppError::NotFound)?;
    let year = match input.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => ctx.today.year(),
        Some(s) => {
            crate::fields::int("year", "duty.year", s, i64::from(ctx.today.year() - 1), i64::from(ctx.today.year()))?
                as i32
        }
    };
    let title = crate::fields::text("title", "duty.report_title", &input.title, 200)?;
    let body = crate::fields::long_text("body", "duty.report_body", &input.body, 50_000, true)?;
    let submit = crate::fields::boolean(input.submit.as_deref());
    let old = repo::report_of(&state.db.read, year, person_id).await?;
    if old.as_ref().is_some_and(|r| r.status == "submitted") {
        return Err(AppError::conflict(None, "duty.report_submitted"));
    }
    let status = if submit { "submitted" } else { "draft" };
    let txn = state.db.begin().await?;
    let r = match &old {
        None => report::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            year: Set(year),
            person_id: Set(person_id),
            unit_id: Set(person.unit_id),
            title: Set(title.clone()),
            body: Set(body.clone()),
            status: Set(status.into()),
            submitted_at: Set(submit.then_some(ctx.now)),
            created_by: Set(user_id(ctx)),
            version: Set(1),
            created_at: Set(ctx.now),
            updated_at: Set(ctx.now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| crate::error::on_unique(e, "year", "error.stale_version"))?,
        Some(o) => {
            let version = crate::features::org::domain::parse_version(input.version.as_deref())?.unwrap_or(o.version);
            let n = report::Entity::update_many()
                .col_expr(report::Column::Title, title.clone().into())
                .col_expr(report::Column::Body, body.clone().into())
                .col_expr(report::Column::Status, status.into())
                .col_expr(report::Column::SubmittedAt, submit.then_some(ctx.now).into())
                .col_expr(report::Column::Version, (version + 1).into())
                .col_expr(report::Column::UpdatedAt, ctx.now.into())
                .filter(sea_orm::ColumnTrait::eq(&report::Column::Id, o.id))
                .filter(sea_orm::ColumnTrait::eq(&report::Column::Version, version))
                .filter(sea_orm::ColumnTrait::eq(&report::Column::Status, "draft"))
                .exec(&txn)
                .await?;
            if n.rows_affected != 1 {
                return Err(stale());
            }
            report::Entity::find_by_id(o.id).one(&txn).await?.ok_or(AppError::NotFound)?
        }
    };
    let stored = files::store(&txn, "duty_report", r.id, &attachments, user_id(ctx), ctx.now).await?;
    let detail = serde_json::json!({"year": year, "title": title, "status": status, "chars": body.chars().count(),
        "files": stored.iter().map(|f| serde_json::json!({"name": f.filename, "sm3": f.sm3})).collect::<Vec<_>>()});
    let ev = Event::new(if submit { "duty_report.submit" } else { "duty_report.save" }, "duty_report", r.uuid)
        .unit(person.unit_id)
        .detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(r)
}

/// A report the caller may read: their own, or a submitted one of a person in scope.
pub async fn report_in_scope(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
) -> AppResult<(report::Model, person::Model, unit::Model)> {
    let db = &state.db.read;
    let r = repo::find_report_by_uuid(db, id).await?.ok_or(AppError::NotFound)?;
    let p = org_repo::find_person(db, r.person_id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(db, r.unit_id).await?.ok_or(AppError::NotFound)?;
    let own = Some(r.person_id) == me(ctx);
    let readable = own || (r.status == "submitted" && ctx.scope(Perm::DutyView).contains(&u.path));
    if !readable {
        return Err(deny(state, ctx, "duty_report", id).await);
    }
    Ok((r, p, u))
}

/// Who owes a report for a year in scope: leading cadres and every unit's principal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Expected {
    pub person: uuid::Uuid,
    pub name: String,
    pub unit: String,
    pub position: String,
    pub principal: bool,
    /// none / draft / submitted
    pub status: String,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub report: Option<uuid::Uuid>,
}

pub async fn collection(state: &AppState, ctx: &Ctx, year: i32) -> AppResult<Vec<Expected>> {
    let db = &state.db.read;
    let scope = ctx.scope(Perm::DutyView);
    let units = org_repo::list_units(db, &scope).await?;
    let principals: HashSet<i64> = units.iter().filter_map(|u| u.principal_person_id).collect();
    let by_unit: HashMap<i64, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    // Leading cadres, principals, and anyone in scope who reported anyway (chosen in the
    // database: a province has 60,000 people and a few thousand of these).
    let reported: HashSet<i64> =
        repo::reports_in_scope(db, &scope, year).await?.into_iter().map(|r| r.person_id).collect();
    let also: Vec<i64> = principals.iter().chain(reported.iter()).copied().collect();
    let people = repo::report_candidates(db, &scope, &also).await?;
    let mut chosen: Vec<&person::Model> = people.iter().collect();
    chosen.sort_by(|a, b| {
        let pa = by_unit.get(&a.unit_id).map(|u| u.path.as_str()).unwrap_or("");
        let pb = by_unit.get(&b.unit_id).map(|u| u.path.as_str()).unwrap_or("");
        pa.cmp(pb).then(principals.contains(&b.id).cmp(&principals.contains(&a.id))).then(a.id.cmp(&b.id))
    });
    let reports = repo::reports_for(db, year, &chosen.iter().map(|p| p.id).collect::<Vec<_>>()).await?;
    Ok(chosen
        .into_iter()
        .map(|p| {
            let r = reports.get(&p.id);
            Expected {
                person: p.uuid,
                name: p.name.clone(),
                unit: by_unit.get(&p.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
                position: p.position.clone(),
                principal: principals.contains(&p.id),
                status: r.map(|r| r.status.clone()).unwrap_or_else(|| "none".into()),
                submitted_at: r.and_then(|r| r.submitted_at),
                report: r.map(|r| r.uuid),
            }
        })
        .collect())
}

// ------------------------------------------------------------------ 联系点

/// Raw fields of a contact-unit assignment.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub year: Option<String>,
    /// The leader (person UUID).
    pub leader: String,
    /// The contact unit (UUID).
    pub unit: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

pub async fn add_contact(state: &AppState, ctx: &Ctx, input: &ContactInput) -> AppResult<contact::Model> {
    let db = &state.db.read;
    let manage = ctx.scope(Perm::DutyManage);
    let year = match input.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => ctx.today.year(),
        Some(s) => crate::fields::int(
            "year",
            "duty.year",
            s,
            i64::from(ctx.today.year() - 1),
            i64::from(ctx.today.year() + 1),
        )? as i32,
    };
    let pid = crate::fields::uuid("leader", "duty.leader", &input.leader, "duty.not_found_ref")?;
    let p = org_repo::find_person_by_uuid(db, pid)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| AppError::invalid("leader", "duty.leader", "duty.not_found_ref"))?;
    let pu = org_repo::find_unit(db, p.unit_id).await?.ok_or(AppError::NotFound)?;
    if !manage.contains(&pu.path) {
        return Err(AppError::invalid("leader", "duty.leader", "duty.not_found_ref"));
    }
    let uid = crate::fields::uuid("unit", "duty.contact_unit", &input.unit, "duty.not_found_ref")?;
    let u = org_repo::find_unit_by_uuid(db, uid)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| AppError::invalid("unit", "duty.contact_unit", "duty.not_found_ref"))?;
    if !manage.contains(&u.path) {
        return Err(AppError::invalid(
            "unit",
            "duty.contact_unit",
            Msg::new("duty.target_outside").arg("unit", &u.name).arg("publisher", &pu.name),
        ));
    }
    if repo::find_contact(db, year, p.id, u.id).await?.is_some() {
        return Err(AppError::invalid("unit", "duty.contact_unit", "duty.contact_exists"));
    }
    let txn = state.db.begin().await?;
    let c = contact::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        year: Set(year),
        person_id: Set(p.id),
        unit_id: Set(u.id),
        created_by: Set(user_id(ctx)),
        created_at: Set(ctx.now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| crate::error::on_unique(e, "unit", "duty.contact_exists"))?;
    let ev = Event::new("duty_contact.create", "duty_contact", c.uuid)
        .unit(u.id)
        .detail(serde_json::json!({"year": year, "leader": p.id, "unit": u.id}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(c)
}

/// A contact the caller may see (the leader, or units in scope), with whether they may log visits.
pub async fn contact_in_scope(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
) -> AppResult<(contact::Model, unit::Model, bool)> {
    let db = &state.db.read;
    let c = repo::find_contact_by_uuid(db, id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(db, c.unit_id).await?.ok_or(AppError::NotFound)?;
    let own = Some(c.person_id) == me(ctx);
    if !own && !ctx.scope(Perm::DutyView).contains(&u.path) {
        return Err(deny(state, ctx, "duty_contact", id).await);
    }
    Ok((c.clone(), u.clone(), own || ctx.scope(Perm::DutyManage).contains(&u.path)))
}

/// Raw fields of a visit.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct VisitInput {
    pub visited_on: String,
    pub content: String,
    /// Problems found (one per line).
    #[serde(default)]
    pub problems: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

pub async fn add_visit(
    state: &AppState,
    ctx: &Ctx,
    contact_id: uuid::Uuid,
    input: &VisitInput,
) -> AppResult<visit::Model> {
    let (c, u, can) = contact_in_scope(state, ctx, contact_id).await?;
    if !can {
        return Err(forbid());
    }
    let visited_on = crate::fields::date("visited_on", "duty.visited_on", &input.visited_on)?;
    if visited_on > ctx.today {
        return Err(AppError::invalid("visited_on", "duty.visited_on", "duty.done_in_future"));
    }
    let content = crate::fields::long_text("content", "duty.visit_content", &input.content, 4000, true)?;
    let problems = crate::fields::long_text("problems", "duty.visit_problems", &input.problems, 4000, false)?;
    let txn = state.db.begin().await?;
    let v = visit::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        contact_id: Set(c.id),
        visited_on: Set(visited_on),
        content: Set(content.clone()),
        problems: Set(problems.clone()),
        rect_problem_id: Set(None),
        created_by: Set(user_id(ctx)),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let ev = Event::new("duty_visit.create", "duty_visit", v.uuid)
        .unit(u.id)
        .detail(serde_json::json!({"visited_on": visited_on, "content": content, "problems": problems}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(v)
}

/// Sending a visit's problem to the rectification ledger: who fixes it and by when.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ToRectInput {
    /// The problem as it goes into the ledger (default: the visit's problems).
    #[serde(default)]
    pub description: String,
    /// 责任人 in the visited unit (person UUID).
    pub owner: String,
    /// YYYY-MM-DD
    pub due_on: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

/// One step from a visit to the 整改台账: the problem lands in the year's batch of 联系点 findings
/// (source 上级督导), in the visited unit, with the contact leader as 责任领导.
pub async fn visit_to_rect(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    input: &ToRectInput,
) -> AppResult<crate::features::rectify::entity::problem::Model> {
    use crate::features::rectify::{
        domain::{Kind, Source},
        entity::{batch, batch_unit},
        repo as rect_repo,
    };
    let db = &state.db.read;
    let v = repo::find_visit_by_uuid(db, id).await?.ok_or(AppError::NotFound)?;
    let c = contact::Entity::find_by_id(v.contact_id).one(db).await?.ok_or(AppError::NotFound)?;
    let (c, u, _) = contact_in_scope(state, ctx, c.uuid).await?;
    // The contact leader reports what they found; otherwise only a 整改台账 manager of the unit.
    if Some(c.person_id) != me(ctx) && !ctx.scope(Perm::RectManage).contains(&u.path) {
        return Err(forbid());
    }
    if v.rect_problem_id.is_some() {
        return Err(AppError::conflict(None, "duty.already_sent"));
    }
    let raw = if input.description.trim().is_empty() { v.problems.clone() } else { input.description.clone() };
    let description = crate::fields::long_text("description", "rect.description", &raw, 2000, true)?;
    let due_on = crate::fields::date("due_on", "rect.due_on", &input.due_on)?;
    if due_on < v.visited_on {
        return Err(AppError::invalid("due_on", "rect.due_on", "rect.due_before_feedback"));
    }
    let oid = crate::fields::uuid("owner", "rect.owner", &input.owner, "duty.not_found_ref")?;
    let owner = org_repo::find_person_by_uuid(db, oid)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| AppError::invalid("owner", "rect.owner", "duty.not_found_ref"))?;
    let ou = org_repo::find_unit(db, owner.unit_id).await?.ok_or(AppError::NotFound)?;
    if !ou.path.starts_with(&u.path) {
        return Err(AppError::invalid("owner", "rect.owner", Msg::new("rect.owner_not_in_unit").arg("unit", &u.name)));
    }
    let leader = org_repo::find_person(db, c.person_id).await?.ok_or(AppError::NotFound)?;
    // One batch per year and per leaders' unit (a county's leaders have their own).
    let leader_unit = org_repo::find_unit(db, leader.unit_id).await?.ok_or(AppError::NotFound)?;
    let title = format!("{}年{}领导干部联系点调研发现问题", c.year, leader_unit.name);
    let txn = state.db.begin().await?;
    crate::db::serialize(&txn, "rect_batch_contact").await?;
    let b = match batch::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(&batch::Column::Title, title.clone()))
        .filter(sea_orm::ColumnTrait::eq(&batch::Column::Source, Source::Supervision.code()))
        .filter(sea_orm::ColumnTrait::is_null(&batch::Column::DeletedAt))
        .one(&txn)
        .await?
    {
        Some(b) => b,
        None => {
            let new = crate::features::rectify::domain::NewBatch {
                title: title.clone(),
                source: Source::Supervision,
                issuer: "领导干部联系点".into(),
                feedback_on: NaiveDate::from_ymd_opt(c.year, 1, 1).unwrap_or(v.visited_on),
                report_due_on: NaiveDate::from_ymd_opt(c.year, 12, 31).unwrap_or(v.visited_on),
                notes: String::new(),
                units: Vec::new(),
            };
            let b = rect_repo::insert_batch(&txn, &new, &[], user_id(ctx), ctx.now).await?;
            let ev = Event::new("rect_batch.create", "rect_batch", b.uuid)
                .detail(serde_json::json!({"via": "duty_visit", "title": b.title, "source": b.source}));
            audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
            b
        }
    };
    let has_unit = batch_unit::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(&batch_unit::Column::BatchId, b.id))
        .filter(sea_orm::ColumnTrait::eq(&batch_unit::Column::UnitId, u.id))
        .one(&txn)
        .await?
        .is_some();
    if !has_unit {
        batch_unit::ActiveModel { batch_id: Set(b.id), unit_id: Set(u.id), ..Default::default() }.insert(&txn).await?;
        let ev = Event::new("rect_batch.update", "rect_batch", b.uuid)
            .unit(u.id)
            .detail(serde_json::json!({"via": "duty_visit", "unit_added": u.id}));
        audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    }
    let resolved = rect_repo::ResolvedProblem {
        description,
        kind: Kind::Deadline,
        unit_id: u.id,
        owner_id: owner.id,
        leader_id: Some(leader.id),
        due_on,
        measures: String::new(),
        risk_ids: Vec::new(),
        person_ids: Vec::new(),
    };
    let text = format!("来自{}的联系点走访（{}）", leader.name, v.visited_on);
    let origin = serde_json::json!({"from_visit": v.uuid});
    let p =
        crate::features::rectify::service::insert_problem_in(&txn, state, ctx, &b, &resolved, &text, origin).await?;
    let n = visit::Entity::update_many()
        .col_expr(visit::Column::RectProblemId, Some(p.id).into())
        .col_expr(visit::Column::UpdatedAt, ctx.now.into())
        .filter(sea_orm::ColumnTrait::eq(&visit::Column::Id, v.id))
        .filter(sea_orm::ColumnTrait::is_null(&visit::Column::RectProblemId))
        .exec(&txn)
        .await?;
    if n.rows_affected != 1 {
        return Err(AppError::conflict(None, "duty.already_sent"));
    }
    txn.commit().await?;
    Ok(p)
}
