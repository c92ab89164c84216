//! 主体责任 rules, pure: list items (category, cadence, deadline rule, evidence, weight), the
//! periods a cadence makes in a year and each period's due date, task states, the reviewer's
//! ratings, and the 实绩考评 score with its breakdown.
//!
//! Cadences follow the speech's 月度安排、季度研究、半年汇报、年度述职, plus one-off items with a
//! date. A deadline rule is always explicit — "the N-th working day after the period ends" or
//! "N calendar days after the period ends" — because offices differ (邹城: 每月5日前; 富宁:
//! 季度派单, 季末后10日内). An item without one is refused.
//!
//! Score (per unit or per leader, for the tasks that count on a day: due by then, or already
//! accepted early):
//!
//! - per item: on-time rate `t` (accepted with 0 days late ÷ counted), acceptance rate `a`
//!   (accepted ÷ counted), rating `r` (mean of the reviewer's ratings in points: 好 100, 较好 85,
//!   一般 70, 差 40 — ÷ 100);
//! - item score = (w_t·t + w_a·a + w_r·r) ÷ (w_t + w_a + w_r) × 100, with the rating's part left
//!   out (and its weight) while no task of the item has been rated;
//! - total = Σ(item weight × item score) ÷ Σ(item weight) over items with counted tasks.
//!
//! The component weights (default 40 / 40 / 20) are a setting; every line of the sum is shown.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{calendar::Calendar, error::AppError, fields, i18n::Msg};

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $prefix:literal, { $($(#[$vm:meta])* $v:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.code() == s)
            }

            pub fn label_key(self) -> &'static str {
                match self { $($name::$v => concat!($prefix, $code)),+ }
            }

            /// (code, label key) pairs for a select.
            pub fn options() -> Vec<(&'static str, &'static str)> {
                Self::ALL.iter().map(|x| (x.code(), x.label_key())).collect()
            }
        }
    };
}

code_enum!(
    /// The responsibility an item belongs to (两个责任 and 一岗双责).
    Category, "duty.cat_", {
        /// 党组（党委）主体责任
        PartyGroup = "party_group",
        /// 党组书记第一责任人责任
        Secretary = "secretary",
        /// 班子成员一岗双责
        Member = "member",
        /// 纪检监督责任
        Supervision = "supervision",
        /// 县局（单位）自定事项
        Local = "local",
    }
);

code_enum!(
    /// How often an item recurs: 月度安排、季度研究、半年汇报、年度述职, or once.
    Cadence, "duty.cadence_", {
        Monthly = "monthly",
        Quarterly = "quarterly",
        HalfYear = "half_year",
        Annual = "annual",
        Once = "once",
    }
);

code_enum!(
    /// How the deadline is counted from the end of the period.
    RuleKind, "duty.rule_", {
        /// The N-th working day after the period ends (by the holiday calendar).
        Working = "working",
        /// N calendar days after the period ends (0: the period's last day).
        Calendar = "calendar",
    }
);

code_enum!(
    /// Who an item is cascaded to: each target unit, or each named leader.
    Target, "duty.target_", {
        Unit = "unit",
        Leader = "leader",
    }
);

code_enum!(
    /// A task instance's state. Returned tasks are worked on again like open ones.
    TaskStatus, "duty.status_", {
        Open = "open",
        Submitted = "submitted",
        Returned = "returned",
        Accepted = "accepted",
    }
);

code_enum!(
    /// The reviewer's rating of an accepted record.
    Rating, "duty.rating_", {
        Excellent = "excellent",
        Good = "good",
        Fair = "fair",
        Poor = "poor",
    }
);

impl TaskStatus {
    /// Still with the assignee (chased by the deadline engine).
    pub fn is_open(self) -> bool {
        matches!(self, TaskStatus::Open | TaskStatus::Returned)
    }
}

impl Rating {
    /// Stored as a small number (4 = 好 … 1 = 差).
    pub fn level(self) -> i32 {
        match self {
            Rating::Excellent => 4,
            Rating::Good => 3,
            Rating::Fair => 2,
            Rating::Poor => 1,
        }
    }

