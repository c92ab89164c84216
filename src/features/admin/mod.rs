//! 系统管理: accounts, role grants, the working-day calendar, security policy and the audit log,
//! split by the three separated administrators (三员分立).

pub mod audit_log;
pub mod calendar;
pub mod policy;
pub mod roles;
pub mod users;

use crate::{
    authz::{Access, Perm},
    web::Routes,
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/users", Access::Perm(Perm::UserView), users::list)
        .post("/admin/users", Access::Perm(Perm::UserManage), users::create)
        .get("/admin/users/new", Access::Perm(Perm::UserManage), users::new_form)
        .get("/admin/users/{id}", Access::Perm(Perm::UserView), users::show)
        .post("/admin/users/{id}/reset-password", Access::Perm(Perm::UserManage), users::reset_password)
        .post("/admin/users/{id}/disable", Access::Perm(Perm::UserManage), users::disable)
        .post("/admin/users/{id}/enable", Access::Perm(Perm::UserManage), users::enable)
        .post("/admin/users/{id}/unlock", Access::Perm(Perm::SecurityPolicy), users::unlock)
        .get("/admin/roles", Access::Perm(Perm::RoleGrant), roles::list)
        .post("/admin/roles", Access::Perm(Perm::RoleGrant), roles::grant)
        .post("/admin/roles/revoke", Access::Perm(Perm::RoleGrant), roles::revoke)
        .get("/admin/calendar", Access::Perm(Perm::CalendarManage), calendar::show)
        .post("/admin/calendar", Access::Perm(Perm::CalendarManage), calendar::upsert)
        .post("/admin/calendar/delete", Access::Perm(Perm::CalendarManage), calendar::delete)
        .get("/admin/policy", Access::Perm(Perm::SecurityPolicy), policy::show)
        .post("/admin/policy", Access::Perm(Perm::SecurityPolicy), policy::update)
        .get("/admin/audit", Access::Perm(Perm::AuditView), audit_log::search)
        .get("/admin/audit/export.xlsx", Access::Perm(Perm::AuditView), audit_log::export)
        .post("/admin/audit/verify", Access::Perm(Perm::AuditView), audit_log::verify)
}

/// Catalog key of a date's weekday (for the calendar page).
pub fn calendar_weekday_key(d: impl std::borrow::Borrow<chrono::NaiveDate>) -> &'static str {
    use chrono::{Datelike, Weekday};
    match d.borrow().weekday() {
        Weekday::Mon => "calendar.mon",
        Weekday::Tue => "calendar.tue",
        Weekday::Wed => "calendar.wed",
        Weekday::Thu => "calendar.thu",
        Weekday::Fri => "calendar.fri",
        Weekday::Sat => "calendar.sat",
        Weekday::Sun => "calendar.sun",
    }
}
