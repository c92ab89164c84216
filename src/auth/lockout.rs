//! Account lockout as a pure state machine over an explicit "now" (after kanidm's softlock):
//! `threshold` failures within `window` lock the account for `duration`. The lock is time-bound,
//! so it cannot be turned into a permanent denial of service, and a clock that jumps backwards
//! never unlocks early (the lock ends at an absolute instant).

use chrono::{DateTime, Duration, Utc};

use crate::authz::policy::SecurityPolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockState {
    pub failed_count: i32,
    pub first_failed_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What a failed attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    Counted,
    /// This failure locked the account.
    Locked(DateTime<Utc>),
}

impl LockState {
    /// The instant the account unlocks, if it is locked now.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|u| now < *u)
    }

    pub fn on_failure(&self, now: DateTime<Utc>, p: &SecurityPolicy) -> (LockState, FailureOutcome) {
        let window = Duration::minutes(p.lockout_window_min.into());
        let fresh_window = match self.first_failed_at {
            Some(first) => now - first >= window || now < first,
            None => true,
        };
        let (count, first) = if fresh_window || self.locked_until.is_some_and(|u| now >= u) {
            (1, now)
        } else {
            (self.failed_count + 1, self.first_failed_at.unwrap_or(now))
        };
        if count >= p.lockout_threshold as i32 {
            let until = now + Duration::minutes(p.lockout_minutes.into());
            (
                LockState { failed_count: 0, first_failed_at: None, locked_until: Some(until) },
                FailureOutcome::Locked(until),
            )
        } else {
            (
                LockState { failed_count: count, first_failed_at: Some(first), locked_until: self.locked_until },
                FailureOutcome::Counted,
            )
        }
    }

    pub fn on_success() -> LockState {
        LockState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
    }

    #[test]
    fn five_failures_in_fifteen_minutes_lock_for_thirty() {
        let p = SecurityPolicy::default();
        let mut s = LockState::default();
        for i in 0..4 {
            let (n, o) = s.on_failure(t0() + Duration::minutes(i), &p);
            assert_eq!(o, FailureOutcome::Counted);
            s = n;
        }
        let (s, o) = s.on_failure(t0() + Duration::minutes(4), &p);
        let until = t0() + Duration::minutes(34);
        assert_eq!(o, FailureOutcome::Locked(until));
        assert_eq!(s.locked_at(t0() + Duration::minutes(33)), Some(until));
        assert_eq!(s.locked_at(until), None);
    }

    #[test]
    fn failures_spread_beyond_the_window_do_not_lock() {
        let p = SecurityPolicy::default();
        let mut s = LockState::default();
        for i in 0..10 {
            let (n, o) = s.on_failure(t0() + Duration::minutes(i * 4), &p);
            assert_eq!(o, FailureOutcome::Counted, "attempt {i}");
            s = n;
        }
    }

    #[test]
    fn a_backward_clock_jump_does_not_unlock() {
        let s = LockState { failed_count: 0, first_failed_at: None, locked_until: Some(t0() + Duration::minutes(30)) };
        assert!(s.locked_at(t0() - Duration::hours(1)).is_some());
    }

    #[test]
    fn success_clears_the_counter() {
        let p = SecurityPolicy::default();
        let (s, _) = LockState::default().on_failure(t0(), &p);
        assert_eq!(s.failed_count, 1);
        assert_eq!(LockState::on_success(), LockState::default());
    }
}
