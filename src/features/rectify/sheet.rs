//! 整改台账 as the spreadsheet offices exchange: 序号, 问题, 整改措施, 责任单位, 责任人, 责任领导,
//! 完成时限, 整改进展, 完成情况, 销号情况 — with a title row above the header. The same layout is
//! exported, imported into a batch (all or nothing, every error listed) and offered as a template.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

use super::{
    domain::{Kind, NewProblem, ProblemInput, Status, WrittenDeadline, parse_written_deadline, write_deadline},
    entity::{batch, problem},
    repo::{self, ResolvedProblem},
    service,
};
use crate::{
    audit::{self, Event},
    authz::{Perm, Scope},
    error::{AppError, AppResult, RowError},
    features::org::{
        entity::{person, unit},
        repo as org_repo,
    },
    i18n::Catalog,
    startup::AppState,
    web::Ctx,
    xlsx::{self, Sheet},
};

pub const SHEET: &str = "整改台账";
pub const COLUMNS: &[&str] =
    &["序号", "问题", "整改措施", "责任单位", "责任人", "责任领导", "完成时限", "整改进展", "完成情况", "销号情况"];
const REQUIRED: &[&str] = &["问题", "责任单位", "责任人", "完成时限"];
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
const WIDTHS: [f64; 10] = [6.0, 40.0, 40.0, 16.0, 10.0, 10.0, 14.0, 36.0, 20.0, 20.0];

fn xe(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

/// The import template: the ledger's header, drop-down hints and a sheet of instructions.
pub fn template() -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xe)?;
    xlsx::write_title(ws, "××反馈问题整改台账", COLUMNS.len() as u16).map_err(xe)?;
    let headers: Vec<(String, f64)> = COLUMNS
        .iter()
        .zip(WIDTHS)
        .map(|(h, w)| (if REQUIRED.contains(h) { format!("{h}*") } else { h.to_string() }, w))
        .collect();
    let hs: Vec<(&str, f64)> = headers.iter().map(|(h, w)| (h.as_str(), *w)).collect();
    xlsx::write_headers(ws, 1, &hs).map_err(xe)?;
    let example = [
        "1",
        "公务用车使用登记不规范，存在无派车单出车情况",
        "1. 修订公务用车管理办法；2. 逐车核查2025年以来出车记录",
        "办公室",
        "李文书",
        "王局长",
        "2026年6月底前",
        "",
        "",
        "",
    ];
    let f = xlsx::cell_format();
    for (c, v) in example.iter().enumerate() {
        ws.write_with_format(2, c as u16, *v, &f).map_err(xe)?;
    }
    ws.set_freeze_panes(2, 0).map_err(xe)?;
    let help = wb.add_worksheet();
    help.set_name("填表说明").map_err(xe)?;
    help.set_column_width(0, 110).map_err(xe)?;
    let lines = [
        "整改台账导入说明",
        "1. 第一行可为标题（如“××巡察反馈问题整改台账”），第二行为表头；带 * 的列必填，每行一个问题。示例行请删除。",
        "2. 责任单位：填写单位编码，或在本批次涉及单位范围内唯一的单位名称。",
        "3. 责任人：该单位（或下级单位）的人员，填写姓名或人员编号；重名时请填人员编号。",
        "4. 责任领导（分管领导）：该单位或其上级单位的人员，可空。",
        "5. 完成时限：日期（2026-06-30、2026年6月30日）、“2026年6月底前”“2026年底前”，或“立行立改”“长期坚持”（可在括号内写日期，如“立行立改（2026年3月31日前）”；不写日期的以本批次报告时限为准）。不得早于反馈日期。",
        "6. 整改进展：如填写，作为该问题的第一条整改进展记录。完成情况、销号情况由系统根据自评和审核生成，导入时不读取。",
        "7. 任何一行有错误则整批不导入，并列出全部错误（行号、列名、原因）。",
    ];
    for (i, l) in lines.iter().enumerate() {
        help.write(i as u32, 0, *l).map_err(xe)?;
    }
    xlsx::save(wb)
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub with_progress: usize,
}

struct Row {
    resolved: ResolvedProblem,
    progress: String,
}

/// How a unit is written in the ledger: inside a bureau, the bureau's name before its own
/// ("东湖区司法局办公室"), since many units are called 办公室.
pub fn unit_label(u: &unit::Model, names: &HashMap<i64, String>) -> String {
    match u.parent_id.and_then(|p| names.get(&p)).filter(|_| u.depth >= 2) {
        Some(parent) => format!("{parent}{}", u.name),
        None => u.name.clone(),
    }
}

