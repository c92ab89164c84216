//! The organisation's vocabulary and rules: unit kinds, ranks (职级), political status, person
//! status, and the shape of valid new or changed units and people. Pure; no database.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, fields, i18n::Msg};

/// Declares a closed vocabulary stored as short codes, with catalog labels.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? } prefix $prefix:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }

            pub fn label_key(self) -> &'static str {
                match self { $($name::$variant => concat!($prefix, ".", $code)),+ }
            }

            /// Accept the code or the label in either language (spreadsheet cells say `科室`).
            pub fn parse_label(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::parse(s).or_else(|| {
                    Self::ALL.iter().copied().find(|v| {
                        crate::i18n::Lang::ZhCn.t().get(v.label_key()) == s || crate::i18n::Lang::En.t().get(v.label_key()).eq_ignore_ascii_case(s)
                    })
                })
            }
        }
    };
}

vocabulary!(
    /// What a unit is.
    UnitKind {
        Province = "province",
        City = "city",
        County = "county",
        Department = "department",
        Affiliated = "affiliated",
        JusticeOffice = "justice_office",
        Stationed = "stationed",
        Other = "other",
    } prefix "unit_kind"
);

impl UnitKind {
    /// Whether the unit's own head is the principal leader a long-overdue matter escalates to.
    /// 内设机构 (科室、股) and 派出机构 (司法所) answer to their bureau's principal leader.
    pub fn has_own_principal(self) -> bool {
        !matches!(self, UnitKind::Department | UnitKind::JusticeOffice)
    }
}

vocabulary!(
    Gender { Male = "M", Female = "F" } prefix "gender"
);

vocabulary!(
    /// 职级, ordered from junior to senior (公务员职务与职级并行规定).
    Rank {
        Clerk = "clerk",
        Keyuan = "keyuan",
        Zhuren4 = "zhuren4",
        Zhuren3 = "zhuren3",
        Zhuren2 = "zhuren2",
        Zhuren1 = "zhuren1",
        FuKe = "fuke",
        ZhengKe = "zhengke",
        Diaoyan4 = "diaoyan4",
        Diaoyan3 = "diaoyan3",
        Diaoyan2 = "diaoyan2",
        Diaoyan1 = "diaoyan1",
        FuChu = "fuchu",
        ZhengChu = "zhengchu",
    } prefix "rank"
);

vocabulary!(
    PoliticalStatus {
        Cpc = "cpc",
        CpcProbation = "cpc_probation",
        League = "league",
        Democratic = "democratic",
        Masses = "masses",
    } prefix "political"
);

vocabulary!(
    /// 在职 / 调离 / 退休.
    PersonStatus { Active = "active", Transferred = "transferred", Retired = "retired" } prefix "person_status"
);

impl Rank {
    /// 县处级副职以上: the statutory scope of 领导干部个人有关事项报告 (2017 规定 第二条).
    pub fn is_county_level_or_above(self) -> bool {
        matches!(self, Rank::FuChu | Rank::ZhengChu | Rank::Diaoyan1 | Rank::Diaoyan2)
    }
}

impl PoliticalStatus {
    /// Party members (full or probationary): Party sanctions apply to them.
    pub fn is_party_member(self) -> bool {
        matches!(self, PoliticalStatus::Cpc | PoliticalStatus::CpcProbation)
    }
}

/// Materialised path of a unit under `parent_path` (`/1/4/` + 17 → `/1/4/17/`).
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// A unit may not move under itself or one of its own descendants.
pub fn can_move_under(unit_path: &str, new_parent_path: &str) -> bool {
    !new_parent_path.starts_with(unit_path)
}

/// Input for a new unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<uuid::Uuid>,
    pub sort_order: i32,
}

/// The raw fields of a unit form or API body, all strings.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub sort_order: Option<String>,
    /// 主要负责人 (a person of this unit, UUID); blank clears it; absent leaves it unchanged.
    #[serde(default)]
    pub principal: Option<String>,
    /// Optimistic concurrency: the version the editor started from.
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
    /// The form's CSRF token (checked by the session layer; ignored here).
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

pub const MAX_NAME: usize = 60;
pub const MAX_CODE: usize = 32;

