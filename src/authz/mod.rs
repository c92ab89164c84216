//! Roles, permissions and data scope.
//!
//! A user holds role assignments; each assignment carries a unit, meaning "that unit and every
//! unit below it". A permission is granted by a role; its *scope* is the union of the subtrees
//! of the assignments whose role grants it. The scope is computed once per request from the
//! principal loaded by the session layer, and turned into one SQL condition
//! (`unit_id IN (SELECT id FROM units WHERE path range …)`), never checked row by row.
//!
//! 三员分立 (GB/T 22239-2019 8.1.4.2 d), 8.1.5): 系统管理员, 安全管理员 and 审计管理员 are mutually
//! exclusive, exclusive with every business role, and none of them holds a permission that
//! reads business records.
//!
//! Roles beyond ARCHITECTURE.md's list: `office` (党组办公室/政治部). DOMAIN.md names the party
//! group office and personnel as users that issue lists, run campaigns and request integrity
//! opinions; giving them the 纪检监察组 role would over-grant, and 单位领导 would under-grant.

pub mod entity;
pub mod policy;
pub mod repo;

use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoColumnRef, Query};
use serde::Serialize;

use crate::ids::{PersonId, UnitId, UserId};

/// A role. Stored as its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Role {
    SysAdmin,
    SecAdmin,
    AuditAdmin,
    Discipline,
    Office,
    Leader,
    Liaison,
    Cadre,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::SysAdmin,
        Role::SecAdmin,
        Role::AuditAdmin,
        Role::Discipline,
        Role::Office,
        Role::Leader,
        Role::Liaison,
        Role::Cadre,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::SysAdmin => "sysadmin",
            Role::SecAdmin => "secadmin",
            Role::AuditAdmin => "auditadmin",
            Role::Discipline => "discipline",
            Role::Office => "office",
            Role::Leader => "leader",
            Role::Liaison => "liaison",
            Role::Cadre => "cadre",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// Catalog key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::SysAdmin => "role.sysadmin",
            Role::SecAdmin => "role.secadmin",
            Role::AuditAdmin => "role.auditadmin",
            Role::Discipline => "role.discipline",
            Role::Office => "role.office",
            Role::Leader => "role.leader",
            Role::Liaison => "role.liaison",
            Role::Cadre => "role.cadre",
        }
    }

    /// One of the three separated administrator roles (三员).
    pub fn is_admin(self) -> bool {
        matches!(self, Role::SysAdmin | Role::SecAdmin | Role::AuditAdmin)
    }

    /// The permissions this role grants.
    pub fn perms(self) -> &'static [Perm] {
        use Perm::*;
        match self {
            Role::SysAdmin => &[
                OrgView,
                UnitManage,
                PeopleManage,
                RosterImport,
                PeopleExport,
                UserView,
                UserManage,
                CalendarManage,
                RiskConfig,
                DeadlineConfig,
                DutyConfig,
            ],
            Role::SecAdmin => &[OrgView, UserView, RoleGrant, SecurityPolicy],
            Role::AuditAdmin => &[AuditView],
            Role::Discipline => &[
                OrgView,
                PeopleExport,
                RiskView,
                RiskCampaign,
                RectOwn,
                RectView,
                RectManage,
                RectVerify,
                DisciplineView,
                DisciplineManage,
                DisciplineStats,
                DisciplineConfig,
                OpinionView,
                OpinionAnswer,
                DutyOwn,
                DutyView,
            ],
            Role::Office => &[
                OrgView,
                PeopleManage,
                PeopleExport,
                RiskView,
                RiskManage,
                RiskCampaign,
                RectOwn,
                RectView,
                RectManage,
                RectVerify,
                DisciplineStats,
                OpinionView,
                OpinionRequest,
                DutyOwn,
                DutyView,
                DutyRecord,
                DutyManage,
                DutyReview,
            ],
            // Leaders see the counts of 监督执纪 for their subtree, never the records.
            // Leaders publish their own unit's list (a county bureau's own items), review what
            // their units record, and do their own 一岗双责 tasks.
            Role::Leader => &[
                OrgView,
                PeopleExport,
                RiskView,
                RiskSignOff,
                RectOwn,
                RectView,
                RectProgress,
                DisciplineStats,
                DutyOwn,
                DutyView,
                DutyRecord,
                DutyManage,
                DutyReview,
            ],
            // A liaison sees the 四种形态 counts of their own unit's subtree (for the unit's yearly
            // report), never the records: clues and sanctions stay with the 派驻组.
            // Liaisons record their unit's 履责纪实 and evidence.
            Role::Liaison => &[
                OrgView,
                RiskView,
                RiskManage,
                RiskSignOff,
                RectOwn,
                RectView,
                RectProgress,
                DisciplineStats,
                DutyOwn,
                DutyView,
                DutyRecord,
            ],
            // Every cadre sees and reports on the problems they own or lead (self-service), and
            // does the responsibility tasks assigned to them by name.
            Role::Cadre => &[RectOwn, DutyOwn],
        }
    }
}

