//! Working days (工作日): Monday–Friday, minus State Council holidays, plus the weekend days
//! worked in exchange (调休上班). The published years ship in `cn-holidays.csv`; the 系统管理员
//! edits the table afterwards (it lives in the `holidays` table, loaded into [`Calendar`]).
//!
//! Everything here is pure: the calendar is a value, and callers pass it in.

pub mod deadline;
pub mod repo;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The kind of a listed day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A day off although it may be a weekday (法定节假日).
    Holiday,
    /// A weekend day that is worked (调休上班).
    Workday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One listed day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// The working-day calendar.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self { days: days.into_iter().collect() }
    }

    /// The calendar shipped with the binary.
    pub fn builtin() -> Self {
        Self::new(builtin_days().into_iter().map(|d| (d.date, d.kind)))
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `n` working days after `from` (`from` itself is not counted). `n = 0` gives
    /// `from` when it is a working day, else the next working day. Negative `n` counts back.
    pub fn add_working_days(&self, from: NaiveDate, n: i32) -> NaiveDate {
        let mut d = from;
        if n == 0 {
            while !self.is_working_day(d) {
                d += Duration::days(1);
            }
            return d;
        }
        let step = if n > 0 { 1 } else { -1 };
        let mut left = n.abs();
        while left > 0 {
            d += Duration::days(step);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to == from {
            return 0;
        }
        let (a, b, sign) = if to > from { (from, to, 1) } else { (to, from, -1) };
        let mut n = 0;
        let mut d = a;
        while d < b {
            d += Duration::days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n * sign
    }

    /// The `n`-th working day (1-based) of the month after the period ending on `period_end`,
    /// e.g. "the 5th working day after the quarter ends".
    pub fn nth_working_day_after(&self, period_end: NaiveDate, n: u32) -> NaiveDate {
        self.add_working_days(period_end, n.max(1) as i32)
    }

    pub fn kind_of(&self, d: NaiveDate) -> Option<DayKind> {
        self.days.get(&d).copied()
    }
}

/// Parse the `date,kind,name` CSV (lines starting with `#` are comments; one header line).
pub fn parse_csv(text: &str) -> Result<Vec<SpecialDay>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("date,") {
            continue;
        }
        let mut parts = line.splitn(3, ',');
        let (Some(date), Some(kind)) = (parts.next(), parts.next()) else {
            return Err(format!("第 {} 行格式错误：{line}", i + 1));
        };
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| format!("第 {} 行日期无效：{date}", i + 1))?;
        let kind = DayKind::parse(kind.trim()).ok_or_else(|| format!("第 {} 行类型无效：{kind}", i + 1))?;
        out.push(SpecialDay { date, kind, name: parts.next().unwrap_or("").trim().to_string() });
    }
    Ok(out)
}

/// The days shipped in `cn-holidays.csv` (国办发明电 notices for 2025 and 2026).
pub fn builtin_days() -> Vec<SpecialDay> {
    parse_csv(include_str!("cn-holidays.csv")).expect("the shipped holiday file is valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn shipped_file_parses() {
        let days = builtin_days();
        assert!(days.len() > 60);
        assert!(days.iter().any(|x| x.date == d(2026, 2, 14) && x.kind == DayKind::Workday));
    }

    #[test]
    fn tiaoxiu_saturday_2026_02_14_is_a_working_day() {
        let c = Calendar::builtin();
        assert_eq!(d(2026, 2, 14).weekday(), Weekday::Sat);
        assert!(c.is_working_day(d(2026, 2, 14)));
        assert!(c.is_working_day(d(2026, 2, 28)));
        assert!(c.is_working_day(d(2025, 1, 26)));
        assert!(c.is_working_day(d(2025, 9, 28)));
    }

    #[test]
    fn spring_festival_weekdays_are_not_working_days() {
        let c = Calendar::builtin();
        for day in 16..=23 {
            assert!(!c.is_working_day(d(2026, 2, day)), "2026-02-{day}");
        }
        assert!(!c.is_working_day(d(2025, 10, 8)));
        assert!(!c.is_working_day(d(2026, 1, 2)));
    }

    #[test]
    fn plain_weekends_and_weekdays() {
        let c = Calendar::builtin();
        assert!(!c.is_working_day(d(2026, 3, 7))); // Saturday
        assert!(c.is_working_day(d(2026, 3, 9))); // Monday
    }

    #[test]
    fn adding_working_days_over_spring_festival_2026() {
        let c = Calendar::builtin();
        // Fri 13 Feb + 1 = Sat 14 Feb (调休上班); + 2 = Tue 24 Feb (15–23 off, 24 first day back).
        assert_eq!(c.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(c.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        // 5 working days from Wed 30 Sep 2026: 1–7 Oct off, Sat 10 Oct worked.
        assert_eq!(c.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8));
        assert_eq!(c.add_working_days(d(2026, 9, 30), 3), d(2026, 10, 10));
        assert_eq!(c.add_working_days(d(2026, 9, 30), 5), d(2026, 10, 13));
    }

    #[test]
    fn adding_working_days_over_national_day_2025() {
        let c = Calendar::builtin();
        // Fri 26 Sep 2025 + 1 = Sun 28 Sep (调休上班), + 2 = Mon 29 Sep.
        assert_eq!(c.add_working_days(d(2025, 9, 26), 1), d(2025, 9, 28));
        assert_eq!(c.add_working_days(d(2025, 9, 26), 2), d(2025, 9, 29));
        // Tue 30 Sep + 1 = Thu 9 Oct (1–8 off), + 2 = Fri 10 Oct, + 3 = Sat 11 Oct (调休上班).
        assert_eq!(c.add_working_days(d(2025, 9, 30), 1), d(2025, 10, 9));
        assert_eq!(c.add_working_days(d(2025, 9, 30), 3), d(2025, 10, 11));
    }

    #[test]
    fn zero_days_rolls_forward_to_a_working_day() {
        let c = Calendar::builtin();
        assert_eq!(c.add_working_days(d(2026, 10, 1), 0), d(2026, 10, 8));
        assert_eq!(c.add_working_days(d(2026, 3, 9), 0), d(2026, 3, 9));
    }

    #[test]
    fn counting_back() {
        let c = Calendar::builtin();
        assert_eq!(c.add_working_days(d(2026, 2, 24), -1), d(2026, 2, 14));
    }

    #[test]
    fn rejects_bad_csv_lines_with_the_line_number() {
        let err = parse_csv("date,kind,name\n2026-13-01,holiday,x").unwrap_err();
        assert!(err.contains("第 2 行"));
        assert!(parse_csv("2026-01-01,sometimes,x").is_err());
    }

    proptest! {
        #[test]
        fn result_is_a_working_day_and_count_matches(
            start in 0i64..800, n in 1i32..60
        ) {
            let c = Calendar::builtin();
            let from = d(2025, 1, 1) + Duration::days(start);
            let to = c.add_working_days(from, n);
            prop_assert!(to > from);
            prop_assert!(c.is_working_day(to));
            prop_assert_eq!(c.working_days_between(from, to), n as i64);
            prop_assert_eq!(c.add_working_days(to, -n) <= from, true);
        }

        #[test]
        fn adding_is_monotonic(start in 0i64..700, a in 0i32..30, b in 0i32..30) {
            let c = Calendar::builtin();
            let from = d(2025, 1, 1) + Duration::days(start);
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(c.add_working_days(from, lo) <= c.add_working_days(from, hi));
        }
    }
}
