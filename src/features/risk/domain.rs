//! 廉政风险防控: the rules, pure. Levels follow from likelihood × impact through a configurable
//! matrix; the review interval follows from the level; a screening campaign unit's status
//! follows from its counts and dates; rotation hints follow from years in post.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{error::AppError, fields, i18n::Msg};

/// 风险等级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 3] = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low];

    pub fn code(self) -> &'static str {
        match self {
            RiskLevel::High => "high",
            RiskLevel::Medium => "medium",
            RiskLevel::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<RiskLevel> {
        match s.trim() {
            "high" | "高" | "高风险" | "H" | "h" => Some(RiskLevel::High),
            "medium" | "中" | "中风险" | "M" | "m" => Some(RiskLevel::Medium),
            "low" | "低" | "低风险" | "L" | "l" => Some(RiskLevel::Low),
            _ => None,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            RiskLevel::High => "risk.level_high",
            RiskLevel::Medium => "risk.level_medium",
            RiskLevel::Low => "risk.level_low",
        }
    }
}

/// A configurable list entry (category 风险类别 or business area 业务领域).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// Module configuration, edited by the 系统管理员 (stored in `settings` as `risk_config`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RiskConfig {
    pub categories: Vec<Choice>,
    pub areas: Vec<Choice>,
    /// `matrix[likelihood-1][impact-1]`, a square grid (scale × scale).
    pub matrix: Vec<Vec<RiskLevel>>,
    /// Months between reviews, per level.
    pub review_months_high: u32,
    pub review_months_medium: u32,
    pub review_months_low: u32,
    /// Years in a high-risk post before a rotation hint (轮岗提示).
    pub rotation_years: u32,
}

fn choices(items: &[(&str, &str)]) -> Vec<Choice> {
    items.iter().map(|(c, l)| Choice { code: c.to_string(), label: l.to_string() }).collect()
}

impl Default for RiskConfig {
    fn default() -> Self {
        use RiskLevel::*;
        RiskConfig {
            categories: choices(&[
                ("people", "管人"),
                ("money", "管钱"),
                ("assets", "管物"),
                ("projects", "管项目"),
                ("enforcement", "执法监管"),
                ("legal_service", "法律服务"),
                ("licensing", "证照审批"),
                ("other", "其他"),
            ]),
            areas: choices(&[
                ("lawyer", "律师"),
                ("notary", "公证"),
                ("forensic", "司法鉴定"),
                ("community_correction", "社区矫正"),
                ("drug_rehab", "戒毒"),
                ("admin_enforcement", "行政执法"),
                ("legal_aid", "法律援助"),
                ("mediation", "人民调解"),
                ("finance", "财务"),
                ("personnel", "人事"),
                ("general", "综合"),
            ]),
            // Likelihood (rows) × impact (columns), 1 = 很小 … 5 = 很大.
            matrix: vec![
                vec![Low, Low, Low, Medium, Medium],
                vec![Low, Low, Medium, Medium, High],
                vec![Low, Medium, Medium, High, High],
                vec![Medium, Medium, High, High, High],
                vec![Medium, High, High, High, High],
            ],
            review_months_high: 6,
            review_months_medium: 12,
            review_months_low: 24,
            rotation_years: 5,
        }
    }
}

impl RiskConfig {
    pub fn scale(&self) -> u8 {
        self.matrix.len() as u8
    }

    /// The level a likelihood and impact give, if both lie on the scale.
    pub fn level_for(&self, likelihood: u8, impact: u8) -> Option<RiskLevel> {
        self.matrix.get(likelihood.checked_sub(1)? as usize)?.get(impact.checked_sub(1)? as usize).copied()
    }

    pub fn review_months(&self, level: RiskLevel) -> u32 {
        match level {
            RiskLevel::High => self.review_months_high,
            RiskLevel::Medium => self.review_months_medium,
            RiskLevel::Low => self.review_months_low,
        }
    }