/// A permission a route or action requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Perm {
    /// See units and people (the directory).
    OrgView,
    /// Create, rename, move and remove units.
    UnitManage,
    /// Create and edit people and their postings.
    PeopleManage,
    /// Import the roster spreadsheet (units and people).
    RosterImport,
    /// Export the people list.
    PeopleExport,
    /// See login accounts (without managing them).
    UserView,
    /// Create accounts, reset passwords, disable.
    UserManage,
    /// Grant and revoke roles.
    RoleGrant,
    /// Password, lockout and session policy.
    SecurityPolicy,
    /// Search and export the audit log.
    AuditView,
    /// Edit the working-day calendar.
    CalendarManage,
    /// See risk points, reviews, campaigns, the heat map and rotation hints.
    RiskView,
    /// Keep risk points: create, edit, measures, reviews, import.
    RiskManage,
    /// Launch and close screening campaigns (排查).
    RiskCampaign,
    /// Sign off a unit's screening.
    RiskSignOff,
    /// Categories, areas, the matrix, review intervals (module parameters).
    RiskConfig,
    /// Open the rectification ledger and work on one's own problems (as 责任人 or 责任领导).
    RectOwn,
    /// See the rectification ledger of the units in scope.
    RectView,
    /// Register feedback batches and problems, edit them, import ledgers.
    RectManage,
    /// Report progress and submit the self-assessment for problems in scope.
    RectProgress,
    /// Verify and close (销号), return, reopen (回头看).
    RectVerify,
    /// Deadline colours and escalation thresholds (shared by every module).
    DeadlineConfig,
    /// Read clues, measures and integrity dossiers (the 派驻纪检监察组's records; every read audited).
    DisciplineView,
    /// Register clues and their disposal, record, edit, lift and remove measures.
    DisciplineManage,
    /// See the counts of 监督执纪 (四种形态 statistics) for the units in scope, never the records.
    DisciplineStats,
    /// The four-forms caliber, local influence periods and default deadlines of 监督执纪.
    DisciplineConfig,
    /// See integrity-opinion requests (廉政意见) of the units in scope and their conclusions.
    OpinionView,
    /// Request integrity opinions on people.
    OpinionRequest,
    /// Answer integrity-opinion requests (seeing the blockers behind each person).
    OpinionAnswer,
    /// Open 主体责任 and work on one's own tasks, 述职述廉 report and contact-unit visits.
    DutyOwn,
    /// See responsibility lists, tasks, progress, the matrix, scores and reports of units in scope.
    DutyView,
    /// Record 履责纪实 for the tasks of units in scope.
    DutyRecord,
    /// Create, amend and publish the responsibility lists of units in scope; assign contact units.
    DutyManage,
    /// Accept or return records of tasks assigned by a unit in scope.
    DutyReview,
    /// The score weights of 实绩考评.
    DutyConfig,
}

impl Perm {
    pub fn code(self) -> &'static str {
        match self {
            Perm::OrgView => "org.view",
            Perm::UnitManage => "unit.manage",
            Perm::PeopleManage => "people.manage",
            Perm::RosterImport => "roster.import",
            Perm::PeopleExport => "people.export",
            Perm::UserView => "user.view",
            Perm::UserManage => "user.manage",
            Perm::RoleGrant => "role.grant",
            Perm::SecurityPolicy => "security.policy",
            Perm::AuditView => "audit.view",
            Perm::CalendarManage => "calendar.manage",
            Perm::RiskView => "risk.view",
            Perm::RiskManage => "risk.manage",
            Perm::RiskCampaign => "risk.campaign",
            Perm::RiskSignOff => "risk.signoff",
            Perm::RiskConfig => "risk.config",
            Perm::RectOwn => "rect.own",
            Perm::RectView => "rect.view",
            Perm::RectManage => "rect.manage",
            Perm::RectProgress => "rect.progress",
            Perm::RectVerify => "rect.verify",
            Perm::DeadlineConfig => "deadline.config",
            Perm::DisciplineView => "discipline.view",
            Perm::DisciplineManage => "discipline.manage",
            Perm::DisciplineStats => "discipline.stats",
            Perm::DisciplineConfig => "discipline.config",
            Perm::OpinionView => "opinion.view",
            Perm::OpinionRequest => "opinion.request",
            Perm::OpinionAnswer => "opinion.answer",
            Perm::DutyOwn => "duty.own",
            Perm::DutyView => "duty.view",
            Perm::DutyRecord => "duty.record",
            Perm::DutyManage => "duty.manage",
            Perm::DutyReview => "duty.review",
            Perm::DutyConfig => "duty.config",
        }
    }

    /// The roles granting this permission.
    pub fn roles(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| r.perms().contains(&self)).collect()
    }
}