    pub fn from_level(n: i32) -> Option<Rating> {
        Rating::ALL.iter().copied().find(|r| r.level() == n)
    }

    /// Points on the 100 scale used by the score.
    pub fn points(self) -> f64 {
        match self {
            Rating::Excellent => 100.0,
            Rating::Good => 85.0,
            Rating::Fair => 70.0,
            Rating::Poor => 40.0,
        }
    }
}

/// An explicit deadline rule: `days` after the period's end, in working or calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRule {
    pub kind: RuleKind,
    pub days: u32,
}

impl DeadlineRule {
    pub fn due(&self, cal: &Calendar, period_end: NaiveDate) -> NaiveDate {
        match self.kind {
            RuleKind::Working => cal.nth_working_day_after(period_end, self.days.max(1)),
            RuleKind::Calendar => period_end + Duration::days(i64::from(self.days)),
        }
    }
}

/// One period an item is due for: its label (2026-03, 2026-Q1, 2026-H1, 2026, or a date) and
/// its first and last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn month_end(y: i32, m: u32) -> NaiveDate {
    if m == 12 { ymd(y, 12, 31) } else { ymd(y, m + 1, 1) - Duration::days(1) }
}

/// The periods a cadence makes in `year`, keeping those that end on or after `from` (a list
/// published in March does not ask for January's monthly task).
pub fn periods(cadence: Cadence, year: i32, once_on: Option<NaiveDate>, from: NaiveDate) -> Vec<Period> {
    let span = |label: String, start: NaiveDate, end: NaiveDate| Period { label, start, end };
    let all: Vec<Period> = match cadence {
        Cadence::Monthly => {
            (1..=12).map(|m| span(format!("{year}-{m:02}"), ymd(year, m, 1), month_end(year, m))).collect()
        }
        Cadence::Quarterly => {
            (1..=4).map(|q| span(format!("{year}-Q{q}"), ymd(year, q * 3 - 2, 1), month_end(year, q * 3))).collect()
        }
        Cadence::HalfYear => vec![
            span(format!("{year}-H1"), ymd(year, 1, 1), ymd(year, 6, 30)),
            span(format!("{year}-H2"), ymd(year, 7, 1), ymd(year, 12, 31)),
        ],
        Cadence::Annual => vec![span(format!("{year}"), ymd(year, 1, 1), ymd(year, 12, 31))],
        Cadence::Once => once_on.map(|d| span(d.to_string(), d, d)).into_iter().collect(),
    };
    all.into_iter().filter(|p| p.end >= from).collect()
}

/// A period label for people: 2026年3月, 2026年第一季度, 2026年上半年, 2026年度, or the date.
pub fn period_text(label: &str, zh: bool) -> String {
    let quarters = ["一", "二", "三", "四"];
    if let Some((y, q)) = label.split_once("-Q") {
        let n: usize = q.parse().unwrap_or(1);
        return if zh { format!("{y}年第{}季度", quarters[(n.max(1) - 1).min(3)]) } else { format!("Q{n} {y}") };
    }
    if let Some((y, h)) = label.split_once("-H") {
        return match (zh, h) {
            (true, "1") => format!("{y}年上半年"),
            (true, _) => format!("{y}年下半年"),
            (false, _) => format!("H{h} {y}"),
        };
    }
    if label.len() == 4 {
        return if zh { format!("{label}年度") } else { label.to_string() };
    }
    if label.len() == 7
        && let Some((y, m)) = label.split_once('-')
    {
        let m: u32 = m.parse().unwrap_or(1);
        return if zh { format!("{y}年{m}月") } else { format!("{y}-{m:02}") };
    }
    label.to_string()
}

// ------------------------------------------------------------------ inputs

/// Raw fields of a list (责任清单).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ListInput {
    /// The year the list covers.
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub year: Option<String>,
    pub title: String,
    /// YYYY-MM-DD; periods ending before it generate no tasks (default: 1 January).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub starts_on: Option<String>,
    /// Copy the items and targets of this list (UUID), e.g. last year's.
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub copy_from: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewList {
    pub year: i32,
    pub title: String,
    pub starts_on: NaiveDate,
    pub copy_from: Option<uuid::Uuid>,
}

