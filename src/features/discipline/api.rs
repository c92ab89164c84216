//! JSON API of 监督执纪. People are named by id (UUID); clues and measures answer with the
//! computed parts (influence period, rule and source, deadline colour). Every read of a record
//! and every list is audited, as on the pages.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    domain::{Blocker, ClueInput, DisposalInput, MeasureInput},
    dossier::Entry,
    entity::{clue, measure, request},
    pages::{ClueQuery, MeasureQuery, dossier_data, measure_rows},
    repo, service,
    service::{AnswerInput, ItemView, LiftInput, RequestInput, Standing, StatsView},
};
use crate::{
    audit::Event,
    authz::Perm,
    error::{AppError, AppResult},
    features::org::{
        api::{Page, Paging},
        repo as org_repo,
    },
    startup::AppState,
    web::{
        Ctx,
        extract::{Json, PathUuid, Query},
    },
};

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: uuid::Uuid,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClueResponse {
    pub id: uuid::Uuid,
    /// 线索编号, e.g. XS2026-0001
    pub code: String,
    /// petition / inspection / audit / spot_check / assigned / other
    pub source: String,
    pub summary: String,
    pub people: Vec<PersonRef>,
    pub received_on: NaiveDate,
    pub working_days: i32,
    pub deadline: NaiveDate,
    /// talk_inquiry / preliminary / shelved / closed
    pub disposal: Option<String>,
    pub disposed_on: Option<NaiveDate>,
    pub result: String,
    /// received / handling / concluded
    pub status: String,
    /// Past its deadline and not concluded.
    pub overdue: bool,
    /// Measures that followed (ids).
    pub measures: Vec<uuid::Uuid>,
    pub version: i32,
}

