//! The audit log: append-only, and tamper-evident.
//!
//! Every row carries `mac = HMAC-SM3(key, canonical(row) including prev_mac)`, so editing,
//! deleting or re-ordering a row breaks the chain from that row on; `qinglian audit verify`
//! names the first broken row. The key lives in the key file, outside the database. The head
//! row (`audit_head`) carries its own MAC, so cutting rows off the end is caught too.
//!
//! Rows are written inside the transaction of the change they describe: if the audit insert
//! fails, the change rolls back (AUD-05). The chain is serialised through the head row
//! (`SELECT … FOR UPDATE` on PostgreSQL; SQLite writes are serial already).
//!
//! Triggers in the database refuse UPDATE, DELETE and TRUNCATE on `audit_log`.

pub mod entity;
pub mod repo;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::crypto::CryptoProvider;

/// Outcome recorded with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// Who did it, from where. Built once per request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub roles: String,
    pub ip: String,
    /// A short prefix of the session hash: enough to group a session's events, useless to replay.
    pub session_ref: String,
    pub request_id: String,
}

impl Actor {
    /// The command line (`qinglian admin …`, `demo`, `restore`).
    pub fn cli(what: &str) -> Actor {
        Actor { name: format!("cli:{what}"), ip: "local".into(), ..Default::default() }
    }

    /// Scheduled jobs.
    pub fn system(job: &str) -> Actor {
        Actor { name: format!("system:{job}"), ip: "local".into(), ..Default::default() }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event {
    pub event: &'static str,
    pub object_type: &'static str,
    pub object_id: String,
    pub unit_id: Option<i64>,
    pub outcome: Outcome,
    pub detail: Value,
}

impl Event {
    pub fn new(event: &'static str, object_type: &'static str, object_id: impl ToString) -> Self {
        Event {
            event,
            object_type,
            object_id: object_id.to_string(),
            unit_id: None,
            outcome: Outcome::Ok,
            detail: Value::Null,
        }
    }

    pub fn unit(mut self, unit_id: impl Into<Option<i64>>) -> Self {
        self.unit_id = unit_id.into();
        self
    }

    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcome = o;
        self
    }

    pub fn detail(mut self, d: Value) -> Self {
        self.detail = d;
        self
    }
}

/// Field-by-field changes between two serialisable views: `{field: {"from": a, "to": b}}`.
/// Pass views without secrets; whatever is given ends up in the log.
pub fn diff<T: Serialize>(before: &T, after: &T) -> Value {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Value::Null;
    };
    let mut out = serde_json::Map::new();
    for (k, vb) in &b {
        let va = a.get(k).cloned().unwrap_or(Value::Null);
        if &va != vb {
            out.insert(k.clone(), json!({"from": va, "to": vb}));
        }
    }
    Value::Object(out)
}

/// A snapshot for creations and deletions: `{"after": …}` or `{"before": …}`.
pub fn snapshot<T: Serialize>(label: &str, v: &T) -> Value {
    json!({ label: serde_json::to_value(v).unwrap_or(Value::Null) })
}

/// The canonical bytes a row's MAC covers. A JSON array, so no field can bleed into another.
fn canonical(row: &entity::Model) -> Vec<u8> {
    serde_json::to_vec(&json!([
        row.seq,
        row.ts.timestamp_micros(),
        row.actor_user_id,
        row.actor_name,
        row.actor_roles,
        row.ip,
        row.session_ref,
        row.request_id,
        row.event,
        row.object_type,
        row.object_id,
        row.unit_id,
        row.result,
        row.detail,
        row.prev_mac,
    ]))
    .expect("JSON of plain values")
}

fn head_mac(crypto: &dyn CryptoProvider, seq: i64, mac: &str) -> String {
    hex::encode(crypto.audit_mac(format!("head|{seq}|{mac}").as_bytes()))
}

/// Append one event. Call inside the transaction of the change it describes.
pub async fn record(
    conn: &impl ConnectionTrait,
    crypto: &dyn CryptoProvider,
    actor: &Actor,
    ev: Event,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let head = entity::head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::Custom("audit_head row missing".into()))?;
    let seq = head.last_seq + 1;
    let row = build_row(seq, head.last_mac, actor, ev, now, crypto);
    let mac = row.mac.clone();
    entity::Entity::insert(entity::ActiveModel::from(row)).exec_without_returning(conn).await?;
    write_head(conn, crypto, seq, &mac, now).await?;
    Ok(seq)
}