    /// When the next review is due after a review (or creation) on `from`.
    pub fn next_review(&self, level: RiskLevel, from: NaiveDate) -> NaiveDate {
        from.checked_add_months(Months::new(self.review_months(level))).unwrap_or(from)
    }

    pub fn category(&self, code: &str) -> Option<&Choice> {
        self.categories.iter().find(|c| c.code == code || c.label == code)
    }

    pub fn area(&self, code: &str) -> Option<&Choice> {
        self.areas.iter().find(|c| c.code == code || c.label == code)
    }

    pub fn category_label(&self, code: &str) -> String {
        self.category(code).map(|c| c.label.clone()).unwrap_or_else(|| code.to_string())
    }

    pub fn area_label(&self, code: &str) -> String {
        self.area(code).map(|c| c.label.clone()).unwrap_or_else(|| code.to_string())
    }

    /// Reject configurations that could not work: empty lists, duplicate codes, a matrix that
    /// is not square or smaller than 2 or larger than 10, intervals out of 1–60 months.
    pub fn validate(&self) -> Result<(), AppError> {
        for (field, label, list) in
            [("categories", "risk.category", &self.categories), ("areas", "risk.area", &self.areas)]
        {
            if list.is_empty() {
                return Err(AppError::invalid(field, label, "error.required"));
            }
            let mut seen = std::collections::HashSet::new();
            for c in list {
                if c.code.trim().is_empty() || c.label.trim().is_empty() || !seen.insert(c.code.as_str()) {
                    return Err(AppError::invalid(field, label, "risk.config_bad_list"));
                }
            }
        }
        let n = self.matrix.len();
        if !(2..=10).contains(&n) || self.matrix.iter().any(|r| r.len() != n) {
            return Err(AppError::invalid("matrix", "risk.matrix", "risk.config_bad_matrix"));
        }
        for (field, label, v) in [
            ("review_months_high", "risk.review_months_high", self.review_months_high),
            ("review_months_medium", "risk.review_months_medium", self.review_months_medium),
            ("review_months_low", "risk.review_months_low", self.review_months_low),
        ] {
            if !(1..=60).contains(&v) {
                return Err(AppError::invalid(field, label, Msg::new("error.range").arg("min", 1).arg("max", 60)));
            }
        }
        if !(1..=30).contains(&self.rotation_years) {
            return Err(AppError::invalid(
                "rotation_years",
                "risk.rotation_years",
                Msg::new("error.range").arg("min", 1).arg("max", 30),
            ));
        }
        Ok(())
    }
}

/// The assessed level of a point: from likelihood and impact when given (and then a stated
/// level must agree with the matrix), else the stated level.
pub fn assess(
    cfg: &RiskConfig,
    likelihood: Option<u8>,
    impact: Option<u8>,
    stated: Option<RiskLevel>,
) -> Result<RiskLevel, AppError> {
    match (likelihood, impact) {
        (Some(l), Some(i)) => {
            let computed = cfg.level_for(l, i).ok_or_else(|| {
                AppError::invalid(
                    "likelihood",
                    "risk.likelihood",
                    Msg::new("error.range").arg("min", 1).arg("max", cfg.scale()),
                )
            })?;
            match stated {
                Some(s) if s != computed => Err(AppError::invalid(
                    "level",
                    "risk.level",
                    Msg::new("risk.level_mismatch").arg("l", l).arg("i", i).arg("level", computed.code()),
                )),
                _ => Ok(computed),
            }
        }
        (Some(_), None) => Err(AppError::invalid("impact", "risk.impact", "risk.need_both")),
        (None, Some(_)) => Err(AppError::invalid("likelihood", "risk.likelihood", "risk.need_both")),
        (None, None) => stated.ok_or_else(|| AppError::invalid("level", "risk.level", "error.required")),
    }
}

/// 复核结论.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 有效
    Effective,
    /// 需加强
    NeedsStrengthening,
    /// 失效
    Ineffective,
}