/// Who may call a route. Every route declares one (a test enumerates the route table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login page, assets, health, public boards).
    Public,
    /// Any signed-in user (own account, notifications).
    Authenticated,
    /// Signed in and holding the permission somewhere.
    Perm(Perm),
}

/// One role assignment, with the unit's path resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub unit_id: UnitId,
    pub unit_path: String,
    pub unit_name: String,
}

/// The signed-in user, as loaded once per request.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub user_id: UserId,
    pub user_uuid: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<PersonId>,
    pub grants: Vec<Grant>,
    pub must_change_password: bool,
}

impl Principal {
    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn can(&self, p: Perm) -> bool {
        self.grants.iter().any(|g| g.role.perms().contains(&p))
    }

    pub fn allows(&self, a: Access) -> bool {
        match a {
            Access::Public | Access::Authenticated => true,
            Access::Perm(p) => self.can(p),
        }
    }

    /// The units (subtrees) in which `p` applies.
    pub fn scope(&self, p: Perm) -> Scope {
        Scope::from_paths(self.grants.iter().filter(|g| g.role.perms().contains(&p)).map(|g| g.unit_path.clone()))
    }

    /// Role codes joined for the audit log.
    pub fn roles_text(&self) -> String {
        self.roles().iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
    }
}

/// A set of unit subtrees, as materialised-path prefixes with nested ones removed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Scope {
    prefixes: Vec<String>,
    /// Set by [`repo::settle_scope`] when fewer units lie outside the subtrees than inside
    /// (see [`Scope::scan_unit_condition`]).
    broad: bool,
    /// Set by [`repo::settle_scope`] for a small scope: its units' ids, written as a literal
    /// list so that a condition like "in my scope OR mine" can use the `unit_id` index on
    /// PostgreSQL (with a subquery it scans the table: a county liaison's ledger, 100k
    /// problems, 34 ms).
    unit_ids: Option<Vec<i64>>,
}

impl Scope {
    pub fn from_paths(paths: impl IntoIterator<Item = String>) -> Self {
        let mut v: Vec<String> = paths.into_iter().collect();
        v.sort();
        v.dedup();
        let mut out: Vec<String> = Vec::new();
        for p in v {
            if !out.iter().any(|q| p.starts_with(q.as_str())) {
                out.push(p);
            }
        }
        Scope { prefixes: out, broad: false, unit_ids: None }
    }

    pub fn none() -> Self {
        Scope::default()
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    pub fn prefixes(&self) -> &[String] {
        &self.prefixes
    }

    /// Whether [`repo::settle_scope`] found more units inside the scope than outside.
    pub fn is_broad(&self) -> bool {
        self.broad
    }

    /// Whether the unit with this path lies inside the scope.
    pub fn contains(&self, unit_path: &str) -> bool {
        self.prefixes.iter().any(|p| unit_path.starts_with(p.as_str()))
    }

    /// Narrow the scope to one subtree (a filter chosen by the user). The result is never wider
    /// than `self`: asking for a unit outside the scope yields nothing, not the unit.
    pub fn narrow_to(&self, unit_path: &str) -> Scope {
        if self.contains(unit_path) {
            return Scope { prefixes: vec![unit_path.to_string()], broad: false, unit_ids: None };
        }
        Scope {
            prefixes: self.prefixes.iter().filter(|p| p.starts_with(unit_path)).cloned().collect(),
            broad: false,
            unit_ids: None,
        }
    }

    /// A condition on a units path column: `path` lies in one of the subtrees. Uses a range
    /// (`path >= '/1/4/' AND path < '/1/40'`) so both backends use the path index.
    pub fn path_condition<C: IntoColumnRef + Clone>(&self, path_col: C) -> Condition {
        if self.prefixes.is_empty() {
            return Condition::all().add(Expr::cust("1 = 0"));
        }
        let mut any = Condition::any();
        for p in &self.prefixes {
            any = any.add(
                Expr::col(path_col.clone()).gte(p.clone()).and(Expr::col(path_col.clone()).lt(path_upper_bound(p))),
            );
        }
        any
    }

    /// A condition on a `unit_id` column of any table: the unit lies in the scope.
    pub fn unit_condition<C: IntoColumnRef>(&self, unit_id_col: C) -> Condition {
        if self.prefixes.is_empty() {
            return Condition::all().add(Expr::cust("1 = 0"));
        }
        if let Some(ids) = &self.unit_ids {
            return Condition::all().add(Expr::col(unit_id_col).is_in(ids.iter().copied()));
        }
        let sub = Query::select().column("id").from("units").cond_where(self.path_condition("path")).to_owned();
        Condition::all().add(Expr::col(unit_id_col).in_subquery(sub))
    }

    /// The same rows as [`Scope::unit_condition`], for queries that read every candidate row
    /// anyway (text search). For a broad scope it is written `unit_id NOT IN (units outside)`:
    /// the planner then reads the table in order instead of seeking through an index row by
    /// row over most of it (SQLite, 100k points, city-wide text search: 400 → 55 ms). Both
    /// forms are exact: every `unit_id` references a unit, and the subquery runs with the query.
    /// Queries answered from a `(unit_id, …)` covering index keep the `IN` form, which is faster
    /// for them.
    pub fn scan_unit_condition<C: IntoColumnRef>(&self, unit_id_col: C) -> Condition {
        if self.prefixes.is_empty() || !self.broad {
            return self.unit_condition(unit_id_col);
        }
        let outside =
            Query::select().column("id").from("units").cond_where(self.path_condition("path").not()).to_owned();
        Condition::all().add(Expr::col(unit_id_col).not_in_subquery(outside))
    }
}

/// The smallest string greater than every string starting with `prefix` (prefix ends in '/').
pub fn path_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    if let Some(last) = s.pop() {
        s.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, path: &str) -> Grant {
        Grant { role, unit_id: UnitId(1), unit_path: path.into(), unit_name: String::new() }
    }

