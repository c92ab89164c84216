//! Demo 主体责任: the city's published list for this year (monthly 例会, quarterly 专题研究,
//! half-yearly 汇报, the annual 述职, the 纪检 items and the members' 一岗双责) cascaded to the
//! departments, the county bureaus and the bureau's leaders; 东湖区 has recorded and had accepted
//! what fell due (some of it late), 西山区 is behind; 东湖区's own list cascaded to its 司法所;
//! the director's contact unit with a visit; one submitted 述职述廉 report.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{
    domain::{Cadence, Category, DeadlineRule, NewItem, Rating, RuleKind, Target, TaskStatus},
    entity::{contact, list, record, report, target, task, visit},
    service::sync_tasks,
};
use crate::{
    audit::Event,
    calendar::Calendar,
    features::org::entity::{person, unit},
};

/// (category, content, cadence, rule kind, days, evidence, weight)
type ItemSpec = (&'static str, &'static str, &'static str, &'static str, i32, &'static str, i32);

const CITY: &[ItemSpec] = &[
    (
        "party_group",
        "每月召开党风廉政建设工作例会，分析研判本单位廉政风险",
        "monthly",
        "working",
        5,
        "会议记录、签到表",
        3,
    ),
    (
        "party_group",
        "每季度专题研究党风廉政建设和反腐败工作，形成会议纪要",
        "quarterly",
        "working",
        10,
        "会议纪要、照片",
        5,
    ),
    ("party_group", "半年向上级党组汇报落实全面从严治党主体责任情况", "half_year", "working", 10, "书面报告", 4),
    (
        "secretary",
        "党组书记（主要负责人）与班子成员、下级主要负责人开展廉政谈话",
        "half_year",
        "calendar",
        15,
        "谈话记录",
        4,
    ),
    ("member", "班子成员落实一岗双责，督促分管领域开展廉政风险排查", "quarterly", "working", 10, "督导记录", 3),
    ("supervision", "纪检监察员开展日常监督，报送监督情况", "monthly", "working", 5, "监督台账", 2),
    ("party_group", "开展警示教育，组织观看警示教育片或旁听庭审", "half_year", "working", 10, "照片、学习记录", 2),
    ("party_group", "年度述责述廉，报送述职述廉报告", "annual", "working", 10, "述职报告", 5),
];

const COUNTY: &[ItemSpec] = &[
    ("local", "司法所每月开展廉政提醒，报送队伍思想状况", "monthly", "working", 3, "提醒记录", 2),
    ("local", "司法所每季度自查窗口收费公示和便民服务规范", "quarterly", "working", 5, "自查表、照片", 3),
];

/// A demo item spec as the domain's item (unknown codes fall back to the safe default).
fn spec_item(spec: &ItemSpec, content: String) -> NewItem {
    let (cat, _, cadence, kind, days, evidence, weight) = *spec;
    let category = Category::parse(cat).unwrap_or(Category::PartyGroup);
    NewItem {
        category,
        content,
        cadence: Cadence::parse(cadence).unwrap_or(Cadence::Annual),
        once_on: None,
        rule: DeadlineRule { kind: RuleKind::parse(kind).unwrap_or(RuleKind::Working), days: days as u32 },
        evidence: evidence.into(),
        weight,
        target: if matches!(category, Category::Member | Category::Secretary) { Target::Leader } else { Target::Unit },
    }
}

/// A list published on `now` (the demo writes what publishing would have written).
async fn published_list(
    conn: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    title: String,
    now: DateTime<Utc>,
) -> Result<list::Model, sea_orm::DbErr> {
    list::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        unit_id: Set(unit_id),
        year: Set(year),
        title: Set(title),
        status: Set("published".into()),
        starts_on: Set(NaiveDate::from_ymd_opt(year, 1, 1).expect("1 January")),
        copied_from: Set(None),
        published_at: Set(Some(now)),
        published_by: Set(None),
        created_by: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

#[allow(clippy::too_many_arguments)]
async fn make_list(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    publisher: &unit::Model,
    title: String,
    year: i32,
    specs: &[ItemSpec],
    units: &[&unit::Model],
    leaders: &[&person::Model],
    now: DateTime<Utc>,
) -> Result<list::Model, sea_orm::DbErr> {
    let l = published_list(conn, publisher.id, year, title, now).await?;
    for (n, spec) in specs.iter().enumerate() {
        super::repo::insert_item(conn, l.id, n as i32 + 1, &spec_item(spec, spec.1.to_string()), now).await?;
    }
    let rows =
        units.iter().map(|u| (u.id, None)).chain(leaders.iter().map(|p| (p.unit_id, Some(p.id)))).map(|(u, p)| {
            target::ActiveModel {
                list_id: Set(l.id),
                unit_id: Set(u),
                person_id: Set(p),
                created_at: Set(now),
                ..Default::default()
            }
        });
    target::Entity::insert_many(rows).exec_without_returning(conn).await?;
    sync_tasks(conn, &l, cal, now).await.map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    Ok(l)
}

/// Record (and, unless `pending`, accept) a task as the demo would have done it.
async fn record_task(
    conn: &impl ConnectionTrait,
    t: &task::Model,
    late_days: i32,
    pending: bool,
    rating: Rating,
    by: &person::Model,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let submitted_on =
        t.due_on + chrono::Duration::days(i64::from(late_days.max(0)) - if late_days > 0 { 0 } else { 2 });
    let done_on = submitted_on - chrono::Duration::days(1);
    record::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        task_id: Set(t.id),
        done_on: Set(done_on),
        place: Set("局机关三楼会议室".into()),
        participants: Set("班子成员、各股室负责人".into()),
        content: Set(format!("按清单要求完成{}工作，形成记录并归档。", super::domain::period_text(&t.period, true))),
        submitted_by: Set(None),
        submitter_person: Set(Some(by.id)),
        submitter_name: Set(by.name.clone()),
        submitted_at: Set(now),
        submitted_on: Set(submitted_on),
        days_late: Set(late_days.max(0)),
        outcome: Set(if pending { "pending" } else { "accepted" }.into()),
        review_note: Set(if pending { String::new() } else { "材料齐全，予以验收。".into() }),
        reviewed_by: Set(None),
        reviewer_name: Set(if pending { String::new() } else { "市局办公室".into() }),
        reviewed_at: Set((!pending).then_some(now)),
        rating: Set((!pending).then_some(rating.level())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    task::Entity::update_many()
        .col_expr(
            task::Column::Status,
            sea_orm::sea_query::Expr::value(if pending { TaskStatus::Submitted } else { TaskStatus::Accepted }.code()),
        )
        .col_expr(task::Column::SubmittedOn, sea_orm::sea_query::Expr::value(Some(submitted_on)))
        .col_expr(task::Column::AcceptedOn, sea_orm::sea_query::Expr::value((!pending).then_some(submitted_on)))
        .col_expr(task::Column::DaysLate, sea_orm::sea_query::Expr::value(Some(late_days.max(0))))
        .col_expr(task::Column::Rating, sea_orm::sea_query::Expr::value((!pending).then_some(rating.level())))
        .filter(task::Column::Id.eq(t.id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn seed(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    units: &HashMap<String, unit::Model>,
    people: &HashMap<String, Vec<person::Model>>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, sea_orm::DbErr> {
    let year = today.year();
    let mut events = Vec::new();
    let Some(city) = units.get("QY") else { return Ok(events) };
    let mut targets: Vec<&unit::Model> = units.values().filter(|u| u.parent_id == Some(city.id)).collect();
    targets.sort_by(|a, b| a.path.cmp(&b.path));
    let leaders: Vec<&person::Model> =
        people.get("QY").map(|v| v.iter().filter(|p| p.leading_cadre).take(4).collect()).unwrap_or_default();
    let l =
        make_list(conn, cal, city, format!("{year}年度党风廉政建设主体责任清单"), year, CITY, &targets, &leaders, now)
            .await?;
    events.push(
        Event::new("duty_list.publish", "duty_list", l.uuid)
            .unit(city.id)
            .detail(serde_json::json!({"via": "demo", "items": CITY.len(), "targets": targets.len() + leaders.len()})),
    );
    // 东湖区 has done what fell due (every fourth task a few days late); 西山区 is behind.
    let staff = |code: &str| people.get(code).and_then(|v| v.get(3).or(v.first())).cloned();
    for (code, share) in [("QY-DH", 1.0), ("QY-XS", 0.4), ("QY-BGS", 0.9), ("QY-ZZB", 0.8)] {
        let (Some(u), Some(by)) = (units.get(code), staff(code)) else { continue };
        let due: Vec<task::Model> = task::Entity::find()
            .filter(task::Column::ListId.eq(l.id))
            .filter(task::Column::UnitId.eq(u.id))
            .filter(task::Column::PersonId.is_null())
            .filter(task::Column::DueOn.lt(today))
            .all(conn)
            .await?;
        let n = (due.len() as f64 * share) as usize;
        for (k, t) in due.iter().take(n).enumerate() {
            let late = if k % 4 == 3 { 3 + (k as i32 % 5) } else { 0 };
            let rating = [Rating::Excellent, Rating::Good, Rating::Good, Rating::Fair][k % 4];
            record_task(conn, t, late, false, rating, &by, now).await?;
        }
    }
    // One waiting for acceptance.
    if let (Some(u), Some(by)) = (units.get("QY-DH"), staff("QY-DH"))
        && let Some(t) = task::Entity::find()
            .filter(task::Column::ListId.eq(l.id))
            .filter(task::Column::UnitId.eq(u.id))
            .filter(task::Column::PersonId.is_null())
            .filter(task::Column::Status.eq(TaskStatus::Open.code()))
            .one(conn)
            .await?
    {
        record_task(conn, &t, 0, true, Rating::Good, &by, now).await?;
    }
    super::repo::refresh_cells(conn, l.id, None).await?;
    // 东湖区's own items, cascaded to its 司法所.
    if let Some(dh) = units.get("QY-DH") {
        let mut offices: Vec<&unit::Model> = units.values().filter(|u| u.parent_id == Some(dh.id)).collect();
        offices.sort_by(|a, b| a.path.cmp(&b.path));
        let own = make_list(
            conn,
            cal,
            dh,
            format!("{year}年度东湖区司法局党风廉政建设责任清单"),
            year,
            COUNTY,
            &offices,
            &[],
            now,
        )
        .await?;
        events.push(
            Event::new("duty_list.publish", "duty_list", own.uuid)
                .unit(dh.id)
                .detail(serde_json::json!({"via": "demo", "items": COUNTY.len()})),
        );
    }
    // The director's contact unit and a visit; the director's submitted report.
    if let (Some(director), Some(dh)) = (people.get("QY").and_then(|v| v.first()), units.get("QY-DH")) {
        let c = contact::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            year: Set(year),
            person_id: Set(director.id),
            unit_id: Set(dh.id),
            created_by: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        visit::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            contact_id: Set(c.id),
            visited_on: Set(today - chrono::Duration::days(20)),
            content: Set("到东湖区司法局调研党风廉政建设责任制落实和司法所规范化建设情况，与班子成员逐一谈话。".into()),
            problems: Set("城东司法所窗口收费公示内容不全\n个别司法所廉政风险点未随岗位调整更新".into()),
            rect_problem_id: Set(None),
            created_by: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        report::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            year: Set(year),
            person_id: Set(director.id),
            unit_id: Set(director.unit_id),
            title: Set(format!("{year}年度述职述廉报告")),
            body: Set("一年来，本人认真履行全面从严治党第一责任人职责，坚持重要工作亲自部署、重大问题亲自过问、重点环节亲自协调、重要案件亲自督办。\n一、履行主体责任情况……\n二、廉洁自律情况……\n三、存在问题和下一步打算……".into()),
            status: Set("submitted".into()),
            submitted_at: Set(Some(now)),
            created_by: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(events)
}

/// Benchmark volume: a synthetic list of 60 items (30 monthly, 20 quarterly, 6 half-yearly,
/// 4 annual: 456 tasks a unit) published by the top unit to as many units below it as `n` tasks
/// need (all of them at province scale: ≈ 0.9 M tasks). Tasks already due are mostly accepted
/// (some late, rated), a few wait for review, the rest are overdue. They carry no 履责纪实
/// records: they exist to load the matrix, the scores and the task lists.
#[allow(clippy::too_many_arguments)]
pub async fn bulk(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    root: &unit::Model,
    units: &[unit::Model],
    n: usize,
    rng: &mut crate::demo::Rng,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, sea_orm::DbErr> {
    use super::domain::periods;
    const PER_UNIT: usize = 456;
    let mut targets: Vec<&unit::Model> =
        units.iter().filter(|u| u.id != root.id && u.path.starts_with(&root.path)).collect();
    targets.sort_by(|a, b| a.path.cmp(&b.path));
    targets.truncate(n.div_ceil(PER_UNIT));
    if targets.is_empty() {
        return Ok(0);
    }
    // This year's list, unless the top unit has one already (the city demo): then last year's.
    let mut year = today.year();
    if super::repo::list_for_unit_year(conn, root.id, year).await?.is_some() {
        year -= 1;
    }
    let specs: Vec<ItemSpec> = (0..60)
        .map(|k| match k {
            0..30 => ("party_group", "（合成）月度落实主体责任事项", "monthly", "working", 5, "会议记录", 3),
            30..50 => ("supervision", "（合成）季度专题研究事项", "quarterly", "working", 10, "会议纪要", 4),
            50..56 => ("party_group", "（合成）半年汇报事项", "half_year", "working", 10, "书面报告", 4),
            _ => ("party_group", "（合成）年度述责述廉事项", "annual", "working", 10, "述职报告", 5),
        })
        .collect();
    let l = published_list(conn, root.id, year, format!("{year}年度党风廉政建设责任清单（基准测试数据）"), now).await?;
    let mut items = Vec::new();
    for (k, spec) in specs.iter().enumerate() {
        let new = spec_item(spec, format!("{} {}", spec.1, k + 1));
        let i = super::repo::insert_item(conn, l.id, k as i32 + 1, &new, now).await?;
        let ps: Vec<_> = periods(new.cadence, year, None, l.starts_on)
            .into_iter()
            .map(|p| {
                let due = new.rule.due(cal, p.end);
                (p, due)
            })
            .collect();
        items.push((i.id, ps));
    }
    let mut made = 0;
    for (done, chunk) in targets.chunks(50).enumerate() {
        target::Entity::insert_many(chunk.iter().map(|u| target::ActiveModel {
            list_id: Set(l.id),
            unit_id: Set(u.id),
            person_id: Set(None),
            created_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
        let mut rows = Vec::with_capacity(chunk.len() * PER_UNIT);
        for u in chunk {
            for (item_id, ps) in &items {
                for (p, due) in ps {
                    let (status, late, rating) = if *due < today {
                        match rng.below(100) {
                            0..70 => (TaskStatus::Accepted, 0, Some(Rating::ALL[rng.below(3)])),
                            70..80 => {
                                (TaskStatus::Accepted, 1 + rng.below(9) as i32, Some(Rating::ALL[1 + rng.below(3)]))
                            }
                            80..85 => (TaskStatus::Submitted, 0, None),
                            _ => (TaskStatus::Open, 0, None),
                        }
                    } else {
                        (TaskStatus::Open, 0, None)
                    };
                    let submitted = status != TaskStatus::Open;
                    let on = *due + chrono::Duration::days(i64::from(late) - if late > 0 { 0 } else { 1 });
                    let mut t = super::repo::new_task(&l, *item_id, u.id, None, p, *due, now);
                    t.status = Set(status.code().into());
                    t.submitted_on = Set(submitted.then_some(on));
                    t.accepted_on = Set((status == TaskStatus::Accepted).then_some(on));
                    t.days_late = Set(submitted.then_some(late));
                    t.rating = Set(rating.map(Rating::level));
                    rows.push(t);
                }
            }
        }
        made += rows.len();
        super::repo::insert_tasks(conn, rows).await?;
        crate::demo::progress("责任任务", ((done + 1) * 50).min(targets.len()), targets.len());
    }
    super::repo::refresh_cells(conn, l.id, None).await?;
    Ok(made)
}
