//! 监督执纪 rules: clue sources and disposals, the measures taken on a person and their
//! categories, the 四种形态 mapping, the influence periods (影响期) with the rule in force on the
//! decision date, the blockers an integrity opinion looks at, and the suggested conclusion.
//! Pure: no database, no clock.
//!
//! Sources (see ../shared/reference/domain-research.md §(b)1–3, 8, 9):
//! - 《中国共产党纪律处分条例》: 2015 text (in force 2016-01-01), 2018 revision (2018-10-01), 2023
//!   revision (2024-01-01). 警告 one year; 严重警告 one year under the 2015 text, eighteen months
//!   from the 2018 revision; 撤销党内职务 two years; 留党察看 its term (one or two years) and two
//!   years after restoration; 开除党籍 five years before re-admission.
//! - 《中华人民共和国公职人员政务处分法》(2020) 第八条: 警告 6, 记过 12, 记大过 18, 降级 and 撤职
//!   24 months from the decision date; 开除 has no period.
//! - 《党政领导干部选拔任用工作条例》(2019) 第二十四条: no candidate while an influence period of
//!   诫勉, 组织处理, 党纪政务处分 runs. 诫勉 and 组织处理 periods are local: configuration.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{error::AppError, fields, i18n::Msg};

// ------------------------------------------------------------------ clues

/// 问题线索来源.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClueSource {
    Petition,
    Inspection,
    Audit,
    SpotCheck,
    Assigned,
    Other,
}

impl ClueSource {
    pub const ALL: [ClueSource; 6] = [
        ClueSource::Petition,
        ClueSource::Inspection,
        ClueSource::Audit,
        ClueSource::SpotCheck,
        ClueSource::Assigned,
        ClueSource::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ClueSource::Petition => "petition",
            ClueSource::Inspection => "inspection",
            ClueSource::Audit => "audit",
            ClueSource::SpotCheck => "spot_check",
            ClueSource::Assigned => "assigned",
            ClueSource::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ClueSource::Petition => "disc.source_petition",
            ClueSource::Inspection => "disc.source_inspection",
            ClueSource::Audit => "disc.source_audit",
            ClueSource::SpotCheck => "disc.source_spot_check",
            ClueSource::Assigned => "disc.source_assigned",
            ClueSource::Other => "disc.source_other",
        }
    }
}

/// 问题线索的四类处置方式 (《中国共产党纪律检查机关监督执纪工作规则》).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposal {
    /// 谈话函询
    TalkInquiry,
    /// 初步核实
    Preliminary,
    /// 暂存待查
    Shelved,
    /// 予以了结
    Closed,
}

impl Disposal {
    pub const ALL: [Disposal; 4] = [Disposal::TalkInquiry, Disposal::Preliminary, Disposal::Shelved, Disposal::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Disposal::TalkInquiry => "talk_inquiry",
            Disposal::Preliminary => "preliminary",
            Disposal::Shelved => "shelved",
            Disposal::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Disposal::TalkInquiry => "disc.disposal_talk_inquiry",
            Disposal::Preliminary => "disc.disposal_preliminary",
            Disposal::Shelved => "disc.disposal_shelved",
            Disposal::Closed => "disc.disposal_closed",
        }
    }
}

/// Where a clue stands: received (no disposal yet), being handled, or concluded (a result
/// recorded). A concluded clue no longer blocks an integrity opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClueStatus {
    Received,
    Handling,
    Concluded,
}

impl ClueStatus {
    pub const ALL: [ClueStatus; 3] = [ClueStatus::Received, ClueStatus::Handling, ClueStatus::Concluded];

    pub fn code(self) -> &'static str {
        match self {
            ClueStatus::Received => "received",
            ClueStatus::Handling => "handling",
            ClueStatus::Concluded => "concluded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ClueStatus::Received => "disc.clue_received",
            ClueStatus::Handling => "disc.clue_handling",
            ClueStatus::Concluded => "disc.clue_concluded",
        }
    }

    /// The status a disposal and a result lead to: a result concludes the clue, except for
    /// 暂存待查, which stays open until it is taken up again.
    pub fn after(disposal: Option<Disposal>, has_result: bool) -> ClueStatus {
        match (disposal, has_result) {
            (None, _) => ClueStatus::Received,
            (Some(Disposal::Shelved), _) => ClueStatus::Handling,
            (Some(_), true) => ClueStatus::Concluded,
            (Some(_), false) => ClueStatus::Handling,
        }
    }
}

// ------------------------------------------------------------------ measures

/// The families of measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 批评教育类 (第一种形态的措施)
    Education,
    /// 组织处理
    Organisational,
    /// 党纪处分
    Party,
    /// 政务处分
    Government,
    /// 移送司法机关
    Criminal,
}

impl Category {
    pub const ALL: [Category; 5] =
        [Category::Education, Category::Organisational, Category::Party, Category::Government, Category::Criminal];

    pub fn code(self) -> &'static str {
        match self {
            Category::Education => "education",
            Category::Organisational => "organisational",
            Category::Party => "party",
            Category::Government => "government",
            Category::Criminal => "criminal",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Category::Education => "disc.cat_education",
            Category::Organisational => "disc.cat_organisational",
            Category::Party => "disc.cat_party",
            Category::Government => "disc.cat_government",
            Category::Criminal => "disc.cat_criminal",
        }
    }
}

/// A measure taken on a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    // 第一种形态的措施 (批评教育类)
    TalkReminder,
    Criticism,
    SelfExamination,
    InquiryLetter,
    Circulation,
    Admonish,
    OtherEducation,
    // 组织处理
    Suspension,
    Reassignment,
    OrderedResignation,
    Dismissal,
    Demotion,
    // 党纪处分
    PartyWarning,
    PartySeriousWarning,
    PartyRemoval,
    PartyProbation,
    PartyExpulsion,
    // 政务处分
    GovWarning,
    GovDemerit,
    GovMajorDemerit,
    GovDowngrade,
    GovRemoval,
    GovExpulsion,
    // 第四种形态
    Criminal,
}

