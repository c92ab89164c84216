//! 整改台账 use cases: who may do what, one transaction per change, the problem's history and the
//! audit record written inside it.
//!
//! Who: a problem is seen by those whose 整改台账 scope holds its unit, and by its 责任人 and
//! 责任领导 wherever they sit. Progress and the self-assessment come from the unit's liaisons
//! and leaders or from the owner and leader themselves; verification (销号, 退回, 回头看) from
//! the discipline group or the party-group office, never from the owner or the submitter.

use chrono::NaiveDate;
use sea_orm::EntityTrait;
use serde::Serialize;

use super::{
    domain::{Action, BatchInput, Facts, NewBatch, NewProblem, ProblemInput, Status, action_text, transition},
    entity::{batch, problem},
    repo::{self, Change, ResolvedProblem, Visibility},
};
use crate::{
    audit::{self, Event},
    authz::Perm,
    error::{AppError, AppResult},
    features::{
        org::{
            entity::{person, unit},
            repo as org_repo,
            service::deny,
        },
        risk::repo as risk_repo,
    },
    files,
    i18n::Msg,
    startup::AppState,
    web::Ctx,
};

/// What the caller sees of the ledger.
pub fn visibility(ctx: &Ctx) -> Visibility {
    Visibility { scope: ctx.scope(Perm::RectView), person: me(ctx) }
}

fn me(ctx: &Ctx) -> Option<i64> {
    ctx.principal.as_ref().and_then(|p| p.person_id).map(|p| p.0)
}

/// A batch the caller may see, else 404 (audited).
pub async fn batch_in_scope(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<batch::Model> {
    let b = repo::find_batch_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    if !repo::batch_visible(&state.db.read, &visibility(ctx), b.id).await? {
        return Err(deny(state, ctx, "rect_batch", id).await);
    }
    Ok(b)
}

/// A problem the caller may see, with its unit and batch; else 404 (audited).
pub async fn problem_in_scope(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
) -> AppResult<(problem::Model, unit::Model, batch::Model)> {
    let p = repo::find_problem_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(AppError::NotFound)?;
    let mine = me(ctx).is_some_and(|m| m == p.owner_person_id || Some(m) == p.leader_person_id);
    if !mine && !ctx.scope(Perm::RectView).contains(&u.path) {
        return Err(deny(state, ctx, "rect_problem", id).await);
    }
    let b = repo::find_batch(&state.db.read, p.batch_id).await?.ok_or(AppError::NotFound)?;
    Ok((p, u, b))
}

/// Which actions the caller may take on a visible problem (the page shows only these).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Abilities {
    pub edit: bool,
    pub progress: bool,
    pub verify: bool,
}

pub fn abilities(ctx: &Ctx, p: &problem::Model, u: &unit::Model) -> Abilities {
    let mine = me(ctx).is_some_and(|m| m == p.owner_person_id || Some(m) == p.leader_person_id);
    Abilities {
        edit: ctx.scope(Perm::RectManage).contains(&u.path),
        progress: mine || ctx.scope(Perm::RectProgress).contains(&u.path),
        verify: ctx.scope(Perm::RectVerify).contains(&u.path),
    }
}

fn forbid() -> AppError {
    AppError::forbidden(Msg::new("rect.not_allowed"))
}

fn user_id(ctx: &Ctx) -> Option<i64> {
    ctx.principal.as_ref().map(|p| p.user_id.0)
}

// ------------------------------------------------------------------ batches

/// Resolve and check the batch's units: each must lie in the caller's 整改台账 management scope.
async fn batch_unit_ids(state: &AppState, ctx: &Ctx, b: &NewBatch) -> AppResult<Vec<i64>> {
    let scope = ctx.scope(Perm::RectManage);
    let mut ids = Vec::new();
    for id in &b.units {
        let u = org_repo::find_unit_by_uuid(&state.db.read, *id)
            .await?
            .filter(|u| u.deleted_at.is_none() && scope.contains(&u.path))
            .ok_or_else(|| AppError::invalid("units", "rect.units", "org.unit_not_found"))?;
        ids.push(u.id);
    }
    Ok(ids)
}

#[derive(Serialize)]
struct BatchAudit<'a> {
    title: &'a str,
    source: &'a str,
    issuer: &'a str,
    feedback_on: NaiveDate,
    report_due_on: NaiveDate,
    notes: &'a str,
}

