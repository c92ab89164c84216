//! Risk use cases: scope checks, one transaction per change, audit inside it. Measures and
//! reviews are recorded against the risk point's id in the audit log, so the log is also the
//! point's change history.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    domain::{
        CampaignInput, MeasureInput, MeasureStatus, NewCampaign, NewMeasure, NewReview, NewRisk, ReviewInput,
        RiskConfig, RiskInput, RiskLevel, UnitCounts, UnitProgress, check_sign_off, unit_progress,
    },
    entity::{campaign, point},
    repo::{self, Resolved},
};
use crate::{
    audit::{self, Event},
    authz::{Perm, Scope},
    error::{AppError, AppResult},
    features::org::{entity::unit, repo as org_repo, service::deny},
    fields,
    startup::AppState,
    web::Ctx,
};

/// A risk point the caller may see under `perm`, with its unit; else 404 (audited).
pub async fn point_in_scope(
    state: &AppState,
    ctx: &Ctx,
    perm: Perm,
    id: uuid::Uuid,
) -> AppResult<(point::Model, unit::Model)> {
    let p = repo::find_point_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(AppError::NotFound)?;
    if !ctx.scope(perm).contains(&u.path) {
        return Err(deny(state, ctx, "risk", id).await);
    }
    Ok((p, u))
}

/// What the audit log keeps of a risk point.
#[derive(Serialize)]
struct RiskAudit<'a> {
    unit_id: i64,
    post: &'a str,
    title: &'a str,
    description: &'a str,
    category: &'a str,
    area: &'a str,
    likelihood: Option<i16>,
    impact: Option<i16>,
    level: &'a str,
    responsible_person_id: Option<i64>,
    next_review_on: Option<NaiveDate>,
}

impl<'a> From<&'a point::Model> for RiskAudit<'a> {
    fn from(p: &'a point::Model) -> Self {
        RiskAudit {
            unit_id: p.unit_id,
            post: &p.post,
            title: &p.title,
            description: &p.description,
            category: &p.category,
            area: &p.area,
            likelihood: p.likelihood,
            impact: p.impact,
            level: &p.level,
            responsible_person_id: p.responsible_person_id,
            next_review_on: p.next_review_on,
        }
    }
}

/// Resolve the unit (must be in the caller's RiskManage scope) and the responsible person
/// (must exist; any person the caller can see).
async fn resolve<'a>(state: &AppState, ctx: &Ctx, new: &'a NewRisk) -> AppResult<Resolved<'a>> {
    let scope = ctx.scope(Perm::RiskManage);
    let u = org_repo::find_unit_by_uuid(&state.db.read, new.unit)
        .await?
        .filter(|u| scope.contains(&u.path))
        .ok_or_else(|| AppError::invalid("unit", "risk.unit", "org.unit_not_found"))?;
    let responsible_id = match new.responsible {
        None => None,
        Some(pid) => {
            let p = org_repo::find_person_by_uuid(&state.db.read, pid)
                .await?
                .ok_or_else(|| AppError::invalid("responsible", "risk.responsible", "risk.not_found_ref"))?;
            let pu = org_repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(AppError::NotFound)?;
            if !ctx.scope(Perm::OrgView).contains(&pu.path) && !scope.contains(&pu.path) {
                return Err(AppError::invalid("responsible", "risk.responsible", "risk.not_found_ref"));
            }
            Some(p.id)
        }
    };
    Ok(Resolved { new, unit_id: u.id, responsible_id })
}

fn created_on(p: &point::Model) -> NaiveDate {
    crate::clock::beijing_date(p.created_at)
}