impl Conclusion {
    pub const ALL: [Conclusion; 3] = [Conclusion::Effective, Conclusion::NeedsStrengthening, Conclusion::Ineffective];

    pub fn code(self) -> &'static str {
        match self {
            Conclusion::Effective => "effective",
            Conclusion::NeedsStrengthening => "needs_strengthening",
            Conclusion::Ineffective => "ineffective",
        }
    }

    pub fn parse(s: &str) -> Option<Conclusion> {
        match s.trim() {
            "effective" | "有效" => Some(Conclusion::Effective),
            "needs_strengthening" | "需加强" => Some(Conclusion::NeedsStrengthening),
            "ineffective" | "失效" => Some(Conclusion::Ineffective),
            _ => None,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Conclusion::Effective => "risk.conclusion_effective",
            Conclusion::NeedsStrengthening => "risk.conclusion_needs",
            Conclusion::Ineffective => "risk.conclusion_ineffective",
        }
    }
}

/// Status of a prevention measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Done,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 3] = [MeasureStatus::Planned, MeasureStatus::InProgress, MeasureStatus::Done];

    pub fn code(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::InProgress => "in_progress",
            MeasureStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<MeasureStatus> {
        match s.trim() {
            "planned" | "未开始" | "计划" => Some(MeasureStatus::Planned),
            "in_progress" | "落实中" | "进行中" => Some(MeasureStatus::InProgress),
            "done" | "已落实" | "已完成" => Some(MeasureStatus::Done),
            _ => None,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "risk.measure_planned",
            MeasureStatus::InProgress => "risk.measure_in_progress",
            MeasureStatus::Done => "risk.measure_done",
        }
    }
}

/// A campaign unit's state in the progress table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitProgress {
    NotStarted,
    InProgress,
    SignedOff,
    Overdue,
}

impl UnitProgress {
    pub fn code(self) -> &'static str {
        match self {
            UnitProgress::NotStarted => "not_started",
            UnitProgress::InProgress => "in_progress",
            UnitProgress::SignedOff => "signed_off",
            UnitProgress::Overdue => "overdue",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            UnitProgress::NotStarted => "campaign.not_started",
            UnitProgress::InProgress => "campaign.in_progress",
            UnitProgress::SignedOff => "campaign.signed_off",
            UnitProgress::Overdue => "campaign.overdue",
        }
    }
}

/// The counts behind a campaign unit's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitCounts {
    /// Active points in the unit's subtree.
    pub points: u64,
    /// Of those, reviewed within this campaign.
    pub reviewed: u64,
    /// Points added since the campaign opened.
    pub added: u64,
    /// High-level points without any prevention measure.
    pub high_without_measure: u64,
}

/// Progress of one unit: signed off wins; then overdue once the deadline has passed; then in
/// progress once anything was reviewed or added; else not started.
pub fn unit_progress(c: &UnitCounts, signed_off: bool, deadline: NaiveDate, today: NaiveDate) -> UnitProgress {
    if signed_off {
        UnitProgress::SignedOff
    } else if today > deadline {
        UnitProgress::Overdue
    } else if c.reviewed > 0 || c.added > 0 {
        UnitProgress::InProgress
    } else {
        UnitProgress::NotStarted
    }
}

/// Whether a unit may sign off the campaign, and why not.
pub fn check_sign_off(c: &UnitCounts, campaign_open: bool) -> Result<(), AppError> {
    if !campaign_open {
        return Err(AppError::conflict(None, "campaign.closed"));
    }
    if c.high_without_measure > 0 {
        return Err(AppError::conflict(
            None,
            Msg::new("campaign.high_without_measure").arg("n", c.high_without_measure),
        ));
    }
    if c.reviewed < c.points {
        return Err(AppError::conflict(None, Msg::new("campaign.not_all_reviewed").arg("n", c.points - c.reviewed)));
    }
    Ok(())
}

