//! 用户账号 (系统管理员): accounts linked to people, one-time initial passwords, resets,
//! disabling (which ends every session at once). Unlocking before the lock expires is the
//! 安全管理员's.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::{
    audit::{self, Event},
    auth::{self, entity::user, lockout::LockState, password},
    authz::{Grant, Perm, repo::load_grants},
    error::{AppError, AppResult},
    features::{
        accounts::repo::{self, NewUser},
        org::{repo as org_repo, service::deny},
    },
    fields,
    ids::UserId,
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout, Pager,
        extract::{Form, PathUuid, Query},
        middleware::redirect_with_flash,
        render, render_status,
    },
};

pub const PER_PAGE: u64 = 20;

/// An account the caller may see under `perm`, or 404 (audited).
pub async fn user_in_scope(state: &AppState, ctx: &Ctx, perm: Perm, id: uuid::Uuid) -> AppResult<user::Model> {
    let u = repo::find_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    if !repo::user_in_scope(&state.db.read, &ctx.scope(perm), u.id).await? {
        return Err(deny(state, ctx, "user", id).await);
    }
    Ok(u)
}

/// An account row for lists.
pub struct UserRow {
    pub u: user::Model,
    pub roles: String,
    pub locked: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    l: Layout,
    q: String,
    rows: Vec<UserRow>,
    pager: Pager,
    can_manage: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<UsersQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let scope = ctx
        .scope(Perm::UserView)
        .prefixes()
        .iter()
        .chain(ctx.scope(Perm::UserManage).prefixes())
        .cloned()
        .collect::<Vec<_>>();
    let scope = crate::authz::Scope::from_paths(scope);
    let (users, total) = repo::list_users(&state.db.read, &scope, q.q.as_deref(), page, PER_PAGE).await?;
    let mut rows = Vec::new();
    for u in users {
        let grants = load_grants(&state.db.read, UserId(u.id)).await?;
        let roles = grants
            .iter()
            .map(|g| format!("{}·{}", t.get(g.role.label_key()), g.unit_name))
            .collect::<Vec<_>>()
            .join("；");
        let locked = u.locked_until.is_some_and(|l| l > ctx.now);
        rows.push(UserRow { u, roles, locked });
    }
    let base =
        q.q.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| serde_urlencoded::to_string([("q", s)]).unwrap_or_default())
            .unwrap_or_default();
    let l =
        Layout::new(&ctx, t.get("nav.users"), "users").crumb(t.get("nav.system"), None).crumb(t.get("nav.users"), None);
    Ok(render(&UsersPage {
        l,
        q: q.q.unwrap_or_default(),
        rows,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: base },
        can_manage: ctx.can(Perm::UserManage),
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub staff_no: String,
    #[serde(default)]
    pub username: String,
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    l: Layout,
    form: NewUserForm,
    errors: FormErrors,
}

pub async fn new_form(ctx: Ctx) -> AppResult<Response> {
    let t = ctx.t();
    let l = Layout::new(&ctx, t.get("account.new"), "users")
        .crumb(t.get("nav.users"), Some("/admin/users"))
        .crumb(t.get("account.new"), None);
    Ok(render(&NewUserPage { l, form: NewUserForm::default(), errors: FormErrors::default() }))
}

#[derive(Template)]
#[template(path = "admin/user_password.html")]
struct PasswordShownPage {
    l: Layout,
    username: String,
    display_name: String,
    password: String,
    hours: u32,
    user_uuid: String,
}

/// Create an account for a person (by 人员编号) with a one-time password shown once.
pub async fn create_user(state: &AppState, ctx: &Ctx, form: &NewUserForm) -> AppResult<(user::Model, String)> {
    let staff_no = fields::code("staff_no", "person.staff_no", &form.staff_no, 32)?;
    let username = auth::normalize_username(&fields::text("username", "auth.username", &form.username, 32)?);
    if !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-') || username.len() < 3 {
        return Err(AppError::invalid("username", "auth.username", "account.username_chars"));
    }
    let person = org_repo::find_person_by_staff_no(&state.db.read, &staff_no)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| AppError::invalid("staff_no", "person.staff_no", "account.person_not_found"))?;
    let unit = org_repo::find_unit(&state.db.read, person.unit_id).await?.ok_or(AppError::NotFound)?;
    if !ctx.scope(Perm::UserManage).contains(&unit.path) {
        let _ = deny(state, ctx, "person", person.uuid).await;
        return Err(AppError::invalid("staff_no", "person.staff_no", "account.person_not_found"));
    }
    let policy = state.policy().await;
    let pw = crate::crypto::one_time_password();
    let hash = password::hash_async(pw.clone()).await;
    let txn = state.db.begin().await?;
    let u = repo::insert_user(
        &txn,
        NewUser {
            username,
            display_name: person.name.clone(),
            person_id: Some(person.id),
            password_hash: hash,
            must_change_password: true,
            temp_password_expires_at: Some(ctx.now + Duration::hours(policy.temp_password_hours.into())),
        },
        ctx.now,
    )
    .await?;
    let ev = Event::new("user.create", "user", u.uuid)
        .unit(unit.id)
        .detail(serde_json::json!({"username": u.username, "person": person.uuid}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok((u, pw))
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(form): Form<NewUserForm>) -> AppResult<Response> {
    let t = ctx.t();
    match create_user(&state, &ctx, &form).await {
        Ok((u, pw)) => {
            let l =
                Layout::new(&ctx, t.get("account.created"), "users").crumb(t.get("nav.users"), Some("/admin/users"));
            let hours = state.policy().await.temp_password_hours;
            Ok(render(&PasswordShownPage {
                l,
                username: u.username,
                display_name: u.display_name,
                password: pw,
                hours,
                user_uuid: u.uuid.to_string(),
            }))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, t)?;
            let l = Layout::new(&ctx, t.get("account.new"), "users").crumb(t.get("nav.users"), Some("/admin/users"));
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &NewUserPage { l, form, errors }))
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    l: Layout,
    u: user::Model,
    grants: Vec<Grant>,
    person: Option<(String, String)>,
    locked_until: Option<chrono::DateTime<chrono::Utc>>,
    sessions: usize,
    can_manage: bool,
    can_unlock: bool,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let t = ctx.t();
    let perm = if ctx.can(Perm::UserManage) { Perm::UserManage } else { Perm::UserView };
    let u = user_in_scope(&state, &ctx, perm, id).await?;
    let grants = load_grants(&state.db.read, UserId(u.id)).await?;
    let person = match u.person_id {
        Some(pid) => org_repo::find_person(&state.db.read, pid).await?.map(|p| (p.uuid.to_string(), p.name)),
        None => None,
    };
    let sessions = auth::list_user_sessions(&state.db.read, UserId(u.id)).await?.len();
    let locked_until = u.locked_until.filter(|l| *l > ctx.now);
    let l = Layout::new(&ctx, u.username.clone(), "users")
        .crumb(t.get("nav.users"), Some("/admin/users"))
        .crumb(u.username.clone(), None);
    Ok(render(&UserPage {
        l,
        grants,
        person,
        locked_until,
        sessions,
        can_manage: ctx.can(Perm::UserManage),
        can_unlock: ctx.can(Perm::SecurityPolicy),
        u,
    }))
}