impl NewList {
    pub fn parse(f: &ListInput, today: NaiveDate) -> Result<NewList, AppError> {
        let year = match f.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => today.year(),
            Some(s) => {
                fields::int("year", "duty.year", s, i64::from(today.year() - 5), i64::from(today.year() + 1))? as i32
            }
        };
        let title = fields::text("title", "duty.list_title", &f.title, 200)?;
        let starts_on =
            fields::opt_date("starts_on", "duty.starts_on", f.starts_on.as_deref())?.unwrap_or_else(|| ymd(year, 1, 1));
        if starts_on.year() != year {
            return Err(AppError::invalid("starts_on", "duty.starts_on", "duty.date_not_in_year"));
        }
        let copy_from = match f.copy_from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(fields::uuid("copy_from", "duty.copy_from", s, "duty.not_found_ref")?),
        };
        Ok(NewList { year, title, starts_on, copy_from })
    }
}

/// Raw fields of a list item.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    /// party_group / secretary / member / supervision / local
    pub category: String,
    pub content: String,
    /// monthly / quarterly / half_year / annual / once
    pub cadence: String,
    /// YYYY-MM-DD, for a one-off item.
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub once_on: Option<String>,
    /// The deadline rule: working / calendar (required).
    #[serde(default)]
    pub rule_kind: String,
    /// Days after the period ends (working: 1–60; calendar: 0–90).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub rule_days: Option<String>,
    /// The evidence required (会议记录、照片、文件…).
    #[serde(default)]
    pub evidence: String,
    /// Weight in the score (1–100).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub weight: Option<String>,
    /// unit / leader
    #[serde(default)]
    pub target: String,
    /// Required once the list is published (修订理由).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewItem {
    pub category: Category,
    pub content: String,
    pub cadence: Cadence,
    pub once_on: Option<NaiveDate>,
    pub rule: DeadlineRule,
    pub evidence: String,
    pub weight: i32,
    pub target: Target,
}

impl NewItem {
    /// Parse every field; the first error names its field.
    pub fn parse(f: &ItemInput, year: i32) -> Result<NewItem, AppError> {
        let category = fields::choice("category", "duty.category", &f.category, Category::parse)?;
        let content = fields::long_text("content", "duty.content", &f.content, 2000, true)?;
        let cadence = fields::choice("cadence", "duty.cadence", &f.cadence, Cadence::parse)?;
        let once_on = fields::opt_date("once_on", "duty.once_on", f.once_on.as_deref())?;
        let once_on = match (cadence, once_on) {
            (Cadence::Once, None) => return Err(AppError::invalid("once_on", "duty.once_on", "duty.once_needs_date")),
            (Cadence::Once, Some(d)) if d.year() != year => {
                return Err(AppError::invalid("once_on", "duty.once_on", "duty.date_not_in_year"));
            }
            (Cadence::Once, d) => d,
            _ => None,
        };
        let days_raw = f.rule_days.as_deref().map(str::trim).unwrap_or("");
        if f.rule_kind.trim().is_empty() || days_raw.is_empty() {
            return Err(AppError::invalid("rule_kind", "duty.rule", "duty.rule_required"));
        }
        let kind = fields::choice("rule_kind", "duty.rule", &f.rule_kind, RuleKind::parse)?;
        let days = match kind {
            RuleKind::Working => fields::int("rule_days", "duty.rule_days", days_raw, 1, 60)?,
            RuleKind::Calendar => fields::int("rule_days", "duty.rule_days", days_raw, 0, 90)?,
        } as u32;
        let evidence = fields::long_text("evidence", "duty.evidence", &f.evidence, 1000, false)?;
        let weight = match f.weight.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => 1,
            Some(s) => fields::int("weight", "duty.weight", s, 1, 100)? as i32,
        };
        let target = match f.target.trim() {
            "" => match category {
                Category::Secretary | Category::Member => Target::Leader,
                _ => Target::Unit,
            },
            s => fields::choice("target", "duty.target", s, Target::parse)?,
        };
        Ok(NewItem { category, content, cadence, once_on, rule: DeadlineRule { kind, days }, evidence, weight, target })
    }
}

