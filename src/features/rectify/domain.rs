//! 整改台账 rules: feedback sources and their report deadlines, problem kinds, the problem's
//! life cycle (整改中 → 待销号 → 已销号, 退回, 回头看), who may verify, how deadlines are written
//! in the ledgers offices exchange ("立行立改", "2026年6月底前", "长期坚持"), and the statistics.
//! Pure: no database, no clock.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{error::AppError, fields, i18n::Msg};

/// Where a batch of findings came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 巡视巡察
    Inspection,
    /// 审计
    Audit,
    /// 派驻纪检监察组反馈
    Discipline,
    /// 明察暗访
    SpotCheck,
    /// 民主评议
    Appraisal,
    /// 上级督导
    Supervision,
    /// 自查
    SelfCheck,
}

impl Source {
    pub const ALL: [Source; 7] = [
        Source::Inspection,
        Source::Audit,
        Source::Discipline,
        Source::SpotCheck,
        Source::Appraisal,
        Source::Supervision,
        Source::SelfCheck,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Inspection => "inspection",
            Source::Audit => "audit",
            Source::Discipline => "discipline",
            Source::SpotCheck => "spot_check",
            Source::Appraisal => "appraisal",
            Source::Supervision => "supervision",
            Source::SelfCheck => "self_check",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Source::Inspection => "rect.source_inspection",
            Source::Audit => "rect.source_audit",
            Source::Discipline => "rect.source_discipline",
            Source::SpotCheck => "rect.source_spot_check",
            Source::Appraisal => "rect.source_appraisal",
            Source::Supervision => "rect.source_supervision",
            Source::SelfCheck => "rect.source_self_check",
        }
    }

    /// The default deadline of the rectification report: 巡视巡察 within two months of the
    /// feedback (巡视工作条例 第三十四条 as applied to 巡察); the others have no rule, so the
    /// issuing body sets one.
    pub fn default_report_due(self, feedback_on: NaiveDate) -> Option<NaiveDate> {
        match self {
            Source::Inspection => feedback_on.checked_add_months(Months::new(2)),
            _ => None,
        }
    }
}

/// 整改类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 立行立改
    Immediate,
    /// 限期整改
    Deadline,
    /// 长期坚持
    LongTerm,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Immediate, Kind::Deadline, Kind::LongTerm];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Immediate => "immediate",
            Kind::Deadline => "deadline",
            Kind::LongTerm => "long_term",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Kind::Immediate => "rect.kind_immediate",
            Kind::Deadline => "rect.kind_deadline",
            Kind::LongTerm => "rect.kind_long_term",
        }
    }
}

/// Where a problem stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 未整改: recorded, nothing reported yet.
    Open,
    /// 整改中: progress reported (or returned by the reviewer, or reopened).
    InProgress,
    /// 待销号: the owner's self-assessment says the work is done.
    Submitted,
    /// 已销号: verified and closed by a reviewer.
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Open, Status::InProgress, Status::Submitted, Status::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Submitted => "submitted",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Status::Open => "rect.status_open",
            Status::InProgress => "rect.status_in_progress",
            Status::Submitted => "rect.status_submitted",
            Status::Closed => "rect.status_closed",
        }
    }

    /// Still being worked on by the owner: the deadline engine chases these.
    pub fn is_chased(self) -> bool {
        matches!(self, Status::Open | Status::InProgress)
    }
}

/// A change of a problem's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Progress,
    Submit,
    Return,
    Close,
    Reopen,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Progress => "progress",
            Action::Submit => "submit",
            Action::Return => "return",
            Action::Close => "close",
            Action::Reopen => "reopen",
        }
    }
}

/// What is known about a problem when an action is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub status: Status,
    pub progress_count: i32,
    /// The acting person is the problem's 责任人.
    pub actor_is_owner: bool,
    /// The acting user submitted the self-assessment being verified.
    pub actor_submitted: bool,
}