/// A campaign deadline: a date, or N working days after the start.
pub fn campaign_deadline(
    cal: &crate::calendar::Calendar,
    start: NaiveDate,
    date: Option<NaiveDate>,
    working_days: Option<u32>,
) -> Result<NaiveDate, AppError> {
    match (date, working_days) {
        (Some(d), None) if d >= start => Ok(d),
        (Some(_), None) => Err(AppError::invalid("deadline", "campaign.deadline", "campaign.deadline_before_start")),
        (None, Some(n)) if (1..=250).contains(&n) => Ok(cal.add_working_days(start, n as i32)),
        (None, Some(_)) => Err(AppError::invalid(
            "working_days",
            "campaign.working_days",
            Msg::new("error.range").arg("min", 1).arg("max", 250),
        )),
        (Some(_), Some(_)) => Err(AppError::invalid("deadline", "campaign.deadline", "campaign.deadline_one_of")),
        (None, None) => Err(AppError::invalid("deadline", "campaign.deadline", "error.required")),
    }
}

/// Whole years between two dates (birthday-style: 2019-03-01 → 2024-02-29 is 4).
pub fn whole_years(from: NaiveDate, to: NaiveDate) -> u32 {
    use chrono::Datelike;
    if to < from {
        return 0;
    }
    let mut y = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        y -= 1;
    }
    y.max(0) as u32
}