async fn clue_response(state: &AppState, ctx: &Ctx, c: clue::Model) -> AppResult<ClueResponse> {
    let people = repo::people_of_clues(&state.db.read, &[c.id]).await?.remove(&c.id).unwrap_or_default();
    let measures = repo::measures_of_clue(&state.db.read, c.id).await?.into_iter().map(|m| m.uuid).collect();
    Ok(ClueResponse {
        id: c.uuid,
        overdue: c.status != "concluded" && c.deadline < ctx.today,
        code: c.code,
        source: c.source,
        summary: c.summary,
        people: people.into_iter().map(|(id, name)| PersonRef { id, name }).collect(),
        received_on: c.received_on,
        working_days: c.working_days,
        deadline: c.deadline,
        disposal: c.disposal,
        disposed_on: c.disposed_on,
        result: c.result,
        status: c.status,
        measures,
        version: c.version,
    })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ClueParams {
    /// received / handling / concluded
    pub status: Option<String>,
    pub source: Option<String>,
    pub year: Option<String>,
    pub q: Option<String>,
    /// `1`: only those past their deadline.
    pub overdue: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/discipline/clues", tag = "discipline", params(ClueParams), responses((status = 200, body = Page<ClueResponse>)))]
pub async fn clues(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ClueParams>,
) -> AppResult<Json<Page<ClueResponse>>> {
    let (page, per_page) = Paging { page: p.page, per_page: p.per_page }.resolve();
    let q = ClueQuery { status: p.status, source: p.source, year: p.year, q: p.q, overdue: p.overdue, page: None };
    let f = q.filter(&ctx)?;
    let (list, total) = repo::list_clues(&state.db.read, &ctx.scope(Perm::DisciplineView), &f, page, per_page).await?;
    let ev = Event::new("clue.list", "clue", "").detail(serde_json::json!({"rows": list.len(), "api": true}));
    state.audit(&ctx.actor(), ev).await?;
    let mut items = Vec::with_capacity(list.len());
    for c in list {
        items.push(clue_response(&state, &ctx, c).await?);
    }
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(post, path = "/api/v1/discipline/clues", tag = "discipline", request_body = ClueInput, responses((status = 201, body = ClueResponse), (status = 422)))]
pub async fn create_clue(State(state): State<AppState>, ctx: Ctx, Json(input): Json<ClueInput>) -> AppResult<Response> {
    let c = service::create_clue(&state, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(clue_response(&state, &ctx, c).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/discipline/clues/{id}", tag = "discipline", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = ClueResponse), (status = 404)))]
pub async fn clue(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Json<ClueResponse>> {
    let c = service::clue_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "clue.read", "clue", c.uuid, None).await?;
    Ok(Json(clue_response(&state, &ctx, c).await?))
}

#[utoipa::path(patch, path = "/api/v1/discipline/clues/{id}", tag = "discipline", params(("id" = uuid::Uuid, Path)), request_body = ClueInput, responses((status = 200, body = ClueResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn update_clue(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ClueInput>,
) -> AppResult<Json<ClueResponse>> {
    let c = service::update_clue(&state, &ctx, id, &input).await?;
    Ok(Json(clue_response(&state, &ctx, c).await?))
}

#[utoipa::path(post, path = "/api/v1/discipline/clues/{id}/disposal", tag = "discipline", params(("id" = uuid::Uuid, Path)), request_body = DisposalInput, responses((status = 200, body = ClueResponse), (status = 404), (status = 422)))]
pub async fn dispose_clue(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<DisposalInput>,
) -> AppResult<Json<ClueResponse>> {
    let c = service::dispose_clue(&state, &ctx, id, &input).await?;
    Ok(Json(clue_response(&state, &ctx, c).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodResponse {
    pub from: NaiveDate,
    /// Last day (inclusive); null: for good.
    pub until: Option<NaiveDate>,
    pub lifted: bool,
    pub active: bool,
    /// The rule's id, e.g. party_serious_warning_2023.
    pub rule: String,
    /// The article it comes from.
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureResponse {
    pub id: uuid::Uuid,
    pub person: PersonRef,
    pub unit: String,
    /// Kind code (talk_reminder … criminal).
    pub kind: String,
    /// education / organisational / party / government / criminal
    pub category: String,
    /// 1–4 by the current caliber.
    pub form: u8,
    pub decided_on: NaiveDate,
    pub body: String,
    pub basis: String,
    pub doc_no: String,
    pub term_years: Option<i16>,
    pub clue: Option<uuid::Uuid>,
    pub lifted_on: Option<NaiveDate>,
    pub lift_reason: String,
    pub period: Option<PeriodResponse>,
    pub version: i32,
}

/// Measures as the API answers them; people, units and clues are loaded once per page.
async fn measure_responses(state: &AppState, ctx: &Ctx, list: Vec<measure::Model>) -> AppResult<Vec<MeasureResponse>> {
    let clue_ids: Vec<i64> = list.iter().filter_map(|m| m.clue_id).collect();
    let clues = repo::clues_by_id(&state.db.read, &clue_ids).await?;
    let rows = measure_rows(state, ctx, list).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let period = r.period.map(|p| PeriodResponse {
                from: p.from,
                until: p.until,
                lifted: p.lifted,
                active: p.active_on(ctx.today),
                rule: p.rule.id.to_string(),
                source: p.rule.source,
            });
            let m = r.m;
            MeasureResponse {
                id: m.uuid,
                person: PersonRef { id: uuid::Uuid::parse_str(&r.person_uuid).unwrap_or_default(), name: r.person },
                unit: r.unit,
                form: r.form,
                kind: m.kind,
                category: m.category,
                decided_on: m.decided_on,
                body: m.body,
                basis: m.basis,
                doc_no: m.doc_no,
                term_years: m.term_years,
                clue: m.clue_id.and_then(|id| clues.get(&id)).map(|c| c.uuid),
                lifted_on: m.lifted_on,
                lift_reason: m.lift_reason,
                period,
                version: m.version,
            }
        })
        .collect())
}

async fn measure_response(state: &AppState, ctx: &Ctx, m: measure::Model) -> AppResult<MeasureResponse> {
    measure_responses(state, ctx, vec![m]).await?.pop().ok_or(AppError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/discipline/measures", tag = "discipline", params(MeasureQuery), responses((status = 200, body = Page<MeasureResponse>)))]
pub async fn measures(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeasureQuery>,
) -> AppResult<Json<Page<MeasureResponse>>> {
    let (page, per_page) = Paging { page: q.page, per_page: q.per_page }.resolve();
    let (scope, f) = q.resolve(&state, &ctx).await?;
    let (list, total) = repo::list_measures(&state.db.read, &scope, &f, page, per_page).await?;
    let ev = Event::new("measure.list", "measure", "").detail(serde_json::json!({"rows": list.len(), "api": true}));
    state.audit(&ctx.actor(), ev).await?;
    let items = measure_responses(&state, &ctx, list).await?;
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(post, path = "/api/v1/discipline/measures", tag = "discipline", request_body = MeasureInput, responses((status = 201, body = MeasureResponse), (status = 422)))]
pub async fn create_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<MeasureInput>,
) -> AppResult<Response> {
    let m = service::create_measure(&state, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(measure_response(&state, &ctx, m).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/discipline/measures/{id}", tag = "discipline", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = MeasureResponse), (status = 404)))]
pub async fn measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<MeasureResponse>> {
    let m = service::measure_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "measure.read", "measure", m.uuid, Some(m.unit_id)).await?;
    Ok(Json(measure_response(&state, &ctx, m).await?))
}

#[utoipa::path(patch, path = "/api/v1/discipline/measures/{id}", tag = "discipline", params(("id" = uuid::Uuid, Path)), request_body = MeasureInput, responses((status = 200, body = MeasureResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn update_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<MeasureInput>,
) -> AppResult<Json<MeasureResponse>> {
    let m = service::update_measure(&state, &ctx, id, &input).await?;
    Ok(Json(measure_response(&state, &ctx, m).await?))
}

#[utoipa::path(post, path = "/api/v1/discipline/measures/{id}/lift", tag = "discipline", params(("id" = uuid::Uuid, Path)), request_body = LiftInput, responses((status = 200, body = MeasureResponse), (status = 404), (status = 422)))]
pub async fn lift_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<LiftInput>,
) -> AppResult<Json<MeasureResponse>> {
    let m = service::lift_measure(&state, &ctx, id, &input).await?;
    Ok(Json(measure_response(&state, &ctx, m).await?))
}

/// Why a record is removed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[utoipa::path(delete, path = "/api/v1/discipline/measures/{id}", tag = "discipline", params(("id" = uuid::Uuid, Path)), request_body = ReasonBody, responses((status = 204), (status = 404), (status = 422)))]
pub async fn delete_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(body): Json<ReasonBody>,
) -> AppResult<StatusCode> {
    service::delete_measure(&state, &ctx, id, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockerResponse {
    /// period / open_clue
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub until: Option<NaiveDate>,
    pub rule: Option<String>,
    pub source: String,
}

fn blocker_responses(ctx: &Ctx, blockers: &[Blocker]) -> Vec<BlockerResponse> {
    let t = ctx.t();
    blockers
        .iter()
        .map(|b| match b {
            Blocker::Period { kind, until, rule_id, source, .. } => BlockerResponse {
                kind: "period".into(),
                title: t.get(kind.label_key()).to_string(),
                until: *until,
                rule: Some(rule_id.to_string()),
                source: source.clone(),
            },
            Blocker::OpenClue { code, .. } => BlockerResponse {
                kind: "open_clue".into(),
                title: code.clone(),
                until: None,
                rule: None,
                source: t.get("disc.blocker_clue_source").to_string(),
            },
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StandingResponse {
    pub person: PersonRef,
    pub on: NaiveDate,
    /// clean / in_period / open_clue
    pub standing: String,
    pub blockers: Vec<BlockerResponse>,
    /// What the blockers suggest for an integrity opinion: no_issue / defer / not_suitable.
    pub suggested: String,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct OnParams {
    /// YYYY-MM-DD (default today).
    pub on: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/discipline/people/{id}/standing", tag = "discipline", params(("id" = uuid::Uuid, Path), OnParams), responses((status = 200, body = StandingResponse), (status = 404)))]
pub async fn standing(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Query(q): Query<OnParams>,
) -> AppResult<Json<StandingResponse>> {
    let (p, u) = service::person_in_scope(&state, &ctx, Perm::DisciplineView, id).await?;
    let on = crate::fields::opt_date("on", "disc.on", q.on.as_deref())?.unwrap_or(ctx.today);
    let (blockers, _) = service::blockers(&state, p.id, on).await?;
    service::audit_read(&state, &ctx, "dossier.standing", "person", p.uuid, Some(u.id)).await?;
    Ok(Json(StandingResponse {
        person: PersonRef { id: p.uuid, name: p.name },
        on,
        standing: Standing::of(&blockers).code().into(),
        suggested: super::domain::suggest(&blockers).code().into(),
        blockers: blocker_responses(&ctx, &blockers),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierResponse {
    pub person: PersonRef,
    pub unit: String,
    pub position: String,
    /// clean / in_period / open_clue
    pub standing: String,
    pub timeline: Vec<Entry>,
}

#[utoipa::path(get, path = "/api/v1/discipline/people/{id}/dossier", tag = "discipline", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = DossierResponse), (status = 404)))]
pub async fn dossier(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<DossierResponse>> {
    let d = dossier_data(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "dossier.read", "person", d.p.uuid, Some(d.unit.id)).await?;
    Ok(Json(DossierResponse {
        person: PersonRef { id: d.p.uuid, name: d.p.name },
        unit: d.unit.name,
        position: d.p.position,
        standing: d.standing.code().into(),
        timeline: d.entries,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct StatsParams {
    /// Default: this year.
    pub year: Option<String>,
    /// Unit subtree (UUID).
    pub unit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/discipline/stats", tag = "discipline", params(StatsParams), responses((status = 200, body = StatsView)))]
pub async fn stats(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<StatsParams>,
) -> AppResult<Json<StatsView>> {
    let q = super::pages::OverviewQuery { year: p.year, unit: p.unit };
    let (year, unit) = q.resolve(&ctx)?;
    let s = service::stats(&state, &ctx, year, unit).await?;
    let ev = Event::new("discipline.stats", "discipline_stats", year.to_string())
        .detail(serde_json::json!({"year": year, "unit": unit, "api": true}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(Json(s))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionItemResponse {
    pub seq: i32,
    pub person: PersonRef,
    pub unit: String,
    pub position: String,
    /// Computed blockers (only for the discipline group).
    pub blockers: Vec<BlockerResponse>,
    /// What the blockers suggest (only for the discipline group).
    pub suggested: Option<String>,
    /// no_issue / defer / not_suitable once answered.
    pub conclusion: Option<String>,
    pub override_reason: Option<String>,
    /// The records the answer relied on changed since (only for the discipline group).
    pub basis_changed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionResponse {
    pub id: uuid::Uuid,
    pub title: String,
    /// promotion / award / transfer / reserve
    pub purpose: String,
    pub request_doc_no: String,
    pub requester: String,
    pub requested_on: NaiveDate,
    pub needed_by: NaiveDate,
    /// open / answered
    pub status: String,
    pub overdue: bool,
    pub reply_doc_no: String,
    pub answered_on: Option<NaiveDate>,
    /// The reply letter (.docx), once answered.
    pub reply_url: Option<String>,
    pub items: Vec<OpinionItemResponse>,
}

async fn opinion_response(
    state: &AppState,
    ctx: &Ctx,
    r: request::Model,
    with_items: bool,
) -> AppResult<OpinionResponse> {
    let requester = org_repo::find_unit(&state.db.read, r.requester_unit_id).await?.ok_or(AppError::NotFound)?;
    let sees = service::sees_records(ctx, &requester);
    let items: Vec<ItemView> = if with_items { service::item_views(state, &r, ctx.today).await? } else { Vec::new() };
    Ok(OpinionResponse {
        id: r.uuid,
        overdue: r.status == "open" && r.needed_by < ctx.today,
        reply_url: (r.status == "answered").then(|| format!("/discipline/opinions/{}/reply.docx", r.uuid)),
        title: r.title,
        purpose: r.purpose,
        request_doc_no: r.request_doc_no,
        requester: requester.name,
        requested_on: r.requested_on,
        needed_by: r.needed_by,
        status: r.status,
        reply_doc_no: r.reply_doc_no,
        answered_on: r.answered_on,
        items: items
            .into_iter()
            .map(|v| OpinionItemResponse {
                seq: v.item.seq,
                person: PersonRef { id: v.person_uuid, name: v.name.clone() },
                unit: v.unit.clone(),
                position: v.position.clone(),
                blockers: if sees { blocker_responses(ctx, &v.blockers) } else { Vec::new() },
                suggested: sees.then(|| v.suggested.code().to_string()),
                conclusion: v.item.conclusion.clone(),
                override_reason: sees.then(|| v.item.override_reason.clone()).filter(|s| !s.is_empty()),
                basis_changed: sees && !v.basis_changed.is_empty(),
            })
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct OpinionParams {
    /// open / answered
    pub status: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/discipline/opinions", tag = "discipline", params(OpinionParams), responses((status = 200, body = Page<OpinionResponse>)))]
pub async fn opinions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<OpinionParams>,
) -> AppResult<Json<Page<OpinionResponse>>> {
    let (page, per_page) = Paging { page: p.page, per_page: p.per_page }.resolve();
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if s == "open" || s == "answered" => Some(s.to_string()),
        Some(s) => {
            return Err(AppError::invalid(
                "status",
                "disc.status",
                crate::i18n::Msg::new("error.bad_choice").arg("value", s),
            ));
        }
    };
    let (list, total) =
        repo::list_requests(&state.db.read, &ctx.scope(Perm::OpinionView), status.as_deref(), page, per_page).await?;
    let ev = Event::new("opinion.list", "opinion", "").detail(serde_json::json!({"rows": list.len(), "api": true}));
    state.audit(&ctx.actor(), ev).await?;
    let mut items = Vec::with_capacity(list.len());
    for r in list {
        items.push(opinion_response(&state, &ctx, r, false).await?);
    }
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(post, path = "/api/v1/discipline/opinions", tag = "discipline", request_body = RequestInput, responses((status = 201, body = OpinionResponse), (status = 422)))]
pub async fn create_opinion(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<RequestInput>,
) -> AppResult<Response> {
    let r = service::create_request(&state, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(opinion_response(&state, &ctx, r, true).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/discipline/opinions/{id}", tag = "discipline", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = OpinionResponse), (status = 404)))]
pub async fn opinion(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<OpinionResponse>> {
    let r = service::request_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "opinion.read", "opinion", r.uuid, Some(r.requester_unit_id)).await?;
    Ok(Json(opinion_response(&state, &ctx, r, true).await?))
}

#[utoipa::path(post, path = "/api/v1/discipline/opinions/{id}/answer", tag = "discipline", params(("id" = uuid::Uuid, Path)), request_body = AnswerInput, responses((status = 200, body = OpinionResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn answer_opinion(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<AnswerInput>,
) -> AppResult<Json<OpinionResponse>> {
    let r = service::answer_request(&state, &ctx, id, &input).await?;
    Ok(Json(opinion_response(&state, &ctx, r, true).await?))
}
