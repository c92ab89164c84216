//! The daily deadline check, shared by every module whose records carry a deadline.
//!
//! A module registers a [`DeadlineSource`] that lists its open items due on or before a date.
//! The check reads the window of items that are yellow or red today (the policy turns the
//! thresholds into that date), works out each item's escalation stages
//! ([`DeadlinePolicy::stages`]) and their recipients — yellow: the owner; red: the owner and the
//! responsible leader; long overdue: the unit's principal leader — and delivers one notice per
//! (item, cycle, deadline, stage, recipient), plus one digest per person per day.
//!
//! Exactly once: every notice carries a key that the database holds unique, and delivery
//! ignores keys already present. Running the check twice, after a restart, or in two processes
//! at the same moment delivers nothing twice; the lease in `job_runs` only saves the work.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use crate::{
    calendar::{
        Calendar,
        deadline::{DeadlinePolicy, Stage},
    },
    features::{
        inbox::repo::{Outgoing, deliver},
        org::{domain::UnitKind, entity::unit},
    },
    startup::AppState,
};

pub const JOB_NAME: &str = "deadlines";
const PAGE: u64 = 5000;

/// One open item with a deadline, as a source reports it.
#[derive(Debug, Clone)]
pub struct DeadlineItem {
    /// Paging key within the source.
    pub id: i64,
    pub subject: uuid::Uuid,
    /// Bumped when the item is reopened, so a new round of notices goes out.
    pub cycle: i32,
    /// A short text naming the item in notices.
    pub title: String,
    pub link: String,
    pub unit_id: i64,
    pub due_on: NaiveDate,
    pub owner: Option<i64>,
    pub leader: Option<i64>,
}

/// A module's open items with deadlines.
#[async_trait::async_trait]
pub trait DeadlineSource: Send + Sync {
    /// Short code used in notice keys and message keys (`notify.{code}_{stage}`).
    fn code(&self) -> &'static str;
    /// Open items due on or before `until` with `id > after`, by id, at most `limit`.
    async fn open_items(
        &self,
        conn: &DatabaseConnection,
        until: NaiveDate,
        after: i64,
        limit: u64,
    ) -> Result<Vec<DeadlineItem>, DbErr>;
}

/// Every registered source.
pub fn sources() -> Vec<Box<dyn DeadlineSource>> {
    vec![
        Box::new(crate::features::rectify::deadlines::ProblemSource),
        Box::new(crate::features::duty::deadlines::TaskSource),
    ]
}

/// What one run did.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CheckReport {
    pub day: Option<NaiveDate>,
    /// Items in the yellow/red window.
    pub items: u64,
    /// Notices that would be delivered (new and already delivered).
    pub notices: u64,
    /// Of those, newly delivered now.
    pub delivered: u64,
    pub digests: u64,
    pub millis: u64,
}

