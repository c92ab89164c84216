//! JSON API over units and people (`/api/v1/units`, `/api/v1/people`). Same services, same
//! scope and audit as the pages.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    domain::{PersonInput, UnitInput},
    entity::{person, unit},
    pages::{PeopleQuery, people_filter},
    repo, service,
};
use crate::{
    authz::Perm,
    error::AppResult,
    startup::AppState,
    web::{
        Ctx,
        extract::{Json, PathUuid, Query},
    },
};

/// A unit as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitResponse {
    pub id: uuid::Uuid,
    pub code: String,
    pub name: String,
    /// province, city, county, department, affiliated, justice_office, stationed, other
    pub kind: String,
    pub parent: Option<uuid::Uuid>,
    pub depth: i32,
    pub sort_order: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct Paging {
    /// 1-based page number.
    pub page: Option<u64>,
    /// Rows per page (1–200, default 50).
    pub per_page: Option<u64>,
}

impl Paging {
    pub fn resolve(&self) -> (u64, u64) {
        (self.page.unwrap_or(1).clamp(1, 1_000_000), self.per_page.unwrap_or(50).clamp(1, 200))
    }
}

async fn unit_response(state: &AppState, u: unit::Model) -> AppResult<UnitResponse> {
    let parent = match u.parent_id {
        Some(p) => repo::find_unit(&state.db.read, p).await?.map(|p| p.uuid),
        None => None,
    };
    Ok(UnitResponse {
        id: u.uuid,
        code: u.code,
        name: u.name,
        kind: u.kind,
        parent,
        depth: u.depth,
        sort_order: u.sort_order,
        version: u.version,
        updated_at: u.updated_at,
    })
}

/// Units in the caller's scope, tree order.
#[utoipa::path(get, path = "/api/v1/units", tag = "org", params(Paging), responses((status = 200, body = Page<UnitResponse>)))]
pub async fn list_units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<UnitResponse>>> {
    let (page, per_page) = p.resolve();
    let units = repo::list_units(&state.db.read, &ctx.scope(Perm::OrgView)).await?;
    let ordered = super::pages::tree_order(&units);
    let total = ordered.len() as u64;
    let by_id: std::collections::HashMap<i64, uuid::Uuid> = units.iter().map(|u| (u.id, u.uuid)).collect();
    let items = ordered
        .into_iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(|(u, _)| UnitResponse {
            id: u.uuid,
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
            parent: u.parent_id.and_then(|p| by_id.get(&p).copied()),
            depth: u.depth,
            sort_order: u.sort_order,
            version: u.version,
            updated_at: u.updated_at,
        })
        .collect();
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "org", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = UnitResponse), (status = 404)))]
pub async fn get_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<UnitResponse>> {
    let u = service::unit_in_scope(&state, &ctx, Perm::OrgView, id).await?;
    Ok(Json(unit_response(&state, u).await?))
}

#[utoipa::path(post, path = "/api/v1/units", tag = "org", request_body = UnitInput, responses((status = 201, body = UnitResponse), (status = 422), (status = 409)))]
pub async fn create_unit(State(state): State<AppState>, ctx: Ctx, Json(input): Json<UnitInput>) -> AppResult<Response> {
    let u = service::create_unit(&state, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(unit_response(&state, u).await?)).into_response())
}

