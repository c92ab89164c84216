//! 监督执纪 use cases. These records belong to the 派驻纪检监察组: only its members (the
//! `discipline` role) read them, within their scope, and every read is audited. Leaders see
//! counts for their subtree; the party-group office requests integrity opinions and reads the
//! conclusions, never the records behind them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    domain::{
        Blocker, ClueInput, ClueStatus, Conclusion, DisciplineConfig, DisposalInput, Kind, MeasureFact, MeasureInput,
        NewClue, NewDisposal, NewMeasure, Period, Purpose, active_periods, basis_digest, period_rule, suggest,
    },
    entity::{clue, item, measure, request},
    repo::{self, ResolvedMeasure},
};
use crate::{
    audit::{self, Event},
    authz::{Perm, Scope},
    error::{AppError, AppResult},
    features::inbox::repo::Outgoing,
    features::org::{
        entity::{person, unit},
        repo as org_repo,
        service::deny,
    },
    fields,
    i18n::Msg,
    startup::AppState,
    web::Ctx,
};

const CONFIG_KEY: &str = "discipline_config";

pub async fn load_config(conn: &impl sea_orm::ConnectionTrait) -> Result<DisciplineConfig, sea_orm::DbErr> {
    crate::db::settings_get(conn, CONFIG_KEY).await
}

pub async fn save_config(state: &AppState, ctx: &Ctx, cfg: &DisciplineConfig) -> AppResult<()> {
    cfg.validate()?;
    let old = load_config(&state.db.read).await?;
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    crate::db::settings_set(&txn, CONFIG_KEY, cfg, by, ctx.now).await?;
    let ev = Event::new("discipline.settings", "settings", CONFIG_KEY).detail(audit::diff(&old, cfg));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

fn by(ctx: &Ctx) -> Option<i64> {
    ctx.principal.as_ref().map(|p| p.user_id.0)
}

/// Record a read of a discipline record (every read is audited).
pub async fn audit_read(
    state: &AppState,
    ctx: &Ctx,
    event: &'static str,
    object: &'static str,
    id: impl ToString,
    unit: Option<i64>,
) -> AppResult<()> {
    state.audit(&ctx.actor(), Event::new(event, object, id).unit(unit)).await?;
    Ok(())
}

/// A person the caller may see under `perm` (current unit in scope), with the unit; else 404.
pub async fn person_in_scope(
    state: &AppState,
    ctx: &Ctx,
    perm: Perm,
    id: uuid::Uuid,
) -> AppResult<(person::Model, unit::Model)> {
    let p = org_repo::find_person_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(AppError::NotFound)?;
    if !ctx.scope(perm).contains(&u.path) {
        return Err(deny(state, ctx, "person", id).await);
    }
    Ok((p, u))
}

/// A person named in input: must exist and lie in the caller's scope for `perm`; otherwise a
/// field error (the caller cannot tell "absent" from "outside").
async fn person_field(
    state: &AppState,
    ctx: &Ctx,
    perm: Perm,
    field: &'static str,
    label: &'static str,
    id: uuid::Uuid,
) -> AppResult<(person::Model, unit::Model)> {
    let bad = || AppError::invalid(field, label, "disc.person_out_of_scope");
    let p =
        org_repo::find_person_by_uuid(&state.db.read, id).await?.filter(|p| p.deleted_at.is_none()).ok_or_else(bad)?;
    let u = org_repo::find_unit(&state.db.read, p.unit_id).await?.ok_or_else(bad)?;
    if !ctx.scope(perm).contains(&u.path) {
        return Err(bad());
    }
    Ok((p, u))
}

// ------------------------------------------------------------------ clues

pub async fn clue_in_scope(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<clue::Model> {
    let c = repo::find_clue_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    if !repo::clue_in_scope(&state.db.read, &ctx.scope(Perm::DisciplineView), c.id).await? {
        return Err(deny(state, ctx, "clue", id).await);
    }
    Ok(c)
}

async fn resolve_clue(state: &AppState, ctx: &Ctx, f: &ClueInput) -> AppResult<(NewClue, Vec<(i64, i64)>, NaiveDate)> {
    let cfg = load_config(&state.db.read).await?;
    let new = NewClue::parse(f, ctx.today, cfg.clue_working_days)?;
    let mut people = Vec::new();
    for id in &new.people {
        let (p, u) = person_field(state, ctx, Perm::DisciplineManage, "people", "disc.people", *id).await?;
        people.push((p.id, u.id));
    }
    let deadline = state.calendar().add_working_days(new.received_on, new.working_days as i32);
    Ok((new, people, deadline))
}

#[derive(Serialize)]
struct ClueAudit<'a> {
    code: &'a str,
    source: &'a str,
    summary: &'a str,
    received_on: NaiveDate,
    deadline: NaiveDate,
    disposal: Option<&'a str>,
    disposed_on: Option<NaiveDate>,
    result: &'a str,
    status: &'a str,
}

impl<'a> From<&'a clue::Model> for ClueAudit<'a> {
    fn from(c: &'a clue::Model) -> Self {
        ClueAudit {
            code: &c.code,
            source: &c.source,
            summary: &c.summary,
            received_on: c.received_on,
            deadline: c.deadline,
            disposal: c.disposal.as_deref(),
            disposed_on: c.disposed_on,
            result: &c.result,
            status: &c.status,
        }
    }
}

