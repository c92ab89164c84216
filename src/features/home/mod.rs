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

/// Something that needs the user's attention.
pub struct Todo {
    pub text: String,
    pub href: String,
    pub urgent: bool,
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
    todos: Vec<Todo>,
    today: String,
}

/// 监督执纪 on the dashboard: integrity opinions waiting for an answer (late ones urgent) and
/// clues past their handling deadline, for the group; a requesting office sees its late ones.
async fn discipline_cards(state: &AppState, ctx: &Ctx, todos: &mut Vec<Todo>) -> AppResult<()> {
    use crate::features::discipline::repo;
    let t = ctx.t();
    if ctx.can(Perm::OpinionAnswer) {
        let (open, late) =
            repo::open_request_counts(&state.db.read, &ctx.scope(Perm::OpinionAnswer), ctx.today).await?;
        if open > 0 {
            todos.push(Todo {
                text: t.fmt2("home.opinions_open", "n", open, "late", late),
                href: "/discipline/opinions?status=open".into(),
                urgent: late > 0,
            });
        }
    }
    if ctx.can(Perm::DisciplineView) {
        let (_, late) = repo::open_clue_counts(&state.db.read, &ctx.scope(Perm::DisciplineView), ctx.today).await?;
        if late > 0 {
            todos.push(Todo {
                text: t.fmt1("home.clues_late", "n", late),
                href: "/discipline/clues?overdue=1".into(),
                urgent: true,
            });
        }
    }
    Ok(())
}

/// 主体责任 on the dashboard: my tasks and my units' tasks that are yellow or red today, and
/// records waiting for my acceptance.
async fn duty_cards(state: &AppState, ctx: &Ctx, todos: &mut Vec<Todo>) -> AppResult<()> {
    use crate::features::duty::{
        domain::TaskStatus,
        repo::{TaskFilter, TaskVisibility, page_tasks},
        service,
    };
    let t = ctx.t();
    let db = &state.db.read;
    let policy = crate::jobs::deadlines::load_policy(db).await?;
    let until = policy.yellow_until(&state.calendar(), ctx.today);
    let open = vec![TaskStatus::Open, TaskStatus::Returned];
    let mut lines: Vec<(TaskVisibility, TaskFilter, &str, &str)> = Vec::new();
    if let Some(me) = service::me(ctx) {
        let v = TaskVisibility { scope: crate::authz::Scope::none(), me: Some(me) };
        let f = TaskFilter { person: Some(me), statuses: open.clone(), ..Default::default() };
        lines.push((v, f, "home.duty_mine", "/duty?view=mine"));
    }
    if ctx.can(Perm::DutyRecord) {
        let v = TaskVisibility { scope: ctx.scope(Perm::DutyRecord), me: None };
        let f = TaskFilter { units_only: true, statuses: open.clone(), ..Default::default() };
        lines.push((v, f, "home.duty_unit", "/duty?view=unit"));
    }
    for (v, f, key, href) in lines {
        let (_, soon) = page_tasks(db, &v, &TaskFilter { due_to: Some(until), ..f.clone() }, 1, 1).await?;
        if soon > 0 {
            let late_to = ctx.today - chrono::Duration::days(1);
            let (_, late) = page_tasks(db, &v, &TaskFilter { due_to: Some(late_to), ..f }, 1, 1).await?;
            todos.push(Todo { text: t.fmt2(key, "n", soon, "late", late), href: href.into(), urgent: late > 0 });
        }
    }
    if ctx.can(Perm::DutyReview) {
        let scope = ctx.scope(Perm::DutyReview);
        let v = TaskVisibility { scope: scope.clone(), me: None };
        let (_, n) = page_tasks(db, &v, &TaskFilter { to_review: Some(scope), ..Default::default() }, 1, 1).await?;
        if n > 0 {
            todos.push(Todo {
                text: t.fmt1("home.duty_review", "n", n),
                href: "/duty?view=review".into(),
                urgent: false,
            });
        }
    }
    Ok(())
}

