//! The page frame every HTML page shares: top bar, left navigation in the module order of
//! DOMAIN.md, breadcrumbs, one-shot messages. Pages embed a [`Layout`] as `l`.

use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use crate::{
    authz::Perm,
    error::RowError,
    i18n::{Catalog, Lang},
    web::ctx::Ctx,
};

/// Cache-busting suffix for `/static/…` links.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A navigation entry. `href: None` means "建设中" (not built yet): shown, not a link.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub key: &'static str,
    pub href: Option<&'static str>,
    pub active: bool,
    pub children: Vec<NavItem>,
}

/// The modules of DOMAIN.md, in order: (label, link, id, permission). No link = not built yet
/// (shown as 建设中); a built module is shown only to holders of its permission.
const MODULES: &[(&str, Option<&str>, &str, Option<Perm>)] = &[
    ("nav.home", Some("/"), "home", None),
    ("nav.duty", Some("/duty"), "duty", Some(Perm::DutyOwn)),
    ("nav.risk", Some("/risk"), "risk", Some(Perm::RiskView)),
    ("nav.discipline", Some("/discipline"), "discipline", Some(Perm::DisciplineStats)),
    ("nav.rectify", Some("/rect"), "rectify", Some(Perm::RectOwn)),
    ("nav.reports", None, "reports", None),
    ("nav.disclosure", None, "disclosure", None),
    ("nav.education", None, "education", None),
    ("nav.statistics", None, "statistics", None),
];

/// Entries under 系统管理, each shown only to holders of its permission.
const ADMIN: &[(&str, &str, Perm, &str)] = &[
    ("nav.units", "/org/units", Perm::OrgView, "units"),
    ("nav.people", "/org/people", Perm::OrgView, "people"),
    ("nav.users", "/admin/users", Perm::UserView, "users"),
    ("nav.roles", "/admin/roles", Perm::RoleGrant, "roles"),
    ("nav.calendar", "/admin/calendar", Perm::CalendarManage, "calendar"),
    ("nav.risk_settings", "/admin/risk-settings", Perm::RiskConfig, "risk_settings"),
    ("nav.deadline_settings", "/admin/deadlines", Perm::DeadlineConfig, "deadline_settings"),
    ("nav.discipline_settings", "/discipline/settings", Perm::DisciplineConfig, "discipline_settings"),
    ("nav.duty_settings", "/admin/duty", Perm::DutyConfig, "duty_settings"),
    ("nav.policy", "/admin/policy", Perm::SecurityPolicy, "policy"),
    ("nav.audit", "/admin/audit", Perm::AuditView, "audit"),
];

pub struct UserBadge {
    pub name: String,
    pub roles: String,
}

/// Everything the frame needs; built once per page from the [`Ctx`].
pub struct Layout {
    pub t: &'static Catalog,
    pub lang: Lang,
    pub title: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub crumbs: Vec<(String, Option<String>)>,
    pub flash: Option<String>,
    pub asset_v: &'static str,
    pub path: String,
    /// Unread notifications (the top bar's 消息 link).
    pub unread: u64,
}

impl Layout {
    /// `active` names the navigation entry to highlight (e.g. "units").
    pub fn new(ctx: &Ctx, title: impl Into<String>, active: &str) -> Layout {
        let t = ctx.t();
        let mut nav: Vec<NavItem> = MODULES
            .iter()
            .filter(|(_, href, _, perm)| href.is_none() || perm.is_none_or(|p| ctx.can(p)))
            .map(|(key, href, id, _)| NavItem { key, href: *href, active: *id == active, children: Vec::new() })
            .collect();
        let admin_children: Vec<NavItem> = ADMIN
            .iter()
            .filter(|(_, _, perm, _)| ctx.can(*perm))
            .map(|(key, href, _, id)| NavItem { key, href: Some(href), active: *id == active, children: Vec::new() })
            .collect();
        if ctx.principal.is_some() {
            let first = admin_children.first().and_then(|c| c.href);
            nav.push(NavItem {
                key: "nav.system",
                href: first.or(Some("/account")),
                active: admin_children.iter().any(|c| c.active),
                children: admin_children,
            });
        }
        Layout {
            t,
            lang: ctx.lang,
            title: title.into(),
            user: ctx.principal.as_ref().map(|p| UserBadge {
                name: p.display_name.clone(),
                roles: p.roles().iter().map(|r| t.get(r.label_key())).collect::<Vec<_>>().join("、"),
            }),
            nav,
            csrf: ctx.csrf().to_string(),
            crumbs: Vec::new(),
            flash: ctx.flash.as_deref().map(|k| t.get(k).to_string()),
            asset_v: ASSET_VERSION,
            path: ctx.path.clone(),
            unread: ctx.unread,
        }
    }

    pub fn crumb(mut self, label: impl Into<String>, href: Option<&str>) -> Self {
        self.crumbs.push((label.into(), href.map(str::to_string)));
        self
    }
}

/// Render a template into a response (200), or a logged 500 if the template fails.
pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>".to_string())).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "layout/error.html")]
struct ErrorPage<'a> {
    t: &'static Catalog,
    lang: Lang,
    status: u16,
    message: &'a str,
    request_id: &'a str,
    rows: &'a [RowError],
    asset_v: &'static str,
}

/// The stand-alone error page (no navigation: the error may come before we know the user).
pub fn error_page(lang: Lang, status: StatusCode, message: &str, request_id: &str, rows: &[RowError]) -> Response {
    render_status(
        status,
        &ErrorPage { t: lang.t(), lang, status: status.as_u16(), message, request_id, rows, asset_v: ASSET_VERSION },
    )
}

/// Paging state for lists.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    /// The current query string without `page`, for building page links.
    pub base_query: String,
}

impl Pager {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    pub fn link(&self, page: u64) -> String {
        if self.base_query.is_empty() { format!("?page={page}") } else { format!("?{}&page={page}", self.base_query) }
    }

    pub fn prev_link(&self) -> String {
        self.link(self.page.saturating_sub(1).max(1))
    }

    pub fn next_link(&self) -> String {
        self.link(self.page + 1)
    }
}
