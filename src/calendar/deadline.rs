//! Deadline colours (三色预警) and escalation stages, for anything with a due date: rectification
//! problems now; responsibility tasks, zero reports, passport returns and complaint clocks later.
//!
//! Days remain either as calendar days or as working days (by the [`Calendar`]); the policy says
//! which. A due date of today has 0 days remaining and is not overdue; overdue starts the day
//! after. Colours, from most time to least:
//!
//! | colour | when (defaults) |
//! |---|---|
//! | 绿 green | ≥ `green_days` (20) remain |
//! | 蓝 blue | between: on course, not yet close |
//! | 黄 yellow | ≤ `yellow_days` (10) remain |
//! | 红 red | overdue |
//!
//! Setting `green_days = yellow_days + 1` removes the blue band for offices that use three
//! colours only. Everything here is pure; the colour ranges turn into date ranges so lists can
//! filter by colour in the database ([`DeadlinePolicy::colour_range`]).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Calendar;
use crate::{error::AppError, i18n::Msg};

/// How remaining time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayUnit {
    Calendar,
    Working,
}

impl DayUnit {
    pub fn code(self) -> &'static str {
        match self {
            DayUnit::Calendar => "calendar",
            DayUnit::Working => "working",
        }
    }

    pub fn parse(s: &str) -> Option<DayUnit> {
        match s {
            "calendar" => Some(DayUnit::Calendar),
            "working" => Some(DayUnit::Working),
            _ => None,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            DayUnit::Calendar => "deadline.unit_calendar",
            DayUnit::Working => "deadline.unit_working",
        }
    }
}

/// A deadline's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    Green,
    Blue,
    Yellow,
    Red,
}

impl Colour {
    pub const ALL: [Colour; 4] = [Colour::Green, Colour::Blue, Colour::Yellow, Colour::Red];

    pub fn code(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Blue => "blue",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Colour> {
        Colour::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Colour::Green => "deadline.green",
            Colour::Blue => "deadline.blue",
            Colour::Yellow => "deadline.yellow",
            Colour::Red => "deadline.red",
        }
    }
}

/// An escalation step. Each is delivered once per item, deadline and recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Close to the deadline: the owner (责任人) is told.
    Yellow,
    /// Overdue: the owner and the responsible leader (责任领导/分管领导).
    Red,
    /// Overdue for `principal_after_days`: the unit's principal leader (主要负责人).
    Principal,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Yellow => "yellow",
            Stage::Red => "red",
            Stage::Principal => "principal",
        }
    }
}

/// Thresholds, configurable by the 系统管理员 (系统管理 → 到期预警设置).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeadlinePolicy {
    pub unit: DayUnit,
    /// At least this many days remaining: green.
    pub green_days: u32,
    /// At most this many days remaining (and not overdue): yellow.
    pub yellow_days: u32,
    /// Overdue this long: escalate to the unit's principal leader.
    pub principal_after_days: u32,
    /// Hour of the day (Beijing time) after which the daily check runs.
    pub check_hour: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            unit: DayUnit::Calendar,
            green_days: 20,
            yellow_days: 10,
            principal_after_days: 7,
            check_hour: 8,
        }
    }
}

impl DeadlinePolicy {
    /// Check a policy before saving it; errors name the field.
    pub fn validate(&self) -> Result<(), AppError> {
        if !(1..=180).contains(&self.green_days) {
            return Err(AppError::invalid(
                "green_days",
                "deadline.green_days",
                Msg::new("deadline.days_range").arg("min", 1).arg("max", 180),
            ));
        }
        if self.yellow_days >= self.green_days {
            return Err(AppError::invalid("yellow_days", "deadline.yellow_days", "deadline.yellow_below_green"));
        }
        if !(1..=90).contains(&self.principal_after_days) {
            return Err(AppError::invalid(
                "principal_after_days",
                "deadline.principal_after_days",
                Msg::new("deadline.days_range").arg("min", 1).arg("max", 90),
            ));
        }
        if self.check_hour > 23 {
            return Err(AppError::invalid("check_hour", "deadline.check_hour", "deadline.hour_range"));
        }
        Ok(())
    }

