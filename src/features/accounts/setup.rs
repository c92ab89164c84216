//! First start: there is no built-in password. The server prints a one-time setup code; whoever
//! holds the console types it into `/setup`, names the organisation's top unit, and gets the three
//! separated administrator accounts (系统管理员, 安全管理员, 审计管理员) with one-time passwords.

use askama::Template;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::repo::{self, NewUser};
use crate::{
    audit::{self, Event},
    auth::password,
    authz::{Role, repo::insert_grant},
    crypto, db,
    error::{AppError, AppResult},
    features::org::{
        domain::{NewUnit, UnitKind},
        repo as org_repo,
    },
    fields,
    ids::{UnitId, UserId},
    startup::AppState,
    web::{Ctx, FormErrors, Layout, extract::Form, render, render_status},
};

const META_KEY: &str = "setup_code";

/// When no account exists, make a new setup code (valid 24 h), store its hash, return it.
pub async fn issue_code_if_needed(state: &AppState) -> AppResult<Option<String>> {
    if repo::count_users(&state.db.read).await? > 0 {
        db::meta_delete(&state.db.write, META_KEY).await?;
        return Ok(None);
    }
    let code = crypto::human_code(3);
    let expires = state.clock.now() + Duration::hours(24);
    let value = format!("{}|{}", crypto::sm3_hex(normalize(&code).as_bytes()), expires.to_rfc3339());
    db::meta_set(&state.db.write, META_KEY, &value, state.clock.now()).await?;
    Ok(Some(code))
}

fn normalize(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

async fn code_matches(state: &AppState, typed: &str, now: DateTime<Utc>) -> AppResult<bool> {
    let Some(v) = db::meta_get(&state.db.read, META_KEY).await? else { return Ok(false) };
    let Some((hash, exp)) = v.split_once('|') else { return Ok(false) };
    let Ok(exp) = DateTime::parse_from_rfc3339(exp) else { return Ok(false) };
    if now >= exp {
        return Ok(false);
    }
    let typed_hash = crypto::sm3_hex(normalize(typed).as_bytes());
    Ok(bool::from(typed_hash.as_bytes().ct_eq(hash.as_bytes())))
}

#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub root_name: String,
    #[serde(default)]
    pub root_code: String,
    #[serde(default)]
    pub root_kind: String,
}

#[derive(Template)]
#[template(path = "accounts/setup.html")]
struct SetupPage {
    l: Layout,
    form: SetupForm,
    errors: FormErrors,
    closed: bool,
    kinds: Vec<(&'static str, &'static str)>,
}

/// A created account and its one-time password, shown once.
pub struct Created {
    pub role: &'static str,
    pub username: String,
    pub password: String,
}

#[derive(Template)]
#[template(path = "accounts/setup_done.html")]
struct SetupDonePage {
    l: Layout,
    created: Vec<Created>,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    [UnitKind::City, UnitKind::Province, UnitKind::County].iter().map(|k| (k.code(), k.label_key())).collect()
}

pub async fn page(state: axum::extract::State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let closed = repo::count_users(&state.db.read).await? > 0;
    let l = Layout::new(&ctx, ctx.t().get("auth.setup_title"), "");
    Ok(render(&SetupPage {
        l,
        form: SetupForm { root_kind: "city".into(), ..Default::default() },
        errors: FormErrors::default(),
        closed,
        kinds: kinds(),
    }))
}

pub async fn submit(
    state: axum::extract::State<AppState>,
    ctx: Ctx,
    Form(form): Form<SetupForm>,
) -> AppResult<Response> {
    let t = ctx.t();
    let rerender = |form: SetupForm, errors: FormErrors| {
        let l = Layout::new(&ctx, t.get("auth.setup_title"), "");
        render_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage { l, form, errors, closed: false, kinds: kinds() },
        )
    };
    if repo::count_users(&state.db.read).await? > 0 {
        return Err(AppError::forbidden("auth.setup_closed"));
    }
    if !code_matches(&state, &form.code, ctx.now).await? {
        let ev = Event::new("setup.bad_code", "setup", "").outcome(audit::Outcome::Denied);
        state.audit(&ctx.actor(), ev).await?;
        let errors = FormErrors(vec![("code".into(), t.get("auth.setup_bad_code").into())]);
        return Ok(rerender(form, errors));
    }
    let parsed = (|| -> AppResult<NewUnit> {
        Ok(NewUnit {
            name: fields::text("root_name", "auth.root_name", &form.root_name, 60)?,
            code: fields::code("root_code", "auth.root_code", &form.root_code, 32)?,
            kind: fields::choice("root_kind", "unit.kind", &form.root_kind, UnitKind::parse)?,
            parent: None,
            sort_order: 0,
        })
    })();
    let root = match parsed {
        Ok(r) => r,
        Err(e) => return Ok(rerender(form, FormErrors::from_error(e, t)?)),
    };
    let created = bootstrap(&state, &ctx, &root).await?;
    let l = Layout::new(&ctx, t.get("auth.setup_done_title"), "");
    Ok(render(&SetupDonePage { l, created }))
}

/// Create the top unit and the three administrators, in one transaction. Used by `/setup`
/// and by `qinglian demo`.
pub async fn bootstrap(state: &AppState, ctx: &Ctx, root: &NewUnit) -> AppResult<Vec<Created>> {
    let now = ctx.now;
    let policy = state.policy().await;
    let mut accounts = Vec::new();
    for (role, username) in
        [(Role::SysAdmin, "sysadmin"), (Role::SecAdmin, "secadmin"), (Role::AuditAdmin, "auditadmin")]
    {
        let pw = crypto::one_time_password();
        let hash = password::hash_async(pw.clone()).await;
        accounts.push((role, username, pw, hash));
    }
    let txn = state.db.begin().await?;
    if repo::count_users(&txn).await? > 0 {
        return Err(AppError::forbidden("auth.setup_closed"));
    }
    let unit = org_repo::insert_unit(&txn, root, None, now).await?;
    audit::record(
        &txn,
        state.crypto.as_ref(),
        &ctx.actor(),
        Event::new("unit.create", "unit", unit.uuid).unit(unit.id),
        now,
    )
    .await?;
    let mut created = Vec::new();
    for (role, username, pw, hash) in accounts {
        let u = repo::insert_user(
            &txn,
            NewUser {
                username: username.into(),
                display_name: ctx.t().get(role.label_key()).to_string(),
                person_id: None,
                password_hash: hash,
                must_change_password: true,
                temp_password_expires_at: Some(now + Duration::hours(policy.temp_password_hours.into())),
            },
            now,
        )
        .await?;
        insert_grant(&txn, UserId(u.id), role, UnitId(unit.id), None, now).await?;
        let ev = Event::new("user.create", "user", u.uuid)
            .detail(serde_json::json!({"username": u.username, "role": role.code()}));
        audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, now).await?;
        created.push(Created { role: role.label_key(), username: u.username, password: pw });
    }
    db::meta_delete(&txn, META_KEY).await?;
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), Event::new("setup.complete", "setup", unit.uuid), now)
        .await?;
    txn.commit().await?;
    Ok(created)
}