impl Kind {
    pub const ALL: [Kind; 24] = [
        Kind::TalkReminder,
        Kind::Criticism,
        Kind::SelfExamination,
        Kind::InquiryLetter,
        Kind::Circulation,
        Kind::Admonish,
        Kind::OtherEducation,
        Kind::Suspension,
        Kind::Reassignment,
        Kind::OrderedResignation,
        Kind::Dismissal,
        Kind::Demotion,
        Kind::PartyWarning,
        Kind::PartySeriousWarning,
        Kind::PartyRemoval,
        Kind::PartyProbation,
        Kind::PartyExpulsion,
        Kind::GovWarning,
        Kind::GovDemerit,
        Kind::GovMajorDemerit,
        Kind::GovDowngrade,
        Kind::GovRemoval,
        Kind::GovExpulsion,
        Kind::Criminal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::TalkReminder => "talk_reminder",
            Kind::Criticism => "criticism",
            Kind::SelfExamination => "self_examination",
            Kind::InquiryLetter => "inquiry_letter",
            Kind::Circulation => "circulation",
            Kind::Admonish => "admonish",
            Kind::OtherEducation => "other_education",
            Kind::Suspension => "suspension",
            Kind::Reassignment => "reassignment",
            Kind::OrderedResignation => "ordered_resignation",
            Kind::Dismissal => "dismissal",
            Kind::Demotion => "demotion",
            Kind::PartyWarning => "party_warning",
            Kind::PartySeriousWarning => "party_serious_warning",
            Kind::PartyRemoval => "party_removal",
            Kind::PartyProbation => "party_probation",
            Kind::PartyExpulsion => "party_expulsion",
            Kind::GovWarning => "gov_warning",
            Kind::GovDemerit => "gov_demerit",
            Kind::GovMajorDemerit => "gov_major_demerit",
            Kind::GovDowngrade => "gov_downgrade",
            Kind::GovRemoval => "gov_removal",
            Kind::GovExpulsion => "gov_expulsion",
            Kind::Criminal => "criminal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Kind::TalkReminder => "disc.kind_talk_reminder",
            Kind::Criticism => "disc.kind_criticism",
            Kind::SelfExamination => "disc.kind_self_examination",
            Kind::InquiryLetter => "disc.kind_inquiry_letter",
            Kind::Circulation => "disc.kind_circulation",
            Kind::Admonish => "disc.kind_admonish",
            Kind::OtherEducation => "disc.kind_other_education",
            Kind::Suspension => "disc.kind_suspension",
            Kind::Reassignment => "disc.kind_reassignment",
            Kind::OrderedResignation => "disc.kind_ordered_resignation",
            Kind::Dismissal => "disc.kind_dismissal",
            Kind::Demotion => "disc.kind_demotion",
            Kind::PartyWarning => "disc.kind_party_warning",
            Kind::PartySeriousWarning => "disc.kind_party_serious_warning",
            Kind::PartyRemoval => "disc.kind_party_removal",
            Kind::PartyProbation => "disc.kind_party_probation",
            Kind::PartyExpulsion => "disc.kind_party_expulsion",
            Kind::GovWarning => "disc.kind_gov_warning",
            Kind::GovDemerit => "disc.kind_gov_demerit",
            Kind::GovMajorDemerit => "disc.kind_gov_major_demerit",
            Kind::GovDowngrade => "disc.kind_gov_downgrade",
            Kind::GovRemoval => "disc.kind_gov_removal",
            Kind::GovExpulsion => "disc.kind_gov_expulsion",
            Kind::Criminal => "disc.kind_criminal",
        }
    }

    pub fn category(self) -> Category {
        use Kind::*;
        match self {
            TalkReminder | Criticism | SelfExamination | InquiryLetter | Circulation | Admonish | OtherEducation => {
                Category::Education
            }
            Suspension | Reassignment | OrderedResignation | Dismissal | Demotion => Category::Organisational,
            PartyWarning | PartySeriousWarning | PartyRemoval | PartyProbation | PartyExpulsion => Category::Party,
            GovWarning | GovDemerit | GovMajorDemerit | GovDowngrade | GovRemoval | GovExpulsion => {
                Category::Government
            }
            Criminal => Category::Criminal,
        }
    }

    /// The default 四种形态 caliber (DOMAIN.md; 纪律处分条例 2023 第五条): 批评教育类 and 诫勉 in the
    /// first form; 党纪轻处分 (警告、严重警告), 组织调整, 政务处分 警告/记过/记大过 in the second;
    /// 党纪重处分, 重大职务调整 (免职、降职), 政务处分 降级/撤职/开除 in the third; criminal
    /// responsibility in the fourth. Offices edit it to their own statistical caliber.
    pub fn default_form(self) -> u8 {
        use Kind::*;
        match self {
            TalkReminder | Criticism | SelfExamination | InquiryLetter | Circulation | Admonish | OtherEducation => 1,
            Suspension | Reassignment | OrderedResignation => 2,
            PartyWarning | PartySeriousWarning | GovWarning | GovDemerit | GovMajorDemerit => 2,
            Dismissal | Demotion => 3,
            PartyRemoval | PartyProbation | PartyExpulsion | GovDowngrade | GovRemoval | GovExpulsion => 3,
            Criminal => 4,
        }
    }

    /// Only 留党察看 carries a term (one or two years).
    pub fn needs_term(self) -> bool {
        self == Kind::PartyProbation
    }
}

// ------------------------------------------------------------------ configuration

/// The settings the discipline group owns: the four-forms caliber and the local periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DisciplineConfig {
    /// Form (1–4) per measure kind code; kinds missing fall back to the default caliber.
    pub forms: std::collections::BTreeMap<String, u8>,
    /// 诫勉 influence period in months (local rules; 6 by the common reading).
    pub admonish_months: u32,
    /// 组织处理 influence periods in months, per kind code (local rules; 0 = none).
    pub organisational_months: std::collections::BTreeMap<String, u32>,
    /// Working days to handle a clue, by default.
    pub clue_working_days: u32,
    /// Working days to answer an integrity-opinion request, by default.
    pub opinion_working_days: u32,
    /// 发文机关: the group's name as printed at the head of its letters.
    pub issuer: String,
}

