//! The JSON API under `/api/v1`, and its OpenAPI 3 document generated from the handlers'
//! annotations. Auth: the session cookie (writes then need `X-CSRF-Token`) or an API token
//! (`Authorization: Bearer ql_…`). Errors: `{code, message, field}` with a 4xx status.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{
    authz::{Access, Perm, Scope},
    error::AppResult,
    features::{
        accounts::repo as accounts_repo,
        admin::users::{self, GrantResponse, NewUserForm, UserResponse, user_response},
        discipline::{api as disc_api, domain as disc_domain, dossier as disc_dossier, service as disc_service},
        duty::{api as duty_api, domain as duty_domain, pages as duty_pages, service as duty_service},
        inbox,
        org::{api as org_api, domain, roster::ImportSummary},
        rectify::{api as rect_api, domain as rect_domain, sheet as rect_sheet},
        risk::{api as risk_api, domain as risk_domain},
    },
    startup::AppState,
    web::{
        Ctx, Routes,
        extract::{Json, PathUuid, Query},
    },
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/openapi.json", Access::Authenticated, openapi_json)
        .get("/api/v1/me", Access::Authenticated, me)
        .get("/api/v1/units", Access::Perm(Perm::OrgView), org_api::list_units)
        .post("/api/v1/units", Access::Perm(Perm::UnitManage), org_api::create_unit)
        .get("/api/v1/units/{id}", Access::Perm(Perm::OrgView), org_api::get_unit)
        .patch("/api/v1/units/{id}", Access::Perm(Perm::UnitManage), org_api::patch_unit)
        .delete("/api/v1/units/{id}", Access::Perm(Perm::UnitManage), org_api::delete_unit)
        .get("/api/v1/people", Access::Perm(Perm::OrgView), org_api::list_people)
        .post("/api/v1/people", Access::Perm(Perm::PeopleManage), org_api::create_person)
        .get("/api/v1/people/{id}", Access::Perm(Perm::OrgView), org_api::get_person)
        .patch("/api/v1/people/{id}", Access::Perm(Perm::PeopleManage), org_api::patch_person)
        .get("/api/v1/users", Access::Perm(Perm::UserView), list_users)
        .post("/api/v1/users", Access::Perm(Perm::UserManage), create_user)
        .get("/api/v1/users/{id}", Access::Perm(Perm::UserView), get_user)
        .patch("/api/v1/users/{id}", Access::Perm(Perm::UserManage), patch_user)
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("ql_…").build()),
        );
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("qinglian_sid"))));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "清廉 Qinglian API", version = "1", description = "司法行政系统党风廉政建设监督平台。错误统一为 {code, message, field}，4xx 状态码。用 Cookie 会话调用写接口时须带 X-CSRF-Token 头。"),
    paths(
        me,
        org_api::list_units, org_api::get_unit, org_api::create_unit, org_api::patch_unit, org_api::delete_unit,
        org_api::list_people, org_api::get_person, org_api::create_person, org_api::patch_person,
        list_users, get_user, create_user, patch_user,
        risk_api::list, risk_api::get, risk_api::create, risk_api::patch, risk_api::delete, risk_api::add_measure,
        risk_api::reviews, risk_api::add_review, risk_api::campaigns, risk_api::create_campaign, risk_api::campaign,
        risk_api::sign_off, risk_api::close, risk_api::heatmap,
        rect_api::batches, rect_api::create_batch, rect_api::batch, rect_api::patch_batch, rect_api::import,
        rect_api::create_problem, rect_api::problems, rect_api::problem, rect_api::patch_problem,
        rect_api::delete_problem, rect_api::events, rect_api::progress, rect_api::submit, rect_api::return_back,
        rect_api::close, rect_api::reopen, rect_api::stats,
        inbox::api_list, inbox::api_read, inbox::api_read_all,
        disc_api::clues, disc_api::create_clue, disc_api::clue, disc_api::update_clue, disc_api::dispose_clue,
        disc_api::measures, disc_api::create_measure, disc_api::measure, disc_api::update_measure,
        disc_api::delete_measure, disc_api::lift_measure, disc_api::standing, disc_api::dossier, disc_api::stats,
        disc_api::opinions, disc_api::create_opinion, disc_api::opinion, disc_api::answer_opinion,
        duty_api::lists, duty_api::create_list, duty_api::list, duty_api::add_item, duty_api::update_item,
        duty_api::set_targets, duty_api::publish, duty_api::tasks, duty_api::task, duty_api::submit_record,
        duty_api::review, duty_api::matrix, duty_api::scores, duty_api::reports, duty_api::contacts,
        duty_api::create_contact, duty_api::create_visit, duty_api::visit_to_rect,
    ),
    components(schemas(
        ApiError, Me, org_api::UnitResponse, org_api::PersonResponse, org_api::UnitPatch, org_api::PersonPatch,
        domain::UnitInput, domain::PersonInput, UserResponse, GrantResponse, NewUserBody, UserPatch, ImportSummary,
        risk_api::RiskResponse, risk_api::RiskPatch, risk_api::DeleteBody, risk_api::MeasureResponse, risk_api::ReviewResponse,
        risk_api::CampaignResponse, risk_api::SignOffBody, risk_api::HeatCellResponse, risk_domain::RiskInput,
        risk_domain::MeasureInput, risk_domain::ReviewInput, risk_domain::CampaignInput,
        rect_api::BatchResponse, rect_api::BatchDetail, rect_api::UnitStats, rect_api::ProblemResponse,
        rect_api::ReasonBody, rect_api::FileResponse, rect_api::EventResponse, rect_api::TextBody,
        rect_api::StatsResponse, rect_domain::BatchInput, rect_domain::ProblemInput, rect_domain::Stats,
        rect_sheet::ImportSummary, inbox::NotificationResponse, inbox::NotificationPage, inbox::ReadAllResponse,
        disc_api::PersonRef, disc_api::ClueResponse, disc_api::PeriodResponse, disc_api::MeasureResponse,
        disc_api::ReasonBody, disc_api::BlockerResponse, disc_api::StandingResponse, disc_api::DossierResponse,
        disc_api::OpinionItemResponse, disc_api::OpinionResponse, disc_domain::ClueInput, disc_domain::DisposalInput,
        disc_domain::MeasureInput, disc_domain::FormCount, disc_service::LiftInput, disc_service::RequestInput,
        disc_service::AnswerInput, disc_service::AnswerItem, disc_service::StatsView, disc_service::StatsRow,
        disc_dossier::Entry,
        duty_api::ItemResponse, duty_api::TargetResponse, duty_api::ListResponse, duty_api::NewListBody,
        duty_api::PublishBody, duty_api::TaskResponse, duty_api::RecordResponse, duty_api::TaskDetail,
        duty_api::MatrixResponse, duty_api::ContactResponse, duty_api::VisitResponse, duty_domain::ListInput,
        duty_domain::ItemInput, duty_domain::RecordInput, duty_domain::Score, duty_domain::ScoreLine,
        duty_pages::MatrixRow, duty_pages::Cell, duty_service::TargetsInput, duty_service::SyncReport,
        duty_service::ReviewInput, duty_service::Ranked, duty_service::Expected, duty_service::ContactInput,
        duty_service::VisitInput, duty_service::ToRectInput,
    )),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    tags((name = "org", description = "组织机构与人员"), (name = "accounts", description = "账号"), (name = "risk", description = "廉政风险防控"), (name = "rectify", description = "整改台账"), (name = "inbox", description = "站内消息"), (name = "discipline", description = "监督执纪：问题线索、处置措施、四种形态、廉政档案、廉政意见回复"), (name = "duty", description = "主体责任：责任清单、任务分解、履责纪实、考评、述职述廉、联系点"))
)]
pub struct ApiDoc;