/// Append many events at once (imports): the head is read and written once, rows go in
/// batches. Same chain, same MACs as one `record` call per event.
pub async fn record_batch(
    conn: &impl ConnectionTrait,
    crypto: &dyn CryptoProvider,
    actor: &Actor,
    events: Vec<Event>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let head = entity::head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::Custom("audit_head row missing".into()))?;
    let mut seq = head.last_seq;
    let mut prev = head.last_mac;
    let mut batch = Vec::with_capacity(200);
    for ev in events {
        seq += 1;
        let row = build_row(seq, prev, actor, ev, now, crypto);
        prev = row.mac.clone();
        batch.push(entity::ActiveModel::from(row));
        if batch.len() == 200 {
            entity::Entity::insert_many(std::mem::take(&mut batch)).exec_without_returning(conn).await?;
        }
    }
    if !batch.is_empty() {
        entity::Entity::insert_many(batch).exec_without_returning(conn).await?;
    }
    write_head(conn, crypto, seq, &prev, now).await
}

fn build_row(
    seq: i64,
    prev_mac: String,
    actor: &Actor,
    ev: Event,
    now: DateTime<Utc>,
    crypto: &dyn CryptoProvider,
) -> entity::Model {
    // Neutralise control characters so a crafted value cannot fake a second log line (AUD-04).
    let clean = |s: &str| s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>();
    let mut row = entity::Model {
        seq,
        ts: now.trunc_subsecs(6),
        actor_user_id: actor.user_id,
        actor_name: clean(&actor.name),
        actor_roles: clean(&actor.roles),
        ip: clean(&actor.ip),
        session_ref: actor.session_ref.clone(),
        request_id: clean(&actor.request_id),
        event: ev.event.to_string(),
        object_type: ev.object_type.to_string(),
        object_id: clean(&ev.object_id),
        unit_id: ev.unit_id,
        result: ev.outcome.code().to_string(),
        detail: if ev.detail.is_null() { String::new() } else { ev.detail.to_string() },
        prev_mac,
        mac: String::new(),
    };
    row.mac = hex::encode(crypto.audit_mac(&canonical(&row)));
    row
}

async fn write_head(
    conn: &impl ConnectionTrait,
    crypto: &dyn CryptoProvider,
    seq: i64,
    mac: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    entity::head::Entity::update(entity::head::ActiveModel {
        id: Set(1),
        last_seq: Set(seq),
        last_mac: Set(mac.to_string()),
        head_mac: Set(head_mac(crypto, seq, mac)),
        updated_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows_checked: u64,
    /// The first row found broken, and why (Chinese).
    pub first_bad: Option<(i64, String)>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// Walk the whole chain in order and name the first broken row.
pub async fn verify(conn: &impl ConnectionTrait, crypto: &dyn CryptoProvider) -> Result<VerifyReport, DbErr> {
    let mut expected_seq = 1i64;
    let mut prev_mac = String::new();
    let mut checked = 0u64;
    loop {
        let batch = entity::Entity::find()
            .filter(entity::Column::Seq.gte(expected_seq))
            .order_by_asc(entity::Column::Seq)
            .limit(2000)
            .all(conn)
            .await?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            if row.seq != expected_seq {
                return Ok(VerifyReport {
                    rows_checked: checked,
                    first_bad: Some((expected_seq, format!("第 {expected_seq} 条记录缺失（被删除）"))),
                });
            }
            if row.prev_mac != prev_mac {
                return Ok(VerifyReport {
                    rows_checked: checked,
                    first_bad: Some((row.seq, format!("第 {} 条记录与前一条的链接断裂", row.seq))),
                });
            }
            let mac = hex::encode(crypto.audit_mac(&canonical(row)));
            if mac != row.mac {
                return Ok(VerifyReport {
                    rows_checked: checked,
                    first_bad: Some((row.seq, format!("第 {} 条记录的内容被改动", row.seq))),
                });
            }
            prev_mac = row.mac.clone();
            expected_seq += 1;
            checked += 1;
        }
    }
    let last_seq = expected_seq - 1;
    let head = entity::head::Entity::find_by_id(1).one(conn).await?;
    let head_ok = match &head {
        Some(h) if h.last_seq == 0 && last_seq == 0 => true,
        Some(h) => {
            h.last_seq == last_seq && h.last_mac == prev_mac && h.head_mac == head_mac(crypto, h.last_seq, &h.last_mac)
        }
        None => false,
    };
    if !head_ok {
        let at = head.map(|h| h.last_seq.max(last_seq)).unwrap_or(last_seq);
        return Ok(VerifyReport {
            rows_checked: checked,
            first_bad: Some((
                at,
                format!("日志尾部被截断或链头被改动（链头应到第 {at} 条，实际只到第 {last_seq} 条）"),
            )),
        });
    }
    Ok(VerifyReport { rows_checked: checked, first_bad: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct V {
        name: &'static str,
        code: &'static str,
    }

    #[test]
    fn diff_lists_only_changed_fields() {
        let d = diff(&V { name: "办公室", code: "A1" }, &V { name: "综合科", code: "A1" });
        assert_eq!(d, json!({"name": {"from": "办公室", "to": "综合科"}}));
    }
}