    fn principal(grants: Vec<Grant>) -> Principal {
        Principal {
            user_id: UserId(1),
            user_uuid: uuid::Uuid::nil(),
            username: "u".into(),
            display_name: "u".into(),
            person_id: None,
            grants,
            must_change_password: false,
        }
    }

    #[test]
    fn admin_roles_read_no_business_records() {
        for r in [Role::SysAdmin, Role::SecAdmin, Role::AuditAdmin] {
            assert!(r.is_admin());
        }
        // The audit log is the 审计管理员's alone; role grants the 安全管理员's alone.
        assert_eq!(Perm::AuditView.roles(), vec![Role::AuditAdmin]);
        assert_eq!(Perm::RoleGrant.roles(), vec![Role::SecAdmin]);
        assert!(!Role::SysAdmin.perms().contains(&Perm::RoleGrant));
        assert!(!Role::SecAdmin.perms().contains(&Perm::UserManage));
    }

    #[test]
    fn scope_merges_nested_subtrees() {
        let s = Scope::from_paths(["/1/4/".to_string(), "/1/4/17/".to_string(), "/1/5/".to_string()]);
        assert_eq!(s.prefixes(), &["/1/4/".to_string(), "/1/5/".to_string()]);
        assert!(s.contains("/1/4/17/20/"));
        assert!(!s.contains("/1/40/"));
        assert!(!s.contains("/1/"));
    }

    #[test]
    fn narrowing_never_widens() {
        let s = Scope::from_paths(["/1/4/".to_string()]);
        assert_eq!(s.narrow_to("/1/4/17/").prefixes(), &["/1/4/17/".to_string()]);
        assert!(s.narrow_to("/1/5/").is_empty());
        // Asking for an ancestor yields only what was in scope.
        assert_eq!(s.narrow_to("/1/").prefixes(), &["/1/4/".to_string()]);
    }

    #[test]
    fn upper_bound_excludes_siblings_with_longer_ids() {
        assert_eq!(path_upper_bound("/1/4/"), "/1/40");
        assert!("/1/4/99/" < path_upper_bound("/1/4/").as_str());
        assert!("/1/40/" >= path_upper_bound("/1/4/").as_str());
        assert!("/1/41/" >= path_upper_bound("/1/4/").as_str());
    }

    #[test]
    fn permission_scope_is_the_union_of_granting_roles() {
        let p =
            principal(vec![grant(Role::Liaison, "/1/4/"), grant(Role::Leader, "/1/5/"), grant(Role::Cadre, "/1/6/")]);
        assert_eq!(p.scope(Perm::OrgView).prefixes(), &["/1/4/".to_string(), "/1/5/".to_string()]);
        assert!(p.scope(Perm::PeopleExport).contains("/1/5/9/"));
        assert!(!p.scope(Perm::PeopleExport).contains("/1/4/"));
        assert!(p.scope(Perm::UnitManage).is_empty());
    }
}
