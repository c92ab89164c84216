//! Demo 监督执纪: three years of measures across the city (mostly first-form talks, a few
//! sanctions with running influence periods, one lifted early, one ended), clues in every state
//! (one overdue), an answered integrity-opinion request with one person blocked and an open one,
//! and the group's letterhead.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::{
    domain::{
        ClueSource, ClueStatus, DisciplineConfig, Disposal, Kind, NewClue, NewDisposal, NewMeasure, Purpose,
        basis_digest, period_rule,
    },
    entity::{clue, measure, request},
    repo::{self, ResolvedMeasure},
};
use crate::{
    audit::Event,
    calendar::Calendar,
    features::org::entity::{person, unit},
};

/// (unit code, person index in the unit, kind, days before today, deciding body, 文号 serial,
/// basis, 留党察看 term)
type MeasureSpec = (&'static str, usize, Kind, i64, &'static str, &'static str, Option<u8>);

const MEASURES: &[MeasureSpec] = &[
    ("QY-DH", 1, Kind::TalkReminder, 200, "驻局纪检监察组", "工作日志多次未按要求填写，对群众来电答复不及时", None),
    ("QY-DH", 1, Kind::Admonish, 60, "驻局纪检监察组", "违规接受管理服务对象宴请一次，经函询属实", None),
    ("QY-XS", 1, Kind::PartySeriousWarning, 300, "驻局纪检监察组", "违规收受礼金共计8000元，已全部退缴", None),
    ("QY-XS", 1, Kind::GovDemerit, 300, "驻局纪检监察组", "同一事实给予政务处分", None),
    ("QY-JHCW", 1, Kind::Criticism, 100, "局党组", "差旅费报销审核把关不严", None),
    ("QY-DH", 2, Kind::PartyWarning, 420, "驻局纪检监察组", "违规使用公务用车办理私事", None),
    ("QY-GZC", 2, Kind::InquiryLetter, 150, "驻局纪检监察组", "反映公证收费不规范，函询后说明清楚、予以了结", None),
    ("QY-JDS", 3, Kind::TalkReminder, 40, "驻局纪检监察组", "戒毒人员家属会见登记不规范", None),
    ("DH-SQJZ", 1, Kind::SelfExamination, 90, "局党组", "社区矫正对象请假审批把关不严", None),
    ("QY-JDS", 4, Kind::Reassignment, 500, "局党组", "履职不力，调整工作岗位", None),
    ("QY-NC", 1, Kind::TalkReminder, 380, "驻局纪检监察组", "八小时以外活动报告不及时", None),
    ("QY-NC", 2, Kind::Circulation, 30, "局党组", "违反工作纪律，在工作时间打游戏", None),
    ("QY-XS", 2, Kind::TalkReminder, 20, "驻局纪检监察组", "对人民调解卷宗质量问题提醒谈话", None),
    ("QY-BA", 1, Kind::PartyProbation, 700, "驻局纪检监察组", "在法律援助案件指派中收受好处", Some(1)),
    ("QY-FLYZ", 2, Kind::Admonish, 250, "驻局纪检监察组", "违规兼职取酬，已清退", None),
];

/// (source, unit code, person index, days before today, summary, disposal, days to dispose, result)
type ClueSpec = (ClueSource, &'static str, usize, i64, &'static str, Option<Disposal>, i64, &'static str);

const CLUES: &[ClueSpec] = &[
    (ClueSource::Petition, "QY-BA", 2, 6, "群众来信反映该同志在法律援助申请受理中态度生硬、索要材料费", None, 0, ""),
    (
        ClueSource::Inspection,
        "QY-XS",
        1,
        340,
        "巡察发现该同志春节前后收受管理服务对象礼金",
        Some(Disposal::Preliminary),
        40,
        "经初步核实，问题属实，移交审查调查，给予党内严重警告、记过处分",
    ),
    (
        ClueSource::SpotCheck,
        "QY-JHCW",
        1,
        120,
        "明察暗访发现差旅报销凭证缺少审批单",
        Some(Disposal::TalkInquiry),
        20,
        "谈话函询后本人作出说明，情况基本属实，给予批评教育",
    ),
    (ClueSource::Assigned, "QY-NC", 3, 75, "上级交办：反映该同志违规经商办企业", Some(Disposal::Shelved), 30, ""),
    (ClueSource::Audit, "QY-JDS", 5, 70, "经济责任审计发现专项经费使用审批手续不全", None, 0, ""),
];

fn code_of<'a>(people: &'a HashMap<String, Vec<person::Model>>, unit: &str, i: usize) -> Option<&'a person::Model> {
    people.get(unit).and_then(|v| v.get(i).or(v.last()))
}