impl NewUnit {
    /// Parse every field, returning all errors found.
    pub fn parse_all(f: &UnitInput) -> Result<NewUnit, Vec<AppError>> {
        let mut c = fields::Collector::default();
        let code = c.take(fields::code("code", "unit.code", &f.code, MAX_CODE));
        let name = c.take(fields::text("name", "unit.name", &f.name, MAX_NAME));
        let kind = c.take(fields::choice("kind", "unit.kind", &f.kind, UnitKind::parse_label));
        let parent = c.take(match f.parent.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(p) => uuid::Uuid::parse_str(p)
                .map(Some)
                .map_err(|_| AppError::invalid("parent", "unit.parent", "org.unit_not_found")),
        });
        let sort_order = c.take(match f.sort_order.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(0),
            Some(s) => fields::int("sort_order", "unit.sort_order", s, 0, 100_000).map(|v| v as i32),
        });
        match (code, name, kind, parent, sort_order) {
            (Some(code), Some(name), Some(kind), Some(parent), Some(sort_order)) if c.0.is_empty() => {
                Ok(NewUnit { code, name, kind, parent, sort_order })
            }
            _ => Err(c.0),
        }
    }
}

impl TryFrom<&UnitInput> for NewUnit {
    type Error = AppError;

    fn try_from(f: &UnitInput) -> Result<Self, AppError> {
        NewUnit::parse_all(f).map_err(|mut e| e.remove(0))
    }
}

/// Input for a new person, or the full new state of an existing one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub staff_no: Option<String>,
    pub name: String,
    pub gender: Gender,
    pub unit: uuid::Uuid,
    pub post: String,
    pub rank: Rank,
    pub position: String,
    pub political_status: PoliticalStatus,
    pub leading_cadre: bool,
    pub status: PersonStatus,
    pub birth_date: Option<NaiveDate>,
    pub post_since: Option<NaiveDate>,
}

/// Raw person fields (form or API), all strings.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[serde(default)]
    pub staff_no: Option<String>,
    pub name: String,
    pub gender: String,
    pub unit: String,
    #[serde(default)]
    pub post: String,
    pub rank: String,
    #[serde(default)]
    pub position: String,
    pub political_status: String,
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub leading_cadre: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub post_since: Option<String>,
    /// Optimistic concurrency: the version the editor started from.
    #[serde(default, deserialize_with = "crate::fields::de_opt_string")]
    pub version: Option<String>,
    /// The form's CSRF token (checked by the session layer; ignored here).
    #[serde(default, rename = "_csrf")]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

impl NewPerson {
    /// Parse every field, returning all errors found.
    pub fn parse_all(f: &PersonInput) -> Result<NewPerson, Vec<AppError>> {
        let mut c = fields::Collector::default();
        let staff_no = c.take(match f.staff_no.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => fields::code("staff_no", "person.staff_no", s, MAX_CODE).map(Some),
        });
        let name = c.take(fields::text("name", "person.name", &f.name, 30));
        let gender = c.take(fields::choice("gender", "person.gender", &f.gender, Gender::parse_label));
        let unit = c.take(uuid::Uuid::parse_str(f.unit.trim()).map_err(|_| {
            if f.unit.trim().is_empty() {
                AppError::invalid("unit", "person.unit", "error.required")
            } else {
                AppError::invalid("unit", "person.unit", "org.unit_not_found")
            }
        }));
        let post = c.take(fields::long_text("post", "person.post", &f.post, 40, false));
        let rank = c.take(fields::choice("rank", "person.rank", &f.rank, Rank::parse_label));
        let position = c.take(fields::long_text("position", "person.position", &f.position, 40, false));
        let political_status = c.take(fields::choice(
            "political_status",
            "person.political_status",
            &f.political_status,
            PoliticalStatus::parse_label,
        ));
        let status = c.take(match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(PersonStatus::Active),
            Some(s) => fields::choice("status", "person.status", s, PersonStatus::parse_label),
        });
        let birth_date = c.take(fields::opt_date("birth_date", "person.birth_date", f.birth_date.as_deref()));
        let post_since = c.take(fields::opt_date("post_since", "person.post_since", f.post_since.as_deref()));
        if let (Some(Some(b)), Some(Some(p))) = (birth_date, post_since)
            && p < b
        {
            c.0.push(AppError::invalid("post_since", "person.post_since", "person.post_before_birth"));
        }
        match (staff_no, name, gender, unit, post, rank, position, political_status, status, birth_date, post_since) {
            (
                Some(staff_no),
                Some(name),
                Some(gender),
                Some(unit),
                Some(post),
                Some(rank),
                Some(position),
                Some(political_status),
                Some(status),
                Some(birth_date),
                Some(post_since),
            ) if c.0.is_empty() => Ok(NewPerson {
                staff_no,
                name,
                gender,
                unit,
                post: post.replace(['\n', '\r'], " "),
                rank,
                position: position.replace(['\n', '\r'], " "),
                political_status,
                leading_cadre: fields::boolean(f.leading_cadre.as_deref()),
                status,
                birth_date,
                post_since,
            }),
            _ => Err(c.0),
        }
    }
}