/// Give a user a new one-time password and end their sessions.
pub async fn reset_password(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let t = ctx.t();
    let u = user_in_scope(&state, &ctx, Perm::UserManage, id).await?;
    let policy = state.policy().await;
    let pw = crate::crypto::one_time_password();
    let hash = password::hash_async(pw.clone()).await;
    let txn = state.db.begin().await?;
    repo::set_password(
        &txn,
        u.id,
        &hash,
        true,
        Some(ctx.now + Duration::hours(policy.temp_password_hours.into())),
        ctx.now,
    )
    .await?;
    let ended = auth::delete_user_sessions(&txn, UserId(u.id), None).await?;
    let ev = Event::new("user.password_reset", "user", u.uuid).detail(serde_json::json!({"sessions_ended": ended}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    let l = Layout::new(&ctx, t.get("account.reset_done"), "users").crumb(t.get("nav.users"), Some("/admin/users"));
    Ok(render(&PasswordShownPage {
        l,
        username: u.username,
        display_name: u.display_name,
        password: pw,
        hours: policy.temp_password_hours,
        user_uuid: u.uuid.to_string(),
    }))
}

/// Disable (ending every session at once) or enable an account.
pub async fn set_disabled(state: &AppState, ctx: &Ctx, id: uuid::Uuid, disabled: bool) -> AppResult<user::Model> {
    let u = user_in_scope(state, ctx, Perm::UserManage, id).await?;
    if ctx.principal.as_ref().is_some_and(|p| p.user_id.0 == u.id) && disabled {
        return Err(AppError::conflict(None, "account.cannot_disable_self"));
    }
    let txn = state.db.begin().await?;
    repo::set_disabled(&txn, u.id, disabled, ctx.now).await?;
    let ended = if disabled { auth::delete_user_sessions(&txn, UserId(u.id), None).await? } else { 0 };
    let ev = Event::new(if disabled { "user.disable" } else { "user.enable" }, "user", u.uuid)
        .detail(serde_json::json!({"disabled": {"from": u.disabled, "to": disabled}, "sessions_ended": ended}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    auth::find_user(&state.db.read, UserId(u.id)).await?.ok_or(AppError::NotFound)
}

pub async fn disable(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    set_disabled(&state, &ctx, id, true).await?;
    Ok(redirect_with_flash(&format!("/admin/users/{id}"), "flash.user_disabled", state.settings.secure_cookies()))
}

pub async fn enable(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    set_disabled(&state, &ctx, id, false).await?;
    Ok(redirect_with_flash(&format!("/admin/users/{id}"), "flash.user_enabled", state.settings.secure_cookies()))
}

/// Lift a login lock early (安全管理员).
pub async fn unlock(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let u = user_in_scope(&state, &ctx, Perm::SecurityPolicy, id).await?;
    let txn = state.db.begin().await?;
    repo::save_lock_state(&txn, u.id, &LockState::default()).await?;
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), Event::new("user.unlock", "user", u.uuid), ctx.now)
        .await?;
    txn.commit().await?;
    Ok(redirect_with_flash(&format!("/admin/users/{id}"), "flash.saved", state.settings.secure_cookies()))
}

/// An account as the API shows it (never the hash, never the lock internals).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserResponse {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub person: Option<uuid::Uuid>,
    pub disabled: bool,
    pub locked: bool,
    pub must_change_password: bool,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
    pub roles: Vec<GrantResponse>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantResponse {
    pub role: String,
    pub unit: String,
}

pub async fn user_response(state: &AppState, ctx: &Ctx, u: user::Model) -> AppResult<UserResponse> {
    let person = match u.person_id {
        Some(pid) => org_repo::find_person(&state.db.read, pid).await?.map(|p| p.uuid),
        None => None,
    };
    let roles = load_grants(&state.db.read, UserId(u.id))
        .await?
        .into_iter()
        .map(|g| GrantResponse { role: g.role.code().into(), unit: g.unit_name })
        .collect();
    Ok(UserResponse {
        id: u.uuid,
        username: u.username,
        display_name: u.display_name,
        person,
        disabled: u.disabled,
        locked: u.locked_until.is_some_and(|l| l > ctx.now),
        must_change_password: u.must_change_password,
        last_login_at: u.last_login_at,
        roles,
    })
}