pub async fn seed(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    units: &HashMap<String, unit::Model>,
    people: &HashMap<String, Vec<person::Model>>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, DbErr> {
    let mut events = Vec::new();
    let cfg = DisciplineConfig {
        issuer: "中共清源市纪委监委驻市司法局纪检监察组".into(), ..Default::default()
    };
    crate::db::settings_set(conn, "discipline_config", &cfg, None, now).await?;

    // Clues first: measures link to them.
    let mut clues: Vec<clue::Model> = Vec::new();
    for (source, unit, i, ago, summary, disposal, after, result) in CLUES {
        let Some(p) = code_of(people, unit, *i) else { continue };
        let received_on = today - Duration::days(*ago);
        let new = NewClue {
            source: *source,
            summary: (*summary).into(),
            received_on,
            people: vec![p.uuid],
            working_days: cfg.clue_working_days,
        };
        let code = repo::next_clue_code(conn, received_on.year()).await?;
        let deadline = cal.add_working_days(received_on, cfg.clue_working_days as i32);
        let mut c = repo::insert_clue(conn, &code, &new, &[(p.id, p.unit_id)], deadline, None, now).await?;
        if let Some(d) = disposal {
            let nd = NewDisposal {
                disposal: *d,
                disposed_on: received_on + Duration::days(*after),
                result: (*result).into(),
            };
            let status = ClueStatus::after(Some(*d), !result.is_empty());
            repo::set_disposal(conn, &c, &nd, status, now).await.map_err(|e| DbErr::Custom(e.to_string()))?;
            c = repo::find_clue(conn, c.id).await?.unwrap_or(c);
        }
        events
            .push(Event::new("clue.create", "clue", c.uuid).unit(p.unit_id).detail(serde_json::json!({"via": "demo"})));
        clues.push(c);
    }

    let mut measures: Vec<measure::Model> = Vec::new();
    for (n, (unit, i, kind, ago, body, basis, term)) in MEASURES.iter().enumerate() {
        let Some(p) = code_of(people, unit, *i) else { continue };
        let decided_on = today - Duration::days(*ago);
        let prefix = if body.starts_with("局党组") { "清司党" } else { "清纪组" };
        let new = NewMeasure {
            person: p.uuid,
            kind: *kind,
            decided_on,
            body: (*body).into(),
            basis: (*basis).into(),
            doc_no: format!("{prefix}〔{}〕{}号", decided_on.year(), n + 1),
            term_years: *term,
            clue: None,
        };
        // The measures that followed a clue about the same person link to it.
        let clue_id = clues
            .iter()
            .zip(CLUES)
            .find(|(_, spec)| spec.1 == *unit && spec.2 == *i && spec.5.is_some() && !spec.7.is_empty())
            .map(|(c, _)| c.id);
        let (_, rule) = period_rule(*kind, decided_on, *term, &cfg);
        let r = ResolvedMeasure { new: &new, person_id: p.id, unit_id: p.unit_id, clue_id, rule_id: rule.id };
        let m = repo::insert_measure(conn, &r, None, now).await?;
        events.push(
            Event::new("measure.create", "measure", m.uuid).unit(m.unit_id).detail(serde_json::json!({"via": "demo"})),
        );
        measures.push(m);
    }
    // The reassignment's period was lifted early by a later decision.
    if let Some(m) = measures.iter().find(|m| m.kind == Kind::Reassignment.code()) {
        let lifted = m.decided_on + Duration::days(200);
        repo::set_lifted(conn, m, Some(lifted), "本人整改到位，经局党组研究提前解除影响期", now)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
    }

    // Integrity opinions from the political department: one answered (one person blocked), one open.
    let Some(zzb) = units.get("QY").map(|u| u.id) else { return Ok(events) };
    let candidates: Vec<&person::Model> =
        [("QY-DH", 1usize), ("QY-NC", 4), ("QY-BGS", 1)].iter().filter_map(|(u, i)| code_of(people, u, *i)).collect();
    let ids: Vec<i64> = candidates.iter().map(|p| p.id).collect();
    let asked = cal.add_working_days(today, -8);
    let r = repo::insert_request(
        conn,
        &format!(
            "关于征求{}等{}名同志廉政意见的函",
            candidates.first().map(|p| p.name.as_str()).unwrap_or(""),
            ids.len()
        ),
        Purpose::Promotion.code(),
        &format!("清司政函〔{}〕7号", asked.year()),
        asked,
        cal.add_working_days(asked, cfg.opinion_working_days as i32),
        zzb,
        &ids,
        None,
        now,
    )
    .await?;
    let answered_on = cal.add_working_days(asked, 2);
    let mut answers = Vec::new();
    for (item, p) in repo::items(conn, r.id).await?.into_iter().zip(&candidates) {
        let mine: Vec<&measure::Model> = measures.iter().filter(|m| m.person_id == p.id).collect();
        let facts: Vec<super::domain::MeasureFact> = mine.iter().filter_map(|m| super::service::fact(m)).collect();
        let mut blockers = Vec::new();
        let mut records: Vec<(String, i64, i32)> = Vec::new();
        for per in super::domain::active_periods(&facts, answered_on, &cfg) {
            if let Some(m) = mine.iter().find(|m| m.id == per.measure_id) {
                records.push(("measure".into(), m.id, m.version));
            }
            blockers.push(super::domain::Blocker::Period {
                measure_id: per.measure_id,
                kind: per.kind,
                until: per.until,
                rule_id: per.rule.id,
                source: per.rule.source.clone(),
            });
        }
        let suggested = super::domain::suggest(&blockers);
        let basis = serde_json::json!({"blockers": blockers, "records": records}).to_string();
        answers.push((item.id, suggested, suggested, String::new(), basis, basis_digest(&blockers)));
    }
    repo::answer(conn, &r, &answers, &format!("清纪组函〔{}〕4号", answered_on.year()), answered_on, None, now)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    events.push(Event::new("opinion.request", "opinion", r.uuid).unit(zzb).detail(serde_json::json!({"via": "demo"})));

    let open: Vec<i64> = [("QY-XS", 1usize), ("QY-GZC", 1), ("QY-BA", 2)]
        .iter()
        .filter_map(|(u, i)| code_of(people, u, *i))
        .map(|p| p.id)
        .collect();
    let o: request::Model = repo::insert_request(
        conn,
        "关于征求2026年度先进个人人选廉政意见的函",
        Purpose::Award.code(),
        &format!("清司政函〔{}〕12号", today.year()),
        today,
        cal.add_working_days(today, cfg.opinion_working_days as i32),
        zzb,
        &open,
        None,
        now,
    )
    .await?;
    events.push(Event::new("opinion.request", "opinion", o.uuid).unit(zzb).detail(serde_json::json!({"via": "demo"})));
    Ok(events)
}

/// What synthetic measures are for.
const BULK_FACTS: &[&str] = &[
    "违规收受管理服务对象礼品礼金",
    "违规使用公务用车办理私事",
    "工作作风不实，对群众诉求推诿拖延",
    "违规接受可能影响公正执行公务的宴请",
    "履行监管职责不力，造成不良影响",
    "违规兼职取酬",
    "八小时以外活动报告不及时",
    "在法律服务工作中吃拿卡要",
    "违反工作纪律，工作时间从事与工作无关的活动",
    "个人有关事项报告不如实",
];

/// `n` synthetic measures over three years for benchmarks: about 70% first-form talks, 20%
/// light sanctions, 8% heavy ones and 2% of the fourth form, on random people of the city.
pub async fn bulk(
    conn: &impl ConnectionTrait,
    people: &[(i64, i64)],
    n: usize,
    rng: &mut crate::demo::Rng,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use sea_orm::{EntityTrait, Set};
    if people.is_empty() {
        return Ok(());
    }
    let cfg = DisciplineConfig::default();
    let pick = |r: usize| -> Kind {
        match r {
            0..70 => [Kind::TalkReminder, Kind::Criticism, Kind::InquiryLetter, Kind::Admonish][r % 4],
            70..90 => [Kind::PartyWarning, Kind::GovWarning, Kind::GovDemerit, Kind::Reassignment][r % 4],
            90..98 => [Kind::PartyRemoval, Kind::PartyProbation, Kind::GovDowngrade, Kind::GovRemoval][r % 4],
            _ => [Kind::PartyExpulsion, Kind::Criminal][r % 2],
        }
    };
    let mut rows = Vec::with_capacity(500);
    for k in 0..n {
        let (person_id, unit_id) = people[rng.below(people.len())];
        let kind = pick(rng.below(100));
        let decided_on = today - Duration::days(rng.below(3 * 365) as i64);
        let term = kind.needs_term().then_some(1 + rng.below(2) as u8);
        let (_, rule) = period_rule(kind, decided_on, term, &cfg);
        rows.push(measure::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            person_id: Set(person_id),
            unit_id: Set(unit_id),
            kind: Set(kind.code().into()),
            category: Set(kind.category().code().into()),
            decided_on: Set(decided_on),
            year: Set(decided_on.year()),
            body: Set("驻局纪检监察组".into()),
            basis: Set(BULK_FACTS[rng.below(BULK_FACTS.len())].to_string()),
            doc_no: Set(format!("清纪组〔{}〕{}号", decided_on.year(), k + 1)),
            term_years: Set(term.map(i16::from)),
            clue_id: Set(None),
            rule_id: Set(rule.id.into()),
            lifted_on: Set(None),
            lift_reason: Set(String::new()),
            created_by: Set(None),
            deleted_at: Set(None),
            delete_reason: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        if rows.len() == 500 {
            measure::Entity::insert_many(std::mem::take(&mut rows)).exec_without_returning(conn).await?;
        }
    }
    if !rows.is_empty() {
        measure::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}