impl TryFrom<&PersonInput> for NewPerson {
    type Error = AppError;

    fn try_from(f: &PersonInput) -> Result<Self, AppError> {
        NewPerson::parse_all(f).map_err(|mut e| e.remove(0))
    }
}

/// Parse the optimistic-lock version sent back by an edit form.
pub fn parse_version(raw: Option<&str>) -> Result<Option<i32>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::bad_request(Msg::new("error.bad_version"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_moves() {
        assert_eq!(child_path(None, 1), "/1/");
        assert_eq!(child_path(Some("/1/4/"), 17), "/1/4/17/");
        assert!(!can_move_under("/1/4/", "/1/4/17/"));
        assert!(!can_move_under("/1/4/", "/1/4/"));
        assert!(can_move_under("/1/4/", "/1/5/"));
        assert!(can_move_under("/1/4/", "/1/40/"));
    }

    #[test]
    fn labels_parse_in_both_languages() {
        assert_eq!(UnitKind::parse_label("科室"), Some(UnitKind::Department));
        assert_eq!(UnitKind::parse_label("department"), Some(UnitKind::Department));
        assert_eq!(Rank::parse_label("一级主任科员"), Some(Rank::Zhuren1));
        assert_eq!(Gender::parse_label("女"), Some(Gender::Female));
        assert_eq!(PoliticalStatus::parse_label("中共党员"), Some(PoliticalStatus::Cpc));
        assert_eq!(UnitKind::parse_label("不存在"), None);
    }

    fn unit_input() -> UnitInput {
        UnitInput {
            code: "SFJ-01".into(),
            name: "办公室".into(),
            kind: "科室".into(),
            sort_order: Some("3".into()),
            ..Default::default()
        }
    }

    #[test]
    fn unit_input_parses_and_names_bad_fields() {
        let u = NewUnit::try_from(&unit_input()).unwrap();
        assert_eq!(u.kind, UnitKind::Department);
        assert_eq!(u.sort_order, 3);
        let mut bad = unit_input();
        bad.code = "有 空格".into();
        assert_eq!(NewUnit::try_from(&bad).unwrap_err().field(), Some("code"));
        let mut bad = unit_input();
        bad.kind = "部门x".into();
        assert_eq!(NewUnit::try_from(&bad).unwrap_err().field(), Some("kind"));
        let mut bad = unit_input();
        bad.parent = Some("not-a-uuid".into());
        assert_eq!(NewUnit::try_from(&bad).unwrap_err().field(), Some("parent"));
    }

    #[test]
    fn person_input_rules() {
        let ok = PersonInput {
            name: "张三".into(),
            gender: "男".into(),
            unit: uuid::Uuid::new_v4().to_string(),
            rank: "科员".into(),
            political_status: "中共党员".into(),
            birth_date: Some("1985-02-03".into()),
            post_since: Some("2020-01-01".into()),
            ..Default::default()
        };
        let p = NewPerson::try_from(&ok).unwrap();
        assert_eq!(p.status, PersonStatus::Active);
        let mut bad = ok.clone();
        bad.birth_date = Some("1985-02-30".into());
        assert_eq!(NewPerson::try_from(&bad).unwrap_err().field(), Some("birth_date"));
        let mut bad = ok.clone();
        bad.post_since = Some("1980-01-01".into());
        assert_eq!(NewPerson::try_from(&bad).unwrap_err().field(), Some("post_since"));
        let mut bad = ok.clone();
        bad.unit = String::new();
        assert_eq!(NewPerson::try_from(&bad).unwrap_err().field(), Some("unit"));
    }
}