/// Posts compare by their text with spaces removed and full-width folded.
pub fn post_key(post: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    post.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// Parse a 1..=scale score field (blank = not given).
pub fn score(field: &'static str, label: &'static str, raw: Option<&str>, scale: u8) -> Result<Option<u8>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => fields::int(field, label, s, 1, scale as i64).map(|v| Some(v as u8)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn default_matrix_grades_corners_and_middle() {
        let c = RiskConfig::default();
        c.validate().unwrap();
        assert_eq!(c.level_for(1, 1), Some(RiskLevel::Low));
        assert_eq!(c.level_for(5, 5), Some(RiskLevel::High));
        assert_eq!(c.level_for(3, 3), Some(RiskLevel::Medium));
        assert_eq!(c.level_for(0, 3), None);
        assert_eq!(c.level_for(6, 1), None);
    }

    #[test]
    fn a_stated_level_must_agree_with_the_matrix() {
        let c = RiskConfig::default();
        assert_eq!(assess(&c, Some(5), Some(5), Some(RiskLevel::High)).unwrap(), RiskLevel::High);
        let e = assess(&c, Some(1), Some(1), Some(RiskLevel::High)).unwrap_err();
        assert_eq!(e.field(), Some("level"));
        assert_eq!(assess(&c, None, None, Some(RiskLevel::Medium)).unwrap(), RiskLevel::Medium);
        assert_eq!(assess(&c, Some(2), None, None).unwrap_err().field(), Some("impact"));
        assert_eq!(assess(&c, None, None, None).unwrap_err().field(), Some("level"));
        assert_eq!(assess(&c, Some(9), Some(1), None).unwrap_err().field(), Some("likelihood"));
    }

    #[test]
    fn review_intervals_follow_the_level() {
        let c = RiskConfig::default();
        assert_eq!(c.next_review(RiskLevel::High, d(2026, 3, 1)), d(2026, 9, 1));
        assert_eq!(c.next_review(RiskLevel::Medium, d(2026, 3, 1)), d(2027, 3, 1));
        assert_eq!(c.next_review(RiskLevel::Low, d(2026, 3, 1)), d(2028, 3, 1));
        // Month-end clamps instead of overflowing.
        assert_eq!(c.next_review(RiskLevel::High, d(2026, 8, 31)), d(2027, 2, 28));
    }

    #[test]
    fn bad_configurations_are_refused() {
        let mut c = RiskConfig::default();
        c.matrix.pop();
        assert_eq!(c.validate().unwrap_err().field(), Some("matrix"));
        let mut c = RiskConfig::default();
        c.categories.push(c.categories[0].clone());
        assert_eq!(c.validate().unwrap_err().field(), Some("categories"));
        let c = RiskConfig { review_months_high: 0, ..Default::default() };
        assert!(c.validate().is_err());
    }

    #[test]
    fn campaign_unit_progress() {
        let dl = d(2026, 4, 30);
        let none = UnitCounts { points: 5, ..Default::default() };
        let some = UnitCounts { points: 5, reviewed: 2, ..Default::default() };
        assert_eq!(unit_progress(&none, false, dl, d(2026, 4, 1)), UnitProgress::NotStarted);
        assert_eq!(unit_progress(&some, false, dl, d(2026, 4, 1)), UnitProgress::InProgress);
        assert_eq!(unit_progress(&some, false, dl, d(2026, 5, 1)), UnitProgress::Overdue);
        assert_eq!(unit_progress(&some, true, dl, d(2026, 5, 1)), UnitProgress::SignedOff);
    }

    #[test]
    fn sign_off_rules() {
        let ok = UnitCounts { points: 3, reviewed: 3, added: 1, high_without_measure: 0 };
        assert!(check_sign_off(&ok, true).is_ok());
        assert!(matches!(check_sign_off(&ok, false), Err(AppError::Conflict { .. })));
        let high = UnitCounts { high_without_measure: 1, ..ok };
        assert!(check_sign_off(&high, true).is_err());
        let short = UnitCounts { reviewed: 2, ..ok };
        assert!(check_sign_off(&short, true).is_err());
    }

    #[test]
    fn deadlines_by_date_or_working_days() {
        let cal = crate::calendar::Calendar::builtin();
        let start = d(2026, 9, 28);
        // 5 working days from Mon 28 Sep 2026: 29, 30 Sep, then 1–7 Oct off, 8, 9, 10 (调休上班).
        assert_eq!(campaign_deadline(&cal, start, None, Some(5)).unwrap(), d(2026, 10, 10));
        assert_eq!(campaign_deadline(&cal, start, Some(d(2026, 10, 31)), None).unwrap(), d(2026, 10, 31));
        assert!(campaign_deadline(&cal, start, Some(d(2026, 9, 1)), None).is_err());
        assert!(campaign_deadline(&cal, start, None, None).is_err());
        assert!(campaign_deadline(&cal, start, Some(d(2026, 10, 31)), Some(3)).is_err());
    }

    #[test]
    fn years_in_post() {
        assert_eq!(whole_years(d(2019, 3, 1), d(2024, 2, 29)), 4);
        assert_eq!(whole_years(d(2019, 3, 1), d(2024, 3, 1)), 5);
        assert_eq!(whole_years(d(2024, 3, 1), d(2019, 3, 1)), 0);
        assert_eq!(post_key(" 财务 管理岗 "), "财务管理岗");
    }

    proptest! {
        #[test]
        fn every_cell_of_the_matrix_grades(l in 1u8..=5, i in 1u8..=5) {
            let c = RiskConfig::default();
            let lvl = c.level_for(l, i).unwrap();
            prop_assert_eq!(assess(&c, Some(l), Some(i), None).unwrap(), lvl);
            prop_assert_eq!(assess(&c, Some(l), Some(i), Some(lvl)).unwrap(), lvl);
        }

        #[test]
        fn the_default_matrix_is_monotonic(l in 1u8..5, i in 1u8..5) {
            let c = RiskConfig::default();
            prop_assert!(c.level_for(l + 1, i).unwrap() >= c.level_for(l, i).unwrap());
            prop_assert!(c.level_for(l, i + 1).unwrap() >= c.level_for(l, i).unwrap());
        }

        #[test]
        fn next_review_is_later_and_within_interval(days in 0i64..3000, lvl in 0usize..3) {
            let c = RiskConfig::default();
            let level = RiskLevel::ALL[lvl];
            let from = d(2024, 1, 1) + chrono::Duration::days(days);
            let next = c.next_review(level, from);
            prop_assert!(next > from);
            prop_assert!((next - from).num_days() <= c.review_months(level) as i64 * 31);
        }
    }
}

// ------------------------------------------------------------------ inputs

/// Raw fields of a risk point (form or API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    /// Unit id (UUID).
    pub unit: String,
    pub post: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Category code (see the module settings).
    pub category: String,
    /// Business-area code.
    #[serde(default)]
    pub area: String,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub likelihood: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub impact: Option<String>,
    /// high / medium / low; must agree with the matrix when likelihood and impact are given.
    #[serde(default)]
    pub level: Option<String>,
    /// Responsible person id (UUID).
    #[serde(default)]
    pub responsible: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

/// A valid risk point (references still to be resolved against the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRisk {
    pub unit: uuid::Uuid,
    pub post: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub area: String,
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub level: RiskLevel,
    pub responsible: Option<uuid::Uuid>,
}