/// Fields to change; absent fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub sort_order: Option<String>,
    /// 主要负责人: a person of this unit (UUID); "" clears it.
    pub principal: Option<String>,
    /// The version read; a stale version answers 409.
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "org", params(("id" = uuid::Uuid, Path)), request_body = UnitPatch, responses((status = 200, body = UnitResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn patch_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(p): Json<UnitPatch>,
) -> AppResult<Json<UnitResponse>> {
    let cur = service::unit_in_scope(&state, &ctx, Perm::UnitManage, id).await?;
    let cur_parent = match cur.parent_id {
        Some(pid) => repo::find_unit(&state.db.read, pid).await?.map(|u| u.uuid.to_string()),
        None => None,
    };
    let input = UnitInput {
        code: p.code.unwrap_or(cur.code),
        name: p.name.unwrap_or(cur.name),
        kind: p.kind.unwrap_or(cur.kind),
        parent: p.parent.or(cur_parent),
        sort_order: p.sort_order.or(Some(cur.sort_order.to_string())),
        principal: p.principal,
        version: p.version.or(Some(cur.version.to_string())),
        csrf: None,
    };
    let u = service::update_unit(&state, &ctx, id, &input).await?;
    Ok(Json(unit_response(&state, u).await?))
}

#[utoipa::path(delete, path = "/api/v1/units/{id}", tag = "org", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_unit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<StatusCode> {
    service::delete_unit(&state, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonResponse {
    pub id: uuid::Uuid,
    pub staff_no: Option<String>,
    pub name: String,
    /// M or F
    pub gender: String,
    pub unit: uuid::Uuid,
    pub unit_name: String,
    pub post: String,
    pub rank: String,
    pub position: String,
    pub political_status: String,
    pub leading_cadre: bool,
    /// active, transferred, retired
    pub status: String,
    pub birth_date: Option<NaiveDate>,
    pub post_since: Option<NaiveDate>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn person_response(p: person::Model, u: &unit::Model) -> PersonResponse {
    PersonResponse {
        id: p.uuid,
        staff_no: p.staff_no,
        name: p.name,
        gender: p.gender,
        unit: u.uuid,
        unit_name: u.name.clone(),
        post: p.post,
        rank: p.rank,
        position: p.position,
        political_status: p.political_status,
        leading_cadre: p.leading_cadre,
        status: p.status,
        birth_date: p.birth_date,
        post_since: p.post_since,
        version: p.version,
        updated_at: p.updated_at,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PeopleParams {
    /// Part of the name.
    pub name: Option<String>,
    /// A unit id: that unit and everything below it (within your scope).
    pub unit: Option<String>,
    /// Part of the post or position.
    pub post: Option<String>,
    pub status: Option<String>,
    pub rank: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/people", tag = "org", params(PeopleParams), responses((status = 200, body = Page<PersonResponse>)))]
pub async fn list_people(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeopleParams>,
) -> AppResult<Json<Page<PersonResponse>>> {
    let (page, per_page) = Paging { page: q.page, per_page: q.per_page }.resolve();
    let pq = PeopleQuery { name: q.name, unit: q.unit, post: q.post, status: q.status, rank: q.rank, page: None };
    let (scope, filter) = people_filter(&state, &ctx.scope(Perm::OrgView), &pq).await?;
    let (rows, total) = repo::list_people(&state.db.read, &scope, &filter, page, per_page).await?;
    let items = rows.into_iter().map(|r| person_response(r.person, &r.unit)).collect();
    Ok(Json(Page { items, total, page, per_page }))
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "org", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = PersonResponse), (status = 404)))]
pub async fn get_person(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<PersonResponse>> {
    let (p, u) = service::person_in_scope(&state, &ctx, Perm::OrgView, id).await?;
    Ok(Json(person_response(p, &u)))
}

#[utoipa::path(post, path = "/api/v1/people", tag = "org", request_body = PersonInput, responses((status = 201, body = PersonResponse), (status = 422), (status = 409)))]
pub async fn create_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<PersonInput>,
) -> AppResult<Response> {
    let p = service::create_person(&state, &ctx, &input).await?;
    let u = repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(crate::AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(person_response(p, &u))).into_response())
}

/// Fields to change; absent fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    pub staff_no: Option<String>,
    pub name: Option<String>,
    pub gender: Option<String>,
    pub unit: Option<String>,
    pub post: Option<String>,
    pub rank: Option<String>,
    pub position: Option<String>,
    pub political_status: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub leading_cadre: Option<String>,
    pub status: Option<String>,
    pub birth_date: Option<String>,
    pub post_since: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "org", params(("id" = uuid::Uuid, Path)), request_body = PersonPatch, responses((status = 200, body = PersonResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn patch_person(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(p): Json<PersonPatch>,
) -> AppResult<Json<PersonResponse>> {
    let (cur, u) = service::person_in_scope(&state, &ctx, Perm::PeopleManage, id).await?;
    let input = PersonInput {
        staff_no: p.staff_no.or(cur.staff_no),
        name: p.name.unwrap_or(cur.name),
        gender: p.gender.unwrap_or(cur.gender),
        unit: p.unit.unwrap_or(u.uuid.to_string()),
        post: p.post.unwrap_or(cur.post),
        rank: p.rank.unwrap_or(cur.rank),
        position: p.position.unwrap_or(cur.position),
        political_status: p.political_status.unwrap_or(cur.political_status),
        leading_cadre: p.leading_cadre.or(Some(cur.leading_cadre.to_string())),
        status: p.status.or(Some(cur.status)),
        birth_date: p.birth_date.or(cur.birth_date.map(|d| d.to_string())),
        post_since: p.post_since.or(cur.post_since.map(|d| d.to_string())),
        version: p.version.or(Some(cur.version.to_string())),
        csrf: None,
    };
    let after = service::update_person(&state, &ctx, id, &input).await?;
    let u = repo::find_unit(&state.db.read, after.unit_id).await?.ok_or(crate::AppError::NotFound)?;
    Ok(Json(person_response(after, &u)))
}
