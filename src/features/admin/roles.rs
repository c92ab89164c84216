//! 角色授权 (安全管理员): grant and revoke roles, each with a unit scope. Changes take effect on
//! the user's next request (the principal is loaded per request).

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use super::users::UserRow;
use crate::{
    audit::{self, Event},
    auth,
    authz::{Perm, Role, entity as ra, repo as authz_repo},
    error::{AppError, AppResult},
    features::{
        accounts::repo,
        org::{
            pages::{UnitOption, unit_options},
            repo as org_repo,
            service::deny,
        },
    },
    ids::{UnitId, UserId},
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout, Pager,
        extract::{Form, Query},
        middleware::redirect_with_flash,
        render_status,
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct RolesQuery {
    q: Option<String>,
    page: Option<u64>,
}

/// A grant as shown with its revoke form.
pub struct GrantRow {
    pub role_code: &'static str,
    pub role_key: &'static str,
    pub unit_uuid: String,
    pub unit_name: String,
}

#[derive(Template)]
#[template(path = "admin/roles.html")]
struct RolesPage {
    l: Layout,
    q: String,
    rows: Vec<(UserRow, Vec<GrantRow>)>,
    pager: Pager,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<UnitOption>,
    form: GrantForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub unit: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    q: RolesQuery,
    form: GrantForm,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let scope = ctx.scope(Perm::RoleGrant);
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (users, total) = repo::list_users(&state.db.read, &scope, q.q.as_deref(), page, super::users::PER_PAGE).await?;
    let mut rows = Vec::new();
    for u in users {
        let grants = authz_repo::load_grants(&state.db.read, UserId(u.id)).await?;
        let mut units = Vec::new();
        for g in &grants {
            if let Some(unit) = org_repo::find_unit(&state.db.read, g.unit_id.0).await? {
                units.push(GrantRow {
                    role_code: g.role.code(),
                    role_key: g.role.label_key(),
                    unit_uuid: unit.uuid.to_string(),
                    unit_name: unit.name,
                });
            }
        }
        let locked = u.locked_until.is_some_and(|l| l > ctx.now);
        rows.push((UserRow { u, roles: String::new(), locked }, units));
    }
    let units = org_repo::list_units(&state.db.read, &scope).await?;
    let base =
        q.q.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| serde_urlencoded::to_string([("q", s)]).unwrap_or_default())
            .unwrap_or_default();
    let l =
        Layout::new(ctx, t.get("nav.roles"), "roles").crumb(t.get("nav.system"), None).crumb(t.get("nav.roles"), None);
    Ok(render_status(
        status,
        &RolesPage {
            l,
            q: q.q.unwrap_or_default(),
            rows,
            pager: Pager { page, per_page: super::users::PER_PAGE, total, base_query: base },
            roles: Role::ALL.iter().map(|r| (r.code(), r.label_key())).collect(),
            units: unit_options(&units, Some(form.unit.as_str())),
            form,
            errors,
        },
    ))
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<RolesQuery>) -> AppResult<Response> {
    page(&state, &ctx, q, GrantForm::default(), FormErrors::default(), StatusCode::OK).await
}

/// Grant a role on a unit. Both the account and the unit must lie in the caller's scope.
pub async fn grant_role(state: &AppState, ctx: &Ctx, form: &GrantForm) -> AppResult<()> {
    let scope = ctx.scope(Perm::RoleGrant);
    let role = crate::fields::choice("role", "field.role", &form.role, Role::parse)?;
    let user = auth::find_user_by_name(&state.db.read, &form.username)
        .await?
        .ok_or_else(|| AppError::invalid("username", "auth.username", "roles.user_not_found"))?;
    if !repo::user_in_scope(&state.db.read, &scope, user.id).await? && user.person_id.is_some() {
        let _ = deny(state, ctx, "user", user.uuid).await;
        return Err(AppError::invalid("username", "auth.username", "roles.user_not_found"));
    }
    let unit_id = uuid::Uuid::parse_str(form.unit.trim())
        .map_err(|_| AppError::invalid("unit", "field.unit", "org.unit_not_found"))?;
    let unit = org_repo::find_unit_by_uuid(&state.db.read, unit_id)
        .await?
        .filter(|u| scope.contains(&u.path))
        .ok_or_else(|| AppError::invalid("unit", "field.unit", "org.unit_not_found"))?;
    let txn = state.db.begin().await?;
    let by = ctx.principal.as_ref().map(|p| p.user_id);
    authz_repo::insert_grant(&txn, UserId(user.id), role, UnitId(unit.id), by, ctx.now).await?;
    let ev = Event::new("role.grant", "user", user.uuid)
        .unit(unit.id)
        .detail(serde_json::json!({"role": role.code(), "unit": unit.uuid, "unit_name": unit.name}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn grant(State(state): State<AppState>, ctx: Ctx, Form(form): Form<GrantForm>) -> AppResult<Response> {
    match grant_role(&state, &ctx, &form).await {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/admin/roles?q={}", crate::web::middleware::urlencode(&form.username)),
            "flash.role_granted",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            page(&state, &ctx, RolesQuery::default(), form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    user: String,
    role: String,
    unit: String,
}

pub async fn revoke(State(state): State<AppState>, ctx: Ctx, Form(f): Form<RevokeForm>) -> AppResult<Response> {
    let scope = ctx.scope(Perm::RoleGrant);
    let user_id = uuid::Uuid::parse_str(&f.user).map_err(|_| AppError::NotFound)?;
    let unit_id = uuid::Uuid::parse_str(&f.unit).map_err(|_| AppError::NotFound)?;
    let role = Role::parse(&f.role).ok_or(AppError::NotFound)?;
    let user = repo::find_by_uuid(&state.db.read, user_id).await?.ok_or(AppError::NotFound)?;
    let unit = org_repo::find_unit_by_uuid(&state.db.read, unit_id).await?.ok_or(AppError::NotFound)?;
    if !scope.contains(&unit.path) {
        return Err(deny(&state, &ctx, "role_assignment", format!("{user_id}/{}", role.code())).await);
    }
    let grant = ra::Entity::find()
        .filter(ra::Column::UserId.eq(user.id))
        .filter(ra::Column::Role.eq(role.code()))
        .filter(ra::Column::UnitId.eq(unit.id))
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = state.db.begin().await?;
    authz_repo::delete_grant(&txn, grant.id).await?;
    let ev = Event::new("role.revoke", "user", user.uuid)
        .unit(unit.id)
        .detail(serde_json::json!({"role": role.code(), "unit": unit.uuid, "unit_name": unit.name}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(redirect_with_flash(
        &format!("/admin/roles?q={}", crate::web::middleware::urlencode(&user.username)),
        "flash.role_revoked",
        state.settings.secure_cookies(),
    ))
}
