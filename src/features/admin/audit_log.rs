//! 审计日志 (审计管理员): search, export and chain verification. There is no endpoint that edits
//! or deletes a row; searching, exporting and verifying are themselves audited (AUD-08).

use askama::Template;
use axum::{extract::State, response::Response};
use chrono::{NaiveDate, TimeZone, Utc};
use rust_xlsxwriter::Workbook;
use serde::Deserialize;

use crate::{
    audit::{self, Event, entity::Model as AuditRow, repo::AuditFilter},
    error::{AppError, AppResult},
    fields,
    startup::AppState,
    web::{
        Ctx, Layout, Pager,
        extract::Query,
        render,
        respond::{XLSX, download},
    },
    xlsx,
};

pub const PER_PAGE: u64 = 50;
pub const EXPORT_CAP: u64 = 100_000;

#[derive(Debug, Default, Deserialize, Clone)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub event: Option<String>,
    pub object: Option<String>,
    pub result: Option<String>,
    /// Beijing dates, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<u64>,
}

impl AuditQuery {
    fn filter(&self) -> AppResult<AuditFilter> {
        // Dates are Beijing calendar days: [from 00:00, to+1 00:00) at UTC+8.
        let day_start = |d: NaiveDate| {
            Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")) - chrono::Duration::hours(8)
        };
        let from = fields::opt_date("from", "audit.from", self.from.as_deref())?.map(day_start);
        let to =
            fields::opt_date("to", "audit.to", self.to.as_deref())?.map(|d| day_start(d) + chrono::Duration::days(1));
        Ok(AuditFilter {
            actor: self.actor.clone(),
            event: self.event.clone(),
            object: self.object.clone(),
            result: self.result.clone(),
            from,
            to,
        })
    }

    fn base_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("actor", &self.actor),
            ("event", &self.event),
            ("object", &self.object),
            ("result", &self.result),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|s| (k, s)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    l: Layout,
    q: AuditQuery,
    rows: Vec<AuditRow>,
    pager: Pager,
    export_query: String,
    verify: Option<(bool, String)>,
}

pub async fn search(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    render_search(&state, &ctx, q, None).await
}

async fn render_search(
    state: &AppState,
    ctx: &Ctx,
    q: AuditQuery,
    verify: Option<(bool, String)>,
) -> AppResult<Response> {
    let t = ctx.t();
    let filter = q.filter()?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (rows, total) = audit::repo::list(&state.db.read, &filter, page, PER_PAGE).await?;
    let base = q.base_query();
    if !base.is_empty() {
        state
            .audit(
                &ctx.actor(),
                Event::new("audit.search", "audit_log", "").detail(serde_json::json!({"filter": base})),
            )
            .await?;
    }
    let l =
        Layout::new(ctx, t.get("nav.audit"), "audit").crumb(t.get("nav.system"), None).crumb(t.get("nav.audit"), None);
    Ok(render(&AuditPage {
        l,
        rows,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: base.clone() },
        export_query: base,
        q,
        verify,
    }))
}

pub async fn export(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let rows = audit::repo::export(&state.db.read, &q.filter()?, EXPORT_CAP).await?;
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("审计日志").map_err(xe)?;
    let headers = [
        (t.get("audit.seq"), 10.0),
        (t.get("audit.time"), 20.0),
        (t.get("audit.actor"), 16.0),
        (t.get("audit.roles"), 16.0),
        (t.get("audit.ip"), 16.0),
        (t.get("audit.event"), 22.0),
        (t.get("audit.object"), 38.0),
        (t.get("audit.result"), 8.0),
        (t.get("audit.detail"), 60.0),
        (t.get("audit.request"), 14.0),
        ("MAC", 20.0),
    ];
    xlsx::write_title(ws, &format!("{}（{}）", t.get("nav.audit"), t.date(ctx.today)), headers.len() as u16)
        .map_err(xe)?;
    xlsx::write_headers(ws, 1, &headers).map_err(xe)?;
    let f = xlsx::cell_format();
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 2) as u32;
        ws.write_with_format(row, 0, r.seq as f64, &f).map_err(xe)?;
        let cells = [
            t.datetime(r.ts),
            r.actor_name.clone(),
            r.actor_roles.clone(),
            r.ip.clone(),
            r.event.clone(),
            format!("{} {}", r.object_type, r.object_id),
            r.result.clone(),
            r.detail.clone(),
            r.request_id.clone(),
            r.mac.chars().take(16).collect(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_with_format(row, (c + 1) as u16, v, &f).map_err(xe)?;
        }
    }
    let bytes = xlsx::save(wb)?;
    state
        .audit(
            &ctx.actor(),
            Event::new("audit.export", "audit_log", "")
                .detail(serde_json::json!({"rows": rows.len(), "filter": q.base_query()})),
        )
        .await?;
    Ok(download(bytes, XLSX, &format!("审计日志-{}.xlsx", ctx.today.format("%Y%m%d"))))
}

/// Check the whole chain now and show the outcome on the search page.
pub async fn verify(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.t();
    let report = audit::verify(&state.db.read, state.crypto.as_ref()).await?;
    let (ok, msg) = match &report.first_bad {
        None => (true, t.fmt1("audit.verify_ok", "n", report.rows_checked)),
        Some((seq, why)) => (false, t.fmt2("audit.verify_bad", "seq", seq, "why", why)),
    };
    let ev = Event::new("audit.verify", "audit_log", "")
        .outcome(if ok { audit::Outcome::Ok } else { audit::Outcome::Failed })
        .detail(serde_json::json!({"rows": report.rows_checked, "first_bad": report.first_bad.as_ref().map(|b| b.0)}));
    state.audit(&ctx.actor(), ev).await?;
    render_search(&state, &ctx, AuditQuery::default(), Some((ok, msg))).await
}
