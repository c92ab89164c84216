//! JSON API of 整改台账: batches, problems, their history and evidence, the state changes, the
//! statistics. Evidence is uploaded as multipart (`text` + `files`) and downloaded from the
//! `url` each file carries.

use axum::{
    extract::{Multipart, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    domain::{BatchInput, ProblemInput, Stats},
    entity::{batch, problem},
    pages::{LedgerQuery, Row, rows},
    repo, service, sheet,
};
use crate::{
    error::{AppError, AppResult},
    features::org::{api::Page, pages::read_upload, repo as org_repo},
    files,
    startup::AppState,
    web::{
        Ctx,
        extract::{Json, PathUuid, Query},
    },
};

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    pub id: uuid::Uuid,
    pub title: String,
    /// inspection / audit / discipline / spot_check / appraisal / supervision / self_check
    pub source: String,
    pub issuer: String,
    pub feedback_on: NaiveDate,
    pub report_due_on: NaiveDate,
    pub notes: String,
    /// Units concerned (ids).
    pub units: Vec<uuid::Uuid>,
    /// Counts over the problems you can see.
    pub stats: Stats,
    /// 整改完成率 in per mille.
    pub completion_permille: Option<u64>,
    /// Set once every problem of the batch is closed (整改工作全部完成).
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

async fn batch_response(state: &AppState, b: batch::Model, stats: Stats) -> AppResult<BatchResponse> {
    let units = repo::batch_units(&state.db.read, b.id).await?.into_iter().map(|u| u.uuid).collect();
    Ok(BatchResponse {
        id: b.uuid,
        title: b.title,
        source: b.source,
        issuer: b.issuer,
        feedback_on: b.feedback_on,
        report_due_on: b.report_due_on,
        notes: b.notes,
        units,
        completion_permille: stats.completion_permille(),
        stats,
        completed_at: b.completed_at,
        version: b.version,
    })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct BatchParams {
    /// Text in the title or the issuing body.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/rect/batches", tag = "rectify", params(BatchParams), responses((status = 200, body = Page<BatchResponse>)))]
pub async fn batches(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<BatchParams>,
) -> AppResult<Json<Page<BatchResponse>>> {
    let (page, per_page) = crate::features::org::api::Paging { page: p.page, per_page: p.per_page }.resolve();
    let v = service::visibility(&ctx);
    let text: Option<String> =
        p.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(60).collect());
    let (list, total) = repo::list_batches(&state.db.read, &v, text.as_deref(), page, per_page).await?;
    let ids: Vec<i64> = list.iter().map(|b| b.id).collect();
    let stats = repo::stats_by_batch(&state.db.read, &v, &ids, ctx.today).await?;
    let mut items = Vec::with_capacity(list.len());
    for b in list {
        let s = stats.get(&b.id).copied().unwrap_or_default();
        items.push(batch_response(&state, b, s).await?);
    }
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(post, path = "/api/v1/rect/batches", tag = "rectify", request_body = BatchInput, responses((status = 201, body = BatchResponse), (status = 422)))]
pub async fn create_batch(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<BatchInput>,
) -> AppResult<Response> {
    let b = service::create_batch(&state, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(batch_response(&state, b, Stats::default()).await?)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitStats {
    pub unit: uuid::Uuid,
    pub unit_name: String,
    pub stats: Stats,
    pub completion_permille: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchDetail {
    #[serde(flatten)]
    pub batch: BatchResponse,
    /// Per responsible unit, over the problems you can see.
    pub by_unit: Vec<UnitStats>,
}

async fn unit_stats(state: &AppState, ctx: &Ctx, batch_id: Option<i64>) -> AppResult<(Vec<UnitStats>, Stats)> {
    let map = repo::stats_by_unit(&state.db.read, &service::visibility(ctx), batch_id, ctx.today).await?;
    let units = org_repo::units_by_ids(&state.db.read, &map.keys().copied().collect::<Vec<_>>()).await?;
    let mut total = Stats::default();
    let by_unit = units
        .into_iter()
        .map(|u| {
            let s = map.get(&u.id).copied().unwrap_or_default();
            total.add(&s);
            UnitStats { unit: u.uuid, unit_name: u.name, completion_permille: s.completion_permille(), stats: s }
        })
        .collect();
    Ok((by_unit, total))
}

#[utoipa::path(get, path = "/api/v1/rect/batches/{id}", tag = "rectify", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = BatchDetail), (status = 404)))]
pub async fn batch(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Json<BatchDetail>> {
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let (by_unit, total) = unit_stats(&state, &ctx, Some(b.id)).await?;
    Ok(Json(BatchDetail { batch: batch_response(&state, b, total).await?, by_unit }))
}

#[utoipa::path(patch, path = "/api/v1/rect/batches/{id}", tag = "rectify", params(("id" = uuid::Uuid, Path)), request_body = BatchInput, responses((status = 200, body = BatchResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn patch_batch(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<BatchInput>,
) -> AppResult<Json<BatchResponse>> {
    let b = service::update_batch(&state, &ctx, id, &input).await?;
    let (_, total) = unit_stats(&state, &ctx, Some(b.id)).await?;
    Ok(Json(batch_response(&state, b, total).await?))
}

#[utoipa::path(post, path = "/api/v1/rect/batches/{id}/import", tag = "rectify", params(("id" = uuid::Uuid, Path)), request_body(content_type = "multipart/form-data", description = "`file`: the 整改台账 .xlsx"), responses((status = 200, body = sheet::ImportSummary), (status = 422)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    mp: Multipart,
) -> AppResult<Json<sheet::ImportSummary>> {
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let (_, bytes) = read_upload(mp, sheet::MAX_BYTES).await?;
    Ok(Json(sheet::import(&state, &ctx, &b, &bytes).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemResponse {
    pub id: uuid::Uuid,
    pub batch: uuid::Uuid,
    /// 序号 within the batch.
    pub seq: i32,
    pub description: String,
    /// immediate / deadline / long_term
    pub kind: String,
    pub unit: uuid::Uuid,
    pub unit_name: String,
    pub owner: String,
    pub leader: String,
    pub due_on: NaiveDate,
    /// The deadline falls on a day off (kept as given).
    pub due_on_holiday: bool,
    /// green / blue / yellow / red; empty once closed.
    pub colour: String,
    pub measures: String,
    /// open / in_progress / submitted / closed
    pub status: String,
    pub cycle: i32,
    pub last_progress: String,
    pub assessment: String,
    pub closed_on: Option<NaiveDate>,
    pub conclusion: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn problem_response(r: Row, batch: uuid::Uuid) -> ProblemResponse {
    ProblemResponse {
        id: r.p.uuid,
        batch,
        seq: r.p.seq,
        description: r.p.description,
        kind: r.p.kind,
        unit: r.unit.uuid,
        unit_name: r.unit.name,
        owner: r.owner,
        leader: r.leader,
        due_on: r.p.due_on,
        due_on_holiday: r.holiday,
        colour: r.colour.into(),
        measures: r.p.measures,
        status: r.p.status,
        cycle: r.p.cycle,
        last_progress: r.p.last_progress,
        assessment: r.p.assessment,
        closed_on: r.p.closed_on,
        conclusion: r.p.conclusion,
        version: r.p.version,
        updated_at: r.p.updated_at,
    }
}

async fn one(state: &AppState, ctx: &Ctx, p: problem::Model) -> AppResult<ProblemResponse> {
    let u = org_repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(AppError::NotFound)?;
    let b = repo::find_batch(&state.db.read, p.batch_id).await?.ok_or(AppError::NotFound)?;
    let r = rows(state, ctx, vec![(p, u)]).await?.remove(0);
    Ok(problem_response(r, b.uuid))
}

#[utoipa::path(post, path = "/api/v1/rect/batches/{id}/problems", tag = "rectify", params(("id" = uuid::Uuid, Path)), request_body = ProblemInput, responses((status = 201, body = ProblemResponse), (status = 422)))]
pub async fn create_problem(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ProblemInput>,
) -> AppResult<Response> {
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let p = service::add_problem(&state, &ctx, &b, &input).await?;
    Ok((StatusCode::CREATED, Json(one(&state, &ctx, p).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/rect/problems", tag = "rectify", params(LedgerQuery), responses((status = 200, body = Page<ProblemResponse>)))]
pub async fn problems(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LedgerQuery>,
) -> AppResult<Json<Page<ProblemResponse>>> {
    let (page, per_page) = crate::features::org::api::Paging { page: q.page, per_page: q.per_page }.resolve();
    let (v, f) = q.resolve(&state, &ctx).await?;
    let (list, total) = repo::list_problems(&state.db.read, &v, &f, page, per_page).await?;
    let batch_ids: Vec<i64> = list.iter().map(|(p, _)| p.batch_id).collect();
    let mut batch_uuid = std::collections::HashMap::new();
    for id in batch_ids {
        if let std::collections::hash_map::Entry::Vacant(e) = batch_uuid.entry(id) {
            e.insert(repo::find_batch(&state.db.read, id).await?.map(|b| b.uuid).unwrap_or_default());
        }
    }
    let items = rows(&state, &ctx, list)
        .await?
        .into_iter()
        .map(|r| {
            let b = batch_uuid.get(&r.p.batch_id).copied().unwrap_or_default();
            problem_response(r, b)
        })
        .collect();
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(get, path = "/api/v1/rect/problems/{id}", tag = "rectify", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = ProblemResponse), (status = 404)))]
pub async fn problem(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<ProblemResponse>> {
    let (p, _, _) = service::problem_in_scope(&state, &ctx, id).await?;
    Ok(Json(one(&state, &ctx, p).await?))
}

#[utoipa::path(patch, path = "/api/v1/rect/problems/{id}", tag = "rectify", params(("id" = uuid::Uuid, Path)), request_body = ProblemInput, responses((status = 200, body = ProblemResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn patch_problem(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ProblemInput>,
) -> AppResult<Json<ProblemResponse>> {
    let p = service::update_problem(&state, &ctx, id, &input).await?;
    Ok(Json(one(&state, &ctx, p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[utoipa::path(delete, path = "/api/v1/rect/problems/{id}", tag = "rectify", params(("id" = uuid::Uuid, Path)), request_body = ReasonBody, responses((status = 204), (status = 404), (status = 409), (status = 422)))]
pub async fn delete_problem(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(b): Json<ReasonBody>,
) -> AppResult<Response> {
    service::delete_problem(&state, &ctx, id, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileResponse {
    pub id: uuid::Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// SM3 of the content, hex.
    pub sm3: String,
    /// Download address (an attachment; audited).
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    /// created / edited / progress / submit / return / close / reopen / deleted
    pub kind: String,
    pub from_status: String,
    pub to_status: String,
    pub text: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub files: Vec<FileResponse>,
}

#[utoipa::path(get, path = "/api/v1/rect/problems/{id}/events", tag = "rectify", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = Vec<EventResponse>), (status = 404)))]
pub async fn events(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<Vec<EventResponse>>> {
    let (p, _, _) = service::problem_in_scope(&state, &ctx, id).await?;
    let evs = repo::events(&state.db.read, p.id).await?;
    let ids: Vec<i64> = evs.iter().map(|e| e.id).collect();
    let atts = files::list_for(&state.db.read, "rect_event", &ids).await?;
    Ok(Json(
        evs.into_iter()
            .map(|e| EventResponse {
                files: atts
                    .iter()
                    .filter(|a| a.owner_id == e.id)
                    .map(|a| FileResponse {
                        id: a.uuid,
                        name: a.filename.clone(),
                        content_type: a.content_type.clone(),
                        size: a.size,
                        sm3: a.sm3.clone(),
                        url: format!("/rect/{}/files/{}", p.uuid, a.uuid),
                    })
                    .collect(),
                kind: e.kind,
                from_status: e.from_status,
                to_status: e.to_status,
                text: e.text,
                actor: e.actor_name,
                at: e.at,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/rect/problems/{id}/progress", tag = "rectify", params(("id" = uuid::Uuid, Path)), request_body(content_type = "multipart/form-data", description = "`text`: the progress; `files`: evidence (PDF, JPEG, PNG, OFD, Word, Excel; ≤ 20 MB each, ≤ 10 files)"), responses((status = 200, body = ProblemResponse), (status = 409), (status = 422)))]
pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    mp: Multipart,
) -> AppResult<Json<ProblemResponse>> {
    let up = files::read_form(mp).await?;
    let checked = files::check_all(up.files.clone())?;
    let p = service::progress(&state, &ctx, id, &up.field("text"), checked).await?;
    Ok(Json(one(&state, &ctx, p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    /// The self-assessment, the reason, or the conclusion.
    pub text: String,
}

macro_rules! action {
    ($name:ident, $path:literal, $call:path) => {
        #[utoipa::path(post, path = $path, tag = "rectify", params(("id" = uuid::Uuid, Path)), request_body = TextBody, responses((status = 200, body = ProblemResponse), (status = 403), (status = 409), (status = 422)))]
        pub async fn $name(
            State(state): State<AppState>,
            ctx: Ctx,
            PathUuid(id): PathUuid,
            Json(b): Json<TextBody>,
        ) -> AppResult<Json<ProblemResponse>> {
            let p = $call(&state, &ctx, id, &b.text).await?;
            Ok(Json(one(&state, &ctx, p).await?))
        }
    };
}

action!(submit, "/api/v1/rect/problems/{id}/submit", service::submit);
action!(return_back, "/api/v1/rect/problems/{id}/return", service::return_back);
action!(close, "/api/v1/rect/problems/{id}/close", service::close);
action!(reopen, "/api/v1/rect/problems/{id}/reopen", service::reopen);

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    pub total: Stats,
    pub completion_permille: Option<u64>,
    pub by_unit: Vec<UnitStats>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct StatsParams {
    /// A batch id; all batches when absent.
    pub batch: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/rect/stats", tag = "rectify", params(StatsParams), responses((status = 200, body = StatsResponse)))]
pub async fn stats(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StatsParams>,
) -> AppResult<Json<StatsResponse>> {
    let batch_id = match q.batch.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let id =
                uuid::Uuid::parse_str(s).map_err(|_| AppError::invalid("batch", "rect.batch", "rect.not_found_ref"))?;
            Some(service::batch_in_scope(&state, &ctx, id).await?.id)
        }
    };
    let (by_unit, total) = unit_stats(&state, &ctx, batch_id).await?;
    Ok(Json(StatsResponse { completion_permille: total.completion_permille(), total, by_unit }))
}