    /// Days left until `due` (negative once past), in the policy's unit.
    pub fn remaining(&self, cal: &Calendar, today: NaiveDate, due: NaiveDate) -> i64 {
        match self.unit {
            DayUnit::Calendar => (due - today).num_days(),
            DayUnit::Working => cal.working_days_between(today, due),
        }
    }

    /// Days past `due` (0 when not overdue), in the policy's unit.
    pub fn overdue_days(&self, cal: &Calendar, today: NaiveDate, due: NaiveDate) -> i64 {
        if due >= today {
            return 0;
        }
        match self.unit {
            DayUnit::Calendar => (today - due).num_days(),
            // A deadline missed on a Friday is one working day overdue on Monday, not three.
            DayUnit::Working => cal.working_days_between(due, today).max(1),
        }
    }

    pub fn colour(&self, cal: &Calendar, today: NaiveDate, due: NaiveDate) -> Colour {
        if due < today {
            return Colour::Red;
        }
        let left = self.remaining(cal, today, due);
        if left <= i64::from(self.yellow_days) {
            Colour::Yellow
        } else if left >= i64::from(self.green_days) {
            Colour::Green
        } else {
            Colour::Blue
        }
    }

    /// The escalation steps an open item has reached today (all of them, in order).
    pub fn stages(&self, cal: &Calendar, today: NaiveDate, due: NaiveDate) -> Vec<Stage> {
        match self.colour(cal, today, due) {
            Colour::Green | Colour::Blue => Vec::new(),
            Colour::Yellow => vec![Stage::Yellow],
            Colour::Red if self.overdue_days(cal, today, due) >= i64::from(self.principal_after_days) => {
                vec![Stage::Red, Stage::Principal]
            }
            Colour::Red => vec![Stage::Red],
        }
    }

    /// The latest due date that is yellow (or red) today: the window the daily check reads.
    pub fn yellow_until(&self, cal: &Calendar, today: NaiveDate) -> NaiveDate {
        self.latest_with_at_most(cal, today, self.yellow_days)
    }

    /// Largest due date with at most `n` days remaining.
    fn latest_with_at_most(&self, cal: &Calendar, today: NaiveDate, n: u32) -> NaiveDate {
        match self.unit {
            DayUnit::Calendar => today + Duration::days(i64::from(n)),
            // The (n+1)-th working day after today has n+1 remaining; the day before has n.
            DayUnit::Working => cal.add_working_days(today, n as i32 + 1) - Duration::days(1),
        }
    }

