//! Signing in and out, first-start setup, one's own account: password, sessions, API tokens,
//! language.

pub mod repo;
pub mod setup;

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::{
    audit::{self, Event, Outcome},
    auth::{
        self,
        entity::api_token,
        lockout::{FailureOutcome, LockState},
        password,
    },
    authz::{Access, policy::SecurityPolicy},
    error::{AppError, AppResult},
    i18n::Lang,
    ids::UserId,
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout, Routes,
        extract::{Form, PathUuid, Query},
        middleware::{LANG_COOKIE, PRE_CSRF_COOKIE, clear_cookie, redirect_with_flash, set_cookie},
        render, render_status,
    },
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/login", Access::Public, login_page)
        .post("/login", Access::Public, login_submit)
        .post("/logout", Access::Authenticated, logout)
        .get("/setup", Access::Public, setup::page)
        .post("/setup", Access::Public, setup::submit)
        .post("/lang", Access::Public, switch_lang)
        .get("/account", Access::Authenticated, account_page)
        .get("/account/password", Access::Authenticated, password_page)
        .post("/account/password", Access::Authenticated, password_submit)
        .post("/account/tokens", Access::Authenticated, token_create)
        .post("/account/tokens/{id}/revoke", Access::Authenticated, token_revoke)
        .post("/account/sessions/end-others", Access::Authenticated, end_other_sessions)
}

/// Only same-site relative paths may be redirect targets (ASVS 3.7.2).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.contains("://")
                && n.len() < 500 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    l: Layout,
    username: String,
    next: String,
    error: String,
    notice: String,
}

async fn login_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<LoginQuery>) -> AppResult<Response> {
    if ctx.principal.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    if repo::count_users(&state.db.read).await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    let t = ctx.t();
    let notice = if ctx.session_expired { t.get("auth.session_expired").to_string() } else { String::new() };
    let l = Layout::new(&ctx, t.get("auth.login_title"), "");
    Ok(render(&LoginPage {
        l,
        username: String::new(),
        next: safe_next(q.next.as_deref()),
        error: String::new(),
        notice,
    }))
}