/// The state an action leads to, or why it is refused (a 409 with a message).
pub fn transition(action: Action, f: Facts) -> Result<Status, AppError> {
    use Status::*;
    let refuse = |key: &'static str| Err(AppError::conflict(None, Msg::new(key)));
    match action {
        Action::Progress => match f.status {
            Closed => refuse("rect.closed_reopen_first"),
            Submitted => refuse("rect.submitted_wait"),
            Open | InProgress => Ok(InProgress),
        },
        Action::Submit => match f.status {
            Closed => refuse("rect.already_closed"),
            Submitted => refuse("rect.already_submitted"),
            _ if f.progress_count == 0 => refuse("rect.no_progress_submit"),
            Open | InProgress => Ok(Submitted),
        },
        Action::Return => match f.status {
            Submitted if f.actor_is_owner || f.actor_submitted => refuse("rect.verifier_not_owner"),
            Submitted => Ok(InProgress),
            _ => refuse("rect.not_submitted"),
        },
        Action::Close => {
            if f.progress_count == 0 {
                return refuse("rect.no_progress_close");
            }
            if f.actor_is_owner || f.actor_submitted {
                return refuse("rect.verifier_not_owner");
            }
            match f.status {
                Submitted => Ok(Closed),
                Closed => refuse("rect.already_closed"),
                Open | InProgress => refuse("rect.not_submitted"),
            }
        }
        Action::Reopen => match f.status {
            Closed => Ok(InProgress),
            _ => refuse("rect.reopen_only_closed"),
        },
    }
}

/// A deadline as written in a ledger's 完成时限 column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenDeadline {
    pub kind: Kind,
    /// `None`: "立行立改" or "长期坚持" without a date (the batch's report deadline applies).
    pub due: Option<NaiveDate>,
}

/// Read a 完成时限 cell: a date (`2026-06-30`, `2026年6月30日`, an Excel date), a month or a year
/// end (`2026年6月底前`, `2026年6月`, `2026年底前`), or `立行立改` / `长期坚持`, either optionally
/// followed by a date in brackets (`立行立改（2026年3月31日前）`), which is how this module exports
/// them.
pub fn parse_written_deadline(raw: &str) -> Option<WrittenDeadline> {
    let s: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return None;
    }
    for (word, kind) in [("立行立改", Kind::Immediate), ("长期坚持", Kind::LongTerm)] {
        if let Some(rest) = s.strip_prefix(word) {
            let inner = rest.trim_start_matches(['（', '(']).trim_end_matches(['）', ')']);
            if inner.is_empty() {
                return Some(WrittenDeadline { kind, due: None });
            }
            return written_date(inner).map(|d| WrittenDeadline { kind, due: Some(d) });
        }
    }
    written_date(&s).map(|d| WrittenDeadline { kind: Kind::Deadline, due: Some(d) })
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt())
}

fn written_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim_end_matches("之前").trim_end_matches('前').trim_end_matches('止');
    if let Some(d) = fields::parse_date_str(s) {
        return Some(d);
    }
    let s = s.trim_end_matches('底').trim_end_matches('末');
    // 2026年6月 / 2026年06月 / 2026-06: the month's last day.
    if let Some((y, rest)) = s.split_once('年') {
        let y: i32 = y.parse().ok()?;
        if !(1900..=2200).contains(&y) {
            return None;
        }
        if rest.is_empty() {
            return NaiveDate::from_ymd_opt(y, 12, 31);
        }
        let m: u32 = rest.trim_end_matches('月').parse().ok()?;
        return month_end(y, m);
    }
    if let Some((y, m)) = s.split_once('-')
        && let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.parse::<u32>())
        && (1900..=2200).contains(&y)
    {
        return month_end(y, m);
    }
    None
}