pub async fn create_risk(state: &AppState, ctx: &Ctx, input: &RiskInput) -> AppResult<point::Model> {
    let cfg = repo::load_config(&state.db.read).await?;
    let new = NewRisk::parse(input, &cfg)?;
    let r = resolve(state, ctx, &new).await?;
    let next = cfg.next_review(new.level, ctx.today);
    let by = ctx.principal.as_ref().map(|p| p.user_id.0);
    let txn = state.db.begin().await?;
    let p = repo::insert_point(&txn, &r, next, by, ctx.now).await?;
    repo::plan_review(&txn, p.id, next, ctx.now).await?;
    let ev = Event::new("risk.create", "risk", p.uuid)
        .unit(p.unit_id)
        .detail(audit::snapshot("after", &RiskAudit::from(&p)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(p)
}

pub async fn update_risk(state: &AppState, ctx: &Ctx, id: uuid::Uuid, input: &RiskInput) -> AppResult<point::Model> {
    let (old, _) = point_in_scope(state, ctx, Perm::RiskManage, id).await?;
    let cfg = repo::load_config(&state.db.read).await?;
    let new = NewRisk::parse(input, &cfg)?;
    let r = resolve(state, ctx, &new).await?;
    let version = crate::features::org::domain::parse_version(input.version.as_deref())?.unwrap_or(old.version);
    // A new level changes the interval: reschedule from the last review (or creation).
    let next = if old.level != new.level.code() {
        Some(cfg.next_review(new.level, old.last_review_on.unwrap_or_else(|| created_on(&old))))
    } else {
        old.next_review_on
    };
    let txn = state.db.begin().await?;
    repo::update_point(&txn, old.id, &r, next, version, ctx.now).await?;
    if let (Some(n), true) = (next, next != old.next_review_on) {
        repo::plan_review(&txn, old.id, n, ctx.now).await?;
    }
    let after = repo::find_point(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let ev = Event::new("risk.update", "risk", after.uuid)
        .unit(after.unit_id)
        .detail(audit::diff(&RiskAudit::from(&old), &RiskAudit::from(&after)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn delete_risk(state: &AppState, ctx: &Ctx, id: uuid::Uuid, reason: &str) -> AppResult<()> {
    let (p, _) = point_in_scope(state, ctx, Perm::RiskManage, id).await?;
    let reason = fields::long_text("reason", "risk.delete_reason", reason, 500, true)?;
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    repo::soft_delete_point(&txn, p.id, by, &reason, ctx.now).await?;
    let ev = Event::new("risk.delete", "risk", p.uuid)
        .unit(p.unit_id)
        .detail(serde_json::json!({"reason": reason, "before": RiskAudit::from(&p)}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn add_measure(
    state: &AppState,
    ctx: &Ctx,
    risk: uuid::Uuid,
    input: &MeasureInput,
) -> AppResult<super::entity::measure::Model> {
    let (p, _) = point_in_scope(state, ctx, Perm::RiskManage, risk).await?;
    let m = NewMeasure::parse(input, created_on(&p))?;
    let owner = match m.owner {
        None => None,
        Some(o) => Some(
            org_repo::find_person_by_uuid(&state.db.read, o)
                .await?
                .ok_or_else(|| AppError::invalid("owner", "risk.measure_owner", "risk.not_found_ref"))?
                .id,
        ),
    };
    let by = ctx.principal.as_ref().map(|x| x.user_id.0);
    let txn = state.db.begin().await?;
    let row = repo::insert_measure(&txn, p.id, &m, owner, by, ctx.now).await?;
    let ev = Event::new("risk.measure_add", "risk", p.uuid).unit(p.unit_id).detail(serde_json::json!({
        "measure": row.uuid, "content": row.content, "due_date": row.due_date, "status": row.status,
    }));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn set_measure_status(
    state: &AppState,
    ctx: &Ctx,
    risk: uuid::Uuid,
    measure: uuid::Uuid,
    status: &str,
) -> AppResult<()> {
    let (p, _) = point_in_scope(state, ctx, Perm::RiskManage, risk).await?;
    let m = repo::find_measure_by_uuid(&state.db.read, measure)
        .await?
        .filter(|m| m.risk_id == p.id)
        .ok_or(AppError::NotFound)?;
    let status = fields::choice("status", "risk.measure_status", status, MeasureStatus::parse)?;
    let txn = state.db.begin().await?;
    repo::set_measure_status(&txn, m.id, status.code(), ctx.now).await?;
    let ev = Event::new("risk.measure_status", "risk", p.uuid)
        .unit(p.unit_id)
        .detail(serde_json::json!({"measure": m.uuid, "status": {"from": m.status, "to": status.code()}}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

/// Record a review and schedule the next one. Inside an open screening campaign that covers the
/// point's unit, the review counts for the campaign.
pub async fn record_review(
    state: &AppState,
    ctx: &Ctx,
    risk: uuid::Uuid,
    input: &ReviewInput,
) -> AppResult<super::entity::review::Model> {
    let (p, u) = point_in_scope(state, ctx, Perm::RiskManage, risk).await?;
    let r = NewReview::parse(input, ctx.today)?;
    let cfg = repo::load_config(&state.db.read).await?;
    let level = RiskLevel::parse(&p.level).unwrap_or(RiskLevel::High);
    let next = cfg.next_review(level, r.reviewed_on);
    let campaign = repo::open_campaigns_covering(&state.db.read, &u.path).await?.into_iter().next();
    let reviewer = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    let row = repo::complete_review(&txn, &p, &r, reviewer, campaign.as_ref().map(|c| c.id), ctx.now).await?;
    repo::plan_review(&txn, p.id, next, ctx.now).await?;
    repo::set_next_review(&txn, p.id, next).await?;
    let ev = Event::new("risk.review", "risk", p.uuid).unit(p.unit_id).detail(serde_json::json!({
        "reviewed_on": r.reviewed_on, "conclusion": r.conclusion.code(), "measure_changes": r.measure_changes,
        "next_review_on": next, "campaign": campaign.as_ref().map(|c| c.uuid),
    }));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(row)
}

// ------------------------------------------------------------------ campaigns

/// One row of a campaign's progress table.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgressRow {
    pub unit: uuid::Uuid,
    pub unit_name: String,
    pub unit_path: String,
    pub counts: UnitCounts,
    pub status: UnitProgress,
    pub signed_off_at: Option<chrono::DateTime<chrono::Utc>>,
    pub sign_off_note: String,
}

/// The frozen result of a closed campaign.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub closed_on: NaiveDate,
    pub rows: Vec<ProgressRow>,
}

pub async fn create_campaign(state: &AppState, ctx: &Ctx, input: &CampaignInput) -> AppResult<campaign::Model> {
    let new = NewCampaign::parse(input, &state.calendar(), ctx.today)?;
    let scope = ctx.scope(Perm::RiskCampaign);
    let mut ids = Vec::new();
    for u in &new.units {
        let unit = org_repo::find_unit_by_uuid(&state.db.read, *u)
            .await?
            .filter(|x| scope.contains(&x.path))
            .ok_or_else(|| AppError::invalid("units", "campaign.units", "org.unit_not_found"))?;
        ids.push(unit.id);
    }
    let by = ctx.principal.as_ref().map(|p| p.user_id.0);
    let txn = state.db.begin().await?;
    let c = repo::insert_campaign(&txn, &new, &ids, ctx.today, by, ctx.now).await?;
    let ev = Event::new("campaign.create", "campaign", c.uuid)
        .detail(serde_json::json!({"title": c.title, "year": c.year, "deadline": c.deadline, "rule": c.deadline_rule, "units": new.units}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(c)
}

/// A campaign the caller may see: it has a unit inside their RiskView scope, or they may run
/// campaigns over its units.
pub async fn campaign_in_scope(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<campaign::Model> {
    let c = repo::find_campaign_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let units = repo::campaign_units(&state.db.read, c.id).await?;
    let view = ctx.scope(Perm::RiskView);
    if !units.iter().any(|(_, u)| view.contains(&u.path)) {
        return Err(deny(state, ctx, "campaign", id).await);
    }
    Ok(c)
}

/// Live progress of each campaign unit the caller can see (subtree counts).
pub async fn live_progress(
    state: &AppState,
    ctx: &Ctx,
    c: &campaign::Model,
    view: &Scope,
) -> AppResult<Vec<ProgressRow>> {
    let units: Vec<_> =
        repo::campaign_units(&state.db.read, c.id).await?.into_iter().filter(|(_, u)| view.contains(&u.path)).collect();
    let scope = Scope::from_paths(units.iter().map(|(_, u)| u.path.clone()));
    let by_unit = repo::progress_by_unit(&state.db.read, c, &scope).await?;
    // Unit id → path for the counted units, so each campaign unit sums its subtree.
    let counted: Vec<i64> = by_unit.keys().copied().collect();
    let mut paths = std::collections::HashMap::new();
    for chunk in counted.chunks(500) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        for u in unit::Entity::find().filter(unit::Column::Id.is_in(chunk.to_vec())).all(&state.db.read).await? {
            paths.insert(u.id, u.path);
        }
    }
    let open = c.status == "open";
    Ok(units
        .into_iter()
        .map(|(cu, u)| {
            let mut counts = UnitCounts::default();
            for (uid, k) in &by_unit {
                if paths.get(uid).is_some_and(|p| p.starts_with(&u.path)) {
                    counts.points += k.points;
                    counts.reviewed += k.reviewed;
                    counts.added += k.added;
                    counts.high_without_measure += k.high_without_measure;
                }
            }
            let status = unit_progress(
                &counts,
                cu.signed_off_at.is_some(),
                c.deadline,
                if open { ctx.today } else { c.deadline },
            );
            ProgressRow {
                unit: u.uuid,
                unit_name: u.name.clone(),
                unit_path: u.path.clone(),
                counts,
                status,
                signed_off_at: cu.signed_off_at,
                sign_off_note: cu.sign_off_note.clone(),
            }
        })
        .collect())
}

/// Progress for display: frozen for closed campaigns, live for open ones.
pub async fn progress(state: &AppState, ctx: &Ctx, c: &campaign::Model) -> AppResult<Vec<ProgressRow>> {
    let view = ctx.scope(Perm::RiskView);
    if let Some(snap) = c.snapshot.as_deref().and_then(|s| serde_json::from_str::<Snapshot>(s).ok()) {
        return Ok(snap.rows.into_iter().filter(|r| view.contains(&r.unit_path)).collect());
    }
    live_progress(state, ctx, c, &view).await
}

pub async fn sign_off(state: &AppState, ctx: &Ctx, id: uuid::Uuid, unit_id: uuid::Uuid, note: &str) -> AppResult<()> {
    let c = campaign_in_scope(state, ctx, id).await?;
    let note = fields::long_text("note", "campaign.sign_off_note", note, 500, false)?;
    let units = repo::campaign_units(&state.db.read, c.id).await?;
    let (cu, u) = units
        .into_iter()
        .find(|(_, u)| u.uuid == unit_id)
        .ok_or_else(|| AppError::invalid("unit", "campaign.unit", "campaign.unit_not_in_campaign"))?;
    if !ctx.scope(Perm::RiskSignOff).contains(&u.path) {
        return Err(deny(state, ctx, "campaign_unit", format!("{id}/{unit_id}")).await);
    }
    if cu.signed_off_at.is_some() {
        return Err(AppError::conflict(None, "campaign.already_signed"));
    }
    let one = Scope::from_paths([u.path.clone()]);
    let row = live_progress(state, ctx, &c, &one).await?.into_iter().next().ok_or(AppError::NotFound)?;
    check_sign_off(&row.counts, c.status == "open")?;
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    // Re-check the campaign inside the transaction: closing may have happened meanwhile.
    let fresh = repo::find_campaign(&txn, c.id).await?.ok_or(AppError::NotFound)?;
    if fresh.status != "open" {
        return Err(AppError::conflict(None, "campaign.closed"));
    }
    repo::sign_off(&txn, cu.id, by, &note, ctx.now).await?;
    let ev = Event::new("campaign.sign_off", "campaign", c.uuid)
        .unit(u.id)
        .detail(serde_json::json!({"unit": u.uuid, "counts": row.counts, "note": note}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn close(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<campaign::Model> {
    let c = campaign_in_scope(state, ctx, id).await?;
    let units = repo::campaign_units(&state.db.read, c.id).await?;
    let scope = ctx.scope(Perm::RiskCampaign);
    if !units.iter().all(|(_, u)| scope.contains(&u.path)) {
        return Err(AppError::forbidden("campaign.close_not_allowed"));
    }
    if c.status != "open" {
        return Err(AppError::conflict(None, "campaign.closed"));
    }
    let all = Scope::from_paths(units.iter().map(|(_, u)| u.path.clone()));
    let rows = live_progress(state, ctx, &c, &all).await?;
    let snap = Snapshot { closed_on: ctx.today, rows };
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    if !repo::close_campaign(&txn, c.id, &serde_json::to_string(&snap).expect("snapshot serialises"), by, ctx.now)
        .await?
    {
        return Err(AppError::conflict(None, "campaign.closed"));
    }
    let signed = snap.rows.iter().filter(|r| r.status == UnitProgress::SignedOff).count();
    let ev = Event::new("campaign.close", "campaign", c.uuid)
        .detail(serde_json::json!({"units": snap.rows.len(), "signed_off": signed}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    repo::find_campaign(&state.db.read, c.id).await?.ok_or(AppError::NotFound)
}

/// Campaigns the caller can see, newest first.
pub async fn visible_campaigns(state: &AppState, ctx: &Ctx) -> AppResult<Vec<(campaign::Model, usize)>> {
    let view = ctx.scope(Perm::RiskView);
    let mut out = Vec::new();
    for c in repo::list_campaigns(&state.db.read).await? {
        let n =
            repo::campaign_units(&state.db.read, c.id).await?.iter().filter(|(_, u)| view.contains(&u.path)).count();
        if n > 0 {
            out.push((c, n));
        }
    }
    Ok(out)
}

/// The module settings, validated and saved with an audited diff.
pub async fn save_config(state: &AppState, ctx: &Ctx, cfg: &RiskConfig) -> AppResult<()> {
    cfg.validate()?;
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    let old = repo::load_config(&txn).await?;
    repo::save_config(&txn, cfg, by, ctx.now).await?;
    audit::record(
        &txn,
        state.crypto.as_ref(),
        &ctx.actor(),
        Event::new("risk.config", "settings", "risk_config").detail(audit::diff(&old, cfg)),
        ctx.now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