/// The error body every 4xx/5xx answer carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable machine code: invalid, not_found, conflict, forbidden, unauthenticated, …
    pub code: String,
    /// Human message in the caller's language (zh-CN by default).
    pub message: String,
    /// The offending field, when there is one.
    pub field: Option<String>,
}

async fn openapi_json() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}

/// Who am I.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<GrantResponse>,
    pub permissions: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = ApiError)))]
pub async fn me(ctx: Ctx) -> AppResult<Json<Me>> {
    let p = ctx.user()?;
    let mut perms: Vec<String> =
        p.grants.iter().flat_map(|g| g.role.perms().iter().map(|x| x.code().to_string())).collect();
    perms.sort();
    perms.dedup();
    Ok(Json(Me {
        id: p.user_uuid,
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        roles: p
            .grants
            .iter()
            .map(|g| GrantResponse { role: g.role.code().into(), unit: g.unit_name.clone() })
            .collect(),
        permissions: perms,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct UsersParams {
    /// Part of the username or name.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

fn user_scope(ctx: &Ctx) -> Scope {
    Scope::from_paths(
        ctx.scope(Perm::UserView).prefixes().iter().chain(ctx.scope(Perm::UserManage).prefixes()).cloned(),
    )
}

#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(UsersParams), responses((status = 200, body = org_api::Page<UserResponse>)))]
pub async fn list_users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UsersParams>,
) -> AppResult<Json<org_api::Page<UserResponse>>> {
    let (page, per_page) = org_api::Paging { page: q.page, per_page: q.per_page }.resolve();
    let (rows, total) =
        accounts_repo::list_users(&state.db.read, &user_scope(&ctx), q.q.as_deref(), page, per_page).await?;
    let mut items = Vec::with_capacity(rows.len());
    for u in rows {
        items.push(user_response(&state, &ctx, u).await?);
    }
    Ok(Json(org_api::Page { items, total, page, per_page }))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = UserResponse), (status = 404, body = ApiError)))]
pub async fn get_user(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
) -> AppResult<Json<UserResponse>> {
    let perm = if ctx.can(Perm::UserManage) { Perm::UserManage } else { Perm::UserView };
    let u = users::user_in_scope(&state, &ctx, perm, id).await?;
    Ok(Json(user_response(&state, &ctx, u).await?))
}

/// A new account for a person on the roster.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// The person's 人员编号.
    pub staff_no: String,
    pub username: String,
}

/// The new account and its one-time password (shown only in this response).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewUserResponse {
    pub user: UserResponse,
    pub one_time_password: String,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUserBody, responses((status = 201, body = NewUserResponse), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_user(State(state): State<AppState>, ctx: Ctx, Json(b): Json<NewUserBody>) -> AppResult<Response> {
    let (u, pw) = users::create_user(&state, &ctx, &NewUserForm { staff_no: b.staff_no, username: b.username }).await?;
    let user = user_response(&state, &ctx, u).await?;
    Ok((StatusCode::CREATED, Json(NewUserResponse { user, one_time_password: pw })).into_response())
}

/// Changes to an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// `true` disables the account and ends all its sessions at once.
    pub disabled: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "accounts", params(("id" = uuid::Uuid, Path)), request_body = UserPatch, responses((status = 200, body = UserResponse), (status = 404, body = ApiError)))]
pub async fn patch_user(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(p): Json<UserPatch>,
) -> AppResult<Json<UserResponse>> {
    let u = match p.disabled {
        Some(d) => users::set_disabled(&state, &ctx, id, d).await?,
        None => users::user_in_scope(&state, &ctx, Perm::UserManage, id).await?,
    };
    Ok(Json(user_response(&state, &ctx, u).await?))
}
