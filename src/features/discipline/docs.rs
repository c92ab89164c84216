//! The papers of 监督执纪: the measures ledger and the four-forms table as .xlsx, the integrity
//! dossier and the 廉政意见回复 letter as .docx.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::Workbook;

use super::{
    domain::{Conclusion, Purpose, permille_text},
    pages::{Dossier, MeasureRow},
    repo,
    service::StatsView,
};
use crate::{
    docx::{Align, Document, Para, Run, SIZE_3, SIZE_4, SIZE_5, SIZE_S4, TITLE_FONT},
    error::{AppError, AppResult},
    features::org::repo as org_repo,
    i18n::Catalog,
    startup::AppState,
    web::Ctx,
    xlsx,
};

fn xe(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

/// 年 月 日 as on a Chinese document: 2026年3月2日.
pub fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub const MEASURE_COLUMNS: [&str; 12] =
    ["序号", "姓名", "单位", "措施", "形态", "决定日期", "决定机关", "文号", "依据", "影响期至", "解除", "线索编号"];

pub fn measures_xlsx(
    t: &Catalog,
    rows: &[MeasureRow],
    clue_codes: &std::collections::HashMap<i64, String>,
    today: NaiveDate,
) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("处置措施台账").map_err(xe)?;
    let widths = [6.0, 10.0, 22.0, 14.0, 10.0, 12.0, 18.0, 20.0, 40.0, 12.0, 12.0, 14.0];
    let hs: Vec<(&str, f64)> = MEASURE_COLUMNS.iter().copied().zip(widths).collect();
    xlsx::write_title(ws, &format!("处置措施台账（{}）", cn_date(today)), MEASURE_COLUMNS.len() as u16).map_err(xe)?;
    xlsx::write_headers(ws, 1, &hs).map_err(xe)?;
    let f = xlsx::cell_format();
    for (i, r) in rows.iter().enumerate() {
        let cells = [
            (i + 1).to_string(),
            r.person.clone(),
            r.unit.clone(),
            t.get(r.kind_key).to_string(),
            t.get(form_key(r.form)).to_string(),
            r.m.decided_on.to_string(),
            r.m.body.clone(),
            r.m.doc_no.clone(),
            r.m.basis.clone(),
            r.until_text(t),
            r.m.lifted_on.map(|d| d.to_string()).unwrap_or_default(),
            r.m.clue_id.and_then(|id| clue_codes.get(&id)).cloned().unwrap_or_default(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_with_format((i + 2) as u32, c as u16, v, &f).map_err(xe)?;
        }
    }
    ws.set_freeze_panes(2, 2).map_err(xe)?;
    xlsx::save(wb)
}

pub fn form_key(f: impl std::borrow::Borrow<u8>) -> &'static str {
    match *f.borrow() {
        1 => "disc.form_1",
        2 => "disc.form_2",
        3 => "disc.form_3",
        4 => "disc.form_4",
        _ => "disc.form_none",
    }
}

pub fn stats_xlsx(t: &Catalog, s: &StatsView) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("四种形态").map_err(xe)?;
    let mut headers: Vec<(String, f64)> = vec![("单位".into(), 26.0)];
    for f in 1..=4u8 {
        let name = t.get(form_key(f));
        headers.push((format!("{name}人次"), 10.0));
        headers.push((format!("{name}人数"), 10.0));
        headers.push((format!("{name}占比"), 10.0));
    }
    headers.push(("合计人次".into(), 10.0));
    headers.push(("合计人数".into(), 10.0));
    let hs: Vec<(&str, f64)> = headers.iter().map(|(h, w)| (h.as_str(), *w)).collect();
    xlsx::write_title(ws, &format!("{}年度运用监督执纪“四种形态”情况统计表", s.year), hs.len() as u16).map_err(xe)?;
    xlsx::write_headers(ws, 1, &hs).map_err(xe)?;
    let f = xlsx::cell_format();
    for (i, row) in std::iter::once(&s.overall).chain(s.groups.iter()).enumerate() {
        let r = (i + 2) as u32;
        ws.write_with_format(r, 0, &row.unit_name, &f).map_err(xe)?;
        for (j, c) in row.forms.iter().enumerate() {
            let col = (1 + j * 3) as u16;
            ws.write_with_format(r, col, c.count as f64, &f).map_err(xe)?;
            ws.write_with_format(r, col + 1, c.persons as f64, &f).map_err(xe)?;
            // Shares are of the row's own 人次.
            let share = (c.count * 1000).checked_div(row.total).unwrap_or(0);
            ws.write_with_format(r, col + 2, permille_text(share), &f).map_err(xe)?;
        }
        ws.write_with_format(r, 13, row.total as f64, &f).map_err(xe)?;
        ws.write_with_format(r, 14, row.persons as f64, &f).map_err(xe)?;
    }
    ws.set_freeze_panes(2, 1).map_err(xe)?;
    xlsx::save(wb)
}