impl Default for DisciplineConfig {
    fn default() -> Self {
        DisciplineConfig {
            forms: Kind::ALL.iter().map(|k| (k.code().to_string(), k.default_form())).collect(),
            admonish_months: 6,
            organisational_months: [
                (Kind::Suspension, 0),
                (Kind::Reassignment, 12),
                (Kind::OrderedResignation, 12),
                (Kind::Dismissal, 12),
                (Kind::Demotion, 24),
            ]
            .iter()
            .map(|(k, m)| (k.code().to_string(), *m))
            .collect(),
            clue_working_days: 30,
            opinion_working_days: 3,
            issuer: String::new(),
        }
    }
}

impl DisciplineConfig {
    pub fn form(&self, k: Kind) -> u8 {
        self.forms.get(k.code()).copied().filter(|f| (1..=4).contains(f)).unwrap_or_else(|| k.default_form())
    }

    pub fn validate(&self) -> Result<(), AppError> {
        for (code, f) in &self.forms {
            if Kind::parse(code).is_none() || !(1..=4).contains(f) {
                return Err(AppError::invalid("forms", "disc.forms", Msg::new("disc.bad_form").arg("value", code)));
            }
        }
        if !(1..=60).contains(&self.admonish_months) {
            return Err(AppError::invalid(
                "admonish_months",
                "disc.admonish_months",
                Msg::new("error.range").arg("min", 1).arg("max", 60),
            ));
        }
        for (code, m) in &self.organisational_months {
            if Kind::parse(code).is_none_or(|k| k.category() != Category::Organisational) || *m > 60 {
                return Err(AppError::invalid(
                    "organisational_months",
                    "disc.organisational_months",
                    Msg::new("error.range").arg("min", 0).arg("max", 60),
                ));
            }
        }
        if !(1..=250).contains(&self.clue_working_days) {
            return Err(AppError::invalid(
                "clue_working_days",
                "disc.clue_working_days",
                Msg::new("error.range").arg("min", 1).arg("max", 250),
            ));
        }
        if self.issuer.chars().count() > 60 {
            return Err(AppError::invalid("issuer", "disc.issuer", Msg::new("error.too_long").arg("max", 60)));
        }
        if !(1..=60).contains(&self.opinion_working_days) {
            return Err(AppError::invalid(
                "opinion_working_days",
                "disc.opinion_working_days",
                Msg::new("error.range").arg("min", 1).arg("max", 60),
            ));
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ influence periods

/// The rule that gave a period: which text, which article, how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id, stored with each measure (the rule in force on its decision date).
    pub id: &'static str,
    /// The source, as a reader would cite it.
    pub source: String,
    /// What the period forbids, in the regulation's words (short).
    pub effect_key: &'static str,
}

/// How long a measure's influence lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// No influence period.
    None,
    Months(u32),
    /// Lasts for good (开除, 刑事责任): the person is out of the service.
    Permanent,
}

const PARTY_2018: &str = "2018-10-01";
const PARTY_2023: &str = "2024-01-01";

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("static date")
}

/// The 纪律处分条例 text in force on a decision date: 2015, 2018 or 2023.
fn party_text(decided: NaiveDate) -> (&'static str, &'static str) {
    if decided >= day(PARTY_2023) {
        ("2023", "《中国共产党纪律处分条例》(2023年修订)")
    } else if decided >= day(PARTY_2018) {
        ("2018", "《中国共产党纪律处分条例》(2018年修订)")
    } else {
        ("2015", "《中国共产党纪律处分条例》(2015年修订)")
    }
}

/// The influence period of one measure decided on `decided`, and the rule that sets it.
/// `term_years` is 留党察看's term. Local periods (诫勉, 组织处理) come from `cfg`.
pub fn period_rule(kind: Kind, decided: NaiveDate, term_years: Option<u8>, cfg: &DisciplineConfig) -> (Length, Rule) {
    use Kind::*;
    let (ver, text) = party_text(decided);
    let rule = |id: &'static str, source: String, effect_key: &'static str| Rule { id, source, effect_key };
    match kind {
        PartyWarning => (
            Length::Months(12),
            rule(
                match ver {
                    "2023" => "party_warning_2023",
                    "2018" => "party_warning_2018",
                    _ => "party_warning_2015",
                },
                format!("{text}第{}条：警告一年内", if ver == "2015" { "十二" } else { "十" }),
                "disc.effect_no_promotion",
            ),
        ),
        PartySeriousWarning => match ver {
            "2015" => (
                Length::Months(12),
                rule(
                    "party_serious_warning_2015",
                    format!("{text}第十二条：严重警告一年内"),
                    "disc.effect_no_promotion",
                ),
            ),
            _ => (
                Length::Months(18),
                rule(
                    if ver == "2023" { "party_serious_warning_2023" } else { "party_serious_warning_2018" },
                    format!("{text}第十条：严重警告一年半内"),
                    "disc.effect_no_promotion",
                ),
            ),
        },
        PartyRemoval => (
            Length::Months(24),
            rule(
                if ver == "2015" { "party_removal_2015" } else { "party_removal_2018" },
                format!("{text}：撤销党内职务二年内"),
                "disc.effect_no_equal_post",
            ),
        ),
        PartyProbation => {
            let term = u32::from(term_years.unwrap_or(1).clamp(1, 2));
            (
                Length::Months((term + 2) * 12),
                rule(
                    if ver == "2015" { "party_probation_2015" } else { "party_probation_2018" },
                    format!("{text}：留党察看{term}年，恢复党员权利后二年内"),
                    "disc.effect_probation",
                ),
            )
        }
        PartyExpulsion => (
            Length::Months(60),
            rule("party_expulsion", format!("{text}：开除党籍五年内不得重新入党"), "disc.effect_expelled"),
        ),
        GovWarning | GovDemerit | GovMajorDemerit | GovDowngrade | GovRemoval => {
            let months = match kind {
                GovWarning => 6,
                GovDemerit => 12,
                GovMajorDemerit => 18,
                _ => 24,
            };
            (
                Length::Months(months),
                rule(
                    match kind {
                        GovWarning => "gov_warning_2020",
                        GovDemerit => "gov_demerit_2020",
                        GovMajorDemerit => "gov_major_demerit_2020",
                        GovDowngrade => "gov_downgrade_2020",
                        _ => "gov_removal_2020",
                    },
                    format!("《中华人民共和国公职人员政务处分法》第八条、第十九条：处分期间{months}个月"),
                    "disc.effect_gov",
                ),
            )
        }
        GovExpulsion => (
            Length::Permanent,
            rule("gov_expulsion_2020", "《中华人民共和国公职人员政务处分法》第七条：开除".into(), "disc.effect_out"),
        ),
        Criminal => (Length::Permanent, rule("criminal", "移送司法机关依法追究刑事责任".into(), "disc.effect_out")),
        Admonish => (
            Length::Months(cfg.admonish_months),
            rule(
                "admonish_local",
                format!(
                    "《党政领导干部选拔任用工作条例》第二十四条；诫勉影响期{}个月（本单位设置）",
                    cfg.admonish_months
                ),
                "disc.effect_no_promotion",
            ),
        ),
        Suspension | Reassignment | OrderedResignation | Dismissal | Demotion => {
            match cfg.organisational_months.get(kind.code()).copied().unwrap_or(0) {
                0 => (Length::None, rule("organisational_none", String::new(), "")),
                m => (
                    Length::Months(m),
                    rule(
                        "organisational_local",
                        format!("《党政领导干部选拔任用工作条例》第二十四条；组织处理影响期{m}个月（本单位设置）"),
                        "disc.effect_no_promotion",
                    ),
                ),
            }
        }
        TalkReminder | Criticism | SelfExamination | InquiryLetter | Circulation | OtherEducation => {
            (Length::None, rule("none", String::new(), ""))
        }
    }
}