/// 整改台账 on the dashboard: my yellow and red problems, what waits for my verification, and
/// the completion rate of the ledger I oversee.
async fn rectify_cards(state: &AppState, ctx: &Ctx, stats: &mut Vec<Stat>, todos: &mut Vec<Todo>) -> AppResult<()> {
    use crate::features::rectify::{repo, service};
    let t = ctx.t();
    if let Some(pid) = ctx.principal.as_ref().and_then(|p| p.person_id) {
        let policy = crate::jobs::deadlines::load_policy(&state.db.read).await?;
        let until = policy.yellow_until(&state.calendar(), ctx.today);
        let (yellow, red) = repo::my_attention(&state.db.read, pid.0, ctx.today, until).await?;
        if red > 0 {
            todos.push(Todo {
                text: t.fmt1("home.rect_red", "n", red),
                href: "/rect?mine=1&colour=red".into(),
                urgent: true,
            });
        }
        if yellow > 0 {
            todos.push(Todo {
                text: t.fmt1("home.rect_yellow", "n", yellow),
                href: "/rect?mine=1&colour=yellow".into(),
                urgent: false,
            });
        }
    }
    if ctx.can(Perm::RectVerify) {
        let n = repo::count_submitted(&state.db.read, &ctx.scope(Perm::RectVerify)).await?;
        if n > 0 {
            todos.push(Todo {
                text: t.fmt1("home.rect_to_verify", "n", n),
                href: "/rect?status=submitted".into(),
                urgent: false,
            });
        }
    }
    if ctx.can(Perm::RectView) {
        let totals =
            repo::totals(&state.db.read, &service::visibility(ctx), &repo::ProblemFilter::default(), ctx.today).await?;
        stats.push(Stat { label: t.get("home.rect_rate").into(), value: totals.rate_text(), href: Some("/rect") });
        stats.push(Stat {
            label: t.get("home.rect_overdue").into(),
            value: totals.overdue.to_string(),
            href: Some("/rect?colour=red"),
        });
    }
    Ok(())
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
    let mut todos = Vec::new();
    if ctx.can(Perm::RiskView) {
        let scope = ctx.scope(Perm::RiskView);
        let (total, high) = crate::features::risk::repo::count_points(&state.db.read, &scope).await?;
        let overdue = crate::features::risk::repo::count_overdue(&state.db.read, &scope, ctx.today).await?;
        stats.push(Stat { label: t.get("home.risk_points").into(), value: total.to_string(), href: Some("/risk") });
        stats.push(Stat {
            label: t.get("home.risk_high").into(),
            value: high.to_string(),
            href: Some("/risk?level=high"),
        });
        if overdue > 0 {
            todos.push(Todo {
                text: t.fmt1("risk.overdue_notice", "n", overdue),
                href: "/risk?overdue=1&sort=review".into(),
                urgent: true,
            });
        }
        for (c, _) in crate::features::risk::service::visible_campaigns(&state, &ctx).await? {
            if c.status != "open" {
                continue;
            }
            let rows = crate::features::risk::service::progress(&state, &ctx, &c).await?;
            let pending = rows.iter().filter(|r| r.signed_off_at.is_none()).count();
            if pending > 0 {
                todos.push(Todo {
                    text: t.fmt2("home.campaign_pending", "title", &c.title, "n", pending)
                        + &format!("（{}：{}）", t.get("campaign.deadline"), t.date(c.deadline)),
                    href: format!("/risk/campaigns/{}", c.uuid),
                    urgent: c.deadline < ctx.today,
                });
            }
        }
    }
    if ctx.can(Perm::RectOwn) {
        rectify_cards(&state, &ctx, &mut stats, &mut todos).await?;
    }
    discipline_cards(&state, &ctx, &mut todos).await?;
    if ctx.can(Perm::DutyOwn) {
        duty_cards(&state, &ctx, &mut todos).await?;
    }
    if ctx.unread > 0 {
        todos.insert(
            0,
            Todo { text: t.fmt1("home.unread", "n", ctx.unread), href: "/inbox?unread=1".into(), urgent: false },
        );
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
    Ok(render(&HomePage { l, name: p.display_name.clone(), grants, stats, todos, today }))
}