/// For every unit, the principal leader its overdue matters escalate to: its own head, or for
/// departments and justice offices the head of the bureau above them
/// ([`UnitKind::has_own_principal`]); a unit without a recorded principal defers upwards.
async fn principals(conn: &DatabaseConnection) -> Result<HashMap<i64, i64>, DbErr> {
    let rows: Vec<(i64, Option<i64>, String, Option<i64>)> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .column(unit::Column::ParentId)
        .column(unit::Column::Kind)
        .column(unit::Column::PrincipalPersonId)
        .filter(unit::Column::DeletedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    let units: HashMap<i64, (Option<i64>, String, Option<i64>)> =
        rows.into_iter().map(|(id, parent, kind, principal)| (id, (parent, kind, principal))).collect();
    Ok(units.keys().filter_map(|id| escalation_principal(*id, &units).map(|p| (*id, p))).collect())
}

/// Climb from `unit` to the first unit that answers for itself and has a principal.
fn escalation_principal(unit: i64, units: &HashMap<i64, (Option<i64>, String, Option<i64>)>) -> Option<i64> {
    let mut cur = Some(unit);
    for _ in 0..64 {
        let (parent, kind, principal) = units.get(&cur?)?;
        let own = UnitKind::parse(kind).is_none_or(|k| k.has_own_principal());
        if own && let Some(p) = principal {
            return Some(*p);
        }
        cur = *parent;
    }
    None
}

/// Recipients of a stage, without repeats or gaps.
fn recipients(stage: Stage, item: &DeadlineItem, principals: &HashMap<i64, i64>) -> Vec<i64> {
    let mut out: Vec<i64> = match stage {
        Stage::Yellow => item.owner.into_iter().collect(),
        Stage::Red => item.owner.into_iter().chain(item.leader).collect(),
        Stage::Principal => principals.get(&item.unit_id).copied().into_iter().collect(),
    };
    out.dedup();
    out
}

/// Run the check for `now` (Beijing day), whatever the schedule says. The caller decides when
/// (the daily loop, `qinglian jobs run deadlines`, tests with a manual clock).
pub async fn run_check(state: &AppState, now: DateTime<Utc>) -> Result<CheckReport, DbErr> {
    let started = std::time::Instant::now();
    let today = crate::clock::beijing_date(now);
    let policy = load_policy(&state.db.read).await?;
    // Read the calendar afresh: another server may have edited it.
    let cal: Calendar = crate::calendar::repo::load(&state.db.read).await?;
    let until = policy.yellow_until(&cal, today);
    let principals = principals(&state.db.read).await?;
    let mut report = CheckReport { day: Some(today), ..Default::default() };
    // person → (yellow, red) items in their care today, for the digest.
    let mut digest: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for source in sources() {
        let mut after = 0;
        loop {
            let items = source.open_items(&state.db.read, until, after, PAGE).await?;
            let Some(last) = items.last() else { break };
            after = last.id;
            let mut out = Vec::new();
            for item in &items {
                let stages = policy.stages(&cal, today, item.due_on);
                if stages.is_empty() {
                    continue;
                }
                report.items += 1;
                let red = stages.contains(&Stage::Red);
                let days = if red {
                    policy.overdue_days(&cal, today, item.due_on)
                } else {
                    policy.remaining(&cal, today, item.due_on)
                };
                let mut everyone: Vec<i64> = Vec::new();
                for stage in &stages {
                    // Someone told at an earlier stage of this item is not told again.
                    let told = everyone.clone();
                    for person in recipients(*stage, item, &principals).into_iter().filter(|p| !told.contains(p)) {
                        out.push(Outgoing {
                            person_id: person,
                            kind: "deadline",
                            level: stage.code(),
                            msg_key: format!("notify.{}_{}", source.code(), stage.code()),
                            args: serde_json::json!({"title": item.title, "due": item.due_on.to_string(), "days": days}),
                            link: item.link.clone(),
                            dedup_key: format!(
                                "{}:{}:{}:{}:{}:{}",
                                source.code(),
                                item.subject,
                                item.cycle,
                                item.due_on,
                                stage.code(),
                                person
                            ),
                        });
                        if !everyone.contains(&person) {
                            everyone.push(person);
                        }
                    }
                }
                for person in everyone {
                    let e = digest.entry(person).or_default();
                    if red { e.1 += 1 } else { e.0 += 1 }
                }
            }
            report.notices += out.len() as u64;
            report.delivered += deliver(&state.db.write, &out, now).await?;
            if (items.len() as u64) < PAGE {
                break;
            }
        }
    }
    let digests: Vec<Outgoing> = digest
        .into_iter()
        .map(|(person, (yellow, red))| Outgoing {
            person_id: person,
            kind: "digest",
            level: if red > 0 { "red" } else { "yellow" },
            msg_key: "notify.digest".into(),
            args: serde_json::json!({"date": today.to_string(), "yellow": yellow, "red": red}),
            link: "/inbox".into(),
            dedup_key: format!("digest:{today}:{person}"),
        })
        .collect();
    report.digests = deliver(&state.db.write, &digests, now).await?;
    report.millis = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// The daily run: after the policy's hour (Beijing time), once per day across all processes.
/// `force` runs it even if today's run is done (the console command). Returns `None` when
/// there was nothing to do or another process holds the lease.
pub async fn run_daily(state: &AppState, force: bool) -> Result<Option<CheckReport>, DbErr> {
    use chrono::Timelike;
    let now = state.clock.now();
    let today = crate::clock::beijing_date(now);
    let policy = load_policy(&state.db.read).await?;
    let hour = (now + chrono::Duration::hours(8)).hour();
    if !force && hour < policy.check_hour {
        return Ok(None);
    }
    let holder = super::lease::holder_id();
    let until = now + chrono::Duration::minutes(30);
    let claimed =
        super::lease::claim(&state.db.write, JOB_NAME, &holder, now, until, (!force).then_some(today)).await?;
    if !claimed {
        return Ok(None);
    }
    let result = run_check(state, now).await;
    let (done, report_json) = match &result {
        Ok(r) => (Some(today), serde_json::to_value(r).unwrap_or_default()),
        Err(e) => (None, serde_json::json!({"error": e.to_string()})),
    };
    super::lease::release(&state.db.write, JOB_NAME, &holder, state.clock.now(), done, &report_json).await?;
    let report = result?;
    let actor = crate::audit::Actor { name: "job:deadlines".into(), ..Default::default() };
    let ev = crate::audit::Event::new("job.deadline_check", "job", JOB_NAME).detail(report_json);
    state.audit(&actor, ev).await?;
    Ok(Some(report))
}

// ------------------------------------------------------------------ policy

const POLICY_KEY: &str = "deadline_policy";

/// The stored policy, or the defaults.
pub async fn load_policy(conn: &impl sea_orm::ConnectionTrait) -> Result<DeadlinePolicy, DbErr> {
    crate::db::settings_get(conn, POLICY_KEY).await
}

/// Save a checked policy (the caller audits, in the same transaction).
pub async fn save_policy(
    conn: &impl sea_orm::ConnectionTrait,
    p: &DeadlinePolicy,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    crate::db::settings_set(conn, POLICY_KEY, p, by, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(owner: Option<i64>, leader: Option<i64>) -> DeadlineItem {
        DeadlineItem {
            id: 1,
            subject: uuid::Uuid::nil(),
            cycle: 0,
            title: "x".into(),
            link: "/".into(),
            unit_id: 7,
            due_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            owner,
            leader,
        }
    }

    #[test]
    fn recipients_by_stage() {
        let principals = HashMap::from([(7, 99)]);
        assert_eq!(recipients(Stage::Yellow, &item(Some(1), Some(2)), &principals), vec![1]);
        assert_eq!(recipients(Stage::Red, &item(Some(1), Some(2)), &principals), vec![1, 2]);
        assert_eq!(recipients(Stage::Red, &item(Some(1), Some(1)), &principals), vec![1], "the same person once");
        assert_eq!(recipients(Stage::Principal, &item(Some(1), None), &principals), vec![99]);
        assert!(recipients(Stage::Principal, &item(Some(1), None), &HashMap::new()).is_empty());
    }

    #[test]
    fn departments_and_justice_offices_escalate_to_their_bureau() {
        let units = HashMap::from([
            (1, (None, "city".to_string(), Some(100))),
            (2, (Some(1), "department".to_string(), Some(200))),
            (3, (Some(1), "county".to_string(), Some(300))),
            (4, (Some(3), "justice_office".to_string(), Some(400))),
            (5, (Some(3), "affiliated".to_string(), None)),
        ]);
        assert_eq!(escalation_principal(1, &units), Some(100));
        assert_eq!(escalation_principal(2, &units), Some(100), "a 科室 answers to the bureau head");
        assert_eq!(escalation_principal(3, &units), Some(300));
        assert_eq!(escalation_principal(4, &units), Some(300), "a 司法所 answers to the county bureau");
        assert_eq!(escalation_principal(5, &units), Some(300), "no principal recorded: the one above");
        assert_eq!(escalation_principal(9, &units), None);
    }
}