/// A measure as the period rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureFact {
    pub id: i64,
    pub kind: Kind,
    pub decided_on: NaiveDate,
    pub term_years: Option<u8>,
    /// Lifted early (解除): from this day the period no longer applies.
    pub lifted_on: Option<NaiveDate>,
}

/// One influence period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub measure_id: i64,
    pub kind: Kind,
    pub from: NaiveDate,
    /// Last day the period applies (inclusive); `None`: for good.
    pub until: Option<NaiveDate>,
    /// Ended early by a lifting decision.
    pub lifted: bool,
    pub rule: Rule,
}

impl Period {
    pub fn active_on(&self, d: NaiveDate) -> bool {
        d >= self.from && self.until.is_none_or(|u| d <= u)
    }
}

/// The last day of a period of `months` starting on `from` (counted from the decision date).
pub fn last_day(from: NaiveDate, months: u32) -> NaiveDate {
    from.checked_add_months(Months::new(months)).map(|d| d - Duration::days(1)).unwrap_or(NaiveDate::MAX)
}

/// Every influence period of these measures (ended ones too), ordered by start.
pub fn periods(measures: &[MeasureFact], cfg: &DisciplineConfig) -> Vec<Period> {
    let mut out: Vec<Period> = measures
        .iter()
        .filter_map(|m| {
            let (len, rule) = period_rule(m.kind, m.decided_on, m.term_years, cfg);
            let natural = match len {
                Length::None => return None,
                Length::Months(n) => Some(last_day(m.decided_on, n)),
                Length::Permanent => None,
            };
            let lifted_until = m.lifted_on.map(|l| (l - Duration::days(1)).max(m.decided_on - Duration::days(1)));
            let (until, lifted) = match (natural, lifted_until) {
                (Some(n), Some(l)) if l < n => (Some(l), true),
                (None, Some(l)) => (Some(l), true),
                (n, _) => (n, false),
            };
            Some(Period { measure_id: m.id, kind: m.kind, from: m.decided_on, until, lifted, rule })
        })
        .collect();
    out.sort_by(|a, b| a.from.cmp(&b.from).then(a.measure_id.cmp(&b.measure_id)));
    out
}

/// The periods active on `on`: which, until when, by which rule.
pub fn active_periods(measures: &[MeasureFact], on: NaiveDate, cfg: &DisciplineConfig) -> Vec<Period> {
    periods(measures, cfg).into_iter().filter(|p| p.active_on(on)).collect()
}

// ------------------------------------------------------------------ integrity opinion

/// Why an integrity opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Promotion,
    Award,
    Transfer,
    Reserve,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [Purpose::Promotion, Purpose::Award, Purpose::Transfer, Purpose::Reserve];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::Promotion => "promotion",
            Purpose::Award => "award",
            Purpose::Transfer => "transfer",
            Purpose::Reserve => "reserve",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Purpose::Promotion => "disc.purpose_promotion",
            Purpose::Award => "disc.purpose_award",
            Purpose::Transfer => "disc.purpose_transfer",
            Purpose::Reserve => "disc.purpose_reserve",
        }
    }
}

/// The three standard conclusions of a 廉政意见回复.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 暂未发现影响提拔任用的问题
    NoIssue,
    /// 建议暂缓，待查清问题后再作答复
    Defer,
    /// 不宜提拔任用
    NotSuitable,
}

impl Conclusion {
    pub const ALL: [Conclusion; 3] = [Conclusion::NoIssue, Conclusion::Defer, Conclusion::NotSuitable];

    pub fn code(self) -> &'static str {
        match self {
            Conclusion::NoIssue => "no_issue",
            Conclusion::Defer => "defer",
            Conclusion::NotSuitable => "not_suitable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Conclusion::NoIssue => "disc.conclusion_no_issue",
            Conclusion::Defer => "disc.conclusion_defer",
            Conclusion::NotSuitable => "disc.conclusion_not_suitable",
        }
    }
}

