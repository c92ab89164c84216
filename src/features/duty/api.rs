//! JSON API of 主体责任: lists with items and targets, publishing, tasks, 履责纪实 and review,
//! the matrix, scores, 述职述廉 collection, contact units and visits. Errors: `{code, message,
//! field}` with a 4xx status; out-of-scope objects answer 404.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    domain::{ItemInput, ListInput, RecordInput},
    entity::{item, list, record, task},
    pages::{MatrixQuery, MatrixRow, ScoreQuery, TaskQuery, matrix_rows, task_rows},
    repo, service,
    service::{ContactInput, Expected, Ranked, ReviewInput, SyncReport, TargetsInput, ToRectInput, VisitInput},
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
pub struct ItemResponse {
    pub id: uuid::Uuid,
    pub seq: i32,
    /// party_group / secretary / member / supervision / local
    pub category: String,
    pub content: String,
    /// monthly / quarterly / half_year / annual / once
    pub cadence: String,
    pub once_on: Option<NaiveDate>,
    /// working / calendar
    pub rule_kind: String,
    pub rule_days: i32,
    pub evidence: String,
    pub weight: i32,
    /// unit / leader
    pub target: String,
    pub withdrawn: bool,
    pub version: i32,
}

fn item_response(i: &item::Model) -> ItemResponse {
    ItemResponse {
        id: i.uuid,
        seq: i.seq,
        category: i.category.clone(),
        content: i.content.clone(),
        cadence: i.cadence.clone(),
        once_on: i.once_on,
        rule_kind: i.rule_kind.clone(),
        rule_days: i.rule_days,
        evidence: i.evidence.clone(),
        weight: i.weight,
        target: i.target.clone(),
        withdrawn: i.withdrawn_at.is_some(),
        version: i.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetResponse {
    pub unit: uuid::Uuid,
    pub unit_name: String,
    /// Set for a named leader.
    pub leader: Option<uuid::Uuid>,
    pub leader_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse {
    pub id: uuid::Uuid,
    pub unit: uuid::Uuid,
    pub unit_name: String,
    pub year: i32,
    pub title: String,
    /// draft / published
    pub status: String,
    pub starts_on: NaiveDate,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i32,
    /// Present on a single list.
    pub items: Option<Vec<ItemResponse>>,
    pub targets: Option<Vec<TargetResponse>>,
}

fn list_response(l: &list::Model, unit: &crate::features::org::entity::unit::Model) -> ListResponse {
    ListResponse {
        id: l.uuid,
        unit: unit.uuid,
        unit_name: unit.name.clone(),
        year: l.year,
        title: l.title.clone(),
        status: l.status.clone(),
        starts_on: l.starts_on,
        published_at: l.published_at,
        version: l.version,
        items: None,
        targets: None,
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    pub year: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/duty/lists", tag = "duty", params(ListParams), responses((status = 200, body = Vec<ListResponse>)))]
pub async fn lists(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Vec<ListResponse>>> {
    let found = repo::visible_lists(&state.db.read, &ctx.scope(Perm::DutyView), service::me(&ctx), p.year).await?;
    Ok(Json(found.iter().map(|(l, u)| list_response(l, u)).collect()))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct NewListBody {
    /// The publishing unit (UUID).
    pub unit: String,
    #[serde(flatten)]
    pub list: ListInput,
}

#[utoipa::path(post, path = "/api/v1/duty/lists", tag = "duty", request_body = NewListBody, responses((status = 201, body = ListResponse), (status = 409), (status = 422)))]
pub async fn create_list(State(state): State<AppState>, ctx: Ctx, Json(b): Json<NewListBody>) -> AppResult<Response> {
    let unit = crate::fields::uuid("unit", "duty.list_unit", &b.unit, "org.unit_not_found")?;
    let l = service::create_list(&state, &ctx, unit, &b.list).await?;
    Ok((StatusCode::CREATED, Json(full_list(&state, &ctx, l.uuid).await?)).into_response())
}

async fn full_list(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<ListResponse> {
    let (l, u) = service::list_in_scope(state, ctx, id).await?;
    let db = &state.db.read;
    let items = repo::items_of(db, l.id).await?;
    let targets = repo::targets_of(db, l.id).await?;
    let units: std::collections::HashMap<i64, crate::features::org::entity::unit::Model> =
        org_repo::units_by_ids(db, &targets.iter().map(|t| t.unit_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|x| (x.id, x))
            .collect();
    let people = crate::features::rectify::repo::people_by_id(db, targets.iter().filter_map(|t| t.person_id)).await?;
    let mut r = list_response(&l, &u);
    r.items = Some(items.iter().map(item_response).collect());
    r.targets = Some(
        targets
            .iter()
            .filter_map(|t| {
                let tu = units.get(&t.unit_id)?;
                let p = t.person_id.and_then(|p| people.get(&p));
                Some(TargetResponse {
                    unit: tu.uuid,
                    unit_name: tu.name.clone(),
                    leader: p.map(|p| p.uuid),
                    leader_name: p.map(|p| p.name.clone()),
                })
            })
            .collect(),
    );
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/duty/lists/{id}", tag = "duty", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = ListResponse), (status = 404)))]
pub async fn list(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Json<ListResponse>> {
    let r = full_list(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "duty_list.read", "duty_list", id).await?;
    Ok(Json(r))
}

#[utoipa::path(post, path = "/api/v1/duty/lists/{id}/items", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = ItemInput, responses((status = 201, body = ItemResponse), (status = 404), (status = 422)))]
pub async fn add_item(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ItemInput>,
) -> AppResult<Response> {
    let i = service::add_item(&state, &ctx, id, &input).await?;
    Ok((StatusCode::CREATED, Json(item_response(&i))).into_response())
}

#[utoipa::path(patch, path = "/api/v1/duty/items/{id}", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = ItemInput, responses((status = 200, body = ItemResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn update_item(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ItemInput>,
) -> AppResult<Json<ItemResponse>> {
    let i = service::update_item(&state, &ctx, id, &input).await?;
    Ok(Json(item_response(&i)))
}

#[utoipa::path(put, path = "/api/v1/duty/lists/{id}/targets", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = TargetsInput, responses((status = 200, body = ListResponse), (status = 404), (status = 422)))]
pub async fn set_targets(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<TargetsInput>,
) -> AppResult<Json<ListResponse>> {
    service::set_targets(&state, &ctx, id, &input).await?;
    Ok(Json(full_list(&state, &ctx, id).await?))
}

#[derive(Debug, Default, serde::Deserialize, ToSchema)]
pub struct PublishBody {
    /// The list's version (optimistic lock).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/duty/lists/{id}/publish", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = PublishBody, responses((status = 200, body = SyncReport), (status = 404), (status = 409), (status = 422)))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(b): Json<PublishBody>,
) -> AppResult<Json<SyncReport>> {
    Ok(Json(service::publish(&state, &ctx, id, b.version.as_deref()).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskResponse {
    pub id: uuid::Uuid,
    pub list: uuid::Uuid,
    pub item: uuid::Uuid,
    pub content: String,
    pub assignee: String,
    /// e.g. 2026-03, 2026-Q1, 2026-H1, 2026
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_on: NaiveDate,
    /// open / submitted / returned / accepted
    pub status: String,
    /// green / blue / yellow / red while open
    pub colour: Option<String>,
    pub days_late: Option<i32>,
    /// excellent / good / fair / poor
    pub rating: Option<String>,
    pub version: i32,
}

async fn task_responses(state: &AppState, ctx: &Ctx, list: Vec<task::Model>) -> AppResult<Vec<TaskResponse>> {
    let db = &state.db.read;
    let item_ids: Vec<i64> = list.iter().map(|t| t.item_id).collect();
    let items = repo::items_by_ids(db, &item_ids).await?;
    let list_ids: Vec<i64> =
        list.iter().map(|t| t.list_id).collect::<std::collections::HashSet<_>>().into_iter().collect();
    let mut lists = std::collections::HashMap::new();
    for id in list_ids {
        if let Some(l) = repo::find_list(db, id).await? {
            lists.insert(id, l.uuid);
        }
    }
    let rows = task_rows(state, ctx, list).await?;
    Ok(rows
        .into_iter()
        .map(|r| TaskResponse {
            id: r.t.uuid,
            list: lists.get(&r.t.list_id).copied().unwrap_or_default(),
            item: items.get(&r.t.item_id).map(|i| i.uuid).unwrap_or_default(),
            content: r.item,
            assignee: r.owner,
            period: r.t.period.clone(),
            period_start: r.t.period_start,
            period_end: r.t.period_end,
            due_on: r.t.due_on,
            status: r.t.status.clone(),
            colour: (!r.colour.is_empty()).then(|| r.colour.to_string()),
            days_late: r.t.days_late,
            rating: r.t.rating.and_then(super::domain::Rating::from_level).map(|x| x.code().to_string()),
            version: r.t.version,
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/duty/tasks", tag = "duty", params(TaskQuery), responses((status = 200, body = Page<TaskResponse>), (status = 422)))]
pub async fn tasks(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TaskQuery>,
) -> AppResult<Json<Page<TaskResponse>>> {
    let (page, per_page) = Paging { page: q.page, per_page: q.per_page }.resolve();
    let (_, v, f) = q.resolve(&ctx)?;
    let (list, total) = repo::page_tasks(&state.db.read, &v, &f, page, per_page).await?;
    let items = task_responses(&state, &ctx, list).await?;
    Ok(Json(Page { items, total, page, per_page }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordResponse {
    pub id: uuid::Uuid,
    pub done_on: NaiveDate,
    pub place: String,
    pub participants: String,
    pub content: String,
    pub submitted_by: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub days_late: i32,
    /// pending / accepted / returned
    pub outcome: String,
    pub review_note: String,
    pub reviewer: String,
    pub files: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetail {
    pub task: TaskResponse,
    pub records: Vec<RecordResponse>,
}

fn record_response(r: &record::Model, files: Vec<String>) -> RecordResponse {
    RecordResponse {
        id: r.uuid,
        done_on: r.done_on,
        place: r.place.clone(),
        participants: r.participants.clone(),
        content: r.content.clone(),
        submitted_by: r.submitter_name.clone(),
        submitted_at: r.submitted_at,
        days_late: r.days_late,
        outcome: r.outcome.clone(),
        review_note: r.review_note.clone(),
        reviewer: r.reviewer_name.clone(),
        files,
    }
}

async fn task_detail(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<TaskDetail> {
    let (t, ..) = service::task_in_scope(state, ctx, id).await?;
    let recs = repo::records_of(&state.db.read, t.id).await?;
    let files =
        crate::files::list_for(&state.db.read, "duty_record", &recs.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let records = recs
        .iter()
        .map(|r| record_response(r, files.iter().filter(|f| f.owner_id == r.id).map(|f| f.filename.clone()).collect()))
        .collect();
    let task = task_responses(state, ctx, vec![t]).await?.pop().ok_or(AppError::NotFound)?;
    Ok(TaskDetail { task, records })
}

#[utoipa::path(get, path = "/api/v1/duty/tasks/{id}", tag = "duty", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = TaskDetail), (status = 404)))]
pub async fn task(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Json<TaskDetail>> {
    let d = task_detail(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "duty_task.read", "duty_task", id).await?;
    Ok(Json(d))
}

#[utoipa::path(post, path = "/api/v1/duty/tasks/{id}/records", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = RecordInput, responses((status = 201, body = TaskDetail), (status = 404), (status = 409), (status = 422)))]
pub async fn submit_record(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<RecordInput>,
) -> AppResult<Response> {
    service::submit_record(&state, &ctx, id, &input, Vec::new()).await?;
    Ok((StatusCode::CREATED, Json(task_detail(&state, &ctx, id).await?)).into_response())
}

#[utoipa::path(post, path = "/api/v1/duty/tasks/{id}/review", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = ReviewInput, responses((status = 200, body = TaskDetail), (status = 404), (status = 409), (status = 422)))]
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ReviewInput>,
) -> AppResult<Json<TaskDetail>> {
    service::review(&state, &ctx, id, &input).await?;
    Ok(Json(task_detail(&state, &ctx, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixResponse {
    pub year: i32,
    pub rows: Vec<MatrixRow>,
}

#[utoipa::path(get, path = "/api/v1/duty/matrix", tag = "duty", params(MatrixQuery), responses((status = 200, body = MatrixResponse), (status = 422)))]
pub async fn matrix(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MatrixQuery>,
) -> AppResult<Json<MatrixResponse>> {
    let (year, rows) = matrix_rows(&state, &ctx, &q).await?;
    let ev = Event::new("duty.matrix", "duty_task", "")
        .detail(serde_json::json!({"year": year, "rows": rows.len(), "api": true}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(Json(MatrixResponse { year, rows }))
}

#[utoipa::path(get, path = "/api/v1/duty/scores", tag = "duty", params(ScoreQuery), responses((status = 200, body = Vec<Ranked>)))]
pub async fn scores(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ScoreQuery>,
) -> AppResult<Json<Vec<Ranked>>> {
    let year = q.year.as_deref().and_then(|s| s.parse().ok()).unwrap_or(chrono::Datelike::year(&ctx.today));
    let leaders = q.by.as_deref() == Some("leader");
    let rows = service::ranking(&state, &ctx, year, leaders).await?;
    let ev = Event::new("duty.scores", "duty_task", "")
        .detail(serde_json::json!({"year": year, "rows": rows.len(), "api": true}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(Json(rows))
}

#[utoipa::path(get, path = "/api/v1/duty/reports", tag = "duty", params(ListParams), responses((status = 200, body = Vec<Expected>)))]
pub async fn reports(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Vec<Expected>>> {
    let year = p.year.unwrap_or(chrono::Datelike::year(&ctx.today));
    Ok(Json(service::collection(&state, &ctx, year).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    pub id: uuid::Uuid,
    pub year: i32,
    pub leader: uuid::Uuid,
    pub unit: uuid::Uuid,
    pub visits: Vec<VisitResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitResponse {
    pub id: uuid::Uuid,
    pub visited_on: NaiveDate,
    pub content: String,
    pub problems: String,
    pub sent_to_ledger: bool,
}

#[utoipa::path(get, path = "/api/v1/duty/contacts", tag = "duty", params(ListParams), responses((status = 200, body = Vec<ContactResponse>)))]
pub async fn contacts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Vec<ContactResponse>>> {
    let db = &state.db.read;
    let year = p.year.unwrap_or(chrono::Datelike::year(&ctx.today));
    let list = repo::contacts(db, &ctx.scope(Perm::DutyView), service::me(&ctx), year).await?;
    let visits = repo::visits_of(db, &list.iter().map(|c| c.id).collect::<Vec<_>>()).await?;
    let people = crate::features::rectify::repo::people_by_id(db, list.iter().map(|c| c.person_id)).await?;
    let units: std::collections::HashMap<i64, uuid::Uuid> =
        org_repo::units_by_ids(db, &list.iter().map(|c| c.unit_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|u| (u.id, u.uuid))
            .collect();
    Ok(Json(
        list.iter()
            .map(|c| ContactResponse {
                id: c.uuid,
                year: c.year,
                leader: people.get(&c.person_id).map(|p| p.uuid).unwrap_or_default(),
                unit: units.get(&c.unit_id).copied().unwrap_or_default(),
                visits: visits
                    .iter()
                    .filter(|v| v.contact_id == c.id)
                    .map(|v| VisitResponse {
                        id: v.uuid,
                        visited_on: v.visited_on,
                        content: v.content.clone(),
                        problems: v.problems.clone(),
                        sent_to_ledger: v.rect_problem_id.is_some(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/duty/contacts", tag = "duty", request_body = ContactInput, responses((status = 201), (status = 409), (status = 422)))]
pub async fn create_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ContactInput>,
) -> AppResult<Response> {
    let c = service::add_contact(&state, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": c.uuid, "year": c.year}))).into_response())
}

#[utoipa::path(post, path = "/api/v1/duty/contacts/{id}/visits", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = VisitInput, responses((status = 201, body = VisitResponse), (status = 404), (status = 422)))]
pub async fn create_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<VisitInput>,
) -> AppResult<Response> {
    let v = service::add_visit(&state, &ctx, id, &input).await?;
    let body = VisitResponse {
        id: v.uuid,
        visited_on: v.visited_on,
        content: v.content,
        problems: v.problems,
        sent_to_ledger: false,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[utoipa::path(post, path = "/api/v1/duty/visits/{id}/rect", tag = "duty", params(("id" = uuid::Uuid, Path)), request_body = ToRectInput, responses((status = 201), (status = 404), (status = 409), (status = 422)))]
pub async fn visit_to_rect(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Json(input): Json<ToRectInput>,
) -> AppResult<Response> {
    let p = service::visit_to_rect(&state, &ctx, id, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"problem": p.uuid, "link": format!("/rect/{}", p.uuid)})))
        .into_response())
}