/// A unit named by code, by its ledger label, or by a name unique among the batch's units and
/// their subtrees.
fn find_unit<'a>(
    units: &'a [unit::Model],
    names: &HashMap<i64, String>,
    within: &[unit::Model],
    s: &str,
) -> Result<&'a unit::Model, &'static str> {
    let s: String = s.chars().filter(|c| !c.is_whitespace() && *c != '·').collect();
    let inside = |u: &&unit::Model| within.iter().any(|b| u.path.starts_with(&b.path));
    if let Some(u) = units.iter().filter(inside).find(|u| u.code == s || unit_label(u, names) == s) {
        return Ok(u);
    }
    let named: Vec<&unit::Model> = units.iter().filter(inside).filter(|u| u.name == s).collect();
    match named.len() {
        1 => Ok(named[0]),
        0 => Err("rect.import_no_unit"),
        _ => Err("rect.import_ambiguous_unit"),
    }
}

/// A person by 人员编号, or by a name unique among `candidates`.
fn find_person<'a>(candidates: &'a [person::Model], s: &str) -> Result<&'a person::Model, &'static str> {
    if let Some(p) = candidates.iter().find(|p| p.staff_no.as_deref() == Some(s)) {
        return Ok(p);
    }
    let named: Vec<&person::Model> = candidates.iter().filter(|p| p.name == s).collect();
    match named.len() {
        1 => Ok(named[0]),
        0 => Err("rect.import_no_person"),
        _ => Err("rect.import_ambiguous_person"),
    }
}

fn column_of(field: Option<&str>) -> &'static str {
    match field {
        Some("description") => "问题",
        Some("measures") => "整改措施",
        Some("unit") => "责任单位",
        Some("owner") => "责任人",
        Some("leader") => "责任领导",
        Some("due_on") | Some("kind") => "完成时限",
        Some("text") => "整改进展",
        _ => "",
    }
}

fn reason(t: &Catalog, e: &AppError) -> String {
    match e {
        AppError::Invalid { msg, .. } | AppError::Conflict { msg, .. } => msg.render(t),
        other => other.message().render(t),
    }
}