/// Something the discipline group should weigh before answering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Blocker {
    /// An influence period runs on the date the opinion is for.
    Period { measure_id: i64, kind: Kind, until: Option<NaiveDate>, rule_id: &'static str, source: String },
    /// A clue about the person is not concluded.
    OpenClue { clue_id: i64, code: String, received_on: NaiveDate },
}

/// The suggestion the blockers give: an active period → 不宜提拔任用; only open clues → 建议暂缓;
/// nothing → 暂未发现影响提拔任用的问题. A person decides.
pub fn suggest(blockers: &[Blocker]) -> Conclusion {
    if blockers.iter().any(|b| matches!(b, Blocker::Period { .. })) {
        Conclusion::NotSuitable
    } else if blockers.iter().any(|b| matches!(b, Blocker::OpenClue { .. })) {
        Conclusion::Defer
    } else {
        Conclusion::NoIssue
    }
}

/// A stable fingerprint of what an answer relied on (the blockers), to tell later whether the
/// records under it changed.
pub fn basis_digest(blockers: &[Blocker]) -> String {
    crate::crypto::sm3_hex(serde_json::to_string(blockers).unwrap_or_default().as_bytes())
}

// ------------------------------------------------------------------ statistics

/// One form's figures: 人次 (measures), 人 (distinct people), and its share of all 人次.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FormCount {
    pub form: u8,
    pub count: u64,
    pub persons: u64,
    /// Share of all 人次, per mille.
    pub share_permille: u64,
}

/// 四种形态 statistics of a set of measures, overall and per group (e.g. per unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormStats<G> {
    pub forms: [FormCount; 4],
    pub total: u64,
    /// Distinct people with any measure.
    pub persons: u64,
    pub groups: Vec<(G, [FormCount; 4])>,
}

/// Figures per form from (form, person, 人次) rows.
fn form_counts(rows: &[(u8, i64, u64)]) -> [FormCount; 4] {
    let total: u64 = rows.iter().map(|r| r.2).sum();
    let mut out = [FormCount::default(); 4];
    for (i, fc) in out.iter_mut().enumerate() {
        let form = i as u8 + 1;
        let mut people: Vec<i64> = rows.iter().filter(|r| r.0 == form && r.2 > 0).map(|r| r.1).collect();
        let count = rows.iter().filter(|r| r.0 == form).map(|r| r.2).sum();
        people.sort_unstable();
        people.dedup();
        *fc = FormCount {
            form,
            count,
            persons: people.len() as u64,
            share_permille: (count * 1000).checked_div(total).unwrap_or(0),
        };
    }
    out
}

/// Count measures by form: `rows` are (group, kind, person, 人次) — the database groups the
/// measures by unit, kind and person, so one row may stand for several measures.
pub fn four_forms<G: Clone + Ord>(rows: &[(G, Kind, i64, u64)], cfg: &DisciplineConfig) -> FormStats<G> {
    let all: Vec<(u8, i64, u64)> = rows.iter().map(|(_, k, p, n)| (cfg.form(*k), *p, *n)).collect();
    let mut people: Vec<i64> = rows.iter().filter(|r| r.3 > 0).map(|r| r.2).collect();
    people.sort_unstable();
    people.dedup();
    let mut groups: std::collections::BTreeMap<G, Vec<(u8, i64, u64)>> = std::collections::BTreeMap::new();
    for (g, k, p, n) in rows {
        groups.entry(g.clone()).or_default().push((cfg.form(*k), *p, *n));
    }
    FormStats {
        forms: form_counts(&all),
        total: rows.iter().map(|r| r.3).sum(),
        persons: people.len() as u64,
        groups: groups.into_iter().map(|(g, v)| (g, form_counts(&v))).collect(),
    }
}

/// "33.3%" from per mille.
pub fn permille_text(p: impl std::borrow::Borrow<u64>) -> String {
    let p = *p.borrow();
    format!("{}.{}%", p / 10, p % 10)
}

// ------------------------------------------------------------------ input

/// Raw fields of a measure (form or JSON).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    /// Person (UUID).
    pub person: String,
    /// Kind code (talk_reminder … criminal).
    pub kind: String,
    /// YYYY-MM-DD; not in the future.
    pub decided_on: String,
    /// 决定机关
    pub body: String,
    /// 依据 (facts and articles).
    #[serde(default)]
    pub basis: String,
    /// 文号
    #[serde(default)]
    pub doc_no: String,
    /// 留党察看 term in years (1 or 2).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub term_years: Option<String>,
    /// The clue it followed (UUID).
    #[serde(default)]
    pub clue: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeasure {
    pub person: uuid::Uuid,
    pub kind: Kind,
    pub decided_on: NaiveDate,
    pub body: String,
    pub basis: String,
    pub doc_no: String,
    pub term_years: Option<u8>,
    pub clue: Option<uuid::Uuid>,
}

fn uuid_field(field: &'static str, label: &'static str, raw: &str) -> Result<uuid::Uuid, AppError> {
    fields::uuid(field, label, raw, "disc.not_found_ref")
}

impl NewMeasure {
    pub fn parse(f: &MeasureInput, today: NaiveDate) -> Result<NewMeasure, AppError> {
        let person = uuid_field("person", "disc.person", &f.person)?;
        let kind = fields::choice("kind", "disc.kind", &f.kind, Kind::parse)?;
        let decided_on = fields::date("decided_on", "disc.decided_on", &f.decided_on)?;
        if decided_on > today {
            return Err(AppError::invalid("decided_on", "disc.decided_on", "disc.decided_in_future"));
        }
        if decided_on.year() < 1990 {
            return Err(AppError::invalid("decided_on", "disc.decided_on", "disc.decided_too_old"));
        }
        let body = fields::text("body", "disc.body", &f.body, 60)?;
        let basis = fields::long_text("basis", "disc.basis", &f.basis, 4000, false)?;
        let doc_no = fields::opt_text("doc_no", "disc.doc_no", Some(&f.doc_no), 60)?.unwrap_or_default();
        let term_years = match f.term_years.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None if kind.needs_term() => {
                return Err(AppError::invalid("term_years", "disc.term_years", "disc.probation_needs_term"));
            }
            None => None,
            Some(_) if !kind.needs_term() => {
                return Err(AppError::invalid("term_years", "disc.term_years", "disc.term_only_probation"));
            }
            Some(s) => Some(fields::int("term_years", "disc.term_years", s, 1, 2)? as u8),
        };
        let clue = match f.clue.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(uuid_field("clue", "disc.clue", s)?),
        };
        Ok(NewMeasure { person, kind, decided_on, body, basis, doc_no, term_years, clue })
    }
}

