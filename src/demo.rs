//! Demo data: a realistic 市司法局 with its 科室 and 直属单位, eight county bureaus with their
//! 科室 and 司法所, about 300 people with posts, ranks and positions, and a login for every
//! role. Deterministic for a given seed (our own SplitMix64; no external data).

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};

use crate::{
    audit::{self, Event},
    auth::password,
    authz::{Role, repo::insert_grant},
    error::{AppError, AppResult},
    features::{
        accounts::{
            repo::{self as accounts_repo, NewUser},
            setup::{self, Created},
        },
        org::{
            domain::{Gender, NewPerson, NewUnit, PersonStatus, PoliticalStatus, Rank, UnitKind},
            entity::{person, unit},
            repo as org_repo,
            service::{PersonAudit, UnitAudit},
        },
    },
    ids::{UnitId, UserId},
    startup::AppState,
    web::Ctx,
};

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
    "汪", "范", "金",
];
const GIVEN_M: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇",
    "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "洋", "亮", "成", "建国", "志强", "永刚", "文博",
    "海涛", "晓东", "国庆", "振华", "卫东", "立新", "长江", "宏伟", "德明", "建军", "子豪", "一鸣", "天翔", "思远",
];
const GIVEN_F: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "颖", "琳", "洁", "倩", "莉", "萍",
    "红", "晓燕", "丽华", "秀英", "桂英", "海燕", "雅琴", "梦瑶", "欣怡", "思琪", "佳慧", "婉清", "晓雯", "春梅",
    "玉兰", "美玲",
];

/// A made-up person for a post: name, age by rank, years in post, political status.
fn new_person(
    rng: &mut Rng,
    today: NaiveDate,
    seq: usize,
    u: &unit::Model,
    position: &str,
    post: &str,
    rank: Rank,
) -> NewPerson {
    let female = rng.chance(38);
    let name = format!("{}{}", rng.pick(SURNAMES), if female { rng.pick(GIVEN_F) } else { rng.pick(GIVEN_M) });
    let age = match rank {
        Rank::ZhengChu | Rank::FuChu | Rank::Diaoyan4 => 46 + rng.below(10),
        Rank::ZhengKe | Rank::FuKe => 36 + rng.below(14),
        _ => 24 + rng.below(20),
    } as i64;
    let birth = NaiveDate::from_ymd_opt(today.year() - age as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
        .unwrap_or(today);
    // Some have held their post for many years: the rotation hints need them.
    let years_in_post = if rng.chance(15) { 6 + rng.below(6) } else { rng.below(6) } as i64;
    let since =
        (today - Duration::days(years_in_post * 365 + rng.below(300) as i64)).max(birth + Duration::days(22 * 365));
    let political = if rng.chance(82) {
        PoliticalStatus::Cpc
    } else if rng.chance(50) {
        PoliticalStatus::Masses
    } else {
        PoliticalStatus::League
    };
    NewPerson {
        staff_no: Some(format!("QY{seq:05}")),
        name,
        gender: if female { Gender::Female } else { Gender::Male },
        unit: u.uuid,
        post: post.to_string(),
        rank,
        position: position.to_string(),
        political_status: if matches!(rank, Rank::ZhengChu | Rank::FuChu | Rank::ZhengKe) {
            PoliticalStatus::Cpc
        } else {
            political
        },
        leading_cadre: rank.is_county_level_or_above(),
        status: PersonStatus::Active,
        birth_date: Some(birth),
        post_since: Some(since),
    }
}

/// How big a demo: one city (about 75 units, 300 people), or a province (about 2,000 units
/// across 15 cities, 60,000 people, with realistic volumes in every module).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    #[default]
    City,
    Province,
}