fn opt_uuid(field: &'static str, label: &'static str, raw: Option<&str>) -> Result<Option<uuid::Uuid>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            uuid::Uuid::parse_str(s).map(Some).map_err(|_| AppError::invalid(field, label, "risk.not_found_ref"))
        }
    }
}

impl NewRisk {
    /// Parse every field, returning all errors found (imports list them all).
    pub fn parse_all(f: &RiskInput, cfg: &RiskConfig) -> Result<NewRisk, Vec<AppError>> {
        let mut c = fields::Collector::default();
        let unit = c.take(uuid::Uuid::parse_str(f.unit.trim()).map_err(|_| {
            if f.unit.trim().is_empty() {
                AppError::invalid("unit", "risk.unit", "error.required")
            } else {
                AppError::invalid("unit", "risk.unit", "org.unit_not_found")
            }
        }));
        let post = c.take(fields::text("post", "risk.post", &f.post, 40));
        let title = c.take(fields::text("title", "risk.title", &f.title, 100));
        let description = c.take(fields::long_text("description", "risk.description", &f.description, 2000, false));
        let category = c.take(cfg.category(f.category.trim()).map(|x| x.code.clone()).ok_or_else(|| {
            AppError::invalid(
                "category",
                "risk.category",
                Msg::new("risk.unknown_category").arg("value", f.category.trim()),
            )
        }));
        let area = c.take(if f.area.trim().is_empty() {
            Ok(cfg.areas.last().map(|a| a.code.clone()).unwrap_or_default())
        } else {
            cfg.area(f.area.trim()).map(|x| x.code.clone()).ok_or_else(|| {
                AppError::invalid("area", "risk.area", Msg::new("risk.unknown_area").arg("value", f.area.trim()))
            })
        });
        let likelihood = c.take(score("likelihood", "risk.likelihood", f.likelihood.as_deref(), cfg.scale()));
        let impact = c.take(score("impact", "risk.impact", f.impact.as_deref(), cfg.scale()));
        let stated = c.take(match f.level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => RiskLevel::parse(s)
                .map(Some)
                .ok_or_else(|| AppError::invalid("level", "risk.level", Msg::new("error.bad_choice").arg("value", s))),
        });
        let level = match (likelihood, impact, stated) {
            (Some(l), Some(i), Some(s)) => c.take(assess(cfg, l, i, s)),
            _ => None,
        };
        let responsible = c.take(opt_uuid("responsible", "risk.responsible", f.responsible.as_deref()));
        match (unit, post, title, description, category, area, likelihood, impact, level, responsible) {
            (
                Some(unit),
                Some(post),
                Some(title),
                Some(description),
                Some(category),
                Some(area),
                Some(likelihood),
                Some(impact),
                Some(level),
                Some(responsible),
            ) if c.is_empty() => {
                Ok(NewRisk { unit, post, title, description, category, area, likelihood, impact, level, responsible })
            }
            _ => Err(c.0),
        }
    }

    pub fn parse(f: &RiskInput, cfg: &RiskConfig) -> Result<NewRisk, AppError> {
        NewRisk::parse_all(f, cfg).map_err(|mut e| e.remove(0))
    }
}