    /// Inclusive due-date bounds of a colour today (`None`: unbounded). The blue range may be
    /// empty (`from > to`) when the policy has no blue band.
    pub fn colour_range(
        &self,
        cal: &Calendar,
        today: NaiveDate,
        colour: Colour,
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let yellow_to = self.yellow_until(cal, today);
        let green_from = self.latest_with_at_most(cal, today, self.green_days - 1) + Duration::days(1);
        match colour {
            Colour::Red => (None, Some(today - Duration::days(1))),
            Colour::Yellow => (Some(today), Some(yellow_to)),
            Colour::Blue => (Some(yellow_to + Duration::days(1)), Some(green_from - Duration::days(1))),
            Colour::Green => (Some(green_from), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn calendar_day_colours_follow_the_defaults() {
        let p = DeadlinePolicy::default();
        let cal = Calendar::builtin();
        let today = d(2026, 3, 2);
        assert_eq!(p.colour(&cal, today, d(2026, 3, 1)), Colour::Red);
        assert_eq!(p.colour(&cal, today, today), Colour::Yellow, "due today is not overdue yet");
        assert_eq!(p.colour(&cal, today, d(2026, 3, 12)), Colour::Yellow, "10 days left");
        assert_eq!(p.colour(&cal, today, d(2026, 3, 13)), Colour::Blue, "11 days left");
        assert_eq!(p.colour(&cal, today, d(2026, 3, 21)), Colour::Blue, "19 days left");
        assert_eq!(p.colour(&cal, today, d(2026, 3, 22)), Colour::Green, "20 days left");
    }

    #[test]
    fn working_days_skip_the_national_day_holiday() {
        let p = DeadlinePolicy { unit: DayUnit::Working, ..Default::default() };
        let cal = Calendar::builtin();
        // 2026-09-30 (Wed): the 国庆 holiday runs 10-01..10-07; 10-08 is the next working day.
        let today = d(2026, 9, 30);
        assert_eq!(p.remaining(&cal, today, d(2026, 10, 8)), 1);
        assert_eq!(p.colour(&cal, today, d(2026, 10, 20)), Colour::Yellow, "9 working days left");
        assert_eq!(p.overdue_days(&cal, d(2026, 10, 8), d(2026, 9, 30)), 1, "the holiday is not counted");
    }

    #[test]
    fn escalation_stages() {
        let p = DeadlinePolicy::default();
        let cal = Calendar::builtin();
        let today = d(2026, 3, 20);
        assert!(p.stages(&cal, today, d(2026, 4, 30)).is_empty());
        assert_eq!(p.stages(&cal, today, d(2026, 3, 25)), vec![Stage::Yellow]);
        assert_eq!(p.stages(&cal, today, d(2026, 3, 19)), vec![Stage::Red]);
        assert_eq!(p.stages(&cal, today, d(2026, 3, 14)), vec![Stage::Red]);
        assert_eq!(p.stages(&cal, today, d(2026, 3, 13)), vec![Stage::Red, Stage::Principal], "7 days overdue");
    }

    #[test]
    fn bad_policies_name_the_field() {
        let bad = DeadlinePolicy { yellow_days: 20, ..Default::default() };
        assert!(matches!(bad.validate(), Err(AppError::Invalid { field: "yellow_days", .. })));
        let bad = DeadlinePolicy { green_days: 0, ..Default::default() };
        assert!(matches!(bad.validate(), Err(AppError::Invalid { field: "green_days", .. })));
        let bad = DeadlinePolicy { check_hour: 24, ..Default::default() };
        assert!(matches!(bad.validate(), Err(AppError::Invalid { field: "check_hour", .. })));
        assert!(DeadlinePolicy::default().validate().is_ok());
    }

    fn policy() -> impl Strategy<Value = DeadlinePolicy> {
        (any::<bool>(), 1u32..60, 0u32..59, 1u32..30).prop_map(|(working, green, yellow, principal)| DeadlinePolicy {
            unit: if working { DayUnit::Working } else { DayUnit::Calendar },
            green_days: green.max(yellow + 1),
            yellow_days: yellow.min(green.max(yellow + 1) - 1),
            principal_after_days: principal,
            check_hour: 8,
        })
    }

    proptest! {
        /// The date ranges a list filters by give exactly the colour computed one item at a time.
        #[test]
        fn colour_ranges_agree_with_colours(p in policy(), start in 0i64..1500, offset in -120i64..200) {
            let cal = Calendar::builtin();
            let today = d(2023, 1, 1) + Duration::days(start);
            let due = today + Duration::days(offset);
            let colour = p.colour(&cal, today, due);
            for c in Colour::ALL {
                let (from, to) = p.colour_range(&cal, today, c);
                let inside = from.is_none_or(|f| due >= f) && to.is_none_or(|t| due <= t);
                prop_assert_eq!(inside, c == colour, "{:?} {:?} due {} today {}", c, (from, to), due, today);
            }
            // The daily check's window holds exactly the yellow and red items.
            let in_window = due <= p.yellow_until(&cal, today);
            prop_assert_eq!(in_window, matches!(colour, Colour::Yellow | Colour::Red));
        }

        /// Less time left never gives a calmer colour, and stages only grow as days pass.
        #[test]
        fn colours_and_stages_are_monotonic(p in policy(), start in 0i64..1500, offset in -60i64..90) {
            let cal = Calendar::builtin();
            let today = d(2023, 1, 1) + Duration::days(start);
            let due = today + Duration::days(offset);
            let rank = |c: Colour| Colour::ALL.iter().position(|x| *x == c).unwrap();
            prop_assert!(rank(p.colour(&cal, today, due)) >= rank(p.colour(&cal, today, due + Duration::days(1))));
            let now = p.stages(&cal, today, due);
            let later = p.stages(&cal, today + Duration::days(1), due);
            prop_assert!(now.iter().max() <= later.iter().max());
        }
    }
}