/// A line of progress on standard error (the console shows it in place).
pub fn progress(stage: &str, done: usize, total: usize) {
    use std::io::Write;
    if total == 0 || done == total || done.is_multiple_of((total / 100).max(1)) {
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let bar: String = (0..30).map(|i| if i * 100 < pct * 30 { '█' } else { '░' }).collect();
        eprint!("\r{stage:<10} {bar} {pct:>3}% {done}/{total}   ");
        if done >= total {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}

const CITIES: &[(&str, &str)] = &[
    ("LC", "临川"),
    ("YL", "云岭"),
    ("QYA", "青阳"),
    ("BSH", "白沙"),
    ("DY", "东岳"),
    ("NP", "南屏"),
    ("BC", "北辰"),
    ("XL", "西陵"),
    ("AP", "安平"),
    ("CN", "长宁"),
    ("YJ", "永嘉"),
    ("RF", "瑞丰"),
    ("JC", "金城"),
    ("YQ", "玉泉"),
];
const COUNTY_WORDS: &[&str] =
    &["东", "西", "南", "北", "中", "新", "安", "平", "和", "兴", "丰", "宁", "康", "泰", "源"];
const TOWNS: &[&str] = &["城关", "河口", "石桥", "柳林", "白云", "青石", "双塘", "桃源"];

/// The fourteen other cities of the province, generated in bulk: each a city bureau with 12
/// departments and 4 affiliated units, and 15 county bureaus with 3 sections and 4 justice
/// offices (about 1,900 units and 56,000 people). One audit event per city, not per row.
#[allow(clippy::too_many_arguments)]
async fn other_cities(
    conn: &impl sea_orm::ConnectionTrait,
    root: &unit::Model,
    rng: &mut Rng,
    staff_seq: &mut usize,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    units: &mut HashMap<String, unit::Model>,
    people: &mut HashMap<String, Vec<person::Model>>,
    events: &mut Vec<Event>,
) -> AppResult<()> {
    let depts = [
        "办公室",
        "政治部",
        "法治督察科",
        "行政执法协调监督科",
        "行政复议与应诉科",
        "律师工作管理科",
        "公证与司法鉴定管理科",
        "社区矫正管理科",
        "人民参与和促进法治科",
        "公共法律服务管理科",
        "计划财务装备科",
        "机关党委",
    ];
    let affiliated = [("强制隔离戒毒所", 560usize), ("公证处", 40), ("司法鉴定中心", 30), ("法律援助中心", 30)];
    let total_people = CITIES.len() * (10 + depts.len() * 20 + 660 + 15 * (20 + 3 * 30 + 4 * 25));
    let mut done = 0usize;
    for (ci, (code, name)) in CITIES.iter().enumerate() {
        let mut plan: Vec<(unit::Model, usize, (&'static str, Rank), &'static str)> = Vec::new();
        let mk = |code: String, name: String, kind: UnitKind, sort: i32| NewUnit {
            code,
            name,
            kind,
            parent: None,
            sort_order: sort,
        };
        let city = org_repo::insert_unit(
            conn,
            &mk(code.to_string(), format!("{name}市司法局"), UnitKind::City, 10 + ci as i32),
            Some(root),
            now,
        )
        .await?;
        plan.push((city.clone(), 10, ("党组书记、局长", Rank::ZhengChu), "领导岗"));
        for (k, d) in depts.iter().enumerate() {
            let u = org_repo::insert_unit(
                conn,
                &mk(format!("{code}-D{k:02}"), d.to_string(), UnitKind::Department, k as i32 + 1),
                Some(&city),
                now,
            )
            .await?;
            plan.push((u, 20, ("科长", Rank::ZhengKe), "综合岗"));
        }
        for (k, (a, n)) in affiliated.iter().enumerate() {
            let u = org_repo::insert_unit(
                conn,
                &mk(format!("{code}-A{k}"), format!("{name}市{a}"), UnitKind::Affiliated, 20 + k as i32),
                Some(&city),
                now,
            )
            .await?;
            plan.push((u, *n, ("主任", Rank::ZhengKe), "业务岗"));
        }
        for (k, w) in COUNTY_WORDS.iter().enumerate() {
            let county = org_repo::insert_unit(
                conn,
                &mk(format!("{code}-C{k:02}"), format!("{name}{w}县司法局"), UnitKind::County, 40 + k as i32),
                Some(&city),
                now,
            )
            .await?;
            plan.push((county.clone(), 20, ("局长", Rank::ZhengKe), "领导岗"));
            for (j, d) in ["办公室", "社区矫正股", "公共法律服务股"].iter().enumerate() {
                let u = org_repo::insert_unit(
                    conn,
                    &mk(format!("{code}-C{k:02}-D{j}"), d.to_string(), UnitKind::Department, j as i32 + 1),
                    Some(&county),
                    now,
                )
                .await?;
                plan.push((u, 30, ("股长", Rank::FuKe), "综合岗"));
            }
            for (j, t) in TOWNS.iter().skip(k % 4).take(4).enumerate() {
                let u = org_repo::insert_unit(
                    conn,
                    &mk(format!("{code}-C{k:02}-S{j}"), format!("{t}司法所"), UnitKind::JusticeOffice, 10 + j as i32),
                    Some(&county),
                    now,
                )
                .await?;
                plan.push((u, 25, ("所长", Rank::FuKe), "司法所综合岗"));
            }
        }
        for (u, n, (head, head_rank), post) in plan {
            let mut list = Vec::with_capacity(n);
            for i in 0..n {
                *staff_seq += 1;
                let (position, rank) = if i == 0 {
                    (head, head_rank)
                } else {
                    ("科员", [Rank::Zhuren2, Rank::Zhuren3, Rank::Zhuren4, Rank::Keyuan, Rank::Keyuan][rng.below(5)])
                };
                let new = new_person(rng, today, *staff_seq, &u, position, post, rank);
                list.push(org_repo::insert_person(conn, &new, u.id, None, today, now).await?);
                done += 1;
                progress("人员", done, total_people);
            }
            people.insert(u.code.clone(), list);
            units.insert(u.code.clone(), u);
        }
        events.push(
            Event::new("demo.city", "unit", city.uuid)
                .unit(city.id)
                .detail(serde_json::json!({"via": "demo", "name": city.name})),
        );
    }
    progress("人员", total_people, total_people);
    Ok(())
}

/// Synthetic audit history (reads and logins over the years) up to `n` rows, written through
/// the real chain in batches.
async fn audit_history(
    state: &AppState,
    ctx: &Ctx,
    people: &[(i64, uuid::Uuid, i64)],
    n: usize,
    rng: &mut Rng,
) -> AppResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let mut done = 0;
    while done < n {
        let k = (n - done).min(20_000);
        let events: Vec<Event> = (0..k)
            .map(|_| {
                let (_, uuid, unit) = people[rng.below(people.len())];
                match rng.below(3) {
                    0 => Event::new("person.read", "person", uuid).unit(unit),
                    1 => Event::new("dossier.read", "person", uuid).unit(unit),
                    _ => Event::new("risk.list", "risk", "").unit(unit),
                }
            })
            .collect();
        let txn = state.db.begin().await?;
        audit::record_batch(&txn, state.crypto.as_ref(), &ctx.actor(), events, ctx.now).await?;
        txn.commit().await?;
        done += k;
        progress("审计日志", done, n);
    }
    Ok(())
}

/// (position, post, rank) of one person.
type Staff = (&'static str, &'static str, Rank);

/// One unit of the demo tree.
struct Blueprint {
    code: String,
    name: String,
    kind: UnitKind,
    sort: i32,
    /// Each person's position, post and rank, head first.
    staff: Vec<Staff>,
    children: Vec<Blueprint>,
}

fn dept(code: String, name: &str, sort: i32, post: &'static str, extra: usize) -> Blueprint {
    let mut staff = vec![("科长", post, Rank::ZhengKe), ("副科长", post, Rank::FuKe)];
    let juniors = [Rank::Zhuren2, Rank::Zhuren3, Rank::Zhuren4, Rank::Keyuan, Rank::Keyuan];
    for i in 0..extra {
        staff.push(("科员", post, juniors[i % juniors.len()]));
    }
    Blueprint { code, name: name.into(), kind: UnitKind::Department, sort, staff, children: Vec::new() }
}

fn city() -> Blueprint {
    let depts: &[(&str, &str, &'static str, usize)] = &[
        ("BGS", "办公室", "综合文秘岗", 3),
        ("ZZB", "政治部", "组织人事岗", 3),
        ("FZDC", "法治督察科", "法治督察岗", 2),
        ("ZFXT", "行政执法协调监督科", "行政执法监督岗", 2),
        ("XZFY", "行政复议与应诉科", "行政复议审理岗", 2),
        ("LSGZ", "律师工作管理科", "律师行业监管岗", 2),
        ("GZJD", "公证与司法鉴定管理科", "公证鉴定监管岗", 2),
        ("SQJZ", "社区矫正管理科", "社区矫正执法岗", 3),
        ("RMCY", "人民参与和促进法治科", "人民调解指导岗", 1),
        ("GGFL", "公共法律服务管理科", "公共法律服务岗", 2),
        ("JHCW", "计划财务装备科", "财务管理岗", 2),
        ("JGDW", "机关党委", "党务工作岗", 1),
    ];
    let mut children: Vec<Blueprint> =
        depts.iter().enumerate().map(|(i, (c, n, p, e))| dept(format!("QY-{c}"), n, i as i32 + 1, p, *e + 1)).collect();
    let affiliated: &[(&str, &str, &'static str, &'static str, &'static str, usize)] = &[
        ("JDS", "市强制隔离戒毒所", "所长", "副所长", "戒治管理岗", 10),
        ("GZC", "市公证处", "主任", "副主任", "公证员岗", 6),
        ("SFJD", "市司法鉴定中心", "主任", "副主任", "司法鉴定岗", 5),
        ("FLYZ", "市法律援助中心", "主任", "副主任", "法律援助岗", 5),
    ];
    for (i, (c, n, head, deputy, post, extra)) in affiliated.iter().enumerate() {
        let mut staff = vec![(*head, *post, Rank::ZhengKe), (*deputy, *post, Rank::FuKe)];
        let juniors = [Rank::Zhuren1, Rank::Zhuren2, Rank::Zhuren3, Rank::Zhuren4, Rank::Keyuan];
        let job = match *c {
            "JDS" => "管教民警",
            "GZC" => "公证员",
            "SFJD" => "司法鉴定人",
            _ => "法律援助律师",
        };
        for k in 0..*extra {
            staff.push((job, post, juniors[k % juniors.len()]));
        }
        children.push(Blueprint {
            code: format!("QY-{c}"),
            name: n.to_string(),
            kind: UnitKind::Affiliated,
            sort: 20 + i as i32,
            staff,
            children: Vec::new(),
        });
    }
    let counties: &[(&str, &str, &[&str])] = &[
        ("DH", "东湖区司法局", &["城东司法所", "湖滨司法所", "梅园司法所"]),
        ("XS", "西山区司法局", &["西山司法所", "枫林司法所", "石门司法所"]),
        ("NC", "南城区司法局", &["南门司法所", "新桥司法所", "白鹭司法所"]),
        ("BA", "北岸县司法局", &["城关司法所", "柳河镇司法所", "北岭乡司法所", "双塘镇司法所"]),
        ("QH", "青河县司法局", &["城关司法所", "青石镇司法所", "河口镇司法所"]),
        ("BS", "白石县司法局", &["城关司法所", "白云镇司法所", "石桥镇司法所"]),
        ("LJ", "临江市司法局", &["江城司法所", "临港司法所", "沙洲镇司法所"]),
        ("FA", "丰安县司法局", &["城关司法所", "丰乐镇司法所", "安平乡司法所"]),
    ];
    for (i, (c, n, offices)) in counties.iter().enumerate() {
        let mut kids = vec![
            dept(format!("{c}-BGS"), "办公室", 1, "综合文秘岗", 1),
            dept(format!("{c}-SQJZ"), "社区矫正股", 2, "社区矫正执法岗", 1),
            dept(format!("{c}-GGFL"), "公共法律服务股", 3, "公共法律服务岗", 1),
        ];
        for (k, o) in offices.iter().enumerate() {
            kids.push(Blueprint {
                code: format!("{c}-SFS{:02}", k + 1),
                name: o.to_string(),
                kind: UnitKind::JusticeOffice,
                sort: 10 + k as i32,
                staff: vec![
                    ("所长", "司法所综合岗", Rank::FuKe),
                    ("科员", "人民调解岗", Rank::Keyuan),
                    ("科员", "社区矫正执法岗", Rank::Zhuren4),
                    ("科员", "法治宣传岗", Rank::Keyuan),
                ],
                children: Vec::new(),
            });
        }
        children.push(Blueprint {
            code: format!("QY-{c}"),
            name: n.to_string(),
            kind: UnitKind::County,
            sort: 40 + i as i32,
            staff: vec![
                ("局长", "领导岗", Rank::ZhengKe),
                ("副局长", "领导岗", Rank::FuKe),
                ("副局长", "领导岗", Rank::FuKe),
                ("纪检组长", "纪检监督岗", Rank::FuKe),
            ],
            children: kids,
        });
    }
    Blueprint {
        code: "QY".into(),
        name: "清源市司法局".into(),
        kind: UnitKind::City,
        sort: 0,
        staff: vec![
            ("党组书记、局长", "领导岗", Rank::ZhengChu),
            ("党组成员、副局长", "领导岗", Rank::FuChu),
            ("党组成员、副局长", "领导岗", Rank::FuChu),
            ("党组成员、政治部主任", "领导岗", Rank::FuChu),
            ("四级调研员", "综合岗", Rank::Diaoyan4),
        ],
        children,
    }
}

/// The logins made for the demo, with one-time passwords.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoLogin {
    pub role: String,
    pub username: String,
    pub password: String,
    pub person: String,
    pub unit: String,
}

/// Summary of what was loaded.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoReport {
    pub units: usize,
    pub people: usize,
    pub risk_points: usize,
    pub problems: usize,
    pub logins: Vec<DemoLogin>,
}

/// Synthetic rows added on top of the demo, for benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra {
    pub risks: usize,
    pub problems: usize,
    pub measures: usize,
    pub scale: Scale,
    /// Synthetic audit rows on top of those the demo writes.
    pub audit_rows: usize,
    /// Synthetic 主体责任 task instances (a list from the top unit to the units below it).
    pub tasks: usize,
}

/// Load the demo into an empty database. `extra` adds synthetic risk points and problems
/// (benchmarks).
pub async fn load(state: &AppState, ctx: &Ctx, seed: u64, extra: Extra) -> AppResult<DemoReport> {
    // A province comes with the volumes of a province unless told otherwise.
    let extra = match extra.scale {
        Scale::City => extra,
        Scale::Province => Extra {
            risks: if extra.risks == 0 { 198_000 } else { extra.risks },
            problems: if extra.problems == 0 { 100_000 } else { extra.problems },
            measures: if extra.measures == 0 { 300_000 } else { extra.measures },
            audit_rows: if extra.audit_rows == 0 { 5_000_000 } else { extra.audit_rows },
            tasks: if extra.tasks == 0 { 1_000_000 } else { extra.tasks },
            scale: extra.scale,
        },
    };
    let extra_risks = extra.risks;
    if accounts_repo::count_users(&state.db.read).await? > 0
        || !org_repo::list_all_units(&state.db.read).await?.is_empty()
    {
        return Err(AppError::conflict(None, "demo.not_empty"));
    }
    let bp = match extra.scale {
        Scale::City => city(),
        Scale::Province => Blueprint {
            code: "JZ".into(),
            name: "江州省司法厅".into(),
            kind: UnitKind::Province,
            sort: 0,
            staff: vec![
                ("党委书记、厅长", "领导岗", Rank::ZhengChu),
                ("党委委员、副厅长", "领导岗", Rank::ZhengChu),
                ("党委委员、副厅长", "领导岗", Rank::ZhengChu),
                ("办公室主任", "综合岗", Rank::FuChu),
            ],
            children: vec![city()],
        },
    };
    let root = NewUnit { code: bp.code.clone(), name: bp.name.clone(), kind: bp.kind, parent: None, sort_order: 0 };
    let admins: Vec<Created> = setup::bootstrap(state, ctx, &root).await?;
    let root_unit = org_repo::find_unit_by_code(&state.db.read, &bp.code).await?.ok_or(AppError::NotFound)?;

    let mut rng = Rng::new(seed);
    let today = ctx.today;
    let txn = state.db.begin().await?;
    let mut events = Vec::new();
    let mut units: HashMap<String, unit::Model> = HashMap::from([(root_unit.code.clone(), root_unit.clone())]);
    let mut people: HashMap<String, Vec<person::Model>> = HashMap::new();
    let mut staff_seq = 0usize;

    // The stationed discipline group is not part of the bureau: a separate top unit.
    let jjz_unit = org_repo::insert_unit(
        &txn,
        &NewUnit {
            code: "JJZ".into(),
            name: "市纪委监委派驻市委政法委纪检监察组".into(),
            kind: UnitKind::Stationed,
            parent: None,
            sort_order: 99,
        },
        None,
        ctx.now,
    )
    .await?;
    events.push(
        Event::new("unit.create", "unit", jjz_unit.uuid)
            .unit(jjz_unit.id)
            .detail(audit::snapshot("after", &UnitAudit::from(&jjz_unit))),
    );
    let jjz_staff = [
        ("组长", "纪检监督岗", Rank::FuChu),
        ("副组长", "纪检监督岗", Rank::ZhengKe),
        ("纪检监察员", "纪检监督岗", Rank::Zhuren1),
        ("纪检监察员", "纪检监督岗", Rank::Zhuren3),
    ];

    let mut stack: Vec<(&Blueprint, Option<unit::Model>)> = vec![(&bp, None)];
    let mut all_staff: Vec<(unit::Model, Vec<Staff>)> = vec![(jjz_unit.clone(), jjz_staff.to_vec())];
    while let Some((b, parent)) = stack.pop() {
        let u = match parent {
            None => root_unit.clone(),
            Some(p) => {
                let nu = NewUnit {
                    code: b.code.clone(),
                    name: b.name.clone(),
                    kind: b.kind,
                    parent: Some(p.uuid),
                    sort_order: b.sort,
                };
                let m = org_repo::insert_unit(&txn, &nu, Some(&p), ctx.now).await?;
                events.push(
                    Event::new("unit.create", "unit", m.uuid)
                        .unit(m.id)
                        .detail(audit::snapshot("after", &UnitAudit::from(&m))),
                );
                m
            }
        };
        units.insert(u.code.clone(), u.clone());
        all_staff.push((u.clone(), b.staff.clone()));
        for c in b.children.iter().rev() {
            stack.push((c, Some(u.clone())));
        }
    }
    all_staff.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    for (u, staff) in &all_staff {
        for (position, post, rank) in staff {
            staff_seq += 1;
            let new = new_person(&mut rng, today, staff_seq, u, position, post, *rank);
            let p = org_repo::insert_person(&txn, &new, u.id, None, today, ctx.now).await?;
            events.push(
                Event::new("person.create", "person", p.uuid)
                    .unit(u.id)
                    .detail(audit::snapshot("after", &PersonAudit::from(&p))),
            );
            people.entry(u.code.clone()).or_default().push(p);
        }
    }
    if extra.scale == Scale::Province {
        other_cities(&txn, &root_unit, &mut rng, &mut staff_seq, today, ctx.now, &mut units, &mut people, &mut events)
            .await?;
    }
    // Integrity-risk points of every post, with measures and review history, and the year's
    // screening campaign over the city's departments and the county bureaus.
    let risk_cfg = crate::features::risk::repo::load_config(&txn).await?;
    let unit_by_id: HashMap<i64, unit::Model> = units.values().map(|u| (u.id, u.clone())).collect();
    let staff: Vec<(person::Model, unit::Model)> =
        people.values().flatten().filter_map(|p| unit_by_id.get(&p.unit_id).map(|u| (p.clone(), u.clone()))).collect();
    let mut staff = staff;
    staff.sort_by_key(|(p, _)| p.id);
    let points = crate::features::risk::demo::seed(&txn, &risk_cfg, &staff, &mut rng, today, ctx.now).await?;
    for p in &points {
        events.push(
            Event::new("risk.create", "risk", p.uuid)
                .unit(p.unit_id)
                .detail(serde_json::json!({"via": "demo", "title": p.title, "level": p.level})),
        );
    }
    if extra_risks > 0 {
        let all: Vec<unit::Model> = units.values().cloned().collect();
        crate::features::risk::demo::bulk(&txn, &all, extra_risks, &mut rng, today, ctx.now).await?;
        events.push(Event::new("risk.demo_bulk", "risk", "").detail(serde_json::json!({"points": extra_risks})));
    }
    let campaign_units: Vec<i64> = units.values().filter(|u| u.depth == 1).map(|u| u.id).collect();
    let deadline = state.calendar().add_working_days(today, 20);
    let nc = crate::features::risk::domain::NewCampaign {
        title: format!("{}年度岗位廉政风险排查", today.year()),
        year: today.year(),
        units: Vec::new(),
        deadline,
        deadline_rule: "20 working days".into(),
    };
    let c = crate::features::risk::repo::insert_campaign(&txn, &nc, &campaign_units, today, None, ctx.now).await?;
    events.push(
        Event::new("campaign.create", "campaign", c.uuid).detail(serde_json::json!({"via": "demo", "title": c.title})),
    );
    // Each unit's principal leader, and the year's rectification ledger.
    crate::features::rectify::demo::principals(&txn, &people, &units).await?;
    let problems = crate::features::rectify::demo::seed(&txn, &units, &people, today, ctx.now).await?;
    for p in &problems {
        events.push(
            Event::new("rect_problem.create", "rect_problem", p.uuid)
                .unit(p.unit_id)
                .detail(serde_json::json!({"via": "demo", "seq": p.seq, "status": p.status})),
        );
    }
    events.extend(
        crate::features::discipline::demo::seed(&txn, &state.calendar(), &units, &people, today, ctx.now).await?,
    );
    events.extend(crate::features::duty::demo::seed(&txn, &state.calendar(), &units, &people, today, ctx.now).await?);
    if extra.measures > 0 {
        let everyone: Vec<(i64, i64)> = people.values().flatten().map(|p| (p.id, p.unit_id)).collect();
        crate::features::discipline::demo::bulk(&txn, &everyone, extra.measures, &mut rng, today, ctx.now).await?;
        events.push(
            Event::new("discipline.demo_bulk", "measure", "").detail(serde_json::json!({"measures": extra.measures})),
        );
    }
    if extra.tasks > 0 {
        let all: Vec<unit::Model> = units.values().cloned().collect();
        let made = crate::features::duty::demo::bulk(
            &txn,
            &state.calendar(),
            &root_unit,
            &all,
            extra.tasks,
            &mut rng,
            today,
            ctx.now,
        )
        .await?;
        events.push(Event::new("duty.demo_bulk", "duty_task", "").detail(serde_json::json!({"tasks": made})));
    }
    if extra.problems > 0 {
        let all: Vec<unit::Model> = units.values().cloned().collect();
        let mut by_unit: HashMap<i64, Vec<i64>> = HashMap::new();
        for p in people.values().flatten() {
            by_unit.entry(p.unit_id).or_default().push(p.id);
        }
        crate::features::rectify::demo::bulk(&txn, &all, &by_unit, extra.problems, &mut rng, today, ctx.now).await?;
        events.push(
            Event::new("rect.demo_bulk", "rect_problem", "").detail(serde_json::json!({"problems": extra.problems})),
        );
    }
    audit::record_batch(&txn, state.crypto.as_ref(), &ctx.actor(), events, ctx.now).await?;
    txn.commit().await?;

    // One login for every business role, attached to a real person.
    let plan: &[(Role, &str, &str, usize, &str)] = &[
        (Role::Discipline, "jjz", "JJZ", 0, if extra.scale == Scale::Province { "JZ" } else { "QY" }),
        (Role::Office, "zzb", "QY-ZZB", 0, "QY"),
        (Role::Leader, "juzhang", "QY", 0, "QY"),
        (Role::Leader, "donghu_jz", "QY-DH", 0, "QY-DH"),
        (Role::Liaison, "donghu_llyu", "QY-DH", 3, "QY-DH"),
        (Role::Liaison, "xishan_llyu", "QY-XS", 3, "QY-XS"),
        (Role::Liaison, "jiguan_llyu", "QY-BGS", 2, "QY"),
        (Role::Cadre, "ganbu", "DH-SQJZ", 2, "DH-SQJZ"),
    ];
    let policy = state.policy().await;
    let mut logins: Vec<DemoLogin> = admins
        .into_iter()
        .map(|c| DemoLogin {
            role: ctx.t().get(c.role).into(),
            username: c.username,
            password: c.password,
            person: String::new(),
            unit: root_unit.name.clone(),
        })
        .collect();
    let mut creds = Vec::new();
    for (role, username, unit_code, idx, scope_code) in plan {
        let pw = crate::crypto::one_time_password();
        let hash = password::hash_async(pw.clone()).await;
        creds.push((*role, *username, *unit_code, *idx, *scope_code, pw, hash));
    }
    let txn = state.db.begin().await?;
    for (role, username, unit_code, idx, scope_code, pw, hash) in creds {
        let staff = people.get(unit_code).ok_or(AppError::NotFound)?;
        let p = &staff[idx.min(staff.len() - 1)];
        let scope_unit =
            units.get(scope_code).or((scope_code == "JJZ").then_some(&jjz_unit)).ok_or(AppError::NotFound)?;
        let u = accounts_repo::insert_user(
            &txn,
            NewUser {
                username: username.into(),
                display_name: p.name.clone(),
                person_id: Some(p.id),
                password_hash: hash,
                must_change_password: true,
                temp_password_expires_at: Some(ctx.now + Duration::hours(policy.temp_password_hours.into())),
            },
            ctx.now,
        )
        .await?;
        insert_grant(&txn, UserId(u.id), role, UnitId(scope_unit.id), None, ctx.now).await?;
        // Everyone is also a 干部 of their own unit (self-service pages).
        if role != Role::Cadre {
            insert_grant(&txn, UserId(u.id), Role::Cadre, UnitId(p.unit_id), None, ctx.now).await?;
        }
        let ev = Event::new("user.create", "user", u.uuid)
            .detail(serde_json::json!({"username": u.username, "role": role.code()}));
        audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
        let unit_name = units
            .values()
            .chain(std::iter::once(&jjz_unit))
            .find(|x| x.id == p.unit_id)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        logins.push(DemoLogin {
            role: ctx.t().get(role.label_key()).into(),
            username: u.username,
            password: pw,
            person: p.name.clone(),
            unit: unit_name,
        });
    }
    txn.commit().await?;
    if extra.audit_rows > 0 {
        let everyone: Vec<(i64, uuid::Uuid, i64)> =
            people.values().flatten().map(|p| (p.id, p.uuid, p.unit_id)).collect();
        audit_history(state, ctx, &everyone, extra.audit_rows, &mut rng).await?;
    }
    state.db.analyze().await?;
    // Today's deadline check, so the inboxes hold what a real morning would bring.
    crate::jobs::deadlines::run_daily(state, true).await?;
    Ok(DemoReport {
        units: units.len() + 1,
        people: people.values().map(Vec::len).sum(),
        risk_points: points.len() + extra_risks,
        problems: problems.len() + extra.problems,
        logins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
    }

    #[test]
    fn the_blueprint_has_the_shape_the_issue_asks_for() {
        let c = city();
        let counties = c.children.iter().filter(|u| u.kind == UnitKind::County).count();
        let affiliated: Vec<&str> =
            c.children.iter().filter(|u| u.kind == UnitKind::Affiliated).map(|u| u.name.as_str()).collect();
        assert_eq!(counties, 8);
        for want in ["强制隔离戒毒所", "公证处", "司法鉴定", "法律援助中心"] {
            assert!(affiliated.iter().any(|a| a.contains(want)), "{want}");
        }
        fn count(b: &Blueprint) -> usize {
            b.staff.len() + b.children.iter().map(count).sum::<usize>()
        }
        let n = count(&c) + 4;
        assert!((250..=350).contains(&n), "{n} people");
        for county in c.children.iter().filter(|u| u.kind == UnitKind::County) {
            assert!(county.children.iter().any(|k| k.kind == UnitKind::JusticeOffice));
            assert!(county.children.iter().any(|k| k.kind == UnitKind::Department));
        }
    }
}