/// Raw fields of a prevention measure.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    pub content: String,
    /// Owner (person id, UUID).
    #[serde(default)]
    pub owner: Option<String>,
    /// YYYY-MM-DD; not before the point was created.
    #[serde(default)]
    pub due_date: Option<String>,
    /// planned / in_progress / done
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeasure {
    pub content: String,
    pub owner: Option<uuid::Uuid>,
    pub due_date: Option<NaiveDate>,
    pub status: MeasureStatus,
}

impl NewMeasure {
    /// `created_on` is the risk point's creation date: a due date may not precede it.
    pub fn parse(f: &MeasureInput, created_on: NaiveDate) -> Result<NewMeasure, AppError> {
        let content = fields::long_text("content", "risk.measure", &f.content, 1000, true)?;
        let owner = opt_uuid("owner", "risk.measure_owner", f.owner.as_deref())?;
        let due_date = fields::opt_date("due_date", "risk.measure_due", f.due_date.as_deref())?;
        if let Some(d) = due_date
            && d < created_on
        {
            return Err(AppError::invalid(
                "due_date",
                "risk.measure_due",
                Msg::new("risk.due_before_created").arg("date", created_on),
            ));
        }
        let status = match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => MeasureStatus::Planned,
            Some(s) => fields::choice("status", "risk.measure_status", s, MeasureStatus::parse)?,
        };
        Ok(NewMeasure { content, owner, due_date, status })
    }
}

/// Raw fields of a review.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// YYYY-MM-DD; not in the future.
    pub reviewed_on: String,
    /// effective / needs_strengthening / ineffective
    pub conclusion: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub measure_changes: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    pub reviewed_on: NaiveDate,
    pub conclusion: Conclusion,
    pub notes: String,
    pub measure_changes: String,
}

impl NewReview {
    pub fn parse(f: &ReviewInput, today: NaiveDate) -> Result<NewReview, AppError> {
        let reviewed_on = fields::date("reviewed_on", "risk.reviewed_on", &f.reviewed_on)?;
        if reviewed_on > today {
            return Err(AppError::invalid("reviewed_on", "risk.reviewed_on", "risk.review_in_future"));
        }
        let conclusion = fields::choice("conclusion", "risk.conclusion", &f.conclusion, Conclusion::parse)?;
        let notes = fields::long_text("notes", "risk.review_notes", &f.notes, 2000, false)?;
        let measure_changes =
            fields::long_text("measure_changes", "risk.measure_changes", &f.measure_changes, 2000, false)?;
        if conclusion != Conclusion::Effective && measure_changes.is_empty() {
            return Err(AppError::invalid("measure_changes", "risk.measure_changes", "risk.changes_required"));
        }
        Ok(NewReview { reviewed_on, conclusion, notes, measure_changes })
    }
}

/// Raw fields of a new screening campaign.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub title: String,
    #[serde(deserialize_with = "crate::fields::de_opt_string", default)]
    pub year: Option<String>,
    /// Unit ids (UUIDs) the campaign covers (each with its subtree).
    pub units: Vec<String>,
    /// A deadline date …
    #[serde(default)]
    pub deadline: Option<String>,
    /// … or a number of working days from today.
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub working_days: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub title: String,
    pub year: i32,
    pub units: Vec<uuid::Uuid>,
    pub deadline: NaiveDate,
    pub deadline_rule: String,
}

