//! Demo 整改台账: each unit's principal leader, three feedback batches the way a city bureau's
//! year looks (a 巡察 feedback two and a half months old with most problems done, the 派驻组's
//! supervision feedback to a county bureau, this month's 明察暗访), problems in every state and
//! colour with their progress history, and bulk synthetic problems for benchmarks.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, sea_query::Expr};

use super::{
    domain::{Kind, NewBatch, Source, Status},
    entity::problem,
    repo::{self, Change, ResolvedProblem},
};
use crate::{
    demo::Rng,
    features::org::entity::{person, unit},
};

/// (unit code, owner index in the unit, description, measures, kind, due offset from today in
/// days, final status, progress texts)
type Spec = (&'static str, usize, &'static str, &'static str, Kind, i64, Status, &'static [&'static str]);

const INSPECTION: &[Spec] = &[
    (
        "QY-BGS",
        0,
        "公务用车使用登记不规范，2025年有11次出车无派车单",
        "1. 修订《机关公务用车管理办法》；2. 逐车核查2025年以来出车记录；3. 每月通报用车情况",
        Kind::Deadline,
        -40,
        Status::Closed,
        &["已修订管理办法并印发", "已完成逐车核查，对3名驾驶员进行提醒谈话"],
    ),
    (
        "QY-JHCW",
        0,
        "部分差旅费报销未附审批单，公务接待存在超标准情况",
        "1. 对2025年差旅、接待费用全面自查；2. 建立报销审核清单；3. 超标准部分由当事人退回",
        Kind::Deadline,
        -20,
        Status::Closed,
        &["自查发现问题凭证27张，已逐笔整改", "超标准接待费用1260元已退回"],
    ),
    (
        "QY-LSGZ",
        0,
        "律师事务所年度检查考核流于形式，对投诉线索核查不深入",
        "1. 制定年度考核实地检查清单；2. 对近两年投诉逐件复查",
        Kind::Deadline,
        -9,
        Status::InProgress,
        &["已制定检查清单，完成12家律所实地检查"],
    ),
    (
        "QY-GZJD",
        0,
        "对公证机构执业监督不到位，未按规定开展公证质量检查",
        "1. 开展公证质量专项检查；2. 建立公证投诉快速处理机制",
        Kind::Deadline,
        -3,
        Status::InProgress,
        &["专项检查已完成抽查卷宗200卷"],
    ),
    (
        "QY-ZZB",
        0,
        "干部人事档案专项审核后续整改不彻底，个别档案材料缺失",
        "1. 对缺失材料逐人补充；2. 建立档案材料收集归档台账",
        Kind::Deadline,
        6,
        Status::InProgress,
        &["已补充材料14份，剩余3人材料正在收集"],
    ),
    (
        "QY-SQJZ",
        0,
        "社区矫正对象请假审批程序不规范，个别请假无书面审批",
        "立即规范请销假审批，全面核查在册对象请假记录",
        Kind::Immediate,
        -30,
        Status::Submitted,
        &["已核查在册对象请假记录412条，补办手续5条"],
    ),
    (
        "QY-JGDW",
        0,
        "“三会一课”记录不完整，组织生活会批评和自我批评辣味不足",
        "1. 规范会议记录；2. 党支部书记带头开展批评和自我批评；3. 机关党委每季度检查",
        Kind::LongTerm,
        45,
        Status::InProgress,
        &["已组织各支部对照检查会议记录"],
    ),
    (
        "QY-ZFXT",
        0,
        "行政执法案卷评查发现部分案卷证据不充分、文书不规范",
        "1. 组织执法案卷集中评查；2. 开展执法文书制作培训",
        Kind::Deadline,
        25,
        Status::Open,
        &[],
    ),
];

const DISCIPLINE: &[Spec] = &[
    (
        "DH-SQJZ",
        2,
        "社区矫正对象电子定位监管存在脱管漏管风险，个别对象越界未及时处置",
        "1. 对越界预警逐条复核；2. 落实每日巡查、每周分析制度",
        Kind::Deadline,
        5,
        Status::InProgress,
        &["已复核越界预警37条，约谈矫正对象2人"],
    ),
    (
        "QY-DH",
        1,
        "“三重一大”事项未全部经党组会集体研究，个别大额采购会前沟通不充分",
        "1. 修订党组议事规则；2. 建立“三重一大”事项清单；3. 会议纪要报派驻组备案",
        Kind::Deadline,
        -8,
        Status::InProgress,
        &["议事规则修订稿已征求意见"],
    ),
    (
        "DH-BGS",
        0,
        "机关食堂账目管理不规范，存在白条入账",
        "立即清理食堂账目，建立食堂采购验收和账目公开制度",
        Kind::Immediate,
        -12,
        Status::Open,
        &[],
    ),
    (
        "DH-SFS01",
        0,
        "人民调解卷宗归档不及时，个别调解协议未履行回访",
        "1. 集中补齐调解卷宗；2. 建立调解协议履行回访台账",
        Kind::Deadline,
        15,
        Status::Open,
        &[],
    ),
];

const SPOT_CHECK: &[Spec] = &[
    (
        "XS-SFS02",
        0,
        "工作时间司法所无人值守，群众来访无人接待",
        "落实值班制度，公开值班电话，县局每月抽查",
        Kind::Immediate,
        3,
        Status::InProgress,
        &["已公开值班电话并上墙"],
    ),
    (
        "NC-GGFL",
        0,
        "公共法律服务窗口服务态度生硬，群众反映办事推诿",
        "开展窗口作风专项整治，设置评价器和意见簿",
        Kind::Deadline,
        22,
        Status::Open,
        &[],
    ),
    (
        "QY-JDS",
        1,
        "戒毒人员家属会见登记不完整，违规代转物品",
        "规范会见登记，物品一律经安检登记后转交",
        Kind::Deadline,
        12,
        Status::Open,
        &[],
    ),
];

/// Set each unit's principal leader: the first person of the unit (heads come first).
pub async fn principals(
    conn: &impl ConnectionTrait,
    people: &HashMap<String, Vec<person::Model>>,
    units: &HashMap<String, unit::Model>,
) -> Result<(), DbErr> {
    for (code, staff) in people {
        let (Some(u), Some(head)) = (units.get(code), staff.first()) else { continue };
        unit::Entity::update_many()
            .col_expr(unit::Column::PrincipalPersonId, Expr::value(head.id))
            .filter(unit::Column::Id.eq(u.id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The three batches with their problems and history. Returns the created problems.
pub async fn seed(
    conn: &impl ConnectionTrait,
    units: &HashMap<String, unit::Model>,
    people: &HashMap<String, Vec<person::Model>>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<problem::Model>, DbErr> {
    let year = chrono::Datelike::year(&today);
    let deputies: Vec<&person::Model> = people["QY"].iter().skip(1).take(2).collect();
    let batches: [(NewBatch, Vec<&str>, &[Spec]); 3] = [
        (
            NewBatch {
                title: format!("{year}年市委第二巡察组巡察反馈问题整改"),
                source: Source::Inspection,
                issuer: "市委第二巡察组".into(),
                feedback_on: today - Duration::days(75),
                report_due_on: Source::Inspection.default_report_due(today - Duration::days(75)).unwrap_or(today),
                notes: "巡察反馈问题8个，党组书记为第一责任人，按照立行立改、限期整改、长期坚持分类推进。".into(),
                units: Vec::new(),
            },
            vec!["QY"],
            INSPECTION,
        ),
        (
            NewBatch {
                title: "派驻纪检监察组关于东湖区司法局监督检查发现问题的反馈".into(),
                source: Source::Discipline,
                issuer: "市纪委监委派驻市委政法委纪检监察组".into(),
                feedback_on: today - Duration::days(20),
                report_due_on: today + Duration::days(40),
                notes: String::new(),
                units: Vec::new(),
            },
            vec!["QY-DH"],
            DISCIPLINE,
        ),
        (
            NewBatch {
                title: format!("{year}年第四季度作风建设明察暗访发现问题"),
                source: Source::SpotCheck,
                issuer: "市司法局党组办公室".into(),
                feedback_on: today - Duration::days(10),
                report_due_on: today + Duration::days(30),
                notes: String::new(),
                units: Vec::new(),
            },
            vec!["QY-XS", "QY-NC", "QY-JDS"],
            SPOT_CHECK,
        ),
    ];
    let mut out = Vec::new();
    for (nb, unit_codes, specs) in batches {
        let unit_ids: Vec<i64> = unit_codes.iter().filter_map(|c| units.get(*c)).map(|u| u.id).collect();
        let b =
            repo::insert_batch(conn, &nb, &unit_ids, None, now - Duration::days((today - nb.feedback_on).num_days()))
                .await?;
        for (seq, (code, owner_idx, description, measures, kind, due, status, progress)) in specs.iter().enumerate() {
            let Some(u) = units.get(*code) else { continue };
            let staff = &people[*code];
            let owner = &staff[(*owner_idx).min(staff.len() - 1)];
            // The leader (分管领导): a deputy of the county bureau for the county's units, a deputy
            // of the city bureau for the city's own departments and affiliated units.
            let county = units.values().find(|c| c.depth == 1 && c.kind == "county" && u.path.starts_with(&c.path));
            let leader = match county {
                Some(c) => people.get(&c.code).and_then(|s| s.get(1)).map(|p| p.id),
                None => deputies.get(seq % deputies.len().max(1)).map(|p| p.id),
            };
            let r = ResolvedProblem {
                description: description.to_string(),
                kind: *kind,
                unit_id: u.id,
                owner_id: owner.id,
                leader_id: leader.filter(|l| *l != owner.id),
                due_on: (today + Duration::days(*due)).max(nb.feedback_on),
                measures: measures.to_string(),
                risk_ids: Vec::new(),
                person_ids: Vec::new(),
            };
            let created = now - Duration::days((today - nb.feedback_on).num_days());
            let p = repo::insert_problem(conn, b.id, seq as i32 + 1, &r, None, created).await?;
            repo::insert_event(
                conn,
                p.id,
                "created",
                "",
                "open",
                "",
                serde_json::json!({"via": "demo"}),
                (None, "演示数据"),
                created,
            )
            .await?;
            let mut cur = p.clone();
            for (k, text) in progress.iter().enumerate() {
                let at = created + Duration::days(7 * (k as i64 + 1));
                let from = Status::parse(&cur.status).unwrap_or(Status::Open);
                repo::change_state(
                    conn,
                    &cur,
                    from,
                    &Change { to: Some(Status::InProgress), progress: Some(text.to_string()), ..Default::default() },
                    at,
                )
                .await
                .map_err(|e| DbErr::Custom(format!("{e:?}")))?;
                repo::insert_event(
                    conn,
                    p.id,
                    "progress",
                    from.code(),
                    "in_progress",
                    text,
                    serde_json::json!({}),
                    (None, &owner.name),
                    at,
                )
                .await?;
                cur = repo::find_problem(conn, p.id).await?.unwrap_or(cur);
            }
            if matches!(status, Status::Submitted | Status::Closed) {
                let at = created + Duration::days(30);
                let text = "整改措施已全部落实，相关制度已印发执行，申请销号。";
                repo::change_state(
                    conn,
                    &cur,
                    Status::InProgress,
                    &Change { to: Some(Status::Submitted), assessment: Some((text.into(), 0)), ..Default::default() },
                    at,
                )
                .await
                .map_err(|e| DbErr::Custom(format!("{e:?}")))?;
                repo::insert_event(
                    conn,
                    p.id,
                    "submit",
                    "in_progress",
                    "submitted",
                    text,
                    serde_json::json!({}),
                    (None, &owner.name),
                    at,
                )
                .await?;
                cur = repo::find_problem(conn, p.id).await?.unwrap_or(cur);
            }
            if *status == Status::Closed {
                let day = (today + Duration::days(*due - 3)).max(nb.feedback_on);
                let at = now - Duration::days((today - day).num_days());
                let text = "经现场核查、查阅资料，整改到位，同意销号。";
                repo::change_state(
                    conn,
                    &cur,
                    Status::Submitted,
                    &Change { to: Some(Status::Closed), closed: Some((day, 0, text.into())), ..Default::default() },
                    at,
                )
                .await
                .map_err(|e| DbErr::Custom(format!("{e:?}")))?;
                repo::insert_event(
                    conn,
                    p.id,
                    "close",
                    "submitted",
                    "closed",
                    text,
                    serde_json::json!({}),
                    (None, "派驻纪检监察组"),
                    at,
                )
                .await?;
            }
            // The demo rows carry no user ids (the accounts come later): clear the placeholders.
            problem::Entity::update_many()
                .col_expr(problem::Column::SubmittedBy, Expr::value(Option::<i64>::None))
                .col_expr(problem::Column::ClosedBy, Expr::value(Option::<i64>::None))
                .filter(problem::Column::Id.eq(p.id))
                .exec(conn)
                .await?;
            out.push(repo::find_problem(conn, p.id).await?.unwrap_or(p));
        }
        repo::refresh_batch_completion(conn, b.id, now).await?;
    }
    Ok(out)
}

/// `n` synthetic open problems spread over all units and one batch per 1,000 (benchmarks of
/// the ledger and of the daily deadline check). Due dates run from 60 days ago to 120 ahead.
/// What synthetic problems say (the findings a supervision round typically reports).
const BULK_PROBLEMS: &[&str] = &[
    "“三重一大”事项未经集体研究决定",
    "公务用车使用登记不规范，部分出车无派车单",
    "差旅费报销审核把关不严，部分凭证缺少审批单",
    "社区矫正对象请假审批手续不全",
    "法律援助案件指派未按规定轮流进行",
    "人民调解卷宗归档不及时、要素不全",
    "政府采购未按规定公开招标",
    "干部八小时以外活动报告制度执行不到位",
    "廉政风险点排查流于形式，防控措施针对性不强",
    "公证收费未按标准公示",
    "执法检查记录不完整，未全程记录",
    "谈心谈话制度落实不到位，记录缺失",
];

pub async fn bulk(
    conn: &impl ConnectionTrait,
    units: &[unit::Model],
    people: &HashMap<i64, Vec<i64>>,
    n: usize,
    rng: &mut Rng,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let staffed: Vec<&unit::Model> =
        units.iter().filter(|u| people.get(&u.id).is_some_and(|p| !p.is_empty())).collect();
    if staffed.is_empty() {
        return Ok(());
    }
    let all_ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let mut rows = Vec::with_capacity(1000);
    let mut batch_id = 0;
    for k in 0..n {
        if k % 1000 == 0 {
            let nb = NewBatch {
                title: format!("第{}轮专项监督检查反馈问题整改", k / 1000 + 1),
                source: Source::SelfCheck,
                issuer: "市纪委监委派驻纪检监察组".into(),
                feedback_on: today - Duration::days(60),
                report_due_on: today + Duration::days(120),
                notes: String::new(),
                units: Vec::new(),
            };
            batch_id = repo::insert_batch(conn, &nb, &all_ids, None, now).await?.id;
        }
        let u = staffed[rng.below(staffed.len())];
        let staff = &people[&u.id];
        let status = if rng.chance(30) { Status::InProgress } else { Status::Open };
        rows.push(problem::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            batch_id: Set(batch_id),
            seq: Set((k % 1000) as i32 + 1),
            description: Set(format!("{}（{}）", BULK_PROBLEMS[rng.below(BULK_PROBLEMS.len())], k + 1)),
            kind: Set(Kind::Deadline.code().into()),
            unit_id: Set(u.id),
            owner_person_id: Set(staff[rng.below(staff.len())]),
            leader_person_id: Set(Some(staff[0])),
            due_on: Set(today + Duration::days(rng.below(180) as i64 - 60)),
            measures: Set(String::new()),
            status: Set(status.code().into()),
            cycle: Set(0),
            progress_count: Set(i32::from(status == Status::InProgress)),
            last_progress: Set(String::new()),
            assessment: Set(String::new()),
            submitted_at: Set(None),
            submitted_by: Set(None),
            closed_on: Set(None),
            closed_by: Set(None),
            conclusion: Set(String::new()),
            created_by: Set(None),
            deleted_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        if rows.len() == 1000 {
            repo::insert_problems_bulk(conn, std::mem::take(&mut rows)).await?;
        }
    }
    repo::insert_problems_bulk(conn, rows).await?;
    Ok(())
}