impl<'a> From<&'a batch::Model> for BatchAudit<'a> {
    fn from(b: &'a batch::Model) -> Self {
        BatchAudit {
            title: &b.title,
            source: &b.source,
            issuer: &b.issuer,
            feedback_on: b.feedback_on,
            report_due_on: b.report_due_on,
            notes: &b.notes,
        }
    }
}

pub async fn create_batch(state: &AppState, ctx: &Ctx, input: &BatchInput) -> AppResult<batch::Model> {
    let new = NewBatch::parse(input)?;
    let unit_ids = batch_unit_ids(state, ctx, &new).await?;
    let txn = state.db.begin().await?;
    let b = repo::insert_batch(&txn, &new, &unit_ids, user_id(ctx), ctx.now).await?;
    let mut detail = audit::snapshot("after", &BatchAudit::from(&b));
    detail["units"] = serde_json::json!(unit_ids);
    let ev = Event::new("rect_batch.create", "rect_batch", b.uuid).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(b)
}

pub async fn update_batch(state: &AppState, ctx: &Ctx, id: uuid::Uuid, input: &BatchInput) -> AppResult<batch::Model> {
    let old = batch_in_scope(state, ctx, id).await?;
    let old_units = repo::batch_units(&state.db.read, old.id).await?;
    let scope = ctx.scope(Perm::RectManage);
    if !old_units.iter().all(|u| scope.contains(&u.path)) {
        return Err(forbid());
    }
    let new = NewBatch::parse(input)?;
    let unit_ids = batch_unit_ids(state, ctx, &new).await?;
    let version = crate::features::org::domain::parse_version(input.version.as_deref())?.unwrap_or(old.version);
    let txn = state.db.begin().await?;
    repo::update_batch(&txn, old.id, &new, &unit_ids, version, ctx.now).await?;
    let after = repo::find_batch(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let mut detail = audit::diff(&BatchAudit::from(&old), &BatchAudit::from(&after));
    detail["units"] = serde_json::json!(unit_ids);
    let ev = Event::new("rect_batch.update", "rect_batch", after.uuid).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

// ------------------------------------------------------------------ problems

/// Resolve a problem's references against the batch and the caller's scope. Errors name the
/// field: the unit must be one of the batch's units (or below) and in the caller's management
/// scope; the owner must work in that unit (or below); the leader in it or above it; linked
/// risk points must belong to the unit's subtree; people concerned must be in the caller's view.
pub async fn resolve_problem(
    state: &AppState,
    ctx: &Ctx,
    b: &batch::Model,
    new: &NewProblem,
) -> AppResult<ResolvedProblem> {
    let db = &state.db.read;
    let scope = ctx.scope(Perm::RectManage);
    let u = org_repo::find_unit_by_uuid(db, new.unit)
        .await?
        .filter(|u| u.deleted_at.is_none() && scope.contains(&u.path))
        .ok_or_else(|| AppError::invalid("unit", "rect.unit", "org.unit_not_found"))?;
    let batch_units = repo::batch_units(db, b.id).await?;
    if !batch_units.iter().any(|bu| u.path.starts_with(&bu.path)) {
        return Err(AppError::invalid("unit", "rect.unit", "rect.unit_not_in_batch"));
    }
    let person_unit = |p: &person::Model| {
        let id = p.unit_id;
        async move { org_repo::find_unit(db, id).await }
    };
    let owner = org_repo::find_person_by_uuid(db, new.owner)
        .await?
        .ok_or_else(|| AppError::invalid("owner", "rect.owner", "rect.not_found_ref"))?;
    let ou = person_unit(&owner).await?.ok_or(AppError::NotFound)?;
    if !ou.path.starts_with(&u.path) {
        return Err(AppError::invalid("owner", "rect.owner", Msg::new("rect.owner_not_in_unit").arg("unit", &u.name)));
    }
    let leader_id = match new.leader {
        None => None,
        Some(id) => {
            let l = org_repo::find_person_by_uuid(db, id)
                .await?
                .ok_or_else(|| AppError::invalid("leader", "rect.leader", "rect.not_found_ref"))?;
            let lu = person_unit(&l).await?.ok_or(AppError::NotFound)?;
            if !u.path.starts_with(&lu.path) {
                return Err(AppError::invalid("leader", "rect.leader", "rect.leader_not_above"));
            }
            Some(l.id)
        }
    };
    let mut risk_ids = Vec::new();
    for id in &new.risks {
        let r = risk_repo::find_point_by_uuid(db, *id)
            .await?
            .ok_or_else(|| AppError::invalid("risks", "rect.risks", "rect.not_found_ref"))?;
        let ru = org_repo::find_unit(db, r.unit_id).await?.ok_or(AppError::NotFound)?;
        if !ru.path.starts_with(&u.path) {
            return Err(AppError::invalid("risks", "rect.risks", "rect.risk_not_in_unit"));
        }
        risk_ids.push(r.id);
    }
    let view = ctx.scope(Perm::RectView);
    let mut person_ids = Vec::new();
    for id in &new.people {
        let p = org_repo::find_person_by_uuid(db, *id)
            .await?
            .ok_or_else(|| AppError::invalid("people", "rect.people", "rect.not_found_ref"))?;
        let pu = person_unit(&p).await?.ok_or(AppError::NotFound)?;
        if !view.contains(&pu.path) {
            return Err(AppError::invalid("people", "rect.people", "rect.not_found_ref"));
        }
        person_ids.push(p.id);
    }
    Ok(ResolvedProblem {
        description: new.description.clone(),
        kind: new.kind,
        unit_id: u.id,
        owner_id: owner.id,
        leader_id,
        due_on: new.due_on,
        measures: new.measures.clone(),
        risk_ids,
        person_ids,
    })
}

#[derive(Serialize)]
struct ProblemAudit<'a> {
    seq: i32,
    description: &'a str,
    kind: &'a str,
    unit_id: i64,
    owner_person_id: i64,
    leader_person_id: Option<i64>,
    due_on: NaiveDate,
    measures: &'a str,
}

impl<'a> From<&'a problem::Model> for ProblemAudit<'a> {
    fn from(p: &'a problem::Model) -> Self {
        ProblemAudit {
            seq: p.seq,
            description: &p.description,
            kind: &p.kind,
            unit_id: p.unit_id,
            owner_person_id: p.owner_person_id,
            leader_person_id: p.leader_person_id,
            due_on: p.due_on,
            measures: &p.measures,
        }
    }
}

