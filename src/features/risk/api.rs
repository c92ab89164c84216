//! JSON API of the risk module: points, measures, reviews, campaigns, the heat-map counts.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    domain::{CampaignInput, MeasureInput, ReviewInput, RiskInput},
    entity::{campaign, measure, point, review},
    pages::RiskQuery,
    repo, service,
};
use crate::{
    authz::Perm,
    error::{AppError, AppResult},
    features::org::{api::Page, entity::unit},
    startup::AppState,
    web::{
        Ctx,
        extract::{Json, PathUuid, Query},
    },
};

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskResponse {
    /// Stable id; findings in the rectification ledger link to it.
    pub id: uuid::Uuid,
    pub unit: uuid::Uuid,
    pub unit_name: String,
    pub post: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub area: String,
    pub likelihood: Option<i16>,
    pub impact: Option<i16>,
    /// high / medium / low
    pub level: String,
    pub responsible: Option<uuid::Uuid>,
    pub next_review_on: Option<NaiveDate>,
    pub last_review_on: Option<NaiveDate>,
    pub review_overdue: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

async fn response(state: &AppState, ctx: &Ctx, p: point::Model, u: &unit::Model) -> AppResult<RiskResponse> {
    let responsible = match p.responsible_person_id {
        Some(id) => crate::features::org::repo::find_person(&state.db.read, id).await?.map(|x| x.uuid),
        None => None,
    };
    Ok(RiskResponse {
        id: p.uuid,
        unit: u.uuid,
        unit_name: u.name.clone(),
        review_overdue: p.next_review_on.is_some_and(|d| d < ctx.today),
        post: p.post,
        title: p.title,
        description: p.description,
        category: p.category,
        area: p.area,
        likelihood: p.likelihood,
        impact: p.impact,
        level: p.level,
        responsible,
        next_review_on: p.next_review_on,
        last_review_on: p.last_review_on,
        version: p.version,
        updated_at: p.updated_at,
    })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RiskParams {
    /// A unit id: that unit and everything below it (within your scope).
    pub unit: Option<String>,
    /// high / medium / low
    pub level: Option<String>,
    pub category: Option<String>,
    pub area: Option<String>,
    /// `1`: only points whose review is overdue.
    pub overdue: Option<String>,
    /// Text in title, post or description.
    pub q: Option<String>,
    /// level / review / unit; default newest first.
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/risks", tag = "risk", params(RiskParams), responses((status = 200, body = Page<RiskResponse>)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<RiskParams>,
) -> AppResult<Json<Page<RiskResponse>>> {
    let (page, per_page) = crate::features::org::api::Paging { page: p.page, per_page: p.per_page }.resolve();
    let rq = RiskQuery {
        unit: p.unit,
        level: p.level,
        category: p.category,
        area: p.area,
        overdue: p.overdue,
        q: p.q,
        sort: p.sort,
        page: None,
    };
    let (scope, filter) = rq.resolve(&state, &ctx.scope(Perm::RiskView)).await?;
    let (rows, total) = repo::list_points(&state.db.read, &scope, &filter, ctx.today, page, per_page).await?;
    let mut items = Vec::with_capacity(rows.len());
    let names = repo::person_names(&state.db.read, rows.iter().filter_map(|(p, _)| p.responsible_person_id)).await?;
    for (p, u) in rows {
        let responsible = p.responsible_person_id.and_then(|i| names.get(&i)).map(|(u, _)| *u);
        let mut r = response(&state, &ctx, point::Model { responsible_person_id: None, ..p }, &u).await?;
        r.responsible = responsible;
        items.push(r);
    }
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risk", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = RiskResponse), (status = 404)))]
pub async fn get(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Json<RiskResponse>> {
    let (p, u) = service::point_in_scope(&state, &ctx, Perm::RiskView, id).await?;
    Ok(Json(response(&state, &ctx, p, &u).await?))
}

#[utoipa::path(post, path = "/api/v1/risks", tag = "risk", request_body = RiskInput, responses((status = 201, body = RiskResponse), (status = 422)))]
pub async fn create(State(state): State<AppState>, ctx: Ctx, Json(input): Json<RiskInput>) -> AppResult<Response> {
    let p = service::create_risk(&state, &ctx, &input).await?;
    let u = crate::features::org::repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(response(&state, &ctx, p, &u).await?)).into_response())
}

/// Fields to change; absent fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskPatch {
    pub unit: Option<String>,
    pub post: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub area: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub likelihood: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub impact: Option<String>,
    pub level: Option<String>,
    pub responsible: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/risks/{id}", tag = "risk", params(("id" = uuid::Uuid, Path)), request_body = RiskPatch, responses((status = 200, body = RiskResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn patch(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(p): Json<RiskPatch>,
) -> AppResult<Json<RiskResponse>> {
    let (cur, u) = service::point_in_scope(&state, &ctx, Perm::RiskManage, id).await?;
    let responsible = match cur.responsible_person_id {
        Some(pid) => crate::features::org::repo::find_person(&state.db.read, pid).await?.map(|x| x.uuid.to_string()),
        None => None,
    };
    // Changing likelihood/impact without a level lets the matrix decide the level.
    let level = if p.level.is_none() && (p.likelihood.is_some() || p.impact.is_some()) {
        None
    } else {
        p.level.or(Some(cur.level.clone()))
    };
    let input = RiskInput {
        unit: p.unit.unwrap_or(u.uuid.to_string()),
        post: p.post.unwrap_or(cur.post),
        title: p.title.unwrap_or(cur.title),
        description: p.description.unwrap_or(cur.description),
        category: p.category.unwrap_or(cur.category),
        area: p.area.unwrap_or(cur.area),
        likelihood: p.likelihood.or(cur.likelihood.map(|v| v.to_string())),
        impact: p.impact.or(cur.impact.map(|v| v.to_string())),
        level,
        responsible: p.responsible.or(responsible),
        version: p.version.or(Some(cur.version.to_string())),
        csrf: None,
    };
    let after = service::update_risk(&state, &ctx, id, &input).await?;
    let u = crate::features::org::repo::find_unit(&state.db.read, after.unit_id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(response(&state, &ctx, after, &u).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    /// Why the point is removed (kept in the history).
    pub reason: String,
}

#[utoipa::path(delete, path = "/api/v1/risks/{id}", tag = "risk", params(("id" = uuid::Uuid, Path)), request_body = DeleteBody, responses((status = 204), (status = 404), (status = 422)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(b): Json<DeleteBody>,
) -> AppResult<StatusCode> {
    service::delete_risk(&state, &ctx, id, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureResponse {
    pub id: uuid::Uuid,
    pub content: String,
    pub due_date: Option<NaiveDate>,
    pub status: String,
}

impl From<measure::Model> for MeasureResponse {
    fn from(m: measure::Model) -> Self {
        MeasureResponse { id: m.uuid, content: m.content, due_date: m.due_date, status: m.status }
    }
}

#[utoipa::path(post, path = "/api/v1/risks/{id}/measures", tag = "risk", params(("id" = uuid::Uuid, Path)), request_body = MeasureInput, responses((status = 201, body = MeasureResponse), (status = 422)))]
pub async fn add_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<MeasureInput>,
) -> AppResult<Response> {
    let m = service::add_measure(&state, &ctx, id, &input).await?;
    Ok((StatusCode::CREATED, Json(MeasureResponse::from(m))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    pub id: uuid::Uuid,
    pub planned_on: NaiveDate,
    pub reviewed_on: Option<NaiveDate>,
    pub conclusion: Option<String>,
    pub notes: String,
    pub measure_changes: String,
    pub in_campaign: bool,
}

impl From<review::Model> for ReviewResponse {
    fn from(r: review::Model) -> Self {
        ReviewResponse {
            id: r.uuid,
            planned_on: r.planned_on,
            reviewed_on: r.reviewed_on,
            conclusion: r.conclusion,
            notes: r.notes,
            measure_changes: r.measure_changes,
            in_campaign: r.campaign_id.is_some(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/risks/{id}/reviews", tag = "risk", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = Vec<ReviewResponse>)))]
pub async fn reviews(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<Vec<ReviewResponse>>> {
    let (p, _) = service::point_in_scope(&state, &ctx, Perm::RiskView, id).await?;
    Ok(Json(repo::list_reviews(&state.db.read, p.id).await?.into_iter().map(ReviewResponse::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/risks/{id}/reviews", tag = "risk", params(("id" = uuid::Uuid, Path)), request_body = ReviewInput, responses((status = 201, body = ReviewResponse), (status = 422)))]
pub async fn add_review(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ReviewInput>,
) -> AppResult<Response> {
    let r = service::record_review(&state, &ctx, id, &input).await?;
    Ok((StatusCode::CREATED, Json(ReviewResponse::from(r))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignResponse {
    pub id: uuid::Uuid,
    pub year: i32,
    pub title: String,
    pub started_on: NaiveDate,
    pub deadline: NaiveDate,
    pub status: String,
    pub progress: Vec<service::ProgressRow>,
}

async fn campaign_response(state: &AppState, ctx: &Ctx, c: campaign::Model) -> AppResult<CampaignResponse> {
    let progress = service::progress(state, ctx, &c).await?;
    Ok(CampaignResponse {
        id: c.uuid,
        year: c.year,
        title: c.title,
        started_on: c.started_on,
        deadline: c.deadline,
        status: c.status,
        progress,
    })
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "risk", responses((status = 200, body = Vec<CampaignResponse>)))]
pub async fn campaigns(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<CampaignResponse>>> {
    let mut out = Vec::new();
    for (c, _) in service::visible_campaigns(&state, &ctx).await? {
        out.push(campaign_response(&state, &ctx, c).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "risk", request_body = CampaignInput, responses((status = 201, body = CampaignResponse), (status = 422)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<CampaignInput>,
) -> AppResult<Response> {
    let c = service::create_campaign(&state, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(campaign_response(&state, &ctx, c).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "risk", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = CampaignResponse), (status = 404)))]
pub async fn campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<CampaignResponse>> {
    let c = service::campaign_in_scope(&state, &ctx, id).await?;
    Ok(Json(campaign_response(&state, &ctx, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffBody {
    /// The campaign unit signing off.
    pub unit: uuid::Uuid,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/signoff", tag = "risk", params(("id" = uuid::Uuid, Path)), request_body = SignOffBody, responses((status = 200, body = CampaignResponse), (status = 409), (status = 422)))]
pub async fn sign_off(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(b): Json<SignOffBody>,
) -> AppResult<Json<CampaignResponse>> {
    service::sign_off(&state, &ctx, id, b.unit, &b.note).await?;
    let c = service::campaign_in_scope(&state, &ctx, id).await?;
    Ok(Json(campaign_response(&state, &ctx, c).await?))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/close", tag = "risk", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = CampaignResponse), (status = 409)))]
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<CampaignResponse>> {
    let c = service::close(&state, &ctx, id).await?;
    Ok(Json(campaign_response(&state, &ctx, c).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeatCellResponse {
    pub level: String,
    pub category: String,
    pub count: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct HeatParams {
    pub unit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/risks/heatmap", tag = "risk", params(HeatParams), responses((status = 200, body = Vec<HeatCellResponse>)))]
pub async fn heatmap(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HeatParams>,
) -> AppResult<Json<Vec<HeatCellResponse>>> {
    let rq = RiskQuery { unit: q.unit, ..Default::default() };
    let (scope, _) = rq.resolve(&state, &ctx.scope(Perm::RiskView)).await?;
    let cells = repo::heat_counts(&state.db.read, &scope).await?;
    Ok(Json(cells.into_iter().map(|c| HeatCellResponse { level: c.level, category: c.category, count: c.n }).collect()))
}