/// Raw fields of a clue.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClueInput {
    /// petition / inspection / audit / spot_check / assigned / other
    pub source: String,
    pub summary: String,
    /// YYYY-MM-DD
    pub received_on: String,
    /// People concerned (UUIDs).
    #[serde(default)]
    pub people: Vec<String>,
    /// Working days to handle it (default from the settings).
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub working_days: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClue {
    pub source: ClueSource,
    pub summary: String,
    pub received_on: NaiveDate,
    pub people: Vec<uuid::Uuid>,
    pub working_days: u32,
}

impl NewClue {
    pub fn parse(f: &ClueInput, today: NaiveDate, default_days: u32) -> Result<NewClue, AppError> {
        let source = fields::choice("source", "disc.source", &f.source, ClueSource::parse)?;
        let summary = fields::long_text("summary", "disc.summary", &f.summary, 4000, true)?;
        let received_on = fields::date("received_on", "disc.received_on", &f.received_on)?;
        if received_on > today {
            return Err(AppError::invalid("received_on", "disc.received_on", "disc.received_in_future"));
        }
        let mut people = Vec::new();
        for s in f.people.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let id = uuid::Uuid::parse_str(s)
                .map_err(|_| AppError::invalid("people", "disc.people", "disc.not_found_ref"))?;
            if !people.contains(&id) {
                people.push(id);
            }
        }
        if people.is_empty() {
            return Err(AppError::invalid("people", "disc.people", "disc.no_people"));
        }
        if people.len() > 50 {
            return Err(AppError::invalid("people", "disc.people", Msg::new("error.too_many").arg("max", 50)));
        }
        let working_days = match f.working_days.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => default_days,
            Some(s) => fields::int("working_days", "disc.working_days", s, 1, 250)? as u32,
        };
        Ok(NewClue { source, summary, received_on, people, working_days })
    }
}

/// Raw fields of a disposal.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposalInput {
    /// talk_inquiry / preliminary / shelved / closed
    pub disposal: String,
    /// YYYY-MM-DD; not before the clue was received, not in the future.
    pub disposed_on: String,
    /// The result; recording one concludes the clue (except 暂存待查).
    #[serde(default)]
    pub result: String,
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisposal {
    pub disposal: Disposal,
    pub disposed_on: NaiveDate,
    pub result: String,
}