/// A deadline on a day off is kept as given; the page and the API say so.
pub fn holiday_warning(state: &AppState, due: NaiveDate) -> bool {
    !state.calendar().is_working_day(due)
}

pub async fn add_problem(
    state: &AppState,
    ctx: &Ctx,
    b: &batch::Model,
    input: &ProblemInput,
) -> AppResult<problem::Model> {
    let new = NewProblem::parse(input, b.feedback_on)?;
    let r = resolve_problem(state, ctx, b, &new).await?;
    let txn = state.db.begin().await?;
    let p = insert_problem_in(&txn, state, ctx, b, &r, "", serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(p)
}

/// Add a resolved problem to a batch inside the caller's transaction: its 序号 (under the
/// batch's numbering), the "created" step of its history (with `note` and `origin`), the batch's
/// completion, and the audit row (`origin` joins its detail). Other modules that feed the ledger
/// (a 联系点 visit) come through here.
pub async fn insert_problem_in(
    txn: &impl sea_orm::ConnectionTrait,
    state: &AppState,
    ctx: &Ctx,
    b: &batch::Model,
    r: &ResolvedProblem,
    note: &str,
    origin: serde_json::Value,
) -> AppResult<problem::Model> {
    let seq = repo::next_seq(txn, b.id).await?;
    let p = repo::insert_problem(txn, b.id, seq, r, user_id(ctx), ctx.now).await?;
    let status = Status::Open.code();
    repo::insert_event(txn, p.id, "created", "", status, note, origin.clone(), actor(ctx), ctx.now).await?;
    // A new open problem makes a complete batch incomplete again.
    repo::refresh_batch_completion(txn, b.id, ctx.now).await?;
    let mut detail = audit::snapshot("after", &ProblemAudit::from(&p));
    detail["risks"] = serde_json::json!(r.risk_ids);
    detail["people"] = serde_json::json!(r.person_ids);
    if let serde_json::Value::Object(extra) = origin {
        for (k, v) in extra {
            detail[k] = v;
        }
    }
    let ev = Event::new("rect_problem.create", "rect_problem", p.uuid).unit(p.unit_id).detail(detail);
    audit::record(txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    Ok(p)
}

pub async fn update_problem(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    input: &ProblemInput,
) -> AppResult<problem::Model> {
    let (old, u, b) = problem_in_scope(state, ctx, id).await?;
    if !abilities(ctx, &old, &u).edit {
        return Err(forbid());
    }
    if Status::parse(&old.status) == Some(Status::Closed) {
        return Err(AppError::conflict(None, "rect.closed_reopen_first"));
    }
    let new = NewProblem::parse(input, b.feedback_on)?;
    let r = resolve_problem(state, ctx, &b, &new).await?;
    let version = crate::features::org::domain::parse_version(input.version.as_deref())?.unwrap_or(old.version);
    let txn = state.db.begin().await?;
    repo::update_problem(&txn, old.id, &r, version, ctx.now).await?;
    let after = repo::find_problem(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let diff = audit::diff(&ProblemAudit::from(&old), &ProblemAudit::from(&after));
    repo::insert_event(&txn, old.id, "edited", &old.status, &after.status, "", diff.clone(), actor(ctx), ctx.now)
        .await?;
    let ev = Event::new("rect_problem.update", "rect_problem", after.uuid).unit(after.unit_id).detail(diff);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Remove a problem entered by mistake (with a reason). One with reported progress stays: its
/// history is part of the record.
pub async fn delete_problem(state: &AppState, ctx: &Ctx, id: uuid::Uuid, reason: &str) -> AppResult<()> {
    let (p, u, b) = problem_in_scope(state, ctx, id).await?;
    if !abilities(ctx, &p, &u).edit {
        return Err(forbid());
    }
    let reason = action_text("reason", "rect.delete_reason", reason)?;
    if p.progress_count > 0 {
        return Err(AppError::conflict(None, "rect.delete_has_progress"));
    }
    let txn = state.db.begin().await?;
    repo::soft_delete_problem(&txn, &p, ctx.now).await?;
    repo::insert_event(
        &txn,
        p.id,
        "deleted",
        &p.status,
        &p.status,
        &reason,
        serde_json::json!({}),
        actor(ctx),
        ctx.now,
    )
    .await?;
    repo::refresh_batch_completion(&txn, b.id, ctx.now).await?;
    let ev = Event::new("rect_problem.delete", "rect_problem", p.uuid)
        .unit(p.unit_id)
        .detail(serde_json::json!({"reason": reason, "before": ProblemAudit::from(&p)}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

fn actor(ctx: &Ctx) -> (Option<i64>, &str) {
    match &ctx.principal {
        Some(p) => (Some(p.user_id.0), p.display_name.as_str()),
        None => (None, ctx.path.as_str()),
    }
}

/// Carry out a state change: check the rule, update under the version and status read, write
/// the history step (with any evidence) and the audit record, and keep the batch's completion.
async fn act(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    action: Action,
    text: String,
    evidence: Vec<files::Checked>,
) -> AppResult<problem::Model> {
    let (p, u, b) = problem_in_scope(state, ctx, id).await?;
    let can = abilities(ctx, &p, &u);
    let allowed = match action {
        Action::Progress | Action::Submit => can.progress,
        Action::Return | Action::Close | Action::Reopen => can.verify,
    };
    if !allowed {
        return Err(forbid());
    }
    let from = Status::parse(&p.status).unwrap_or(Status::Open);
    let facts = Facts {
        status: from,
        progress_count: p.progress_count,
        actor_is_owner: me(ctx) == Some(p.owner_person_id),
        actor_submitted: p.submitted_by.is_some() && p.submitted_by == user_id(ctx),
    };
    let to = transition(action, facts)?;
    let by = user_id(ctx).ok_or(AppError::Unauthenticated)?;
    let change = match action {
        Action::Progress => Change { to: Some(to), progress: Some(text.clone()), ..Default::default() },
        Action::Submit => Change { to: Some(to), assessment: Some((text.clone(), by)), ..Default::default() },
        Action::Return => Change { to: Some(to), ..Default::default() },
        Action::Close => Change { to: Some(to), closed: Some((ctx.today, by, text.clone())), ..Default::default() },
        Action::Reopen => Change { to: Some(to), reopen: true, ..Default::default() },
    };
    let txn = state.db.begin().await?;
    repo::change_state(&txn, &p, from, &change, ctx.now).await?;
    let step = repo::insert_event(
        &txn,
        p.id,
        action.code(),
        from.code(),
        to.code(),
        &text,
        serde_json::json!({}),
        actor(ctx),
        ctx.now,
    )
    .await?;
    let stored = files::store(&txn, "rect_event", step.id, &evidence, Some(by), ctx.now).await?;
    let completion = match action {
        Action::Close | Action::Reopen => repo::refresh_batch_completion(&txn, b.id, ctx.now).await?,
        _ => None,
    };
    let mut events = vec![Event::new(
        match action {
            Action::Progress => "rect_problem.progress",
            Action::Submit => "rect_problem.submit",
            Action::Return => "rect_problem.return",
            Action::Close => "rect_problem.close",
            Action::Reopen => "rect_problem.reopen",
        },
        "rect_problem",
        p.uuid,
    )
    .unit(p.unit_id)
    .detail(serde_json::json!({
        "from": from.code(),
        "to": to.code(),
        "text": text,
        "files": stored.iter().map(|a| serde_json::json!({"id": a.uuid, "name": a.filename, "size": a.size, "sm3": a.sm3})).collect::<Vec<_>>(),
    }))];
    if let Some(done) = completion {
        events.push(Event::new(if done { "rect_batch.complete" } else { "rect_batch.reopened" }, "rect_batch", b.uuid));
    }
    audit::record_batch(&txn, state.crypto.as_ref(), &ctx.actor(), events, ctx.now).await?;
    txn.commit().await?;
    repo::find_problem(&state.db.write, p.id).await?.ok_or(AppError::NotFound)
}

pub async fn progress(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    text: &str,
    evidence: Vec<files::Checked>,
) -> AppResult<problem::Model> {
    let text = action_text("text", "rect.progress_text", text)?;
    act(state, ctx, id, Action::Progress, text, evidence).await
}

pub async fn submit(state: &AppState, ctx: &Ctx, id: uuid::Uuid, text: &str) -> AppResult<problem::Model> {
    let text = action_text("text", "rect.assessment", text)?;
    act(state, ctx, id, Action::Submit, text, Vec::new()).await
}

pub async fn return_back(state: &AppState, ctx: &Ctx, id: uuid::Uuid, text: &str) -> AppResult<problem::Model> {
    let text = action_text("text", "rect.return_reason", text)?;
    act(state, ctx, id, Action::Return, text, Vec::new()).await
}

pub async fn close(state: &AppState, ctx: &Ctx, id: uuid::Uuid, text: &str) -> AppResult<problem::Model> {
    let text = action_text("text", "rect.conclusion", text)?;
    act(state, ctx, id, Action::Close, text, Vec::new()).await
}

pub async fn reopen(state: &AppState, ctx: &Ctx, id: uuid::Uuid, text: &str) -> AppResult<problem::Model> {
    let text = action_text("text", "rect.reopen_reason", text)?;
    act(state, ctx, id, Action::Reopen, text, Vec::new()).await
}

/// An evidence file of a visible problem; the download is audited.
pub async fn evidence(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    file: uuid::Uuid,
) -> AppResult<(files::entity::attachment::Model, Vec<u8>)> {
    let (p, _, _) = problem_in_scope(state, ctx, id).await?;
    let a = files::find(&state.db.read, file).await?.ok_or(AppError::NotFound)?;
    let step = if a.owner_kind == "rect_event" {
        super::entity::event::Entity::find_by_id(a.owner_id).one(&state.db.read).await?
    } else {
        None
    };
    if step.is_none_or(|s| s.problem_id != p.id) {
        return Err(deny(state, ctx, "attachment", file).await);
    }
    let bytes = files::load(&state.db.read, &a).await?;
    let ev = Event::new("rect_file.download", "attachment", a.uuid)
        .unit(p.unit_id)
        .detail(serde_json::json!({"problem": p.uuid, "name": a.filename, "sm3": a.sm3}));
    state.audit(&ctx.actor(), ev).await?;
    Ok((a, bytes))
}
