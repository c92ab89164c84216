//! 消息 (in-app notification inbox): deadline warnings and escalations, the daily digest.
//! Each user reads the notices of the person their account belongs to. Opening a notice marks
//! it read (a POST, then a redirect to the object); the top bar shows the unread count.

pub mod entity;
pub mod repo;

use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};

use crate::{
    audit::Event,
    authz::Access,
    error::{AppError, AppResult},
    startup::AppState,
    web::{
        Ctx, Layout, Pager, Routes,
        extract::{Json, PathUuid, Query},
        middleware::redirect_with_flash,
        render,
        respond::see_other,
    },
};

pub const PER_PAGE: u64 = 20;

pub fn routes() -> Routes {
    Routes::new()
        .get("/inbox", Access::Authenticated, page)
        .post("/inbox/read-all", Access::Authenticated, read_all)
        .post("/inbox/{id}/open", Access::Authenticated, open)
        .get("/api/v1/notifications", Access::Authenticated, api_list)
        .post("/api/v1/notifications/read-all", Access::Authenticated, api_read_all)
        .post("/api/v1/notifications/{id}/read", Access::Authenticated, api_read)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// `1`: unread only.
    pub unread: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub struct Row {
    pub id: uuid::Uuid,
    pub text: String,
    pub level: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "inbox/list.html")]
struct InboxPage {
    l: Layout,
    rows: Vec<Row>,
    pager: Pager,
    unread_only: bool,
    unread: u64,
}

async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<InboxQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let person = ctx.user()?.person_id.map(|p| p.0);
    let unread_only = crate::fields::boolean(q.unread.as_deref());
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (list, total, unread) = match person {
        Some(pid) => {
            let (list, total) = repo::list(&state.db.read, pid, unread_only, page, PER_PAGE).await?;
            (list, total, repo::unread_count(&state.db.read, pid).await?)
        }
        None => (Vec::new(), 0, 0),
    };
    let rows = list
        .iter()
        .map(|n| Row {
            id: n.uuid,
            text: repo::text(t, n),
            level: n.level.clone(),
            when: t.datetime(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    let l = Layout::new(&ctx, t.get("inbox.title"), "inbox");
    Ok(render(&InboxPage {
        l,
        rows,
        pager: Pager {
            page,
            per_page: PER_PAGE,
            total,
            base_query: if unread_only { "unread=1".into() } else { String::new() },
        },
        unread_only,
        unread,
    }))
}

/// Mark read and go to the object. Another person's notice is a 404 (audited).
async fn open(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let Some(pid) = ctx.user()?.person_id else { return Err(AppError::NotFound) };
    match repo::mark_read(&state.db.write, pid.0, id, ctx.now).await? {
        Some(n) => {
            if n.read_at.is_none() {
                state.audit(&ctx.actor(), Event::new("notification.read", "notification", n.uuid)).await?;
            }
            // Links are written by the server ("/rect/…"); never follow anything else.
            let to = if n.link.starts_with('/') && !n.link.starts_with("//") { n.link.as_str() } else { "/inbox" };
            Ok(see_other(to))
        }
        None => Err(crate::features::org::service::deny(&state, &ctx, "notification", id).await),
    }
}

async fn read_all(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(pid) = ctx.user()?.person_id {
        let n = repo::mark_all_read(&state.db.write, pid.0, ctx.now).await?;
        if n > 0 {
            let ev = Event::new("notification.read_all", "person", pid.0).detail(serde_json::json!({"count": n}));
            state.audit(&ctx.actor(), ev).await?;
        }
    }
    Ok(redirect_with_flash("/inbox", "flash.saved", state.settings.secure_cookies()))
}

// ------------------------------------------------------------------ API

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationResponse {
    pub id: uuid::Uuid,
    pub kind: String,
    /// yellow / red / principal / info
    pub level: String,
    /// The notice in the caller's language.
    pub text: String,
    /// Where the notice points (a page path).
    pub link: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationResponse>,
    pub total: u64,
    pub unread: u64,
    pub page: u64,
    pub per_page: u64,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "inbox", params(InboxQuery), responses((status = 200, body = NotificationPage)))]
pub async fn api_list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<InboxQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let per_page = q.per_page.unwrap_or(PER_PAGE).clamp(1, 200);
    let Some(pid) = ctx.user()?.person_id.map(|p| p.0) else {
        return Ok(Json(NotificationPage { items: Vec::new(), total: 0, unread: 0, page, per_page }).into_response());
    };
    let (list, total) =
        repo::list(&state.db.read, pid, crate::fields::boolean(q.unread.as_deref()), page, per_page).await?;
    let unread = repo::unread_count(&state.db.read, pid).await?;
    let items = list
        .iter()
        .map(|n| NotificationResponse {
            id: n.uuid,
            kind: n.kind.clone(),
            level: n.level.clone(),
            text: repo::text(t, n),
            link: n.link.clone(),
            created_at: n.created_at,
            read_at: n.read_at,
        })
        .collect();
    Ok(Json(NotificationPage { items, total, unread, page, per_page }).into_response())
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "inbox", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 404)))]
pub async fn api_read(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let Some(pid) = ctx.user()?.person_id else { return Err(AppError::NotFound) };
    match repo::mark_read(&state.db.write, pid.0, id, ctx.now).await? {
        Some(n) => {
            if n.read_at.is_none() {
                state.audit(&ctx.actor(), Event::new("notification.read", "notification", n.uuid)).await?;
            }
            Ok(axum::http::StatusCode::NO_CONTENT.into_response())
        }
        None => Err(crate::features::org::service::deny(&state, &ctx, "notification", id).await),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadAllResponse {
    pub marked: u64,
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "inbox", responses((status = 200, body = ReadAllResponse)))]
pub async fn api_read_all(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut marked = 0;
    if let Some(pid) = ctx.user()?.person_id {
        marked = repo::mark_all_read(&state.db.write, pid.0, ctx.now).await?;
        if marked > 0 {
            let ev = Event::new("notification.read_all", "person", pid.0).detail(serde_json::json!({"count": marked}));
            state.audit(&ctx.actor(), ev).await?;
        }
    }
    Ok(Json(ReadAllResponse { marked }).into_response())
}