/// The 完成时限 cell as this module writes it (and reads back); `date_text` is the due date
/// already formatted for the reader (`2026年3月31日`).
pub fn write_deadline(kind: Kind, date_text: &str) -> String {
    match kind {
        Kind::Deadline => date_text.to_string(),
        Kind::Immediate => format!("立行立改（{date_text}前）"),
        Kind::LongTerm => format!("长期坚持（{date_text}前）"),
    }
}

/// A problem closed on or before its deadline was rectified on time.
pub fn on_time(closed_on: Option<NaiveDate>, due: NaiveDate) -> bool {
    closed_on.is_some_and(|c| c <= due)
}

/// Counts for a batch, a unit or the whole ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub total: u64,
    pub closed: u64,
    /// Closed on or before the deadline.
    pub on_time: u64,
    /// Not closed and past the deadline.
    pub overdue: u64,
}

impl Stats {
    /// 整改完成率 in per mille (integer arithmetic; 1000 = 100%). `None` for an empty set.
    pub fn completion_permille(&self) -> Option<u64> {
        (self.total > 0).then(|| self.closed * 1000 / self.total)
    }

    /// "85.7%" style, or "—".
    pub fn rate_text(&self) -> String {
        match self.completion_permille() {
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".into(),
        }
    }

    /// 整改工作全部完成: every problem closed (and there is at least one).
    pub fn complete(&self) -> bool {
        self.total > 0 && self.closed == self.total
    }

    pub fn add(&mut self, o: &Stats) {
        self.total += o.total;
        self.closed += o.closed;
        self.on_time += o.on_time;
        self.overdue += o.overdue;
    }
}

// ------------------------------------------------------------------ input

/// Raw fields of a batch (form or JSON).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    pub title: String,
    /// inspection / audit / discipline / spot_check / appraisal / supervision / self_check
    pub source: String,
    /// 反馈单位 (e.g. 市委第二巡察组).
    pub issuer: String,
    /// YYYY-MM-DD
    pub feedback_on: String,
    /// YYYY-MM-DD; blank: two months after the feedback for 巡察, required otherwise.
    #[serde(default)]
    pub report_due_on: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// Units concerned (UUIDs). In forms: repeated `units` fields are joined by the handler.
    #[serde(default)]
    pub units: Vec<String>,
    /// The version read, when editing (stale saves are refused).
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub title: String,
    pub source: Source,
    pub issuer: String,
    pub feedback_on: NaiveDate,
    pub report_due_on: NaiveDate,
    pub notes: String,
    pub units: Vec<uuid::Uuid>,
}

impl NewBatch {
    pub fn parse(f: &BatchInput) -> Result<NewBatch, AppError> {
        let title = fields::text("title", "rect.batch_title", &f.title, 100)?;
        let source = fields::choice("source", "rect.source", &f.source, Source::parse)?;
        let issuer = fields::text("issuer", "rect.issuer", &f.issuer, 60)?;
        let feedback_on = fields::date("feedback_on", "rect.feedback_on", &f.feedback_on)?;
        let report_due_on = match fields::opt_date("report_due_on", "rect.report_due_on", f.report_due_on.as_deref())? {
            Some(d) => d,
            None => source
                .default_report_due(feedback_on)
                .ok_or_else(|| AppError::invalid("report_due_on", "rect.report_due_on", "error.required"))?,
        };
        if report_due_on < feedback_on {
            return Err(AppError::invalid("report_due_on", "rect.report_due_on", "rect.before_feedback"));
        }
        let notes = fields::long_text("notes", "rect.notes", &f.notes, 2000, false)?;
        let mut units = Vec::new();
        for u in f.units.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let id =
                uuid::Uuid::parse_str(u).map_err(|_| AppError::invalid("units", "rect.units", "org.unit_not_found"))?;
            if !units.contains(&id) {
                units.push(id);
            }
        }
        if units.is_empty() {
            return Err(AppError::invalid("units", "rect.units", "rect.no_units"));
        }
        if units.len() > 500 {
            return Err(AppError::invalid("units", "rect.units", Msg::new("error.too_many").arg("max", 500)));
        }
        Ok(NewBatch { title, source, issuer, feedback_on, report_due_on, notes, units })
    }
}

