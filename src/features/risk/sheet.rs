//! 岗位廉政风险点清单 as a spreadsheet: the import template, the all-or-nothing import (every
//! row checked first, every error listed), and the export in the same column layout.

use std::collections::HashMap;

use rust_xlsxwriter::{DataValidation, Format, Workbook};
use serde::Serialize;

use super::{
    domain::{MeasureStatus, NewMeasure, NewRisk, RiskConfig, RiskInput, RiskLevel, post_key},
    entity::{measure, point},
    repo::{self, Resolved},
};
use crate::{
    audit::{self, Event},
    authz::Perm,
    error::{AppError, AppResult, RowError},
    features::org::{
        entity::{person, unit},
        repo as org_repo,
    },
    i18n::Catalog,
    startup::AppState,
    web::Ctx,
    xlsx,
};

pub const SHEET: &str = "风险点清单";
/// Columns of the template (required ones marked in the template with `*`).
pub const COLUMNS: &[&str] = &[
    "序号",
    "单位编码",
    "岗位",
    "风险点",
    "风险描述",
    "风险类别",
    "业务领域",
    "可能性",
    "影响程度",
    "风险等级",
    "防控措施",
    "责任人",
];
const REQUIRED: &[&str] = &["单位编码", "岗位", "风险点", "风险类别"];
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

fn xe(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

pub fn template(cfg: &RiskConfig) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xe)?;
    let headers: Vec<(String, f64)> = COLUMNS
        .iter()
        .map(|h| {
            (
                if REQUIRED.contains(h) { format!("{h}*") } else { h.to_string() },
                if *h == "防控措施" || *h == "风险描述" { 36.0 } else { 14.0 },
            )
        })
        .collect();
    let hs: Vec<(&str, f64)> = headers.iter().map(|(h, w)| (h.as_str(), *w)).collect();
    xlsx::write_headers(ws, 0, &hs).map_err(xe)?;
    let cats: Vec<String> = cfg.categories.iter().map(|c| c.label.clone()).collect();
    ws.add_data_validation(1, 5, 20_000, 5, &DataValidation::new().allow_list_strings(&cats).map_err(xe)?)
        .map_err(xe)?;
    let areas: Vec<String> = cfg.areas.iter().map(|c| c.label.clone()).collect();
    ws.add_data_validation(1, 6, 20_000, 6, &DataValidation::new().allow_list_strings(&areas).map_err(xe)?)
        .map_err(xe)?;
    ws.add_data_validation(
        1,
        9,
        20_000,
        9,
        &DataValidation::new().allow_list_strings(&["高", "中", "低"]).map_err(xe)?,
    )
    .map_err(xe)?;
    ws.set_freeze_panes(1, 0).map_err(xe)?;
    let help = wb.add_worksheet();
    help.set_name("填表说明").map_err(xe)?;
    help.set_column_width(0, 110).map_err(xe)?;
    let n = cfg.scale();
    let lines = [
        "岗位廉政风险点清单导入说明".to_string(),
        "1. 带 * 的列必填；每行一个风险点。单位编码须为您管理范围内的单位。".to_string(),
        format!("2. 风险类别：{}", cfg.categories.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("、")),
        format!("3. 业务领域：{}（可空）", cfg.areas.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("、")),
        format!(
            "4. 可能性、影响程度：1–{n} 的整数，二者同时填写时风险等级按矩阵自动确定；若同时填写风险等级，须与矩阵一致。二者都不填时必须填写风险等级（高/中/低）。"
        ),
        "5. 防控措施：多条措施可用换行或“；”分隔。".to_string(),
        "6. 责任人：填写人员编号或姓名（须为该单位或其下级单位的在职人员，姓名重复时请填人员编号）。".to_string(),
        "7. 同一单位、同一岗位、同一风险点名称已存在时，该行更新已有风险点，并补充新的防控措施。".to_string(),
        "8. 任何一行有错误则整批不导入，并列出全部错误。".to_string(),
    ];
    for (i, l) in lines.iter().enumerate() {
        help.write(i as u32, 0, l).map_err(xe)?;
    }
    xlsx::save(wb)
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RiskImportSummary {
    pub created: usize,
    pub updated: usize,
    pub measures_added: usize,
}