async fn login_submit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<LoginForm>) -> AppResult<Response> {
    let t = ctx.t();
    let now = ctx.now;
    let policy = state.policy().await;
    let next = safe_next(form.next.as_deref());
    let fail = |msg: String, status: StatusCode| {
        let l = Layout::new(&ctx, t.get("auth.login_title"), "");
        render_status(
            status,
            &LoginPage { l, username: form.username.clone(), next: next.clone(), error: msg, notice: String::new() },
        )
    };
    let username = auth::normalize_username(&form.username);
    if username.is_empty() || form.password.is_empty() || form.password.len() > 1024 {
        return Ok(fail(t.get("auth.bad_credentials").into(), StatusCode::UNAUTHORIZED));
    }
    let user = auth::find_user_by_name(&state.db.read, &username).await?;
    let Some(user) = user else {
        // Same work and same answer as a wrong password (ASVS 6.3.8).
        password::verify_async(form.password.clone(), password::dummy_hash().to_string()).await;
        let ev = Event::new("login.failed", "user", &username)
            .outcome(Outcome::Failed)
            .detail(serde_json::json!({"reason": "unknown_user"}));
        state.audit(&ctx.actor(), ev).await?;
        return Ok(fail(t.get("auth.bad_credentials").into(), StatusCode::UNAUTHORIZED));
    };
    let lock = LockState {
        failed_count: user.failed_count,
        first_failed_at: user.first_failed_at,
        locked_until: user.locked_until,
    };
    if let Some(until) = lock.locked_at(now) {
        let ev = Event::new("login.refused_locked", "user", user.uuid).outcome(Outcome::Denied);
        state.audit(&ctx.actor(), ev).await?;
        let msg = AppError::Locked { until }.message().render(t);
        let mut r = fail(msg, StatusCode::TOO_MANY_REQUESTS);
        let secs = (until - now).num_seconds().max(1);
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(r);
    }
    let ok = password::verify_async(form.password.clone(), user.password_hash.clone()).await;
    let actor = crate::audit::Actor { user_id: Some(user.id), name: user.username.clone(), ..ctx.actor() };
    if !ok || user.disabled {
        let (new_lock, outcome) = lock.on_failure(now, &policy);
        let txn = state.db.begin().await?;
        repo::save_lock_state(&txn, user.id, &new_lock).await?;
        let reason = if user.disabled { "disabled" } else { "bad_password" };
        let ev = Event::new("login.failed", "user", user.uuid)
            .outcome(Outcome::Failed)
            .detail(serde_json::json!({"reason": reason}));
        audit::record(&txn, state.crypto.as_ref(), &actor, ev, now).await?;
        if let FailureOutcome::Locked(until) = outcome {
            let ev = Event::new("account.locked", "user", user.uuid)
                .outcome(Outcome::Denied)
                .detail(serde_json::json!({"until": until.to_rfc3339(), "failures": policy.lockout_threshold}));
            audit::record(&txn, state.crypto.as_ref(), &actor, ev, now).await?;
        }
        txn.commit().await?;
        return Ok(match outcome {
            FailureOutcome::Locked(until) => {
                fail(AppError::Locked { until }.message().render(t), StatusCode::TOO_MANY_REQUESTS)
            }
            FailureOutcome::Counted => fail(t.get("auth.bad_credentials").into(), StatusCode::UNAUTHORIZED),
        });
    }
    if user.temp_password_expires_at.is_some_and(|e| now >= e) && user.must_change_password {
        let ev = Event::new("login.failed", "user", user.uuid)
            .outcome(Outcome::Failed)
            .detail(serde_json::json!({"reason": "temp_password_expired"}));
        state.audit(&actor, ev).await?;
        return Ok(fail(t.get("auth.temp_expired").into(), StatusCode::UNAUTHORIZED));
    }
    // A fresh session id at every login (ASVS 7.2.4); any session the browser had is ended.
    let txn = state.db.begin().await?;
    if let Some(old) = &ctx.session {
        auth::delete_session(&txn, &old.id).await?;
    }
    let s = auth::create_session(&txn, UserId(user.id), &ctx.ip, &ctx.user_agent, now, &policy).await?;
    repo::record_login(&txn, user.id, now).await?;
    let ev = Event::new("login.ok", "user", user.uuid);
    let actor = crate::audit::Actor { session_ref: s.row.id.chars().take(12).collect(), ..actor };
    audit::record(&txn, state.crypto.as_ref(), &actor, ev, now).await?;
    txn.commit().await?;
    let secure = state.settings.secure_cookies();
    let to = if user.must_change_password { "/account/password".to_string() } else { next };
    let mut r = Redirect::to(&to).into_response();
    let h = r.headers_mut();
    for c in
        [set_cookie(auth::session_cookie_name(secure), &s.token, secure, None), clear_cookie(PRE_CSRF_COOKIE, secure)]
    {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(s) = &ctx.session {
        let p = ctx.user()?;
        state.end_session(&s.id, &ctx.actor(), Event::new("logout", "user", p.user_uuid), ctx.now).await?;
    }
    let secure = state.settings.secure_cookies();
    let mut r = redirect_with_flash("/login", "flash.logged_out", secure);
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(auth::session_cookie_name(secure), secure)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r.headers_mut().insert("clear-site-data", HeaderValue::from_static("\"cache\", \"storage\""));
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    back: Option<String>,
}

async fn switch_lang(State(state): State<AppState>, ctx: Ctx, Form(f): Form<LangForm>) -> AppResult<Response> {
    let lang = Lang::parse(&f.lang).ok_or_else(|| {
        AppError::invalid("lang", "auth.lang", crate::i18n::Msg::new("error.bad_choice").arg("value", &f.lang))
    })?;
    if let Some(p) = &ctx.principal {
        repo::set_lang(&state.db.write, p.user_id.0, lang.code()).await?;
    }
    let secure = state.settings.secure_cookies();
    let mut r = Redirect::to(&safe_next(f.back.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(LANG_COOKIE, lang.code(), secure, Some(365 * 86400))) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    l: Layout,
    errors: FormErrors,
    forced: bool,
    rules: String,
}

fn rules_text(ctx: &Ctx, p: &SecurityPolicy) -> String {
    ctx.t().fmt2("auth.pw_rules", "min", p.password_min_len, "n", p.password_min_classes)
}

async fn password_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.user()?;
    let policy = state.policy().await;
    let l = Layout::new(&ctx, ctx.t().get("auth.change_title"), "account");
    Ok(render(&PasswordPage {
        l,
        errors: FormErrors::default(),
        forced: p.must_change_password,
        rules: rules_text(&ctx, &policy),
    }))
}

async fn password_submit(State(state): State<AppState>, ctx: Ctx, Form(f): Form<PasswordForm>) -> AppResult<Response> {
    let t = ctx.t();
    let p = ctx.user()?.clone();
    let policy = state.policy().await;
    let user = auth::find_user(&state.db.read, p.user_id).await?.ok_or(AppError::Unauthenticated)?;
    let err = |field: &str, msg: String| {
        let l = Layout::new(&ctx, t.get("auth.change_title"), "account");
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                l,
                errors: FormErrors(vec![(field.into(), msg)]),
                forced: p.must_change_password,
                rules: rules_text(&ctx, &policy),
            },
        )
    };
    if !password::verify_async(f.current.clone(), user.password_hash.clone()).await {
        // A wrong current password counts towards the lock like a failed login (AUTH-07).
        let lock = LockState {
            failed_count: user.failed_count,
            first_failed_at: user.first_failed_at,
            locked_until: user.locked_until,
        };
        let (new_lock, _) = lock.on_failure(ctx.now, &policy);
        let txn = state.db.begin().await?;
        repo::save_lock_state(&txn, user.id, &new_lock).await?;
        audit::record(
            &txn,
            state.crypto.as_ref(),
            &ctx.actor(),
            Event::new("password.change_failed", "user", user.uuid).outcome(Outcome::Failed),
            ctx.now,
        )
        .await?;
        txn.commit().await?;
        return Ok(err("current", t.get("auth.wrong_current").into()));
    }
    if f.new != f.confirm {
        return Ok(err("confirm", t.get("auth.mismatch").into()));
    }
    if let Err(m) = password::check_policy(&f.new, &user.username, &policy) {
        return Ok(err("new", t.labeled("auth.new_password", &m.render(t))));
    }
    if password::verify_async(f.new.clone(), user.password_hash.clone()).await {
        return Ok(err("new", t.get("auth.same_as_old").into()));
    }
    let hash = password::hash_async(f.new.clone()).await;
    let txn = state.db.begin().await?;
    repo::set_password(&txn, user.id, &hash, false, None, ctx.now).await?;
    let keep = ctx.session.as_ref().map(|s| s.id.as_str());
    let ended = auth::delete_user_sessions(&txn, p.user_id, keep).await?;
    let ev =
        Event::new("password.changed", "user", user.uuid).detail(serde_json::json!({"other_sessions_ended": ended}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(redirect_with_flash("/", "flash.password_changed", state.settings.secure_cookies()))
}

pub struct SessionView {
    pub id_ref: String,
    pub ip: String,
    pub created: DateTime<Utc>,
    pub seen: DateTime<Utc>,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    l: Layout,
    username: String,
    display_name: String,
    grants: Vec<(String, String)>,
    sessions: Vec<SessionView>,
    tokens: Vec<api_token::Model>,
    new_token: Option<String>,
    errors: FormErrors,
}

async fn account_view(
    state: &AppState,
    ctx: &Ctx,
    new_token: Option<String>,
    errors: FormErrors,
) -> AppResult<AccountPage> {
    let p = ctx.user()?;
    let t = ctx.t();
    let sessions = auth::list_user_sessions(&state.db.read, p.user_id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: ctx.session.as_ref().is_some_and(|c| c.id == s.id),
            id_ref: s.id.chars().take(8).collect(),
            ip: s.ip,
            created: s.created_at,
            seen: s.last_seen_at,
        })
        .collect();
    let tokens = auth::list_tokens(&state.db.read, p.user_id).await?;
    let grants = p.grants.iter().map(|g| (t.get(g.role.label_key()).to_string(), g.unit_name.clone())).collect();
    Ok(AccountPage {
        l: Layout::new(ctx, t.get("auth.account_title"), "account"),
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        grants,
        sessions,
        tokens,
        new_token,
        errors,
    })
}