/// Raw fields of a problem.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemInput {
    pub description: String,
    /// immediate / deadline / long_term
    pub kind: String,
    /// Responsible unit (UUID).
    pub unit: String,
    /// 责任人 (person UUID).
    pub owner: String,
    /// 责任领导 (person UUID), optional.
    #[serde(default)]
    pub leader: Option<String>,
    /// YYYY-MM-DD, not before the batch's feedback date.
    pub due_on: String,
    /// 整改措施
    #[serde(default)]
    pub measures: String,
    /// Linked risk points (UUIDs).
    #[serde(default)]
    pub risks: Vec<String>,
    /// People concerned (UUIDs).
    #[serde(default)]
    pub people: Vec<String>,
    /// The version read, when editing (stale saves are refused).
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    pub description: String,
    pub kind: Kind,
    pub unit: uuid::Uuid,
    pub owner: uuid::Uuid,
    pub leader: Option<uuid::Uuid>,
    pub due_on: NaiveDate,
    pub measures: String,
    pub risks: Vec<uuid::Uuid>,
    pub people: Vec<uuid::Uuid>,
}

fn uuid_field(field: &'static str, label: &'static str, raw: &str) -> Result<uuid::Uuid, AppError> {
    fields::uuid(field, label, raw, "rect.not_found_ref")
}

fn uuid_list(field: &'static str, label: &'static str, raw: &[String]) -> Result<Vec<uuid::Uuid>, AppError> {
    let mut out = Vec::new();
    for s in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let id = uuid::Uuid::parse_str(s).map_err(|_| AppError::invalid(field, label, "rect.not_found_ref"))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > 50 {
        return Err(AppError::invalid(field, label, Msg::new("error.too_many").arg("max", 50)));
    }
    Ok(out)
}

impl NewProblem {
    /// Parse every field, returning all errors (imports list them all). `feedback_on` is the
    /// batch's feedback date: a deadline before it is refused.
    pub fn parse_all(f: &ProblemInput, feedback_on: NaiveDate) -> Result<NewProblem, Vec<AppError>> {
        let mut c = fields::Collector::default();
        let description = c.take(fields::long_text("description", "rect.description", &f.description, 2000, true));
        let kind = c.take(fields::choice("kind", "rect.kind", &f.kind, Kind::parse));
        let unit = c.take(uuid_field("unit", "rect.unit", &f.unit));
        let owner = c.take(uuid_field("owner", "rect.owner", &f.owner));
        let leader = c.take(match f.leader.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => uuid_field("leader", "rect.leader", s).map(Some),
        });
        let due_on = c.take(fields::date("due_on", "rect.due_on", &f.due_on).and_then(|d| {
            if d < feedback_on {
                Err(AppError::invalid(
                    "due_on",
                    "rect.due_on",
                    Msg::new("rect.due_before_feedback").arg("date", feedback_on),
                ))
            } else {
                Ok(d)
            }
        }));
        let measures = c.take(fields::long_text("measures", "rect.measures", &f.measures, 4000, false));
        let risks = c.take(uuid_list("risks", "rect.risks", &f.risks));
        let people = c.take(uuid_list("people", "rect.people", &f.people));
        match (description, kind, unit, owner, leader, due_on, measures, risks, people) {
            (
                Some(description),
                Some(kind),
                Some(unit),
                Some(owner),
                Some(leader),
                Some(due_on),
                Some(measures),
                Some(risks),
                Some(people),
            ) if c.is_empty() => {
                Ok(NewProblem { description, kind, unit, owner, leader, due_on, measures, risks, people })
            }
            _ => Err(c.0),
        }
    }

    pub fn parse(f: &ProblemInput, feedback_on: NaiveDate) -> Result<NewProblem, AppError> {
        NewProblem::parse_all(f, feedback_on).map_err(|mut e| e.remove(0))
    }
}

