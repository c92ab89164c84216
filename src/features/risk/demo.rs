//! Demo risk points: for every post held in a demo unit, the typical integrity risks of that post
//! in a judicial-administration bureau, with prevention measures, review history (some overdue),
//! and the year's screening campaign. Also bulk synthetic points for benchmarks.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use super::{
    domain::{Conclusion, MeasureStatus, NewMeasure, NewReview, RiskConfig, RiskLevel, post_key},
    entity::{point, review},
    repo,
};
use crate::{
    demo::Rng,
    features::org::entity::{person, unit},
};

/// (title, category, area, likelihood, impact, measures)
type Template = (&'static str, &'static str, &'static str, u8, u8, &'static [&'static str]);

/// Typical risks of a post. Written for this project from the speech's own list (律师、公证、
/// 司法鉴定、重点人群监管, 管人管钱管物管项目, 证照审批).
pub fn templates(post: &str) -> &'static [Template] {
    match post {
        "财务管理岗" => &[
            (
                "虚列支出、套取财政资金",
                "money",
                "finance",
                3,
                5,
                &["严格执行预算，支出凭证双人审核", "大额支出报党组会集体研究"],
            ),
            ("公款私存、设立“小金库”", "money", "finance", 2, 5, &["银行账户统一管理，每季度对账", "接受审计监督"]),
            ("违规报销差旅、接待费用", "money", "finance", 3, 3, &["对照标准逐项审核", "公务接待清单制"]),
        ],
        "组织人事岗" => &[
            (
                "干部选拔任用中违规操作、跑风漏气",
                "people",
                "personnel",
                2,
                5,
                &["严格执行选拔任用条例，全程纪实", "任前公示不少于5个工作日"],
            ),
            ("干部人事档案造假", "people", "personnel", 2, 4, &["档案专审，双人经手"]),
        ],
        "律师行业监管岗" => &[
            ("违规办理律师执业许可", "licensing", "lawyer", 2, 4, &["许可事项网上公开办理", "审批意见集体研究"]),
            ("对律师违法违规投诉查处不力", "enforcement", "lawyer", 3, 3, &["投诉登记、限期办结", "查处结果公开"]),
        ],
        "公证鉴定监管岗" | "公证员岗" => &[
            ("违规出具公证书", "legal_service", "notary", 3, 5, &["公证书出具前审批", "重大疑难事项集体讨论"]),
            ("违规收取公证费用", "money", "notary", 3, 3, &["收费标准上墙公示", "统一开具票据"]),
        ],
        "司法鉴定岗" => {
            &[("鉴定意见受人情干扰、出具虚假鉴定", "legal_service", "forensic", 2, 5, &["鉴定回避制度", "复核人签字"])]
        }
        "社区矫正执法岗" => &[
            (
                "违规批准社区矫正对象请假外出",
                "enforcement",
                "community_correction",
                3,
                4,
                &["请销假审批双签", "信息化核查行踪"],
            ),
            (
                "对违规行为不予处置或降格处置",
                "enforcement",
                "community_correction",
                3,
                3,
                &["处置意见集体研究", "定期抽查档案"],
            ),
        ],
        "戒治管理岗" => &[
            (
                "违规安排戒毒人员所外就医",
                "enforcement",
                "drug_rehab",
                2,
                5,
                &["所外就医严格审批、全程记录", "诊断证明专家复核"],
            ),
            ("违规为戒毒人员传递物品、信息", "enforcement", "drug_rehab", 3, 4, &["会见、物品检查全程录像"]),
        ],
        "法律援助岗" => &[("违规向受援人收取费用", "money", "legal_aid", 2, 4, &["援助事项回访", "举报电话公开"])],
        "综合文秘岗" => &[
            ("公务用车私用", "assets", "general", 3, 2, &["派车单制度", "车辆定位监控"]),
            ("泄露工作秘密", "other", "general", 2, 3, &["涉密文件登记管理"]),
        ],
        "法治督察岗" | "行政执法监督岗" => {
            &[("执法监督流于形式、对问题隐瞒不报", "enforcement", "admin_enforcement", 3, 3, &["督察清单化、结果通报"])]
        }
        "行政复议审理岗" => &[(
            "复议审理中接受请托、违规干预",
            "legal_service",
            "admin_enforcement",
            2,
            4,
            &["过问案件全程留痕（三个规定）", "合议审理"],
        )],
        "公共法律服务岗" => {
            &[("服务事项吃拿卡要、推诿扯皮", "legal_service", "general", 2, 3, &["服务事项清单公开", "群众满意度评价"])]
        }
        "人民调解岗" => {
            &[("收受当事人财物、偏袒一方", "money", "mediation", 2, 3, &["调解协议双人审核", "回访当事人"])]
        }
        "领导岗" => &[
            (
                "违规干预、插手具体案件",
                "people",
                "general",
                2,
                5,
                &["严格执行防止干预司法“三个规定”", "领导干部过问事项全程记录"],
            ),
            ("“三重一大”事项未经集体研究", "projects", "general", 2, 5, &["党组议事清单", "派驻纪检监察组列席"]),
        ],
        "党务工作岗" => &[("党费收缴、使用管理不规范", "money", "finance", 2, 2, &["党费收缴台账公示"])],
        "纪检监督岗" => {
            &[("监督执纪中失职失责、跑风漏气", "other", "general", 2, 4, &["线索处置集体排查", "执纪全程留痕"])]
        }
        "司法所综合岗" => {
            &[("社区矫正对象日常管理不到位", "enforcement", "community_correction", 3, 3, &["每周电话核查、每月走访"])]
        }
        "法治宣传岗" => &[("采购宣传品虚报价格", "money", "finance", 2, 3, &["三家询价、集中采购"])],
        "综合岗" => &[("物资采购中收受回扣", "assets", "general", 2, 4, &["集中采购、比价", "验收与采购分离"])],
        _ => &[],
    }
}

/// Seed the demo's risk points. `staff` is every demo person with their unit.
pub async fn seed(
    conn: &impl ConnectionTrait,
    cfg: &RiskConfig,
    staff: &[(person::Model, unit::Model)],
    rng: &mut Rng,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<point::Model>, DbErr> {
    // One set of risks per (unit, post); the first holder is responsible.
    let mut seen: HashMap<(i64, String), ()> = HashMap::new();
    let mut out = Vec::new();
    for (p, u) in staff {
        let key = (u.id, post_key(&p.post));
        if seen.insert(key, ()).is_some() {
            continue;
        }
        for (title, category, area, l, i, measures) in templates(&p.post) {
            // Points were identified over the last three years.
            let age_days = rng.below(3 * 365) as i64;
            let created: DateTime<Utc> = now - Duration::days(age_days);
            let created_on = crate::clock::beijing_date(created);
            let level = cfg.level_for(*l, *i).unwrap_or(RiskLevel::Medium);
            let mut m = point::ActiveModel {
                uuid: Set(uuid::Uuid::new_v4()),
                unit_id: Set(u.id),
                post: Set(p.post.clone()),
                post_key: Set(post_key(&p.post)),
                title: Set(title.to_string()),
                description: Set(format!("{}在{}工作中可能发生：{}。", u.name, p.post, title)),
                category: Set(category.to_string()),
                area: Set(area.to_string()),
                likelihood: Set(Some(i16::from(*l))),
                impact: Set(Some(i16::from(*i))),
                level: Set(level.code().to_string()),
                responsible_person_id: Set(Some(p.id)),
                status: Set("active".into()),
                next_review_on: Set(None),
                last_review_on: Set(None),
                created_by: Set(None),
                deleted_at: Set(None),
                deleted_by: Set(None),
                delete_reason: Set(None),
                version: Set(1),
                created_at: Set(created),
                updated_at: Set(created),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            for (k, text) in measures.iter().enumerate() {
                let status = match rng.below(10) {
                    0..=5 => MeasureStatus::Done,
                    6..=8 => MeasureStatus::InProgress,
                    _ => MeasureStatus::Planned,
                };
                let due = created_on + Duration::days(30 + 30 * k as i64);
                let nm = NewMeasure { content: text.to_string(), owner: None, due_date: Some(due), status };
                repo::insert_measure(conn, m.id, &nm, Some(p.id), None, created).await?;
            }
            // Walk the review cycle up to today; about one in twelve points has slipped.
            let mut due = cfg.next_review(level, created_on);
            let mut last = None;
            while due <= today {
                if rng.below(12) == 0 {
                    break;
                }
                let r = NewReview {
                    reviewed_on: due,
                    conclusion: if rng.below(8) == 0 { Conclusion::NeedsStrengthening } else { Conclusion::Effective },
                    notes: "按期复核，措施落实到位。".into(),
                    measure_changes: "完善审批流程，增加抽查频次。".into(),
                };
                review::ActiveModel {
                    uuid: Set(uuid::Uuid::new_v4()),
                    risk_id: Set(m.id),
                    planned_on: Set(due),
                    reviewed_on: Set(Some(r.reviewed_on)),
                    reviewer_user_id: Set(None),
                    conclusion: Set(Some(r.conclusion.code().to_string())),
                    notes: Set(r.notes.clone()),
                    measure_changes: Set(if r.conclusion == Conclusion::Effective {
                        String::new()
                    } else {
                        r.measure_changes.clone()
                    }),
                    campaign_id: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
                last = Some(due);
                due = cfg.next_review(level, due);
            }
            repo::plan_review(conn, m.id, due, now).await?;
            let mut am: point::ActiveModel = m.clone().into();
            am.next_review_on = Set(Some(due));
            am.last_review_on = Set(last);
            m = am.update(conn).await?;
            out.push(m);
        }
    }
    Ok(out)
}

/// Synthetic points in bulk, for benchmarks (`qinglian demo --extra-risks N`): spread over every
/// unit, levels about 20 % high, 45 % medium, 35 % low, with review dates spread over two years.
pub async fn bulk(
    conn: &impl ConnectionTrait,
    units: &[unit::Model],
    n: usize,
    rng: &mut Rng,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let posts = [
        "财务管理岗",
        "社区矫正执法岗",
        "公证员岗",
        "综合文秘岗",
        "领导岗",
        "人民调解岗",
        "戒治管理岗",
        "行政执法监督岗",
    ];
    let cats = ["money", "people", "assets", "projects", "enforcement", "legal_service", "licensing", "other"];
    let mut batch = Vec::with_capacity(500);
    for k in 0..n {
        let u = &units[rng.below(units.len())];
        let post = posts[rng.below(posts.len())];
        let tpl = templates(post);
        let title = if tpl.is_empty() { "廉政风险" } else { tpl[rng.below(tpl.len())].0 };
        let level = match rng.below(100) {
            0..=19 => RiskLevel::High,
            20..=64 => RiskLevel::Medium,
            _ => RiskLevel::Low,
        };
        let next = today + Duration::days(rng.below(730) as i64 - 60);
        batch.push(point::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            unit_id: Set(u.id),
            post: Set(post.to_string()),
            post_key: Set(post.to_string()),
            title: Set(format!("{title}（{k}）")),
            description: Set(String::new()),
            category: Set(cats[rng.below(cats.len())].to_string()),
            area: Set("general".into()),
            likelihood: Set(None),
            impact: Set(None),
            level: Set(level.code().to_string()),
            responsible_person_id: Set(None),
            status: Set("active".into()),
            next_review_on: Set(Some(next)),
            last_review_on: Set(None),
            created_by: Set(None),
            deleted_at: Set(None),
            deleted_by: Set(None),
            delete_reason: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        if batch.len() == 500 {
            repo::insert_points_bulk(conn, std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        repo::insert_points_bulk(conn, batch).await?;
    }
    Ok(())
}