impl NewDisposal {
    pub fn parse(f: &DisposalInput, received_on: NaiveDate, today: NaiveDate) -> Result<NewDisposal, AppError> {
        let disposal = fields::choice("disposal", "disc.disposal", &f.disposal, Disposal::parse)?;
        let disposed_on = fields::date("disposed_on", "disc.disposed_on", &f.disposed_on)?;
        if disposed_on < received_on {
            return Err(AppError::invalid("disposed_on", "disc.disposed_on", "disc.disposed_before_received"));
        }
        if disposed_on > today {
            return Err(AppError::invalid("disposed_on", "disc.disposed_on", "disc.decided_in_future"));
        }
        let result = fields::long_text("result", "disc.result", &f.result, 4000, false)?;
        Ok(NewDisposal { disposal, disposed_on, result })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn m(id: i64, kind: Kind, decided: NaiveDate) -> MeasureFact {
        MeasureFact { id, kind, decided_on: decided, term_years: None, lifted_on: None }
    }

    fn until(kind: Kind, decided: NaiveDate, term: Option<u8>) -> Option<NaiveDate> {
        let cfg = DisciplineConfig::default();
        let f = MeasureFact { term_years: term, ..m(1, kind, decided) };
        periods(&[f], &cfg).first().and_then(|p| p.until)
    }

    // The cases below follow the regulations' wording: "一年内", "一年半内", "二年内", "察看期满
    // 恢复党员权利后二年内", "五年内不得重新入党", "警告，六个月；记过，十二个月；记大过，十八个月；
    // 降级、撤职，二十四个月", each counted from the decision date.

    #[test]
    fn case_01_party_warning_one_year() {
        assert_eq!(until(Kind::PartyWarning, d(2024, 3, 1), None), Some(d(2025, 2, 28)));
    }

    #[test]
    fn case_02_serious_warning_eighteen_months_under_2023_text() {
        assert_eq!(until(Kind::PartySeriousWarning, d(2024, 5, 10), None), Some(d(2025, 11, 9)));
    }

    #[test]
    fn case_03_serious_warning_one_year_under_2015_text() {
        assert_eq!(until(Kind::PartySeriousWarning, d(2017, 5, 10), None), Some(d(2018, 5, 9)));
    }

    #[test]
    fn case_04_the_2018_revision_applies_from_its_day_in_force() {
        assert_eq!(until(Kind::PartySeriousWarning, d(2018, 9, 30), None), Some(d(2019, 9, 29)), "2015 text");
        assert_eq!(until(Kind::PartySeriousWarning, d(2018, 10, 1), None), Some(d(2020, 3, 31)), "2018 text");
        let (_, r) = period_rule(Kind::PartySeriousWarning, d(2018, 10, 1), None, &DisciplineConfig::default());
        assert_eq!(r.id, "party_serious_warning_2018");
        assert!(r.source.contains("2018年修订") && r.source.contains("一年半"));
    }

    #[test]
    fn case_05_removal_from_party_posts_two_years() {
        assert_eq!(until(Kind::PartyRemoval, d(2022, 1, 15), None), Some(d(2024, 1, 14)));
    }

    #[test]
    fn case_06_probation_one_year_then_two_after_restoration() {
        assert_eq!(until(Kind::PartyProbation, d(2021, 6, 1), Some(1)), Some(d(2024, 5, 31)));
    }

    #[test]
    fn case_07_probation_two_years_then_two() {
        assert_eq!(until(Kind::PartyProbation, d(2021, 6, 1), Some(2)), Some(d(2025, 5, 31)));
    }

    #[test]
    fn case_08_expulsion_five_years_before_readmission() {
        assert_eq!(until(Kind::PartyExpulsion, d(2020, 3, 1), None), Some(d(2025, 2, 28)));
    }

    #[test]
    fn case_09_government_warning_six_months() {
        assert_eq!(until(Kind::GovWarning, d(2024, 1, 31), None), Some(d(2024, 7, 30)));
    }

    #[test]
    fn case_10_demerit_twelve_and_major_demerit_eighteen_months() {
        assert_eq!(until(Kind::GovDemerit, d(2023, 6, 15), None), Some(d(2024, 6, 14)));
        assert_eq!(until(Kind::GovMajorDemerit, d(2023, 6, 15), None), Some(d(2024, 12, 14)));
    }

    #[test]
    fn case_11_downgrade_and_removal_twenty_four_months() {
        assert_eq!(until(Kind::GovDowngrade, d(2022, 2, 28), None), Some(d(2024, 2, 27)));
        assert_eq!(until(Kind::GovRemoval, d(2022, 2, 28), None), Some(d(2024, 2, 27)));
    }

    #[test]
    fn case_12_dismissal_from_public_office_has_no_end() {
        let cfg = DisciplineConfig::default();
        let p = active_periods(&[m(1, Kind::GovExpulsion, d(2020, 1, 1))], d(2030, 1, 1), &cfg);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].until, None);
    }

    #[test]
    fn case_13_admonishment_follows_the_local_setting() {
        assert_eq!(until(Kind::Admonish, d(2025, 4, 1), None), Some(d(2025, 9, 30)), "6 months by default");
        let cfg = DisciplineConfig { admonish_months: 12, ..Default::default() };
        let p = periods(&[m(1, Kind::Admonish, d(2025, 4, 1))], &cfg);
        assert_eq!(p[0].until, Some(d(2026, 3, 31)));
        assert!(p[0].rule.source.contains("本单位设置"));
    }

    #[test]
    fn case_14_first_form_talks_carry_no_period() {
        assert!(until(Kind::TalkReminder, d(2025, 4, 1), None).is_none());
        assert!(periods(&[m(1, Kind::InquiryLetter, d(2025, 4, 1))], &DisciplineConfig::default()).is_empty());
    }

    #[test]
    fn case_15_lifting_ends_the_period_the_day_before() {
        let cfg = DisciplineConfig::default();
        let f = MeasureFact { lifted_on: Some(d(2024, 3, 1)), ..m(1, Kind::GovMajorDemerit, d(2023, 6, 15)) };
        let p = &periods(&[f], &cfg)[0];
        assert_eq!(p.until, Some(d(2024, 2, 29)));
        assert!(p.lifted);
        assert!(!p.active_on(d(2024, 3, 1)));
    }

    #[test]
    fn case_16_which_periods_run_on_a_date() {
        let cfg = DisciplineConfig::default();
        let ms = [
            m(1, Kind::PartyWarning, d(2024, 3, 1)),
            m(2, Kind::GovDemerit, d(2024, 9, 1)),
            m(3, Kind::TalkReminder, d(2024, 10, 1)),
        ];
        let on = |x| active_periods(&ms, x, &cfg).iter().map(|p| p.measure_id).collect::<Vec<_>>();
        assert_eq!(on(d(2024, 2, 29)), Vec::<i64>::new());
        assert_eq!(on(d(2024, 12, 1)), vec![1, 2]);
        assert_eq!(on(d(2025, 3, 1)), vec![2], "the warning ended on 2025-02-28");
        assert_eq!(on(d(2025, 9, 1)), Vec::<i64>::new(), "the demerit ended on 2025-08-31");
    }

    #[test]
    fn a_future_decision_and_probation_without_a_term_are_refused() {
        let today = d(2026, 3, 2);
        let base = MeasureInput {
            person: uuid::Uuid::nil().to_string(),
            kind: "party_probation".into(),
            decided_on: "2026-03-01".into(),
            body: "中共清源市司法局党组".into(),
            ..Default::default()
        };
        let e = NewMeasure::parse(&base, today).unwrap_err();
        assert!(matches!(e, AppError::Invalid { field: "term_years", .. }));
        let ok = NewMeasure::parse(&MeasureInput { term_years: Some("2".into()), ..base.clone() }, today).unwrap();
        assert_eq!(ok.term_years, Some(2));
        let future = MeasureInput { decided_on: "2026-03-03".into(), term_years: Some("1".into()), ..base.clone() };
        assert!(matches!(NewMeasure::parse(&future, today), Err(AppError::Invalid { field: "decided_on", .. })));
        let three = MeasureInput { term_years: Some("3".into()), ..base.clone() };
        assert!(matches!(NewMeasure::parse(&three, today), Err(AppError::Invalid { field: "term_years", .. })));
        let stray = MeasureInput { kind: "party_warning".into(), term_years: Some("1".into()), ..base };
        assert!(matches!(NewMeasure::parse(&stray, today), Err(AppError::Invalid { field: "term_years", .. })));
    }

    #[test]
    fn the_default_caliber_puts_every_kind_in_one_form() {
        let cfg = DisciplineConfig::default();
        assert_eq!(cfg.form(Kind::Admonish), 1);
        assert_eq!(cfg.form(Kind::PartySeriousWarning), 2);
        assert_eq!(cfg.form(Kind::GovDowngrade), 3);
        assert_eq!(cfg.form(Kind::Criminal), 4);
        assert!(cfg.validate().is_ok());
        let mut bad = cfg.clone();
        bad.forms.insert("gov_downgrade".into(), 5);
        assert!(bad.validate().is_err());
        let mut edited = cfg;
        edited.forms.insert("gov_downgrade".into(), 2);
        assert_eq!(edited.form(Kind::GovDowngrade), 2, "an office's own caliber");
    }

    #[test]
    fn suggestions_follow_the_blockers() {
        assert_eq!(suggest(&[]), Conclusion::NoIssue);
        let clue = Blocker::OpenClue { clue_id: 1, code: "XS-1".into(), received_on: d(2026, 1, 1) };
        assert_eq!(suggest(std::slice::from_ref(&clue)), Conclusion::Defer);
        let period = Blocker::Period {
            measure_id: 1,
            kind: Kind::PartyWarning,
            until: Some(d(2026, 5, 1)),
            rule_id: "party_warning_2023",
            source: String::new(),
        };
        assert_eq!(suggest(&[clue, period]), Conclusion::NotSuitable);
    }

    #[test]
    fn clue_status_follows_the_disposal() {
        assert_eq!(ClueStatus::after(None, false), ClueStatus::Received);
        assert_eq!(ClueStatus::after(Some(Disposal::Preliminary), false), ClueStatus::Handling);
        assert_eq!(ClueStatus::after(Some(Disposal::TalkInquiry), true), ClueStatus::Concluded);
        assert_eq!(ClueStatus::after(Some(Disposal::Shelved), true), ClueStatus::Handling, "暂存待查 stays open");
        assert_eq!(ClueStatus::after(Some(Disposal::Closed), true), ClueStatus::Concluded);
    }

    #[test]
    fn four_forms_count_person_times_and_people() {
        let cfg = DisciplineConfig::default();
        // Two reminder talks for person 1 arrive as one grouped row.
        let rows = [
            ("东湖", Kind::TalkReminder, 1, 2),
            ("东湖", Kind::Admonish, 2, 1),
            ("西山", Kind::PartyWarning, 3, 1),
            ("西山", Kind::GovDowngrade, 3, 1),
            ("西山", Kind::Criminal, 4, 1),
        ];
        let s = four_forms(&rows, &cfg);
        assert_eq!(s.total, 6);
        assert_eq!(s.persons, 4);
        assert_eq!((s.forms[0].count, s.forms[0].persons, s.forms[0].share_permille), (3, 2, 500));
        assert_eq!((s.forms[1].count, s.forms[1].persons), (1, 1));
        assert_eq!((s.forms[2].count, s.forms[2].persons), (1, 1));
        assert_eq!((s.forms[3].count, s.forms[3].persons, s.forms[3].share_permille), (1, 1, 166));
        assert_eq!(s.groups.len(), 2);
        assert_eq!(s.groups[0].0, "东湖");
        assert_eq!(s.groups[0].1[0].count, 3);
        assert_eq!(permille_text(166), "16.6%");
        assert_eq!(four_forms::<&str>(&[], &cfg).forms[0].share_permille, 0);
    }

    fn any_kind() -> impl Strategy<Value = Kind> {
        (0usize..Kind::ALL.len()).prop_map(|i| Kind::ALL[i])
    }

    proptest! {
        /// A period starts on the decision date, never ends before it, and is active exactly
        /// between its first and last day.
        #[test]
        fn periods_are_well_formed(kind in any_kind(), days in 0i64..12000, term in 1u8..=2, probe in -400i64..3000) {
            let decided = d(1995, 1, 1) + Duration::days(days);
            let f = MeasureFact { id: 1, kind, decided_on: decided, term_years: kind.needs_term().then_some(term), lifted_on: None };
            for p in periods(&[f], &DisciplineConfig::default()) {
                prop_assert_eq!(p.from, decided);
                if let Some(u) = p.until { prop_assert!(u >= decided); }
                let x = decided + Duration::days(probe);
                prop_assert_eq!(p.active_on(x), x >= decided && p.until.is_none_or(|u| x <= u));
            }
        }

        /// Each measure is counted once, in one form; the shares add up to the whole (within
        /// rounding); people per form never exceed 人次.
        #[test]
        fn four_forms_add_up(rows in proptest::collection::vec((0u8..3, any_kind(), 0i64..20, 1u64..4), 0..60)) {
            let cfg = DisciplineConfig::default();
            let s = four_forms(&rows, &cfg);
            let times: u64 = rows.iter().map(|r| r.3).sum();
            prop_assert_eq!(s.forms.iter().map(|f| f.count).sum::<u64>(), times);
            for f in s.forms { prop_assert!(f.persons <= f.count); }
            if !rows.is_empty() {
                let shares: u64 = s.forms.iter().map(|f| f.share_permille).sum();
                prop_assert!((996..=1000).contains(&shares), "{}", shares);
            }
            prop_assert_eq!(s.groups.iter().map(|(_, f)| f.iter().map(|x| x.count).sum::<u64>()).sum::<u64>(), times);
        }

        /// 严重警告 never lasts less than 警告 decided the same day; a longer probation term never
        /// shortens the period; lifting never lengthens one.
        #[test]
        fn periods_are_ordered_as_the_sanctions(days in 0i64..12000, lift in 0i64..900) {
            let decided = d(1995, 1, 1) + Duration::days(days);
            let u = |k, t| until(k, decided, t);
            prop_assert!(u(Kind::PartySeriousWarning, None) >= u(Kind::PartyWarning, None));
            prop_assert!(u(Kind::PartyProbation, Some(2)) > u(Kind::PartyProbation, Some(1)));
            prop_assert!(u(Kind::GovRemoval, None) >= u(Kind::GovMajorDemerit, None));
            let cfg = DisciplineConfig::default();
            let plain = periods(&[m(1, Kind::GovDowngrade, decided)], &cfg)[0].until;
            let lifted = MeasureFact { lifted_on: Some(decided + Duration::days(lift)), ..m(1, Kind::GovDowngrade, decided) };
            prop_assert!(periods(&[lifted], &cfg)[0].until <= plain);
        }
    }
}
