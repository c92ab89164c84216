//! 安全策略 (安全管理员): password rules, lockout and session lifetimes. Every change is audited
//! with its before and after values.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use crate::{
    audit::{self, Event},
    authz::policy::SecurityPolicy,
    error::AppResult,
    fields,
    startup::AppState,
    web::{Ctx, FormErrors, Layout, extract::Form, middleware::redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    l: Layout,
    p: SecurityPolicy,
    errors: FormErrors,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.t();
    let p = SecurityPolicy::load(&state.db.read).await?;
    let l = Layout::new(&ctx, t.get("policy.title"), "policy")
        .crumb(t.get("nav.system"), None)
        .crumb(t.get("policy.title"), None);
    Ok(render(&PolicyPage { l, p, errors: FormErrors::default() }))
}

#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    password_min_len: String,
    password_min_classes: String,
    lockout_threshold: String,
    lockout_window_min: String,
    lockout_minutes: String,
    idle_timeout_min: String,
    absolute_lifetime_hours: String,
    temp_password_hours: String,
}

fn parse(f: &PolicyForm) -> AppResult<SecurityPolicy> {
    let n =
        |field: &'static str, label: &'static str, v: &str| fields::int(field, label, v, 0, 100_000).map(|x| x as u32);
    let p = SecurityPolicy {
        password_min_len: n("password_min_len", "policy.password_min_len", &f.password_min_len)?,
        password_min_classes: n("password_min_classes", "policy.password_min_classes", &f.password_min_classes)?,
        lockout_threshold: n("lockout_threshold", "policy.lockout_threshold", &f.lockout_threshold)?,
        lockout_window_min: n("lockout_window_min", "policy.lockout_window_min", &f.lockout_window_min)?,
        lockout_minutes: n("lockout_minutes", "policy.lockout_minutes", &f.lockout_minutes)?,
        idle_timeout_min: n("idle_timeout_min", "policy.idle_timeout_min", &f.idle_timeout_min)?,
        absolute_lifetime_hours: n(
            "absolute_lifetime_hours",
            "policy.absolute_lifetime_hours",
            &f.absolute_lifetime_hours,
        )?,
        temp_password_hours: n("temp_password_hours", "policy.temp_password_hours", &f.temp_password_hours)?,
    };
    p.validate()?;
    Ok(p)
}

pub async fn update(State(state): State<AppState>, ctx: Ctx, Form(f): Form<PolicyForm>) -> AppResult<Response> {
    let t = ctx.t();
    let new = match parse(&f) {
        Ok(p) => p,
        Err(e) => {
            let errors = FormErrors::from_error(e, t)?;
            let p = SecurityPolicy::load(&state.db.read).await?;
            let l = Layout::new(&ctx, t.get("policy.title"), "policy");
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &PolicyPage { l, p, errors }));
        }
    };
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    let old = SecurityPolicy::load(&txn).await?;
    new.save(&txn, by, ctx.now).await?;
    audit::record(
        &txn,
        state.crypto.as_ref(),
        &ctx.actor(),
        Event::new("policy.update", "settings", "security_policy").detail(audit::diff(&old, &new)),
        ctx.now,
    )
    .await?;
    txn.commit().await?;
    state.set_policy(new);
    Ok(redirect_with_flash("/admin/policy", "flash.saved", state.settings.secure_cookies()))
}