struct Row {
    row: usize,
    new: NewRisk,
    unit: unit::Model,
    responsible: Option<i64>,
    measures: Vec<String>,
}

fn split_measures(s: &str) -> Vec<String> {
    s.split(['\n', '；', ';'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| x.chars().take(1000).collect())
        .collect()
}

fn column_of(field: Option<&str>) -> &'static str {
    match field {
        Some("unit") => "单位编码",
        Some("post") => "岗位",
        Some("title") => "风险点",
        Some("description") => "风险描述",
        Some("category") => "风险类别",
        Some("area") => "业务领域",
        Some("likelihood") => "可能性",
        Some("impact") => "影响程度",
        Some("level") => "风险等级",
        Some("responsible") => "责任人",
        _ => "",
    }
}

fn reason(t: &Catalog, e: &AppError) -> String {
    match e {
        AppError::Invalid { msg, .. } | AppError::Conflict { msg, .. } => msg.render(t),
        other => other.message().render(t),
    }
}

/// Import a 风险点清单. All or nothing.
pub async fn import(state: &AppState, ctx: &Ctx, bytes: &[u8]) -> AppResult<RiskImportSummary> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::TooLarge { max_mb: (MAX_BYTES / 1024 / 1024) as u64 });
    }
    let t = ctx.t();
    let sheets = xlsx::read_workbook(bytes)?;
    let mut sheet =
        sheets.iter().find(|s| s.name.trim() == SHEET).or_else(|| sheets.first()).cloned().unwrap_or_default();
    // A title row above the header, as printed lists have, is skipped.
    sheet.locate_header(REQUIRED);
    let mut errors = Vec::new();
    if sheet.rows.is_empty() {
        return Err(AppError::Rows(vec![RowError {
            row: 1,
            column: String::new(),
            reason: t.get("risk.import_empty").into(),
        }]));
    }
    for m in sheet.missing(REQUIRED) {
        errors.push(RowError {
            row: 1,
            column: m,
            reason: t.fmt("import.missing_column", &[("sheet", sheet.name.clone())]),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }
    let cfg = repo::load_config(&state.db.read).await?;
    let scope = ctx.scope(Perm::RiskManage);
    let units: HashMap<String, unit::Model> =
        org_repo::list_all_units(&state.db.read).await?.into_iter().map(|u| (u.code.clone(), u)).collect();
    let mut rows = Vec::new();
    for i in 0..sheet.rows.len() {
        let row = sheet.row_number(i);
        if sheet.rows[i].iter().all(|c| c.is_empty()) {
            continue;
        }
        let code = sheet.cell(i, "单位编码");
        let unit = units.get(code).filter(|u| scope.contains(&u.path));
        if unit.is_none() {
            let why = if code.is_empty() {
                t.get("error.required").to_string()
            } else {
                t.get("import.unit_out_of_scope").to_string()
            };
            errors.push(RowError { row, column: "单位编码".into(), reason: why });
        }
        let input = RiskInput {
            unit: unit.map(|u| u.uuid.to_string()).unwrap_or_else(|| uuid::Uuid::nil().to_string()),
            post: sheet.cell(i, "岗位").into(),
            title: sheet.cell(i, "风险点").into(),
            description: sheet.cell(i, "风险描述").into(),
            category: sheet.cell(i, "风险类别").into(),
            area: sheet.cell(i, "业务领域").into(),
            likelihood: Some(sheet.cell(i, "可能性").into()),
            impact: Some(sheet.cell(i, "影响程度").into()),
            level: Some(sheet.cell(i, "风险等级").into()),
            ..Default::default()
        };
        let parsed = NewRisk::parse_all(&input, &cfg);
        if let Err(es) = &parsed {
            errors.extend(es.iter().map(|e| RowError {
                row,
                column: column_of(e.field()).into(),
                reason: reason(t, e),
            }));
        }
        // 责任人: a staff number, or a name unique among the unit's people.
        let who = sheet.cell(i, "责任人");
        let mut responsible = None;
        if let (Some(u), false) = (unit, who.is_empty()) {
            match find_person(state, who, u).await? {
                Ok(p) => responsible = Some(p.id),
                Err(key) => errors.push(RowError { row, column: "责任人".into(), reason: t.fmt1(key, "name", who) }),
            }
        }
        if let (Ok(new), Some(u)) = (parsed, unit) {
            rows.push(Row {
                row,
                new,
                unit: u.clone(),
                responsible,
                measures: split_measures(sheet.cell(i, "防控措施")),
            });
        }
    }
    // The same point twice in one file.
    let mut seen: HashMap<(i64, String, String), usize> = HashMap::new();
    for r in &rows {
        if let Some(first) = seen.insert((r.unit.id, post_key(&r.new.post), r.new.title.clone()), r.row) {
            errors.push(RowError {
                row: r.row,
                column: "风险点".into(),
                reason: t.fmt("import.duplicate_in_file", &[("row", first.to_string())]),
            });
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }

    let by = ctx.principal.as_ref().map(|p| p.user_id.0);
    let mut summary = RiskImportSummary::default();
    let mut events = Vec::new();
    let txn = state.db.begin().await?;
    for r in &rows {
        let resolved = Resolved { new: &r.new, unit_id: r.unit.id, responsible_id: r.responsible };
        let existing = find_same(&txn, r.unit.id, &r.new.post, &r.new.title).await?;
        let p = match existing {
            None => {
                let next = cfg.next_review(r.new.level, ctx.today);
                let p = repo::insert_point(&txn, &resolved, next, by, ctx.now).await?;
                repo::plan_review(&txn, p.id, next, ctx.now).await?;
                events.push(
                    Event::new("risk.create", "risk", p.uuid)
                        .unit(p.unit_id)
                        .detail(serde_json::json!({"via": "import", "title": p.title, "level": p.level})),
                );
                summary.created += 1;
                p
            }
            Some(old) => {
                repo::update_point(&txn, old.id, &resolved, old.next_review_on, old.version, ctx.now).await?;
                events.push(Event::new("risk.update", "risk", old.uuid).unit(old.unit_id).detail(
                    serde_json::json!({"via": "import", "level": {"from": old.level, "to": r.new.level.code()}}),
                ));
                summary.updated += 1;
                old
            }
        };
        let have: Vec<String> = repo::list_measures(&txn, p.id).await?.into_iter().map(|m| m.content).collect();
        for content in r.measures.iter().filter(|c| !have.contains(c)) {
            let m =
                NewMeasure { content: content.clone(), owner: None, due_date: None, status: MeasureStatus::Planned };
            let row = repo::insert_measure(&txn, p.id, &m, r.responsible, by, ctx.now).await?;
            events.push(
                Event::new("risk.measure_add", "risk", p.uuid)
                    .unit(p.unit_id)
                    .detail(serde_json::json!({"via": "import", "measure": row.uuid, "content": row.content})),
            );
            summary.measures_added += 1;
        }
    }
    events.push(Event::new("risk.import", "risk", "").detail(serde_json::to_value(&summary).unwrap_or_default()));
    audit::record_batch(&txn, state.crypto.as_ref(), &ctx.actor(), events, ctx.now).await?;
    txn.commit().await?;
    Ok(summary)
}

async fn find_same(
    conn: &impl sea_orm::ConnectionTrait,
    unit_id: i64,
    post: &str,
    title: &str,
) -> Result<Option<point::Model>, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    point::Entity::find()
        .filter(point::Column::UnitId.eq(unit_id))
        .filter(point::Column::PostKey.eq(post_key(post)))
        .filter(point::Column::Title.eq(title))
        .filter(point::Column::DeletedAt.is_null())
        .one(conn)
        .await
}

/// A person by 人员编号, or by a name that is unique among the unit's subtree. The error is the
/// catalog key of the reason.
async fn find_person(state: &AppState, who: &str, u: &unit::Model) -> AppResult<Result<person::Model, &'static str>> {
    if let Some(p) = org_repo::find_person_by_staff_no(&state.db.read, who).await?.filter(|p| p.deleted_at.is_none()) {
        return Ok(Ok(p));
    }
    let scope = crate::authz::Scope::from_paths([u.path.clone()]);
    let f = org_repo::PersonFilter { name: Some(who.to_string()), status: Some("active".into()), ..Default::default() };
    let (rows, _) = org_repo::list_people(&state.db.read, &scope, &f, 1, 5).await?;
    let exact: Vec<_> = rows.into_iter().filter(|r| r.person.name == who).collect();
    Ok(match exact.len() {
        1 => Ok(exact.into_iter().next().map(|r| r.person).expect("one")),
        0 => Err("risk.import_no_person"),
        _ => Err("risk.import_ambiguous_person"),
    })
}

