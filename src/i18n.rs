//! Message catalogs. zh-CN is the default; English is selectable. Both catalogs are compiled in
//! from `locales/*.toml` and must carry the same keys (a test enforces it).
//!
//! Messages may hold `{name}` placeholders, filled by [`Msg`] arguments.

use std::{collections::HashMap, sync::OnceLock};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh-CN" | "zh" | "zh-cn" => Some(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    /// The catalog for this language.
    pub fn t(self) -> &'static Catalog {
        match self {
            Lang::ZhCn => &catalogs().0,
            Lang::En => &catalogs().1,
        }
    }
}

/// One language's flattened messages.
#[derive(Debug)]
pub struct Catalog {
    pub lang: Lang,
    messages: HashMap<String, String>,
}

impl Catalog {
    fn parse(lang: Lang, text: &str) -> Catalog {
        let value: toml::Table = toml::from_str(text).expect("locale catalogs are valid TOML");
        let mut messages = HashMap::new();
        flatten("", &value, &mut messages);
        Catalog { lang, messages }
    }

    /// The message for `key`, or the key itself when missing (a test keeps that from shipping).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.messages.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.messages.contains_key(key)
    }

    /// `get` with `{name}` placeholders filled.
    pub fn fmt(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut s = self.get(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    /// `fmt` with one placeholder (convenient in templates).
    pub fn fmt1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.get(key).replace(&format!("{{{name}}}"), &value.to_string())
    }

    /// `fmt` with two placeholders.
    pub fn fmt2(
        &self,
        key: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.fmt1(key, n1, v1).replace(&format!("{{{n2}}}"), &v2.to_string())
    }

    /// "label：message" (or "label: message" in English).
    pub fn labeled(&self, label_key: &str, message: &str) -> String {
        format!("{}{}{}", self.get(label_key), self.get("common.label_sep"), message)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.messages.keys()
    }

    /// `2026年3月1日` in Chinese, `2026-03-01` in English.
    pub fn date(&self, d: impl std::borrow::Borrow<NaiveDate>) -> String {
        let d = *d.borrow();
        match self.lang {
            Lang::ZhCn => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        }
    }

    pub fn opt_date(&self, d: impl std::borrow::Borrow<Option<NaiveDate>>) -> String {
        d.borrow().map(|d| self.date(d)).unwrap_or_default()
    }

    /// A timestamp shown in Beijing time.
    pub fn datetime(&self, t: impl std::borrow::Borrow<DateTime<Utc>>) -> String {
        let local = *t.borrow() + chrono::Duration::hours(8);
        match self.lang {
            Lang::ZhCn => format!("{}年{}月{}日 {}", local.year(), local.month(), local.day(), local.format("%H:%M")),
            Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    pub fn opt_datetime(&self, t: impl std::borrow::Borrow<Option<DateTime<Utc>>>) -> String {
        t.borrow().map(|t| self.datetime(t)).unwrap_or_default()
    }

    pub fn yes_no(&self, b: impl std::borrow::Borrow<bool>) -> &str {
        self.get(if *b.borrow() { "common.yes" } else { "common.no" })
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out),
            other => panic!("locale value for {key} must be a string, got {other}"),
        }
    }
}

fn catalogs() -> &'static (Catalog, Catalog) {
    static C: OnceLock<(Catalog, Catalog)> = OnceLock::new();
    C.get_or_init(|| {
        (
            Catalog::parse(Lang::ZhCn, include_str!("../locales/zh-CN.toml")),
            Catalog::parse(Lang::En, include_str!("../locales/en.toml")),
        )
    })
}

/// A message to be shown to a user: a catalog key plus its arguments. Errors carry these so the
/// same error reads in the user's language in pages and in the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub fn new(key: &'static str) -> Self {
        Self { key, args: Vec::new() }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn render(&self, t: &Catalog) -> String {
        let args: Vec<(&str, String)> = self.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        t.fmt(self.key, &args)
    }
}

impl From<&'static str> for Msg {
    fn from(key: &'static str) -> Self {
        Msg::new(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let zh: std::collections::BTreeSet<_> = Lang::ZhCn.t().keys().cloned().collect();
        let en: std::collections::BTreeSet<_> = Lang::En.t().keys().cloned().collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "keys missing from en.toml: {only_zh:?}");
        assert!(only_en.is_empty(), "keys missing from zh-CN.toml: {only_en:?}");
        assert!(zh.len() > 50);
    }

    /// Every key the templates and the code ask for exists (in both catalogs, by the test above).
    #[test]
    fn every_key_used_exists() {
        let t = Lang::ZhCn.t();
        let patterns = [
            r#"\.get\("([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)"\)"#,
            r#"fmt[12]?\("([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)""#,
            r#"labeled\("([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)""#,
            r#"Msg::new\("([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)"\)"#,
            r#"(?:invalid|conflict|forbidden|bad_request)\([^;]*?"((?:error|org|auth|import|account|roles|authz|person|unit|calendar|policy|audit|field|demo|risk|campaign|rect|files|deadline|inbox|disc|duty)\.[a-z0-9_]+)""#,
            r#""(flash\.[a-z_]+)""#,
            r#""((?:nav|unit_kind|rank|political|person_status|gender)\.[A-Za-z0-9_]+)""#,
            r#""(role\.(?:sysadmin|secadmin|auditadmin|discipline|office|leader|liaison|cadre))""#,
        ];
        let res: Vec<regex::Regex> = patterns.iter().map(|p| regex::Regex::new(p).unwrap()).collect();
        let mut missing = Vec::new();
        let mut checked = 0;
        let mut stack = vec![std::path::PathBuf::from("templates"), std::path::PathBuf::from("src")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for re in &res {
                    for cap in re.captures_iter(&text) {
                        let key = &cap[1];
                        checked += 1;
                        if !t.has(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "catalog keys used but missing:\n{}", missing.join("\n"));
        assert!(checked > 200, "the scan found only {checked} uses");
    }

    #[test]
    fn dates_read_naturally_in_each_language() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(Lang::ZhCn.t().date(d), "2026年3月1日");
        assert_eq!(Lang::En.t().date(d), "2026-03-01");
    }

    #[test]
    fn placeholders_are_filled() {
        let m = Msg::new("error.too_long").arg("max", 50);
        assert!(m.render(Lang::ZhCn.t()).contains("50"));
        assert!(m.render(Lang::En.t()).contains("50"));
    }
}