/// An amendment's reason: required (and bounded) once a list is published.
pub fn amendment_reason(raw: Option<&str>) -> Result<String, AppError> {
    let s = fields::long_text("reason", "duty.reason", raw.unwrap_or(""), 500, false)?;
    if s.chars().count() < 2 {
        return Err(AppError::invalid("reason", "duty.reason", "duty.reason_required"));
    }
    Ok(s)
}

/// Raw fields of a 履责纪实 record.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    /// YYYY-MM-DD: when it was done.
    pub done_on: String,
    #[serde(default)]
    pub place: String,
    /// Who took part.
    #[serde(default)]
    pub participants: String,
    /// What was done.
    pub content: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub done_on: NaiveDate,
    pub place: String,
    pub participants: String,
    pub content: String,
}

impl NewRecord {
    pub fn parse(f: &RecordInput, today: NaiveDate) -> Result<NewRecord, AppError> {
        let done_on = fields::date("done_on", "duty.done_on", &f.done_on)?;
        if done_on > today {
            return Err(AppError::invalid("done_on", "duty.done_on", "duty.done_in_future"));
        }
        let place = fields::long_text("place", "duty.place", &f.place, 200, false)?;
        let participants = fields::long_text("participants", "duty.participants", &f.participants, 1000, false)?;
        let content = fields::long_text("content", "duty.record_content", &f.content, 8000, true)?;
        Ok(NewRecord { done_on, place, participants, content })
    }
}

// ------------------------------------------------------------------ scoring

/// Weights of the three parts of an item's score (a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreWeights {
    pub on_time: u32,
    pub accepted: u32,
    pub rating: u32,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights { on_time: 40, accepted: 40, rating: 20 }
    }
}

impl ScoreWeights {
    pub fn validate(&self) -> Result<(), AppError> {
        for (field, v) in [("on_time", self.on_time), ("accepted", self.accepted), ("rating", self.rating)] {
            if v > 100 {
                return Err(AppError::invalid(
                    field,
                    "duty.score_weight",
                    Msg::new("error.range").arg("min", 0).arg("max", 100),
                ));
            }
        }
        if self.on_time + self.accepted + self.rating == 0 {
            return Err(AppError::invalid("on_time", "duty.score_weight", "duty.weights_all_zero"));
        }
        Ok(())
    }
}

/// Counted tasks of one item for one unit or leader.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    pub item_id: i64,
    pub weight: i32,
    /// Tasks that count (due by the day, or accepted early).
    pub counted: u32,
    pub accepted: u32,
    /// Accepted with no day late.
    pub on_time: u32,
    /// Sum of rating points and the number of rated tasks.
    pub rating_points: f64,
    pub rated: u32,
}

impl Tally {
    /// Add one counted task.
    pub fn add(&mut self, status: TaskStatus, days_late: Option<i32>, rating: Option<Rating>, n: u32) {
        self.counted += n;
        if status == TaskStatus::Accepted {
            self.accepted += n;
            if days_late.unwrap_or(0) <= 0 {
                self.on_time += n;
            }
        }
        if let Some(r) = rating {
            self.rating_points += r.points() * f64::from(n);
            self.rated += n;
        }
    }
}

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScoreLine {
    pub item_id: i64,
    pub weight: i32,
    pub counted: u32,
    pub accepted: u32,
    pub on_time: u32,
    /// 0–1
    pub on_time_rate: f64,
    /// 0–1
    pub acceptance_rate: f64,
    /// Mean rating in points (0–100), when any task was rated.
    pub rating: Option<f64>,
    /// 0–100
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Score {
    /// 0–100; `None` while nothing counts yet.
    pub total: Option<f64>,
    pub counted: u32,
    pub accepted: u32,
    pub on_time: u32,
    pub on_time_rate: Option<f64>,
    pub acceptance_rate: Option<f64>,
    pub rating: Option<f64>,
    pub lines: Vec<ScoreLine>,
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 0.0 } else { f64::from(a) / f64::from(b) }
}