/// Import problems into a batch. All or nothing.
pub async fn import(state: &AppState, ctx: &Ctx, b: &batch::Model, bytes: &[u8]) -> AppResult<ImportSummary> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::TooLarge { max_mb: (MAX_BYTES / 1024 / 1024) as u64 });
    }
    let t = ctx.t();
    let sheets = xlsx::read_workbook(bytes)?;
    let mut sheet: Sheet =
        sheets.iter().find(|s| s.name.trim() == SHEET).or_else(|| sheets.first()).cloned().unwrap_or_default();
    sheet.locate_header(REQUIRED);
    let mut errors = Vec::new();
    for m in sheet.missing(REQUIRED) {
        errors.push(RowError {
            row: sheet.header_at + 1,
            column: m,
            reason: t.fmt("import.missing_column", &[("sheet", sheet.name.clone())]),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }
    if sheet.rows.iter().all(|r| r.iter().all(|c| c.is_empty())) {
        return Err(AppError::Rows(vec![RowError {
            row: sheet.header_at + 2,
            column: String::new(),
            reason: t.get("rect.import_empty").into(),
        }]));
    }
    let db = &state.db.read;
    let manage = ctx.scope(Perm::RectManage);
    let batch_units = repo::batch_units(db, b.id).await?;
    let units: Vec<unit::Model> =
        org_repo::list_all_units(db).await?.into_iter().filter(|u| u.deleted_at.is_none()).collect();
    // People of the batch's units (and below), and of every unit above them: leaders sit above.
    let above: Vec<i64> = units
        .iter()
        .filter(|u| batch_units.iter().any(|b| b.path.starts_with(&u.path) && b.path != u.path))
        .map(|u| u.id)
        .collect();
    let scope = Scope::from_paths(batch_units.iter().map(|u| u.path.clone()));
    let people = org_repo::active_people(db, &scope, &above).await?;
    let unit_by_id: HashMap<i64, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let names: HashMap<i64, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut rows = Vec::new();
    for i in 0..sheet.rows.len() {
        let row = sheet.row_number(i);
        if sheet.rows[i].iter().all(|c| c.is_empty()) {
            continue;
        }
        let mut err = |column: &str, reason: String| errors.push(RowError { row, column: column.into(), reason });
        let unit_cell = sheet.cell(i, "责任单位");
        let unit = if unit_cell.is_empty() {
            err("责任单位", t.get("error.required").into());
            None
        } else {
            match find_unit(&units, &names, &batch_units, unit_cell) {
                Ok(u) if manage.contains(&u.path) => Some(u),
                Ok(_) => {
                    err("责任单位", t.get("import.unit_out_of_scope").into());
                    None
                }
                Err(key) => {
                    err("责任单位", t.fmt1(key, "name", unit_cell));
                    None
                }
            }
        };
        let in_unit = |p: &&person::Model, u: &unit::Model| {
            unit_by_id.get(&p.unit_id).is_some_and(|pu| pu.path.starts_with(&u.path))
        };
        let above_unit = |p: &&person::Model, u: &unit::Model| {
            unit_by_id.get(&p.unit_id).is_some_and(|pu| u.path.starts_with(&pu.path))
        };
        let mut owner = None;
        let mut leader = None;
        if let Some(u) = unit {
            let owner_cell = sheet.cell(i, "责任人");
            let cands: Vec<person::Model> = people.iter().filter(|p| in_unit(p, u)).cloned().collect();
            if owner_cell.is_empty() {
                err("责任人", t.get("error.required").into());
            } else {
                match find_person(&cands, owner_cell) {
                    Ok(p) => owner = Some(p.uuid),
                    Err(key) => err("责任人", t.fmt1(key, "name", owner_cell)),
                }
            }
            let leader_cell = sheet.cell(i, "责任领导");
            if !leader_cell.is_empty() {
                let cands: Vec<person::Model> = people.iter().filter(|p| above_unit(p, u)).cloned().collect();
                match find_person(&cands, leader_cell) {
                    Ok(p) => leader = Some(p.uuid),
                    Err(key) => err("责任领导", t.fmt1(key, "name", leader_cell)),
                }
            }
        }
        let due_cell = sheet.cell(i, "完成时限");
        let written = if due_cell.is_empty() {
            err("完成时限", t.get("error.required").into());
            None
        } else {
            let w = parse_written_deadline(due_cell);
            if w.is_none() {
                err("完成时限", t.fmt1("rect.import_bad_deadline", "value", due_cell));
            }
            w
        };
        let (Some(u), Some(owner), Some(WrittenDeadline { kind, due })) = (unit, owner, written) else {
            // Still check the text columns so every error of the row is listed at once.
            let input = ProblemInput {
                description: sheet.cell(i, "问题").into(),
                kind: Kind::Deadline.code().into(),
                unit: uuid::Uuid::nil().to_string(),
                owner: uuid::Uuid::nil().to_string(),
                due_on: b.feedback_on.to_string(),
                measures: sheet.cell(i, "整改措施").into(),
                ..Default::default()
            };
            if let Err(es) = NewProblem::parse_all(&input, b.feedback_on) {
                errors.extend(es.iter().map(|e| RowError {
                    row,
                    column: column_of(e.field()).into(),
                    reason: reason(t, e),
                }));
            }
            continue;
        };
        let input = ProblemInput {
            description: sheet.cell(i, "问题").into(),
            kind: kind.code().into(),
            unit: u.uuid.to_string(),
            owner: owner.to_string(),
            leader: leader.map(|l| l.to_string()),
            due_on: due.unwrap_or(b.report_due_on).to_string(),
            measures: sheet.cell(i, "整改措施").into(),
            ..Default::default()
        };
        let progress = sheet.cell(i, "整改进展").to_string();
        if progress.chars().count() > 4000 {
            errors.push(RowError { row, column: "整改进展".into(), reason: t.fmt1("error.too_long", "max", 4000) });
        }
        match NewProblem::parse_all(&input, b.feedback_on) {
            Err(es) => errors.extend(es.iter().map(|e| RowError {
                row,
                column: column_of(e.field()).into(),
                reason: reason(t, e),
            })),
            Ok(new) => match service::resolve_problem(state, ctx, b, &new).await {
                Ok(resolved) => rows.push(Row { resolved, progress }),
                Err(e) => errors.push(RowError { row, column: column_of(e.field()).into(), reason: reason(t, &e) }),
            },
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }

    let by = ctx.principal.as_ref().map(|p| p.user_id.0);
    let name = ctx.principal.as_ref().map(|p| p.display_name.clone()).unwrap_or_default();
    let mut summary = ImportSummary::default();
    let mut events = Vec::new();
    let txn = state.db.begin().await?;
    let mut seq = repo::next_seq(&txn, b.id).await?;
    for r in &rows {
        let p = repo::insert_problem(&txn, b.id, seq, &r.resolved, by, ctx.now).await?;
        seq += 1;
        let open = Status::Open.code();
        repo::insert_event(
            &txn,
            p.id,
            "created",
            "",
            open,
            "",
            serde_json::json!({"via": "import"}),
            (by, &name),
            ctx.now,
        )
        .await?;
        if !r.progress.trim().is_empty() {
            let text = r.progress.trim().to_string();
            let to = Status::InProgress;
            repo::change_state(
                &txn,
                &p,
                Status::Open,
                &repo::Change { to: Some(to), progress: Some(text.clone()), ..Default::default() },
                ctx.now,
            )
            .await?;
            repo::insert_event(
                &txn,
                p.id,
                "progress",
                open,
                to.code(),
                &text,
                serde_json::json!({"via": "import"}),
                (by, &name),
                ctx.now,
            )
            .await?;
            summary.with_progress += 1;
        }
        events.push(
            Event::new("rect_problem.create", "rect_problem", p.uuid)
                .unit(p.unit_id)
                .detail(serde_json::json!({"via": "import", "seq": p.seq, "due_on": p.due_on})),
        );
        summary.created += 1;
    }
    repo::refresh_batch_completion(&txn, b.id, ctx.now).await?;
    events.push(
        Event::new("rect.import", "rect_batch", b.uuid).detail(serde_json::to_value(&summary).unwrap_or_default()),
    );
    audit::record_batch(&txn, state.crypto.as_ref(), &ctx.actor(), events, ctx.now).await?;
    txn.commit().await?;
    Ok(summary)
}

/// The ledger as .xlsx: a title row, the header, one row per problem.
pub fn export(
    t: &Catalog,
    title: &str,
    rows: &[(problem::Model, unit::Model)],
    people: &HashMap<i64, person::Model>,
    parents: &HashMap<i64, String>,
    today: chrono::NaiveDate,
) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xe)?;
    let hs: Vec<(&str, f64)> = COLUMNS.iter().copied().zip(WIDTHS).collect();
    xlsx::write_title(ws, title, COLUMNS.len() as u16).map_err(xe)?;
    xlsx::write_headers(ws, 1, &hs).map_err(xe)?;
    let f = xlsx::cell_format();
    let red = Format::new()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_font_color(0xB3261E)
        .set_font_name("宋体")
        .set_text_wrap();
    let name = |id: Option<i64>| id.and_then(|i| people.get(&i)).map(|p| p.name.clone()).unwrap_or_default();
    for (i, (p, u)) in rows.iter().enumerate() {
        let r = (i + 2) as u32;
        let status = Status::parse(&p.status).unwrap_or(Status::Open);
        let kind = Kind::parse(&p.kind).unwrap_or(Kind::Deadline);
        let done = match status {
            Status::Closed | Status::Submitted => {
                let head = t.get(if status == Status::Closed { "rect.done" } else { "rect.done_pending" });
                if p.assessment.is_empty() { head.to_string() } else { format!("{head}。{}", p.assessment) }
            }
            Status::InProgress => t.get("rect.status_in_progress").into(),
            Status::Open => t.get("rect.status_open").into(),
        };
        let closed = match (status, p.closed_on) {
            (Status::Closed, Some(d)) => {
                let head = t.fmt1("rect.closed_on", "date", t.date(d));
                if p.conclusion.is_empty() { head } else { format!("{head}。{}", p.conclusion) }
            }
            _ => t.get("rect.not_closed").into(),
        };
        let overdue = status != Status::Closed && p.due_on < today;
        let cells = [
            p.seq.to_string(),
            p.description.clone(),
            p.measures.clone(),
            unit_label(u, parents),
            name(Some(p.owner_person_id)),
            name(p.leader_person_id),
            write_deadline(kind, &t.date(p.due_on)),
            p.last_progress.clone(),
            done,
            closed,
        ];
        for (c, v) in cells.iter().enumerate() {
            let fmt = if c == 6 && overdue { &red } else { &f };
            ws.write_with_format(r, c as u16, v, fmt).map_err(xe)?;
        }
    }
    ws.set_freeze_panes(2, 2).map_err(xe)?;
    xlsx::save(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_the_ledger_columns_under_a_title() {
        let bytes = template().unwrap();
        let mut s = xlsx::read_workbook(&bytes).unwrap().into_iter().find(|s| s.name == SHEET).unwrap();
        s.locate_header(REQUIRED);
        for c in COLUMNS {
            assert!(s.col(c).is_some(), "{c}");
        }
        assert_eq!(s.header_at, 1);
        assert_eq!(parse_written_deadline(s.cell(0, "完成时限")).map(|w| w.kind), Some(Kind::Deadline));
    }
}