/// The dossier as a Word document: who, the standing, influence periods, the timeline.
pub fn dossier_docx(t: &Catalog, d: &Dossier, today: NaiveDate) -> AppResult<Vec<u8>> {
    let mut doc = Document::new(format!("廉政档案 {}", d.p.name));
    doc.para(Para::title(format!("{}廉政档案", d.p.name)));
    doc.table(
        &[180, 320, 180, 320],
        &["姓名", &d.p.name, "单位", &d.unit.name],
        vec![
            vec!["职务".into(), d.p.position.clone(), "职级".into(), d.p.rank.clone()],
            vec!["政治面貌".into(), d.political.clone(), "当前状态".into(), t.get(d.standing.label_key()).to_string()],
        ],
        SIZE_S4,
    );
    doc.para(Para::new(Run::new("一、正在影响期内的事项").font(crate::docx::HEADING_FONT)).after(6));
    if d.active.is_empty() {
        doc.para(Para::body("无。"));
    } else {
        let rows = d.active.iter().map(|b| vec![b.title.clone(), b.until.clone(), b.source.clone()]).collect();
        doc.table(&[300, 180, 520], &["事项", "期限至", "依据"], rows, SIZE_5);
    }
    doc.para(Para::new(Run::new("二、处分及影响期").font(crate::docx::HEADING_FONT)).after(6));
    if d.periods.is_empty() {
        doc.para(Para::body("无。"));
    } else {
        let rows = d
            .periods
            .iter()
            .map(|p| {
                vec![
                    t.get(p.kind_key).to_string(),
                    t.date(p.from),
                    p.until.clone(),
                    t.get(p.state_key).to_string(),
                    p.source.clone(),
                ]
            })
            .collect();
        doc.table(&[160, 150, 150, 120, 420], &["措施", "起", "止", "状态", "依据"], rows, SIZE_5);
    }
    doc.para(Para::new(Run::new("三、记录").font(crate::docx::HEADING_FONT)).after(6));
    if d.entries.is_empty() {
        doc.para(Para::body("无。"));
    } else {
        let rows = d
            .entries
            .iter()
            .map(|e| vec![t.date(e.date), t.get(e.module).to_string(), e.title.clone(), e.detail.clone()])
            .collect();
        doc.table(&[150, 130, 320, 400], &["日期", "类别", "事项", "说明"], rows, SIZE_5);
    }
    doc.para(
        Para::new(Run::new(format!("生成日期：{}　（内部资料，注意保密）", cn_date(today))).size(SIZE_5))
            .align(Align::Right),
    );
    doc.to_bytes()
}

/// The 廉政意见回复 in official-letter form: the group's heading in red over a red rule, the
/// reply's 文号, the title, the addressee, the list of people with conclusions, the signature
/// and the date.
pub async fn reply_docx(state: &AppState, ctx: &Ctx, r: &super::entity::request::Model) -> AppResult<Vec<u8>> {
    let t = ctx.t();
    let items = repo::items(&state.db.read, r.id).await?;
    let people = repo::people_by_id(&state.db.read, items.iter().map(|i| i.person_id)).await?;
    let unit_ids: Vec<i64> = people.values().map(|p| p.unit_id).collect();
    let units: std::collections::HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &unit_ids).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let requester = org_repo::find_unit(&state.db.read, r.requester_unit_id).await?.map(|u| u.name).unwrap_or_default();
    let cfg = super::service::load_config(&state.db.read).await?;
    let issuer =
        if cfg.issuer.trim().is_empty() { t.get("disc.default_issuer").to_string() } else { cfg.issuer.clone() };
    let names: Vec<&str> = items.iter().filter_map(|i| people.get(&i.person_id)).map(|p| p.name.as_str()).collect();
    let who = match names.as_slice() {
        [] => String::new(),
        [one] => format!("{one}同志"),
        [first, ..] => format!("{first}等{}名同志", names.len()),
    };
    let purpose = Purpose::parse(&r.purpose).map(|p| t.get(p.label_key())).unwrap_or("");
    let mut doc = Document::new(format!("关于{who}廉政情况的复函"));
    doc.para(
        Para::new(Run::new(&issuer).font(TITLE_FONT).size(SIZE_2_RED).colour("C00000"))
            .align(Align::Center)
            .after(8)
            .rule_below("C00000"),
    );
    doc.para(Para::new(Run::new(&r.reply_doc_no)).align(Align::Right).after(16));
    doc.para(Para::title(format!("关于{who}廉政情况的复函")));
    doc.para(Para::new(Run::new(format!("{requester}："))).align(Align::Left));
    let asked = if r.request_doc_no.is_empty() {
        format!("你单位关于征求{who}廉政意见的函收悉")
    } else {
        format!("你单位《{}》（{}）收悉", r.title, r.request_doc_no)
    };
    doc.para(Para::body(format!(
        "{asked}。因{purpose}工作需要征求廉政意见。经查阅我组掌握的信访举报、问题线索及处置情况，现将有关人员廉政情况函复如下："
    )));
    let rows: Vec<Vec<String>> = items
        .iter()
        .filter_map(|i| {
            let p = people.get(&i.person_id)?;
            let conclusion =
                i.conclusion.as_deref().and_then(Conclusion::parse).map(|c| t.get(c.label_key())).unwrap_or("");
            let unit = units.get(&p.unit_id).cloned().unwrap_or_default();
            Some(vec![
                i.seq.to_string(),
                p.name.clone(),
                if p.position.is_empty() { unit } else { format!("{unit}{}", p.position) },
                conclusion.to_string(),
            ])
        })
        .collect();
    doc.table(&[90, 160, 350, 400], &["序号", "姓名", "单位及职务", "廉政意见"], rows, SIZE_4);
    doc.para(Para::body("本意见仅依据截至复函之日我组掌握的情况作出，仅供本次使用。"));
    doc.para(Para::body("特此函复。").after(24));
    doc.para(Para::new(Run::new(&issuer)).align(Align::Right));
    let day = r.answered_on.unwrap_or(ctx.today);
    doc.para(Para::new(Run::new(cn_date(day))).align(Align::Right).after(24));
    doc.para(Para::new(Run::new("（此件不公开）").size(SIZE_3)).align(Align::Left));
    doc.to_bytes()
}

/// 发文机关标志 in red: a little smaller than 二号 so long names stay on one line.
const SIZE_2_RED: u32 = 40;