/// Combine tallies into the score (see the module doc). Items with nothing counted are left out.
pub fn score(tallies: &[Tally], w: ScoreWeights) -> Score {
    let mut lines = Vec::new();
    let (mut wsum, mut acc) = (0.0, 0.0);
    let (mut counted, mut accepted, mut on_time, mut rpoints, mut rated) = (0, 0, 0, 0.0, 0);
    for t in tallies.iter().filter(|t| t.counted > 0) {
        let on_time_rate = ratio(t.on_time, t.counted);
        let acceptance_rate = ratio(t.accepted, t.counted);
        let rating = (t.rated > 0).then(|| t.rating_points / f64::from(t.rated));
        let (mut num, mut den) = (
            f64::from(w.on_time) * on_time_rate + f64::from(w.accepted) * acceptance_rate,
            f64::from(w.on_time + w.accepted),
        );
        if let Some(r) = rating {
            num += f64::from(w.rating) * r / 100.0;
            den += f64::from(w.rating);
        }
        let s = if den > 0.0 { num / den * 100.0 } else { 0.0 };
        wsum += f64::from(t.weight);
        acc += f64::from(t.weight) * s;
        counted += t.counted;
        accepted += t.accepted;
        on_time += t.on_time;
        rpoints += t.rating_points;
        rated += t.rated;
        lines.push(ScoreLine {
            item_id: t.item_id,
            weight: t.weight,
            counted: t.counted,
            accepted: t.accepted,
            on_time: t.on_time,
            on_time_rate,
            acceptance_rate,
            rating,
            score: round1(s),
        });
    }
    Score {
        total: (wsum > 0.0).then(|| round1(acc / wsum)),
        counted,
        accepted,
        on_time,
        on_time_rate: (counted > 0).then(|| ratio(on_time, counted)),
        acceptance_rate: (counted > 0).then(|| ratio(accepted, counted)),
        rating: (rated > 0).then(|| round1(rpoints / f64::from(rated))),
        lines,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Whether a task counts in the score on `today`: due by then, or accepted already.
pub fn counts(status: TaskStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    due_on <= today || status == TaskStatus::Accepted
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn cadences_make_the_periods_of_the_year() {
        let jan1 = d(2026, 1, 1);
        let m = periods(Cadence::Monthly, 2026, None, jan1);
        assert_eq!(m.len(), 12);
        assert_eq!(m[1], Period { label: "2026-02".into(), start: d(2026, 2, 1), end: d(2026, 2, 28) });
        let q = periods(Cadence::Quarterly, 2026, None, jan1);
        assert_eq!(
            q.iter().map(|p| p.end).collect::<Vec<_>>(),
            [d(2026, 3, 31), d(2026, 6, 30), d(2026, 9, 30), d(2026, 12, 31)]
        );
        assert_eq!(periods(Cadence::HalfYear, 2026, None, jan1).len(), 2);
        assert_eq!(periods(Cadence::Annual, 2026, None, jan1)[0].label, "2026");
        assert_eq!(periods(Cadence::Once, 2026, Some(d(2026, 7, 1)), jan1)[0].end, d(2026, 7, 1));
        assert!(periods(Cadence::Once, 2026, None, jan1).is_empty());
        // Published on 15 March: January and February are not asked for; March and Q1 are.
        let from = d(2026, 3, 15);
        assert_eq!(periods(Cadence::Monthly, 2026, None, from).len(), 10);
        assert_eq!(periods(Cadence::Quarterly, 2026, None, from).len(), 4);
        assert_eq!(periods(Cadence::Monthly, 2028, None, d(2028, 1, 1))[1].end, d(2028, 2, 29), "leap year");
    }

    #[test]
    fn deadline_rules_count_working_days_after_the_period() {
        let cal = Calendar::builtin();
        let five = DeadlineRule { kind: RuleKind::Working, days: 5 };
        // September 2026 ends on Wed 30 Sep; 1–7 Oct is the 国庆 holiday and Sat 10 Oct a 调休
        // working day: 8, 9, 10, 12, 13 Oct.
        assert_eq!(five.due(&cal, d(2026, 9, 30)), d(2026, 10, 13));
        // March 2026 ends on Tue 31 Mar; 4–6 Apr is 清明: 1, 2, 3, 7, 8 Apr.
        assert_eq!(five.due(&cal, d(2026, 3, 31)), d(2026, 4, 8));
        let ten = DeadlineRule { kind: RuleKind::Calendar, days: 10 };
        assert_eq!(ten.due(&cal, d(2026, 3, 31)), d(2026, 4, 10));
        assert_eq!(DeadlineRule { kind: RuleKind::Calendar, days: 0 }.due(&cal, d(2026, 6, 30)), d(2026, 6, 30));
    }

    #[test]
    fn period_labels_read_as_people_write_them() {
        assert_eq!(period_text("2026-03", true), "2026年3月");
        assert_eq!(period_text("2026-Q2", true), "2026年第二季度");
        assert_eq!(period_text("2026-H1", true), "2026年上半年");
        assert_eq!(period_text("2026-H2", true), "2026年下半年");
        assert_eq!(period_text("2026", true), "2026年度");
        assert_eq!(period_text("2026-07-01", true), "2026-07-01");
        assert_eq!(period_text("2026-Q2", false), "Q2 2026");
    }

    fn item(cadence: &str, rule_kind: &str, rule_days: Option<&str>) -> ItemInput {
        ItemInput {
            category: "party_group".into(),
            content: "每季度专题研究党风廉政建设工作".into(),
            cadence: cadence.into(),
            rule_kind: rule_kind.into(),
            rule_days: rule_days.map(str::to_string),
            weight: Some("5".into()),
            ..Default::default()
        }
    }

    fn field_of(e: AppError) -> &'static str {
        match e {
            AppError::Invalid { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn an_item_needs_a_deadline_rule() {
        assert_eq!(field_of(NewItem::parse(&item("quarterly", "", None), 2026).unwrap_err()), "rule_kind");
        assert_eq!(field_of(NewItem::parse(&item("quarterly", "working", None), 2026).unwrap_err()), "rule_kind");
        assert_eq!(field_of(NewItem::parse(&item("quarterly", "weekly", Some("3")), 2026).unwrap_err()), "rule_kind");
        assert_eq!(field_of(NewItem::parse(&item("quarterly", "working", Some("0")), 2026).unwrap_err()), "rule_days");
        assert_eq!(field_of(NewItem::parse(&item("daily", "working", Some("5")), 2026).unwrap_err()), "cadence");
        assert_eq!(field_of(NewItem::parse(&item("once", "working", Some("5")), 2026).unwrap_err()), "once_on");
        let ok = NewItem::parse(&item("quarterly", "working", Some("5")), 2026).unwrap();
        assert_eq!(ok.rule, DeadlineRule { kind: RuleKind::Working, days: 5 });
        assert_eq!(ok.target, Target::Unit);
        assert_eq!(ok.weight, 5);
        let mut leader = item("monthly", "calendar", Some("0"));
        leader.category = "member".into();
        assert_eq!(NewItem::parse(&leader, 2026).unwrap().target, Target::Leader, "一岗双责 goes to leaders");
        let mut bad_weight = item("monthly", "calendar", Some("0"));
        bad_weight.weight = Some("0".into());
        assert_eq!(field_of(NewItem::parse(&bad_weight, 2026).unwrap_err()), "weight");
    }

    #[test]
    fn an_amendment_needs_a_reason() {
        assert_eq!(field_of(amendment_reason(None).unwrap_err()), "reason");
        assert_eq!(field_of(amendment_reason(Some("  ")).unwrap_err()), "reason");
        assert_eq!(amendment_reason(Some("根据市局党组会议调整")).unwrap(), "根据市局党组会议调整");
    }

    #[test]
    fn score_combines_rates_ratings_and_weights() {
        let w = ScoreWeights::default();
        let mut a = Tally { item_id: 1, weight: 3, ..Default::default() };
        a.add(TaskStatus::Accepted, Some(0), Some(Rating::Excellent), 1);
        a.add(TaskStatus::Accepted, Some(4), Some(Rating::Fair), 1);
        a.add(TaskStatus::Open, None, None, 2);
        // t = 1/4, a = 2/4, r = 85 → (40·0.25 + 40·0.5 + 20·0.85) / 100 = 0.47
        let mut b = Tally { item_id: 2, weight: 1, ..Default::default() };
        b.add(TaskStatus::Accepted, Some(0), None, 1);
        // unrated: (40·1 + 40·1) / 80 = 1.0
        let s = score(&[a, b, Tally { item_id: 3, weight: 9, ..Default::default() }], w);
        assert_eq!(s.lines.len(), 2, "items with nothing counted are left out");
        assert_eq!(s.lines[0].score, 47.0);
        assert_eq!(s.lines[1].score, 100.0);
        assert_eq!(s.total, Some(60.3), "(3·47 + 1·100) / 4 = 60.25");
        assert_eq!((s.counted, s.accepted, s.on_time), (5, 3, 2));
        assert_eq!(s.rating, Some(85.0));
        assert_eq!(score(&[], w).total, None);
    }

    #[test]
    fn tasks_count_when_due_or_accepted_early() {
        let today = d(2026, 3, 10);
        assert!(counts(TaskStatus::Open, d(2026, 3, 10), today));
        assert!(!counts(TaskStatus::Open, d(2026, 3, 11), today));
        assert!(!counts(TaskStatus::Submitted, d(2026, 4, 11), today));
        assert!(counts(TaskStatus::Accepted, d(2026, 4, 11), today));
    }

    #[test]
    fn weights_are_checked() {
        assert!(ScoreWeights::default().validate().is_ok());
        assert_eq!(field_of(ScoreWeights { on_time: 0, accepted: 0, rating: 0 }.validate().unwrap_err()), "on_time");
        assert_eq!(field_of(ScoreWeights { rating: 101, ..Default::default() }.validate().unwrap_err()), "rating");
    }

    fn status() -> impl Strategy<Value = TaskStatus> {
        prop::sample::select(TaskStatus::ALL.to_vec())
    }

    proptest! {
        /// Every period lies inside the year, periods do not overlap, and each due date falls
        /// on or after its period's end.
        #[test]
        fn periods_tile_the_year(c in prop::sample::select(Cadence::ALL.to_vec()), year in 2024i32..2028, from_day in 0i64..365, days in 1u32..30, working in any::<bool>()) {
            let cal = Calendar::builtin();
            let from = ymd(year, 1, 1) + Duration::days(from_day);
            let ps = periods(c, year, Some(ymd(year, 6, 15)), from);
            let rule = DeadlineRule { kind: if working { RuleKind::Working } else { RuleKind::Calendar }, days };
            for w in ps.windows(2) {
                prop_assert!(w[0].end < w[1].start);
            }
            for p in &ps {
                prop_assert!(p.start.year() == year && p.end.year() == year && p.start <= p.end && p.end >= from);
                let due = rule.due(&cal, p.end);
                prop_assert!(due > p.end);
                if working { prop_assert!(cal.is_working_day(due)); }
            }
        }

        /// The score stays within 0–100, and accepting one more task on time never lowers it.
        #[test]
        fn accepting_never_lowers_the_score(tasks in prop::collection::vec((0i64..4, status(), 0i32..5, prop::option::of(1i32..=4)), 1..30), pick in 0usize..30) {
            let build = |ts: &[(i64, TaskStatus, i32, Option<i32>)]| {
                let mut tallies: Vec<Tally> = (0..4).map(|i| Tally { item_id: i, weight: (i + 1) as i32, ..Default::default() }).collect();
                for (item, st, late, r) in ts {
                    let rating = if *st == TaskStatus::Accepted { r.and_then(Rating::from_level) } else { None };
                    tallies[*item as usize].add(*st, Some(*late), rating, 1);
                }
                score(&tallies, ScoreWeights::default())
            };
            let before = build(&tasks);
            let total = before.total.unwrap();
            prop_assert!((0.0..=100.0).contains(&total));
            let i = pick % tasks.len();
            if tasks[i].1 != TaskStatus::Accepted {
                let mut after = tasks.clone();
                after[i] = (tasks[i].0, TaskStatus::Accepted, 0, Some(4));
                prop_assert!(build(&after).total.unwrap() >= total - 1e-9);
            }
        }
    }
}