/// A text the acting person must give (progress, self-assessment, conclusion, reasons).
pub fn action_text(field: &'static str, label: &'static str, raw: &str) -> Result<String, AppError> {
    fields::long_text(field, label, raw, 4000, true)
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts(status: Status) -> Facts {
        Facts { status, progress_count: 1, actor_is_owner: false, actor_submitted: false }
    }

    #[test]
    fn the_life_cycle() {
        assert_eq!(transition(Action::Progress, facts(Status::Open)).unwrap(), Status::InProgress);
        assert_eq!(transition(Action::Submit, facts(Status::InProgress)).unwrap(), Status::Submitted);
        assert_eq!(transition(Action::Return, facts(Status::Submitted)).unwrap(), Status::InProgress);
        assert_eq!(transition(Action::Close, facts(Status::Submitted)).unwrap(), Status::Closed);
        assert_eq!(transition(Action::Reopen, facts(Status::Closed)).unwrap(), Status::InProgress);
    }

    #[test]
    fn refusals() {
        let none = Facts { progress_count: 0, ..facts(Status::Open) };
        assert!(transition(Action::Submit, none).is_err(), "nothing reported yet");
        let e = transition(Action::Close, none).unwrap_err();
        assert!(matches!(e, AppError::Conflict { ref msg, .. } if msg.key == "rect.no_progress_close"));
        let own = Facts { actor_is_owner: true, ..facts(Status::Submitted) };
        let e = transition(Action::Close, own).unwrap_err();
        assert!(matches!(e, AppError::Conflict { ref msg, .. } if msg.key == "rect.verifier_not_owner"));
        let submitter = Facts { actor_submitted: true, ..facts(Status::Submitted) };
        assert!(transition(Action::Close, submitter).is_err());
        assert!(transition(Action::Return, submitter).is_err());
        assert!(transition(Action::Close, facts(Status::InProgress)).is_err(), "no self-assessment yet");
        assert!(transition(Action::Progress, facts(Status::Closed)).is_err());
        assert!(transition(Action::Reopen, facts(Status::InProgress)).is_err());
    }

    #[test]
    fn written_deadlines() {
        let p = |s: &str| parse_written_deadline(s);
        assert_eq!(p("2026-06-30"), Some(WrittenDeadline { kind: Kind::Deadline, due: Some(d(2026, 6, 30)) }));
        assert_eq!(p("2026年6月30日"), Some(WrittenDeadline { kind: Kind::Deadline, due: Some(d(2026, 6, 30)) }));
        assert_eq!(p("2026年6月底前"), Some(WrittenDeadline { kind: Kind::Deadline, due: Some(d(2026, 6, 30)) }));
        assert_eq!(p("2026年2月底"), Some(WrittenDeadline { kind: Kind::Deadline, due: Some(d(2026, 2, 28)) }));
        assert_eq!(p("2026年底前"), Some(WrittenDeadline { kind: Kind::Deadline, due: Some(d(2026, 12, 31)) }));
        assert_eq!(p("2026年9月"), Some(WrittenDeadline { kind: Kind::Deadline, due: Some(d(2026, 9, 30)) }));
        assert_eq!(p("立行立改"), Some(WrittenDeadline { kind: Kind::Immediate, due: None }));
        assert_eq!(p(" 长期坚持 "), Some(WrittenDeadline { kind: Kind::LongTerm, due: None }));
        assert_eq!(
            p("立行立改（2026年3月31日前）"),
            Some(WrittenDeadline { kind: Kind::Immediate, due: Some(d(2026, 3, 31)) })
        );
        assert_eq!(p("尽快"), None);
        assert_eq!(p("2026年13月"), None);
        assert_eq!(p(""), None);
    }

    #[test]
    fn inspection_reports_are_due_two_months_after_feedback() {
        assert_eq!(Source::Inspection.default_report_due(d(2026, 3, 31)), Some(d(2026, 5, 31)));
        assert_eq!(Source::Inspection.default_report_due(d(2026, 12, 31)), Some(d(2027, 2, 28)));
        assert_eq!(Source::Audit.default_report_due(d(2026, 3, 31)), None);
    }

    #[test]
    fn batch_input_is_checked() {
        let ok = BatchInput {
            title: "2026年市委第二巡察组反馈问题".into(),
            source: "inspection".into(),
            issuer: "市委第二巡察组".into(),
            feedback_on: "2026-03-02".into(),
            units: vec![uuid::Uuid::nil().to_string()],
            ..Default::default()
        };
        assert_eq!(NewBatch::parse(&ok).unwrap().report_due_on, d(2026, 5, 2));
        let audit = BatchInput { source: "audit".into(), ..ok.clone() };
        assert!(matches!(NewBatch::parse(&audit), Err(AppError::Invalid { field: "report_due_on", .. })));
        let early = BatchInput { report_due_on: Some("2026-03-01".into()), ..ok.clone() };
        assert!(matches!(NewBatch::parse(&early), Err(AppError::Invalid { field: "report_due_on", .. })));
        let none = BatchInput { units: vec![], ..ok.clone() };
        assert!(matches!(NewBatch::parse(&none), Err(AppError::Invalid { field: "units", .. })));
        let bad = BatchInput { source: "gossip".into(), ..ok };
        assert!(matches!(NewBatch::parse(&bad), Err(AppError::Invalid { field: "source", .. })));
    }

    #[test]
    fn a_deadline_before_the_feedback_is_refused() {
        let f = ProblemInput {
            description: "公务用车管理不规范".into(),
            kind: "deadline".into(),
            unit: uuid::Uuid::nil().to_string(),
            owner: uuid::Uuid::nil().to_string(),
            due_on: "2026-03-01".into(),
            ..Default::default()
        };
        let errs = NewProblem::parse_all(&f, d(2026, 3, 2)).unwrap_err();
        assert!(errs.iter().any(|e| matches!(e, AppError::Invalid { field: "due_on", .. })));
        assert!(NewProblem::parse(&ProblemInput { due_on: "2026-03-02".into(), ..f }, d(2026, 3, 2)).is_ok());
    }

    #[test]
    fn rates() {
        let s = Stats { total: 7, closed: 6, on_time: 5, overdue: 1 };
        assert_eq!(s.rate_text(), "85.7%");
        assert!(!s.complete());
        assert_eq!(Stats::default().rate_text(), "—");
        assert!(Stats { total: 2, closed: 2, on_time: 1, overdue: 0 }.complete());
        assert!(!Stats::default().complete(), "an empty batch is not complete");
    }

    proptest! {
        /// Whatever is asked, a closed problem is only ever closed by someone other than its
        /// owner or submitter, and only after progress and a self-assessment.
        #[test]
        fn closing_needs_progress_and_another_person(
            s in 0usize..4, n in 0i32..3, owner in any::<bool>(), submitter in any::<bool>()
        ) {
            let f = Facts { status: Status::ALL[s], progress_count: n, actor_is_owner: owner, actor_submitted: submitter };
            if let Ok(Status::Closed) = transition(Action::Close, f) {
                prop_assert!(n > 0 && !owner && !submitter && f.status == Status::Submitted);
            }
        }

        /// What the module writes into 完成时限, it reads back.
        #[test]
        fn written_deadlines_round_trip(k in 0usize..3, days in 0i64..4000) {
            let due = d(2020, 1, 1) + chrono::Duration::days(days);
            let text = format!("{}年{}月{}日", due.year(), due.month(), due.day());
            let kind = Kind::ALL[k];
            let w = parse_written_deadline(&write_deadline(kind, &text)).unwrap();
            prop_assert_eq!(w, WrittenDeadline { kind, due: Some(due) });
        }
    }
}
