//! 首页 驾驶舱: what needs the user today, and the year's figures in their scope. Modules add
//! their cards here as they land.

use askama::Template;
use axum::{extract::State, response::Response};

use crate::{
    authz::{Access, Perm},
    error::AppResult,
    features::org::repo as org_repo,
    startup::AppState,
    web::{Ctx, Layout, Routes, render},
};

pub fn routes() -> Routes {
    Routes::new().get("/", Access::Authenticated, home)
}

/// One figure on the dashboard.
pub struct Stat {
    pub label: String,
    pub value: String,
    pub href: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    l: Layout,
    name: String,
    grants: Vec<(String, String)>,
    stats: Vec<Stat>,
    today: String,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.user()?;
    let t = ctx.t();
    let mut stats = Vec::new();
    if ctx.can(Perm::OrgView) {
        let scope = ctx.scope(Perm::OrgView);
        stats.push(Stat {
            label: t.get("home.units").into(),
            value: org_repo::count_units(&state.db.read, &scope).await?.to_string(),
            href: Some("/org/units"),
        });
        stats.push(Stat {
            label: t.get("home.people").into(),
            value: org_repo::count_people(&state.db.read, &scope).await?.to_string(),
            href: Some("/org/people"),
        });
    }
    if ctx.can(Perm::AuditView) {
        stats.push(Stat {
            label: t.get("home.audit_rows").into(),
            value: crate::audit::repo::count_all(&state.db.read).await?.to_string(),
            href: Some("/admin/audit"),
        });
    }
    let cal = state.calendar();
    let today = format!(
        "{}（{}）",
        t.date(ctx.today),
        if cal.is_working_day(ctx.today) { t.get("home.workday") } else { t.get("home.rest_day") }
    );
    let grants = p.grants.iter().map(|g| (t.get(g.role.label_key()).to_string(), g.unit_name.clone())).collect();
    let l = Layout::new(&ctx, t.get("nav.home"), "home");
    Ok(render(&HomePage { l, name: p.display_name.clone(), grants, stats, today }))
}