/// The 风险点清单 export, one row per point, measures on separate lines.
pub fn export(
    t: &Catalog,
    cfg: &RiskConfig,
    title: &str,
    rows: &[(point::Model, unit::Model)],
    measures: &HashMap<i64, Vec<measure::Model>>,
    names: &HashMap<i64, (uuid::Uuid, String)>,
) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xe)?;
    let headers = [
        ("序号", 6.0),
        ("单位", 18.0),
        ("岗位", 14.0),
        ("风险点", 24.0),
        ("风险描述", 32.0),
        ("风险类别", 10.0),
        ("业务领域", 10.0),
        ("可能性", 7.0),
        ("影响程度", 7.0),
        ("风险等级", 8.0),
        ("防控措施", 40.0),
        ("责任人", 10.0),
        ("下次复核", 12.0),
    ];
    xlsx::write_title(ws, title, headers.len() as u16).map_err(xe)?;
    xlsx::write_headers(ws, 1, &headers).map_err(xe)?;
    let f = xlsx::cell_format();
    let high = Format::new()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_font_color(0xB3261E)
        .set_bold()
        .set_font_name("宋体");
    for (i, (p, u)) in rows.iter().enumerate() {
        let r = (i + 2) as u32;
        let level = RiskLevel::parse(&p.level).map(|l| t.get(l.label_key()).to_string()).unwrap_or_default();
        let ms: Vec<String> = measures
            .get(&p.id)
            .map(|v| v.iter().enumerate().map(|(k, m)| format!("{}. {}", k + 1, m.content)).collect())
            .unwrap_or_default();
        let cells = [
            (i + 1).to_string(),
            u.name.clone(),
            p.post.clone(),
            p.title.clone(),
            p.description.clone(),
            cfg.category_label(&p.category),
            cfg.area_label(&p.area),
            p.likelihood.map(|v| v.to_string()).unwrap_or_default(),
            p.impact.map(|v| v.to_string()).unwrap_or_default(),
            level,
            ms.join("\n"),
            p.responsible_person_id.and_then(|id| names.get(&id)).map(|(_, n)| n.clone()).unwrap_or_default(),
            p.next_review_on.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        ];
        for (c, v) in cells.iter().enumerate() {
            let fmt = if c == 9 && p.level == "high" { &high } else { &f };
            ws.write_with_format(r, c as u16, v, fmt).map_err(xe)?;
        }
    }
    ws.set_freeze_panes(2, 4).map_err(xe)?;
    xlsx::save(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_split_on_lines_and_semicolons() {
        assert_eq!(split_measures("双人复核；定期对账\n公示; "), vec!["双人复核", "定期对账", "公示"]);
    }

    #[test]
    fn the_template_carries_every_column() {
        let bytes = template(&RiskConfig::default()).unwrap();
        let sheets = xlsx::read_workbook(&bytes).unwrap();
        let s = sheets.iter().find(|s| s.name == SHEET).unwrap();
        for c in COLUMNS {
            assert!(s.col(c).is_some(), "{c}");
        }
    }
}
