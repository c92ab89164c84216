//! Field parsers shared by every module's domain types ("parse, don't validate"). Each takes the
//! field's API name and the catalog key of its label, so an error names the field in both the
//! page and the API.

use chrono::NaiveDate;

use crate::{error::AppError, i18n::Msg};

pub type FieldResult<T> = Result<T, AppError>;

/// Trim, reject control characters (bidi overrides included) and enforce a length limit.
fn clean(field: &'static str, label: &'static str, raw: &str, max: usize) -> FieldResult<String> {
    let s = raw.trim();
    if s.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\r' && c != '\t')
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    }) {
        return Err(AppError::invalid(field, label, "error.control_chars"));
    }
    if s.chars().count() > max {
        return Err(AppError::invalid(field, label, Msg::new("error.too_long").arg("max", max)));
    }
    Ok(s.to_string())
}

/// A required single-line text.
pub fn text(field: &'static str, label: &'static str, raw: &str, max: usize) -> FieldResult<String> {
    let s = clean(field, label, raw, max)?;
    if s.is_empty() {
        return Err(AppError::invalid(field, label, "error.required"));
    }
    if s.contains('\n') || s.contains('\r') {
        return Err(AppError::invalid(field, label, "error.single_line"));
    }
    Ok(s)
}

/// An optional single-line text; blank becomes `None`.
pub fn opt_text(
    field: &'static str,
    label: &'static str,
    raw: Option<&str>,
    max: usize,
) -> FieldResult<Option<String>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => text(field, label, s, max).map(Some),
    }
}

/// Free text that may span lines (descriptions, measures).
pub fn long_text(
    field: &'static str,
    label: &'static str,
    raw: &str,
    max: usize,
    required: bool,
) -> FieldResult<String> {
    let s = clean(field, label, raw, max)?;
    if required && s.is_empty() {
        return Err(AppError::invalid(field, label, "error.required"));
    }
    Ok(s)
}

/// A code: letters, digits, `-` and `_` only.
pub fn code(field: &'static str, label: &'static str, raw: &str, max: usize) -> FieldResult<String> {
    let s = text(field, label, raw, max)?;
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AppError::invalid(field, label, "error.code_chars"));
    }
    Ok(s)
}

/// A date `YYYY-MM-DD` (also accepts `YYYY/MM/DD` and `YYYY年M月D日`).
pub fn date(field: &'static str, label: &'static str, raw: &str) -> FieldResult<NaiveDate> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(AppError::invalid(field, label, "error.required"));
    }
    parse_date_str(s).ok_or_else(|| AppError::invalid(field, label, Msg::new("error.bad_date").arg("value", s)))
}

pub fn opt_date(field: &'static str, label: &'static str, raw: Option<&str>) -> FieldResult<Option<NaiveDate>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => date(field, label, s).map(Some),
    }
}

/// The date formats people type in China.
pub fn parse_date_str(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt)
            && (1900..=2200).contains(&chrono::Datelike::year(&d))
        {
            return Some(d);
        }
    }
    None
}

/// An integer within bounds.
pub fn int(field: &'static str, label: &'static str, raw: &str, min: i64, max: i64) -> FieldResult<i64> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(AppError::invalid(field, label, "error.required"));
    }
    let v: i64 =
        s.parse().map_err(|_| AppError::invalid(field, label, Msg::new("error.not_a_number").arg("value", s)))?;
    if v < min || v > max {
        return Err(AppError::invalid(field, label, Msg::new("error.range").arg("min", min).arg("max", max)));
    }
    Ok(v)
}

/// A checkbox or yes/no value: `on`, `true`, `1`, `是` are true; blank is false.
/// A required id (UUID) naming another record; a malformed one reads as "not found" (`not_found`
/// is the module's message key for that).
pub fn uuid(field: &'static str, label: &'static str, raw: &str, not_found: &'static str) -> FieldResult<uuid::Uuid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(AppError::invalid(field, label, "error.required"));
    }
    uuid::Uuid::parse_str(s).map_err(|_| AppError::invalid(field, label, not_found))
}

pub fn boolean(raw: Option<&str>) -> bool {
    matches!(raw.map(str::trim), Some("on" | "true" | "1" | "yes" | "是" | "Y" | "y"))
}

/// One of a fixed set of codes.
pub fn choice<T>(
    field: &'static str,
    label: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> FieldResult<T> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(AppError::invalid(field, label, "error.required"));
    }
    parse(s).ok_or_else(|| AppError::invalid(field, label, Msg::new("error.bad_choice").arg("value", s)))
}

/// Collects field errors so a form or an import row can report every problem at once.
#[derive(Debug, Default)]
pub struct Collector(pub Vec<AppError>);

impl Collector {
    /// The value, or `None` after remembering the error.
    pub fn take<T>(&mut self, r: FieldResult<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: AppError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Deserialize an optional scalar (string, number or boolean) as text, so one input type serves
/// url-encoded forms (always strings) and JSON bodies (typed values).
pub fn de_opt_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        S(String),
        I(i64),
        F(f64),
        B(bool),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|v| match v {
        Scalar::S(s) => s,
        Scalar::I(i) => i.to_string(),
        Scalar::F(f) => f.to_string(),
        Scalar::B(b) => b.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn text_rules() {
        assert_eq!(text("name", "l", "  办公室 ", 10).unwrap(), "办公室");
        assert!(text("name", "l", "   ", 10).is_err());
        assert!(text("name", "l", "a\u{202E}b", 10).is_err());
        assert!(text("name", "l", "一二三四五六七八九十一", 10).is_err());
        assert!(text("name", "l", "a\nb", 10).is_err());
        assert_eq!(text("name", "l", "<script>alert(1)</script>", 100).unwrap(), "<script>alert(1)</script>");
    }

    #[test]
    fn dates_in_several_formats() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        for s in ["2026-03-01", "2026/3/1", "2026年3月1日", "2026.03.01"] {
            assert_eq!(parse_date_str(s), Some(d), "{s}");
        }
        for s in ["2026-02-30", "2026-13-01", "03/01/2026", "yesterday", "0001-01-01"] {
            assert_eq!(parse_date_str(s), None, "{s}");
        }
        let e = date("start", "l", "2026-02-30").unwrap_err();
        assert_eq!(e.field(), Some("start"));
    }

    #[test]
    fn codes_and_numbers() {
        assert!(code("code", "l", "SFJ-01_a", 20).is_ok());
        assert!(code("code", "l", "司法局", 20).is_err());
        assert!(code("code", "l", "a b", 20).is_err());
        assert_eq!(int("n", "l", " 42 ", 0, 100).unwrap(), 42);
        assert!(int("n", "l", "101", 0, 100).is_err());
        assert!(int("n", "l", "1e3", 0, 10000).is_err());
    }

    proptest! {
        #[test]
        fn text_never_panics_and_never_returns_controls(s in "\\PC*") {
            if let Ok(v) = text("f", "l", &s, 200) {
                prop_assert!(!v.chars().any(|c| c.is_control()));
                prop_assert!(v.chars().count() <= 200);
            }
        }

        #[test]
        fn date_parser_round_trips(y in 1950i32..2100, m in 1u32..=12, d in 1u32..=28) {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            prop_assert_eq!(parse_date_str(&date.format("%Y-%m-%d").to_string()), Some(date));
            prop_assert_eq!(parse_date_str(&format!("{y}年{m}月{d}日")), Some(date));
        }
    }
}