pub async fn create_clue(state: &AppState, ctx: &Ctx, f: &ClueInput) -> AppResult<clue::Model> {
    use chrono::Datelike;
    let (new, people, deadline) = resolve_clue(state, ctx, f).await?;
    let txn = state.db.begin().await?;
    let code = repo::next_clue_code(&txn, new.received_on.year()).await?;
    let c = repo::insert_clue(&txn, &code, &new, &people, deadline, by(ctx), ctx.now).await?;
    let mut detail = audit::snapshot("after", &ClueAudit::from(&c));
    detail["people"] = serde_json::json!(people.iter().map(|(p, _)| p).collect::<Vec<_>>());
    let ev = Event::new("clue.create", "clue", c.uuid).unit(people.first().map(|(_, u)| *u)).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(c)
}

pub async fn update_clue(state: &AppState, ctx: &Ctx, id: uuid::Uuid, f: &ClueInput) -> AppResult<clue::Model> {
    let old = clue_in_scope(state, ctx, id).await?;
    let (new, people, deadline) = resolve_clue(state, ctx, f).await?;
    let version = crate::features::org::domain::parse_version(f.version.as_deref())?.unwrap_or(old.version);
    let txn = state.db.begin().await?;
    repo::update_clue(&txn, old.id, &new, &people, deadline, version, ctx.now).await?;
    let after = repo::find_clue(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let mut detail = audit::diff(&ClueAudit::from(&old), &ClueAudit::from(&after));
    detail["people"] = serde_json::json!(people.iter().map(|(p, _)| p).collect::<Vec<_>>());
    let ev = Event::new("clue.update", "clue", after.uuid).detail(detail);
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn dispose_clue(state: &AppState, ctx: &Ctx, id: uuid::Uuid, f: &DisposalInput) -> AppResult<clue::Model> {
    let old = clue_in_scope(state, ctx, id).await?;
    if !repo::clue_in_scope(&state.db.read, &ctx.scope(Perm::DisciplineManage), old.id).await? {
        return Err(AppError::forbidden(Msg::new("disc.not_allowed")));
    }
    let d = NewDisposal::parse(f, old.received_on, ctx.today)?;
    let status = ClueStatus::after(Some(d.disposal), !d.result.trim().is_empty());
    let txn = state.db.begin().await?;
    repo::set_disposal(&txn, &old, &d, status, ctx.now).await?;
    let after = repo::find_clue(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let ev = Event::new("clue.dispose", "clue", after.uuid)
        .detail(audit::diff(&ClueAudit::from(&old), &ClueAudit::from(&after)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

// ------------------------------------------------------------------ measures

pub async fn measure_in_scope(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<measure::Model> {
    let m = repo::find_measure_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(&state.db.read, m.unit_id).await?.ok_or(AppError::NotFound)?;
    if !ctx.scope(Perm::DisciplineView).contains(&u.path) {
        return Err(deny(state, ctx, "measure", id).await);
    }
    Ok(m)
}

#[derive(Serialize)]
struct MeasureAudit<'a> {
    person_id: i64,
    unit_id: i64,
    kind: &'a str,
    decided_on: NaiveDate,
    body: &'a str,
    basis: &'a str,
    doc_no: &'a str,
    term_years: Option<i16>,
    clue_id: Option<i64>,
    rule_id: &'a str,
    lifted_on: Option<NaiveDate>,
    lift_reason: &'a str,
}

impl<'a> From<&'a measure::Model> for MeasureAudit<'a> {
    fn from(m: &'a measure::Model) -> Self {
        MeasureAudit {
            person_id: m.person_id,
            unit_id: m.unit_id,
            kind: &m.kind,
            decided_on: m.decided_on,
            body: &m.body,
            basis: &m.basis,
            doc_no: &m.doc_no,
            term_years: m.term_years,
            clue_id: m.clue_id,
            rule_id: &m.rule_id,
            lifted_on: m.lifted_on,
            lift_reason: &m.lift_reason,
        }
    }
}

async fn resolve_measure<'a>(state: &AppState, ctx: &Ctx, new: &'a NewMeasure) -> AppResult<ResolvedMeasure<'a>> {
    let (p, u) = person_field(state, ctx, Perm::DisciplineManage, "person", "disc.person", new.person).await?;
    let clue_id = match new.clue {
        None => None,
        Some(id) => {
            let bad = || AppError::invalid("clue", "disc.clue", "disc.not_found_ref");
            let c = repo::find_clue_by_uuid(&state.db.read, id).await?.ok_or_else(bad)?;
            if !repo::clue_in_scope(&state.db.read, &ctx.scope(Perm::DisciplineManage), c.id).await? {
                return Err(bad());
            }
            Some(c.id)
        }
    };
    let cfg = load_config(&state.db.read).await?;
    let (_, rule) = period_rule(new.kind, new.decided_on, new.term_years, &cfg);
    Ok(ResolvedMeasure { new, person_id: p.id, unit_id: u.id, clue_id, rule_id: rule.id })
}

pub async fn create_measure(state: &AppState, ctx: &Ctx, f: &MeasureInput) -> AppResult<measure::Model> {
    let new = NewMeasure::parse(f, ctx.today)?;
    let r = resolve_measure(state, ctx, &new).await?;
    let txn = state.db.begin().await?;
    let m = repo::insert_measure(&txn, &r, by(ctx), ctx.now).await?;
    let ev = Event::new("measure.create", "measure", m.uuid)
        .unit(m.unit_id)
        .detail(audit::snapshot("after", &MeasureAudit::from(&m)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(m)
}

/// Editing is allowed after an opinion relied on the measure; the opinion then shows that its
/// basis changed (the version it saw is kept in the answer).
pub async fn update_measure(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    f: &MeasureInput,
) -> AppResult<measure::Model> {
    let old = measure_in_scope(state, ctx, id).await?;
    let new = NewMeasure::parse(f, ctx.today)?;
    let r = resolve_measure(state, ctx, &new).await?;
    let version = crate::features::org::domain::parse_version(f.version.as_deref())?.unwrap_or(old.version);
    let txn = state.db.begin().await?;
    repo::update_measure(&txn, old.id, &r, version, ctx.now).await?;
    let after = repo::find_measure(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let ev = Event::new("measure.update", "measure", after.uuid)
        .unit(after.unit_id)
        .detail(audit::diff(&MeasureAudit::from(&old), &MeasureAudit::from(&after)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Raw fields of an early lifting (解除).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftInput {
    /// YYYY-MM-DD: from this day the period no longer applies. Blank withdraws a lifting.
    #[serde(default)]
    pub lifted_on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

pub async fn lift_measure(state: &AppState, ctx: &Ctx, id: uuid::Uuid, f: &LiftInput) -> AppResult<measure::Model> {
    let old = measure_in_scope(state, ctx, id).await?;
    let lifted_on = fields::opt_date("lifted_on", "disc.lifted_on", Some(&f.lifted_on))?;
    let reason = match lifted_on {
        Some(d) => {
            if d <= old.decided_on {
                return Err(AppError::invalid("lifted_on", "disc.lifted_on", "disc.lifted_before_decided"));
            }
            if d > ctx.today {
                return Err(AppError::invalid("lifted_on", "disc.lifted_on", "disc.decided_in_future"));
            }
            fields::long_text("reason", "disc.lift_reason", &f.reason, 1000, true)?
        }
        None => String::new(),
    };
    let txn = state.db.begin().await?;
    repo::set_lifted(&txn, &old, lifted_on, &reason, ctx.now).await?;
    let after = repo::find_measure(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let ev = Event::new("measure.lift", "measure", after.uuid)
        .unit(after.unit_id)
        .detail(audit::diff(&MeasureAudit::from(&old), &MeasureAudit::from(&after)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn delete_measure(state: &AppState, ctx: &Ctx, id: uuid::Uuid, reason: &str) -> AppResult<()> {
    let m = measure_in_scope(state, ctx, id).await?;
    let reason = fields::long_text("reason", "disc.delete_reason", reason, 500, true)?;
    let txn = state.db.begin().await?;
    repo::soft_delete_measure(&txn, &m, &reason, ctx.now).await?;
    let ev = Event::new("measure.delete", "measure", m.uuid)
        .unit(m.unit_id)
        .detail(serde_json::json!({"reason": reason, "before": MeasureAudit::from(&m)}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

pub fn fact(m: &measure::Model) -> Option<MeasureFact> {
    Some(MeasureFact {
        id: m.id,
        kind: Kind::parse(&m.kind)?,
        decided_on: m.decided_on,
        term_years: m.term_years.map(|t| t as u8),
        lifted_on: m.lifted_on,
    })
}

// ------------------------------------------------------------------ a person's standing

/// What an answer relied on: the blockers, and the version of each record behind them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Basis {
    pub records: Vec<(String, i64, i32)>,
}

/// The blockers for a person on a day, with the records (kind, id, version) they come from.
pub async fn blockers(state: &AppState, person_id: i64, on: NaiveDate) -> AppResult<(Vec<Blocker>, Basis)> {
    let cfg = load_config(&state.db.read).await?;
    let measures = repo::measures_of_person(&state.db.read, person_id).await?;
    let facts: Vec<MeasureFact> = measures.iter().filter_map(fact).collect();
    let mut out = Vec::new();
    let mut records = Vec::new();
    for p in active_periods(&facts, on, &cfg) {
        if let Some(m) = measures.iter().find(|m| m.id == p.measure_id) {
            records.push(("measure".to_string(), m.id, m.version));
        }
        out.push(Blocker::Period {
            measure_id: p.measure_id,
            kind: p.kind,
            until: p.until,
            rule_id: p.rule.id,
            source: p.rule.source.clone(),
        });
    }
    for c in repo::clues_of_person(&state.db.read, person_id).await? {
        if c.status != ClueStatus::Concluded.code() && c.received_on <= on {
            records.push(("clue".to_string(), c.id, c.version));
            out.push(Blocker::OpenClue { clue_id: c.id, code: c.code, received_on: c.received_on });
        }
    }
    Ok((out, Basis { records }))
}

/// A person's standing today: in an influence period, with an open clue, or clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Clean,
    InPeriod,
    OpenClue,
}

impl Standing {
    pub fn code(self) -> &'static str {
        match self {
            Standing::Clean => "clean",
            Standing::InPeriod => "in_period",
            Standing::OpenClue => "open_clue",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Standing::Clean => "disc.standing_clean",
            Standing::InPeriod => "disc.standing_period",
            Standing::OpenClue => "disc.standing_clue",
        }
    }

    pub fn of(blockers: &[Blocker]) -> Standing {
        if blockers.iter().any(|b| matches!(b, Blocker::Period { .. })) {
            Standing::InPeriod
        } else if blockers.is_empty() {
            Standing::Clean
        } else {
            Standing::OpenClue
        }
    }
}

/// Every influence period of a person (ended and lifted ones too).
pub async fn person_periods(state: &AppState, person_id: i64) -> AppResult<Vec<Period>> {
    let cfg = load_config(&state.db.read).await?;
    let measures = repo::measures_of_person(&state.db.read, person_id).await?;
    let facts: Vec<MeasureFact> = measures.iter().filter_map(fact).collect();
    Ok(super::domain::periods(&facts, &cfg))
}

// ------------------------------------------------------------------ integrity opinions

/// Raw fields of a request for integrity opinions.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// e.g. 关于征求张三等同志廉政意见的函
    pub title: String,
    /// promotion / award / transfer / reserve
    pub purpose: String,
    /// The request letter's 文号.
    #[serde(default)]
    pub doc_no: String,
    /// People (UUIDs), in the order of the letter.
    pub people: Vec<String>,
    /// YYYY-MM-DD; default: 3 working days from today.
    #[serde(default)]
    pub needed_by: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

pub async fn request_in_scope(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<request::Model> {
    let r = repo::find_request_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let u = org_repo::find_unit(&state.db.read, r.requester_unit_id).await?.ok_or(AppError::NotFound)?;
    if !sees_opinion(ctx, &u) {
        return Err(deny(state, ctx, "opinion", id).await);
    }
    Ok(r)
}

/// The unit a request comes from: the requester's own unit when it lies in their scope, else
/// the unit of their grant.
fn requester_unit(ctx: &Ctx) -> Option<(i64, String)> {
    let p = ctx.principal.as_ref()?;
    p.grants.iter().find(|g| g.role.perms().contains(&Perm::OpinionRequest)).map(|g| (g.unit_id.0, g.unit_path.clone()))
}

pub async fn create_request(state: &AppState, ctx: &Ctx, f: &RequestInput) -> AppResult<request::Model> {
    let title = fields::text("title", "disc.request_title", &f.title, 100)?;
    let purpose = fields::choice("purpose", "disc.purpose", &f.purpose, Purpose::parse)?;
    let doc_no = fields::opt_text("doc_no", "disc.request_doc_no", Some(&f.doc_no), 60)?.unwrap_or_default();
    let cfg = load_config(&state.db.read).await?;
    let needed_by = match fields::opt_date("needed_by", "disc.needed_by", f.needed_by.as_deref())? {
        Some(d) if d < ctx.today => {
            return Err(AppError::invalid("needed_by", "disc.needed_by", "disc.needed_in_past"));
        }
        Some(d) => d,
        None => state.calendar().add_working_days(ctx.today, cfg.opinion_working_days as i32),
    };
    let mut ids = Vec::new();
    for s in f.people.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let id =
            uuid::Uuid::parse_str(s).map_err(|_| AppError::invalid("people", "disc.people", "disc.not_found_ref"))?;
        let (p, _) = person_field(state, ctx, Perm::OpinionRequest, "people", "disc.people", id).await?;
        if !ids.contains(&p.id) {
            ids.push(p.id);
        }
    }
    if ids.is_empty() {
        return Err(AppError::invalid("people", "disc.people", "disc.no_people"));
    }
    if ids.len() > 100 {
        return Err(AppError::invalid("people", "disc.people", Msg::new("error.too_many").arg("max", 100)));
    }
    let (unit_id, _) = requester_unit(ctx).ok_or_else(|| AppError::forbidden(Msg::new("disc.not_allowed")))?;
    let txn = state.db.begin().await?;
    let r = repo::insert_request(
        &txn,
        &title,
        purpose.code(),
        &doc_no,
        ctx.today,
        needed_by,
        unit_id,
        &ids,
        by(ctx),
        ctx.now,
    )
    .await?;
    let ev = Event::new("opinion.request", "opinion", r.uuid).unit(unit_id).detail(serde_json::json!({
        "title": title, "purpose": purpose.code(), "people": ids, "needed_by": needed_by
    }));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    // The discipline group over the requesting unit hears of it in its inbox.
    let unit_path = org_repo::find_unit(&txn, unit_id).await?.map(|u| u.path).unwrap_or_default();
    let notices: Vec<Outgoing> = crate::authz::repo::people_holding(&txn, Perm::OpinionAnswer, &unit_path)
        .await?
        .into_iter()
        .map(|person_id| Outgoing {
            person_id,
            kind: "opinion",
            level: "info",
            msg_key: "notify.opinion_requested".into(),
            args: serde_json::json!({"title": title, "n": ids.len(), "due": needed_by.to_string()}),
            link: format!("/discipline/opinions/{}", r.uuid),
            dedup_key: format!("opinion:{}:requested:{person_id}", r.uuid),
        })
        .collect();
    crate::features::inbox::repo::deliver(&txn, &notices, ctx.now).await?;
    txn.commit().await?;
    Ok(r)
}

/// One person of a request, as the discipline group sees it while answering.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub item: ItemData,
    pub person_uuid: uuid::Uuid,
    pub name: String,
    pub unit: String,
    pub position: String,
    pub blockers: Vec<Blocker>,
    pub suggested: Conclusion,
    /// The records the stored answer relied on changed since (or were removed).
    pub basis_changed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemData {
    pub id: i64,
    pub seq: i32,
    pub conclusion: Option<String>,
    pub suggested: Option<String>,
    pub override_reason: String,
}

impl From<&item::Model> for ItemData {
    fn from(i: &item::Model) -> Self {
        ItemData {
            id: i.id,
            seq: i.seq,
            conclusion: i.conclusion.clone(),
            suggested: i.suggested.clone(),
            override_reason: i.override_reason.clone(),
        }
    }
}

/// The people of a request with their blockers (computed now for an open request, on the
/// answer date for an answered one) and whether the answer's basis changed since.
pub async fn item_views(state: &AppState, r: &request::Model, today: NaiveDate) -> AppResult<Vec<ItemView>> {
    let items = repo::items(&state.db.read, r.id).await?;
    let people = repo::people_by_id(&state.db.read, items.iter().map(|i| i.person_id)).await?;
    let unit_ids: Vec<i64> = people.values().map(|p| p.unit_id).collect();
    let units: std::collections::HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &unit_ids).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let on = r.answered_on.unwrap_or(today);
    let mut out = Vec::new();
    for i in &items {
        let Some(p) = people.get(&i.person_id) else { continue };
        let (blockers, basis) = blockers(state, p.id, on).await?;
        let mut changed = Vec::new();
        if i.conclusion.is_some() {
            let stored: Basis = serde_json::from_str::<serde_json::Value>(&i.basis)
                .ok()
                .and_then(|v| serde_json::from_value(v["records"].clone()).ok().map(|records| Basis { records }))
                .unwrap_or(Basis { records: Vec::new() });
            for (kind, id, version) in &stored.records {
                let now_version = match kind.as_str() {
                    "measure" => repo::find_measure(&state.db.read, *id).await?.map(|m| m.version),
                    _ => repo::find_clue(&state.db.read, *id).await?.map(|c| c.version),
                };
                if now_version != Some(*version) {
                    changed.push(format!("{kind}:{id}"));
                }
            }
            // A record that now blocks but did not then (e.g. a measure back-dated into the period).
            for rec in &basis.records {
                if !stored.records.iter().any(|s| s.0 == rec.0 && s.1 == rec.1) {
                    changed.push(format!("{}:{}", rec.0, rec.1));
                }
            }
        }
        out.push(ItemView {
            item: ItemData::from(i),
            person_uuid: p.uuid,
            name: p.name.clone(),
            unit: units.get(&p.unit_id).cloned().unwrap_or_default(),
            position: p.position.clone(),
            suggested: suggest(&blockers),
            blockers,
            basis_changed: changed,
        });
    }
    Ok(out)
}

/// One person's answer.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerItem {
    /// The person (UUID).
    pub person: String,
    /// no_issue / defer / not_suitable; blank takes the suggestion.
    #[serde(default)]
    pub conclusion: String,
    /// Required when the conclusion differs from the suggestion.
    #[serde(default)]
    pub reason: String,
}

/// The answer to a request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// The reply's 文号, e.g. 清纪组函〔2026〕12号.
    pub reply_doc_no: String,
    pub items: Vec<AnswerItem>,
}

pub async fn answer_request(state: &AppState, ctx: &Ctx, id: uuid::Uuid, f: &AnswerInput) -> AppResult<request::Model> {
    let r = request_in_scope(state, ctx, id).await?;
    let requester = org_repo::find_unit(&state.db.read, r.requester_unit_id).await?.ok_or(AppError::NotFound)?;
    if !ctx.scope(Perm::OpinionAnswer).contains(&requester.path) {
        return Err(AppError::forbidden(Msg::new("disc.not_allowed")));
    }
    if r.status != "open" {
        return Err(AppError::conflict(None, "disc.opinion_already_answered"));
    }
    let reply_doc_no = fields::text("reply_doc_no", "disc.reply_doc_no", &f.reply_doc_no, 60)?;
    let items = repo::items(&state.db.read, r.id).await?;
    let people = repo::people_by_id(&state.db.read, items.iter().map(|i| i.person_id)).await?;
    let view = ctx.scope(Perm::DisciplineView);
    let unit_ids: Vec<i64> = people.values().map(|p| p.unit_id).collect();
    let paths: std::collections::HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &unit_ids).await?.into_iter().map(|u| (u.id, u.path)).collect();
    let mut answers = Vec::new();
    let mut detail = Vec::new();
    for i in &items {
        let p = people.get(&i.person_id).ok_or(AppError::NotFound)?;
        let path = paths.get(&p.unit_id).ok_or(AppError::NotFound)?;
        if !view.contains(path) {
            return Err(AppError::invalid(
                "items",
                "disc.people",
                Msg::new("disc.answer_out_of_scope").arg("name", &p.name),
            ));
        }
        let given = f.items.iter().find(|a| a.person.trim() == p.uuid.to_string());
        let (blockers, basis) = blockers(state, p.id, ctx.today).await?;
        let suggested = suggest(&blockers);
        let conclusion = match given.map(|g| g.conclusion.trim()).filter(|s| !s.is_empty()) {
            None => suggested,
            Some(s) => Conclusion::parse(s).ok_or_else(|| {
                AppError::invalid("items", "disc.conclusion", Msg::new("error.bad_choice").arg("value", s))
            })?,
        };
        let reason = given.map(|g| g.reason.trim().to_string()).unwrap_or_default();
        if conclusion != suggested && reason.is_empty() {
            return Err(AppError::invalid(
                "items",
                "disc.override_reason",
                Msg::new("disc.override_needs_reason").arg("name", &p.name),
            ));
        }
        if reason.chars().count() > 1000 {
            return Err(AppError::invalid(
                "items",
                "disc.override_reason",
                Msg::new("error.too_long").arg("max", 1000),
            ));
        }
        let stored = serde_json::json!({"blockers": blockers, "records": basis.records});
        detail.push(serde_json::json!({
            "person": p.id, "suggested": suggested.code(), "conclusion": conclusion.code(),
            "reason": reason, "blockers": blockers,
        }));
        answers.push((i.id, suggested, conclusion, reason, stored.to_string(), basis_digest(&blockers)));
    }
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    repo::answer(&txn, &r, &answers, &reply_doc_no, ctx.today, Some(by), ctx.now).await?;
    let ev = Event::new("opinion.answer", "opinion", r.uuid)
        .unit(r.requester_unit_id)
        .detail(serde_json::json!({"reply_doc_no": reply_doc_no, "items": detail}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    // The one who asked hears that the reply is ready.
    if let Some(uid) = r.requested_by
        && let Some(person_id) = crate::auth::find_user(&txn, crate::ids::UserId(uid)).await?.and_then(|u| u.person_id)
    {
        let notice = Outgoing {
            person_id,
            kind: "opinion",
            level: "info",
            msg_key: "notify.opinion_answered".into(),
            args: serde_json::json!({"title": r.title, "doc": reply_doc_no}),
            link: format!("/discipline/opinions/{}", r.uuid),
            dedup_key: format!("opinion:{}:answered", r.uuid),
        };
        crate::features::inbox::repo::deliver(&txn, &[notice], ctx.now).await?;
    }
    txn.commit().await?;
    repo::find_request_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)
}

/// Whether the caller may open requests of this requesting unit.
pub fn sees_opinion(ctx: &Ctx, requester: &unit::Model) -> bool {
    ctx.scope(Perm::OpinionView).contains(&requester.path)
}

/// Whether the caller sees the records behind an opinion (the discipline group) or only the
/// conclusions (the requesting office).
pub fn sees_records(ctx: &Ctx, requester: &unit::Model) -> bool {
    ctx.scope(Perm::OpinionAnswer).contains(&requester.path)
}

/// The scope of statistics: counts only, never records.
pub fn stats_scope(ctx: &Ctx) -> Scope {
    ctx.scope(Perm::DisciplineStats)
}

// ------------------------------------------------------------------ people named in text

/// Resolve people typed as staff numbers, names or ids ("P001，张三\n李四") to people the caller
/// may name under `perm`. Unknown, ambiguous or out-of-scope entries are a field error naming
/// the entry (the caller cannot tell "absent" from "outside").
pub async fn resolve_people_text(
    state: &AppState,
    ctx: &Ctx,
    perm: Perm,
    field: &'static str,
    label: &'static str,
    text: &str,
) -> AppResult<Vec<uuid::Uuid>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let scope = ctx.scope(perm);
    let mut out = Vec::new();
    let tokens = text.split([',', '，', '、', ';', '；', '\n', '\r', '\t', ' ', '　']);
    for token in tokens.map(str::trim).filter(|s| !s.is_empty()) {
        if token.chars().count() > 60 {
            return Err(AppError::invalid(field, label, Msg::new("error.too_long").arg("max", 60)));
        }
        let mut found: Vec<person::Model> = Vec::new();
        if let Ok(id) = uuid::Uuid::parse_str(token) {
            found.extend(org_repo::find_person_by_uuid(&state.db.read, id).await?);
        } else if let Some(p) = org_repo::find_person_by_staff_no(&state.db.read, token).await? {
            found.push(p);
        } else {
            found = person::Entity::find()
                .filter(person::Column::Name.eq(token))
                .filter(person::Column::DeletedAt.is_null())
                .all(&state.db.read)
                .await?;
        }
        let mut in_scope = Vec::new();
        for p in found.into_iter().filter(|p| p.deleted_at.is_none()) {
            if let Some(u) = org_repo::find_unit(&state.db.read, p.unit_id).await?
                && scope.contains(&u.path)
            {
                in_scope.push(p);
            }
        }
        match in_scope.len() {
            0 => return Err(AppError::invalid(field, label, Msg::new("disc.person_unknown").arg("name", token))),
            1 => {
                if !out.contains(&in_scope[0].uuid) {
                    out.push(in_scope[0].uuid);
                }
            }
            n => {
                return Err(AppError::invalid(
                    field,
                    label,
                    Msg::new("disc.person_ambiguous").arg("name", token).arg("n", n),
                ));
            }
        }
    }
    Ok(out)
}

/// How people of a record are written back into a text field: staff number, else name.
pub fn people_text(people: &[person::Model]) -> String {
    people
        .iter()
        .map(|p| p.staff_no.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| p.name.clone()))
        .collect::<Vec<_>>()
        .join("，")
}

// ------------------------------------------------------------------ statistics

/// One row of the four-forms table: a unit subtree (or the whole scope).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatsRow {
    pub unit: Option<uuid::Uuid>,
    pub unit_name: String,
    pub forms: [super::domain::FormCount; 4],
    /// 人次
    pub total: u64,
    /// 人
    pub persons: u64,
}

/// 四种形态 statistics of a year over the caller's stats scope (narrowed to a unit subtree when
/// asked), with one row per subtree directly under the root (the root's own people count in a
/// "本级" row).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatsView {
    pub year: i32,
    pub overall: StatsRow,
    pub groups: Vec<StatsRow>,
}

pub async fn stats(state: &AppState, ctx: &Ctx, year: i32, unit: Option<uuid::Uuid>) -> AppResult<StatsView> {
    let mut scope = stats_scope(ctx);
    if let Some(id) = unit {
        scope = match org_repo::find_unit_by_uuid(&state.db.read, id).await? {
            Some(u) if scope.contains(&u.path) => scope.narrow_to(&u.path),
            _ => return Err(AppError::invalid("unit", "disc.unit", "org.unit_not_found")),
        };
    }
    let cfg = load_config(&state.db.read).await?;
    let units = org_repo::list_units(&state.db.read, &scope).await?;
    let ids: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let roots: Vec<&unit::Model> = units.iter().filter(|u| u.parent_id.is_none_or(|p| !ids.contains(&p))).collect();
    // Groups: the children of a single root (and the root itself), or the roots.
    let mut groups: Vec<(&unit::Model, bool)> = Vec::new();
    if let [root] = roots.as_slice() {
        groups.push((root, true));
        let mut kids: Vec<&unit::Model> = units.iter().filter(|u| u.parent_id == Some(root.id)).collect();
        kids.sort_by_key(|u| (u.sort_order, u.id));
        groups.extend(kids.into_iter().map(|u| (u, false)));
    } else {
        groups.extend(roots.iter().map(|u| (*u, false)));
    }
    let path_of: std::collections::HashMap<i64, &str> = units.iter().map(|u| (u.id, u.path.as_str())).collect();
    let rows = repo::stats_rows(&state.db.read, &scope, year).await?;
    let mut tagged: Vec<(usize, Kind, i64, u64)> = Vec::with_capacity(rows.len());
    for (unit_id, kind, person, n) in rows {
        let Some(kind) = Kind::parse(&kind) else { continue };
        let Some(path) = path_of.get(&unit_id) else { continue };
        // The deepest group containing the unit (a root's own row only takes its own unit).
        let g =
            groups.iter().position(|(u, own)| if *own { u.id == unit_id } else { path.starts_with(u.path.as_str()) });
        tagged.push((g.unwrap_or(usize::MAX), kind, person, n.max(0) as u64));
    }
    let st = super::domain::four_forms(&tagged, &cfg);
    let t = ctx.t();
    let overall = StatsRow {
        unit: unit.filter(|_| roots.len() == 1).and(roots.first().map(|u| u.uuid)),
        unit_name: t.get("disc.stats_all").to_string(),
        forms: st.forms,
        total: st.total,
        persons: st.persons,
    };
    let mut out = Vec::new();
    for (i, (u, own)) in groups.iter().enumerate() {
        let (forms, total, persons) = match st.groups.iter().find(|(g, _)| *g == i) {
            Some((_, f)) => {
                let persons = {
                    let mut ps: Vec<i64> = tagged.iter().filter(|r| r.0 == i).map(|r| r.2).collect();
                    ps.sort_unstable();
                    ps.dedup();
                    ps.len() as u64
                };
                (*f, f.iter().map(|c| c.count).sum(), persons)
            }
            None => (Default::default(), 0, 0),
        };
        out.push(StatsRow {
            unit: Some(u.uuid),
            unit_name: if *own { t.fmt1("disc.stats_own", "unit", &u.name) } else { u.name.clone() },
            forms,
            total,
            persons,
        });
    }
    Ok(StatsView { year, overall, groups: out })
}