async fn account_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(render(&account_view(&state, &ctx, None, FormErrors::default()).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

async fn token_create(State(state): State<AppState>, ctx: Ctx, Form(f): Form<TokenForm>) -> AppResult<Response> {
    let p = ctx.user()?.clone();
    let parsed = (|| -> AppResult<(String, Option<i64>)> {
        let name = crate::fields::text("name", "auth.token_name", &f.name, 60)?;
        let days = if f.days.trim().is_empty() {
            None
        } else {
            Some(crate::fields::int("days", "auth.token_expires", &f.days, 1, 3650)?)
        };
        Ok((name, days))
    })();
    let (name, days) = match parsed {
        Ok(v) => v,
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &account_view(&state, &ctx, None, errors).await?,
            ));
        }
    };
    let expires = days.map(|d| ctx.now + Duration::days(d));
    let txn = state.db.begin().await?;
    let tok = auth::create_token(&txn, p.user_id, &name, expires, ctx.now).await?;
    let ev = Event::new("token.create", "api_token", tok.row.uuid)
        .detail(serde_json::json!({"name": name, "prefix": tok.row.prefix}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(render(&account_view(&state, &ctx, Some(tok.token), FormErrors::default()).await?))
}

async fn token_revoke(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let p = ctx.user()?;
    let tok = api_token::Entity::find().filter(api_token::Column::Uuid.eq(id)).one(&state.db.read).await?;
    let Some(tok) = tok.filter(|t| t.user_id == p.user_id.0) else {
        return Err(crate::features::org::service::deny(&state, &ctx, "api_token", id).await);
    };
    let txn = state.db.begin().await?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(ctx.now))
        .filter(api_token::Column::Id.eq(tok.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        state.crypto.as_ref(),
        &ctx.actor(),
        Event::new("token.revoke", "api_token", tok.uuid),
        ctx.now,
    )
    .await?;
    txn.commit().await?;
    Ok(redirect_with_flash("/account", "flash.token_revoked", state.settings.secure_cookies()))
}

async fn end_other_sessions(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.user()?;
    let keep = ctx.session.as_ref().map(|s| s.id.as_str());
    let txn = state.db.begin().await?;
    let n = auth::delete_user_sessions(&txn, p.user_id, keep).await?;
    let ev = Event::new("session.end_others", "user", p.user_uuid).detail(serde_json::json!({"ended": n}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(redirect_with_flash("/account", "flash.saved", state.settings.secure_cookies()))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn redirects_stay_on_site() {
        assert_eq!(safe_next(Some("/org/people?page=2")), "/org/people?page=2");
        for bad in ["https://evil.example", "//evil.example", "/\\evil", "javascript:alert(1)", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