impl NewCampaign {
    pub fn parse(
        f: &CampaignInput,
        cal: &crate::calendar::Calendar,
        today: NaiveDate,
    ) -> Result<NewCampaign, AppError> {
        use chrono::Datelike;
        let title = fields::text("title", "campaign.title", &f.title, 100)?;
        let year = match f.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => today.year(),
            Some(s) => fields::int("year", "campaign.year", s, 2000, 2100)? as i32,
        };
        if f.units.iter().all(|u| u.trim().is_empty()) {
            return Err(AppError::invalid("units", "campaign.units", "campaign.no_units"));
        }
        let mut units = Vec::new();
        for u in f.units.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let id = uuid::Uuid::parse_str(u)
                .map_err(|_| AppError::invalid("units", "campaign.units", "org.unit_not_found"))?;
            if !units.contains(&id) {
                units.push(id);
            }
        }
        let date = fields::opt_date("deadline", "campaign.deadline", f.deadline.as_deref())?;
        let wd = match f.working_days.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(fields::int("working_days", "campaign.working_days", s, 1, 250)? as u32),
        };
        let deadline = campaign_deadline(cal, today, date, wd)?;
        let deadline_rule = match wd {
            Some(n) => format!("{n} working days"),
            None => "date".into(),
        };
        Ok(NewCampaign { title, year, units, deadline, deadline_rule })
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn risk() -> RiskInput {
        RiskInput {
            unit: uuid::Uuid::new_v4().to_string(),
            post: "财务管理岗".into(),
            title: "虚列支出、套取资金".into(),
            category: "管钱".into(),
            area: "finance".into(),
            likelihood: Some("4".into()),
            impact: Some("4".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_risk_parses_with_labels_or_codes() {
        let c = RiskConfig::default();
        let r = NewRisk::parse(&risk(), &c).unwrap();
        assert_eq!(r.category, "money");
        assert_eq!(r.level, RiskLevel::High);
        let mut bad = risk();
        bad.category = "管天".into();
        assert_eq!(NewRisk::parse(&bad, &c).unwrap_err().field(), Some("category"));
        let mut bad = risk();
        bad.level = Some("low".into());
        assert_eq!(NewRisk::parse(&bad, &c).unwrap_err().field(), Some("level"));
        let mut bad = risk();
        bad.likelihood = Some("7".into());
        assert_eq!(NewRisk::parse(&bad, &c).unwrap_err().field(), Some("likelihood"));
    }

    #[test]
    fn measures_may_not_be_due_before_the_point_existed() {
        let m = MeasureInput {
            content: "双人复核、定期对账".into(),
            due_date: Some("2026-02-28".into()),
            ..Default::default()
        };
        let e = NewMeasure::parse(&m, d(2026, 3, 1)).unwrap_err();
        assert_eq!(e.field(), Some("due_date"));
        assert!(NewMeasure::parse(&m, d(2026, 2, 1)).is_ok());
    }

    #[test]
    fn reviews_are_not_in_the_future_and_weak_ones_say_what_changes() {
        let today = d(2026, 3, 2);
        let r = ReviewInput { reviewed_on: "2026-03-03".into(), conclusion: "有效".into(), ..Default::default() };
        assert_eq!(NewReview::parse(&r, today).unwrap_err().field(), Some("reviewed_on"));
        let r = ReviewInput { reviewed_on: "2026-03-02".into(), conclusion: "需加强".into(), ..Default::default() };
        assert_eq!(NewReview::parse(&r, today).unwrap_err().field(), Some("measure_changes"));
        let r = ReviewInput { reviewed_on: "2026-03-02".into(), conclusion: "有效".into(), ..Default::default() };
        assert!(NewReview::parse(&r, today).is_ok());
    }

    #[test]
    fn campaigns_need_units_and_one_deadline() {
        let cal = crate::calendar::Calendar::builtin();
        let u = uuid::Uuid::new_v4().to_string();
        let ok = CampaignInput {
            title: "2026年度廉政风险排查".into(),
            units: vec![u.clone(), u.clone()],
            working_days: Some("10".into()),
            ..Default::default()
        };
        let c = NewCampaign::parse(&ok, &cal, d(2026, 3, 2)).unwrap();
        assert_eq!(c.units.len(), 1);
        assert_eq!(c.deadline, d(2026, 3, 16));
        let none = CampaignInput { units: vec![], ..ok.clone() };
        assert_eq!(NewCampaign::parse(&none, &cal, d(2026, 3, 2)).unwrap_err().field(), Some("units"));
    }
}
