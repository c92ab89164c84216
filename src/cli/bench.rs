//! `qinglian bench`: measure this build against the configured database (load it first with
//! `qinglian demo --scale city|province`). The server runs in this process on 127.0.0.1 with
//! the real router; requests go over loopback HTTP/1.1 keep-alive connections, authenticated
//! with temporary API tokens issued to the demo's 派驻组 login (`jjz`, everything) and a county
//! liaison (`donghu_llyu`, one county), and revoked at the end (both audited).
//!
//! It reports, as a Markdown table: p50/p99 of the main list pages and API calls for both users;
//! the same queries as raw SQL in the same run and the ratio (our overhead); throughput of a list
//! API under a bounded loopback load; the time of the largest export and of the yearly
//! statistics; idle and peak memory of the process.

use std::{
    fmt::Write as _,
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

use crate::{
    audit::{self, Event},
    config::Settings,
    startup::Application,
};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// Requests per measured path (after 10 warm-up requests).
    #[arg(long, default_value_t = 100)]
    pub n: usize,
    /// Length of the throughput run, in seconds (at most 60).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent connections of the throughput run.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Also write the report to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    s: BufReader<TcpStream>,
    token: String,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr, token: &str) -> anyhow::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Conn { s: BufReader::new(s), token: token.to_string() })
    }

    /// GET a path; returns the status and the body's length.
    async fn get(&mut self, path: &str) -> anyhow::Result<(u16, usize)> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\r\n", self.token);
        self.s.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.s.read_line(&mut line).await?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).context("bad status line")?;
        let (mut len, mut chunked) = (0usize, false);
        loop {
            line.clear();
            self.s.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        if !chunked {
            let mut body = vec![0; len];
            self.s.read_exact(&mut body).await?;
            return Ok((status, len));
        }
        let mut total = 0;
        loop {
            line.clear();
            self.s.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).context("bad chunk size")?;
            let mut chunk = vec![0; size + 2];
            self.s.read_exact(&mut chunk).await?;
            total += size;
            if size == 0 {
                return Ok((status, total));
            }
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn time_http(addr: std::net::SocketAddr, token: &str, path: &str, n: usize) -> anyhow::Result<(f64, f64, u16)> {
    let mut c = Conn::open(addr, token).await?;
    let mut status = 0;
    for _ in 0..10 {
        status = c.get(path).await?.0;
    }
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        status = c.get(path).await?.0;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.99), status))
}

async fn time_sql(conn: &impl ConnectionTrait, sqls: &[String], n: usize) -> anyhow::Result<(f64, f64)> {
    let backend = conn.get_database_backend();
    let run = || async {
        for s in sqls {
            conn.query_all_raw(Statement::from_string(backend, s.clone())).await?;
        }
        Ok::<_, sea_orm::DbErr>(())
    };
    for _ in 0..10 {
        run().await?;
    }
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        run().await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.99)))
}

/// Resident and peak memory of this process, in MB (Linux).
fn memory_mb() -> (f64, f64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The roster workbook of the loaded organisation: every unit, and every person topped up with
/// made-up ones to `people` rows, in the template's columns.
async fn roster_workbook(conn: &impl ConnectionTrait, people: usize) -> anyhow::Result<Vec<u8>> {
    use crate::features::org::{
        entity::{person, unit},
        roster,
    };
    let units = unit::Entity::find().filter(unit::Column::DeletedAt.is_null()).all(conn).await?;
    let by_id: std::collections::HashMap<i64, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let staff = person::Entity::find().filter(person::Column::DeletedAt.is_null()).all(conn).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(roster::UNIT_SHEET)?;
    for (c, h) in roster::UNIT_HEADERS.iter().enumerate() {
        ws.write(0, c as u16, *h)?;
    }
    // Top units exist before any import (the setup page creates the top one): leave them out.
    let mut sorted: Vec<&unit::Model> = units.iter().filter(|u| u.parent_id.is_some()).collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let kind_label = |k: &str| {
        crate::features::org::domain::UnitKind::parse(k)
            .map(|k| crate::i18n::Lang::default().t().get(k.label_key()).to_string())
            .unwrap_or_default()
    };
    for (i, u) in sorted.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, &u.code)?;
        ws.write(r, 1, &u.name)?;
        ws.write(r, 2, u.parent_id.and_then(|p| by_id.get(&p)).map(|p| p.code.as_str()).unwrap_or(""))?;
        ws.write(r, 3, kind_label(&u.kind))?;
        ws.write(r, 4, u.sort_order)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(roster::PEOPLE_SHEET)?;
    for (c, h) in roster::PEOPLE_HEADERS.iter().enumerate() {
        ws.write(0, c as u16, *h)?;
    }
    let t = crate::i18n::Lang::default().t();
    let label = |key: Option<&'static str>| key.map(|k| t.get(k).to_string()).unwrap_or_default();
    use crate::features::org::domain::{Gender, PoliticalStatus, Rank};
    for i in 0..people.max(staff.len()) {
        let p = &staff[i % staff.len().max(1)];
        let r = i as u32 + 1;
        let unit = by_id.get(&p.unit_id).map(|u| u.code.as_str()).unwrap_or("");
        ws.write(r, 0, format!("B{i:06}"))?;
        ws.write(r, 1, &p.name)?;
        ws.write(r, 2, label(Gender::parse(&p.gender).map(|g| g.label_key())))?;
        ws.write(r, 3, unit)?;
        ws.write(r, 4, &p.post)?;
        ws.write(r, 5, label(Rank::parse(&p.rank).map(|x| x.label_key())))?;
        ws.write(r, 6, &p.position)?;
        ws.write(r, 7, label(PoliticalStatus::parse(&p.political_status).map(|x| x.label_key())))?;
        ws.write(r, 8, if p.leading_cadre { "是" } else { "否" })?;
        ws.write(r, 9, "在职")?;
        ws.write(r, 10, p.birth_date.map(|d| d.to_string()).unwrap_or_default())?;
        ws.write(r, 11, p.post_since.map(|d| d.to_string()).unwrap_or_default())?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Import a 60,000-person roster into a new, empty database of the same backend (so the loaded
/// data is left alone; on PostgreSQL a scratch database is created and dropped, which needs the
/// CREATEDB right): (rows, file bytes, milliseconds, units, people).
async fn import_timing(
    settings: &Settings,
    source: &impl ConnectionTrait,
) -> anyhow::Result<(usize, usize, u128, u64, u64)> {
    let bytes = roster_workbook(source, 60_000).await?;
    let dir = std::env::temp_dir().join(format!("qinglian-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut s = settings.clone();
    s.data_dir = dir.clone();
    s.key_file = None;
    s.jobs = false;
    let scratch = format!("qinglian_bench_import_{}", std::process::id());
    s.database_url = match source.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            source
                .execute_unprepared(&format!("CREATE DATABASE \"{scratch}\""))
                .await
                .context("无法创建临时数据库（需要 CREATEDB 权限）")?;
            let url = settings.database_url().expose().to_string();
            let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(url.clone());
            let query = url.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
            Some(crate::config::Secret::new(format!("{base}/{scratch}{query}")))
        }
        _ => None,
    };
    let state = crate::startup::AppState::init(s, std::sync::Arc::new(crate::clock::SystemClock)).await?;
    let mut ctx = crate::cli::demo::console_ctx(&state, "bench-import");
    {
        use crate::features::org::{
            domain::{NewUnit, UnitKind},
            entity::unit,
        };
        let roots = unit::Entity::find()
            .filter(unit::Column::ParentId.is_null())
            .filter(unit::Column::DeletedAt.is_null())
            .all(source)
            .await?;
        let txn = state.db.begin().await?;
        // The 系统管理员 who imports: an account with the role over every top unit.
        let user = crate::features::accounts::repo::insert_user(
            &txn,
            crate::features::accounts::repo::NewUser {
                username: "bench-import".into(),
                display_name: "bench-import".into(),
                person_id: None,
                password_hash: String::new(),
                must_change_password: false,
                temp_password_expires_at: None,
            },
            ctx.now,
        )
        .await?;
        let mut grants = Vec::new();
        for r in roots {
            let new = NewUnit {
                code: r.code,
                name: r.name,
                kind: UnitKind::parse(&r.kind).unwrap_or(UnitKind::Other),
                parent: None,
                sort_order: r.sort_order,
            };
            let u = crate::features::org::repo::insert_unit(&txn, &new, None, ctx.now).await?;
            grants.push(crate::authz::Grant {
                role: crate::authz::Role::SysAdmin,
                unit_id: crate::ids::UnitId(u.id),
                unit_path: u.path,
                unit_name: u.name,
            });
        }
        txn.commit().await?;
        ctx.principal = Some(std::sync::Arc::new(crate::authz::Principal {
            user_id: crate::ids::UserId(user.id),
            user_uuid: user.uuid,
            username: user.username,
            display_name: user.display_name,
            person_id: None,
            grants,
            must_change_password: false,
        }));
    }
    let t = Instant::now();
    let summary = crate::features::org::roster::import(&state, &ctx, &bytes).await;
    let ms = t.elapsed().as_millis();
    state.db.clone().close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if source.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        source.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)")).await?;
    }
    let summary = summary.map_err(|e| anyhow::anyhow!("导入失败：{e:?}"))?;
    Ok((60_000, bytes.len(), ms, summary.units_created as u64, summary.people_created as u64))
}

/// Publish a list of 60 items (30 monthly, 20 quarterly, 6 half-yearly, 4 annual) from the top
/// unit to 200 units below it, timed; then the matrix page and API and the score ranking over
/// that year, timed as the 派驻组; then remove the list and its tasks again (their audit rows
/// stay, as every audit row does).
async fn duty_timing(
    state: &crate::startup::AppState,
    addr: std::net::SocketAddr,
    token: &str,
    n: usize,
) -> anyhow::Result<String> {
    use crate::features::{
        duty::{domain, repo as duty_repo, service as duty},
        org::entity::unit,
    };
    let mut out = String::from("\n主体责任 (issue 6):");
    let root = unit::Entity::find()
        .filter(unit::Column::ParentId.is_null())
        .filter(unit::Column::DeletedAt.is_null())
        .order_by_asc(unit::Column::Path)
        .one(&state.db.read)
        .await?
        .context("没有单位")?;
    let mut ctx = crate::cli::demo::console_ctx(state, "bench-duty");
    let year0 = chrono::Datelike::year(&ctx.today);
    let mut year = None;
    for y in [year0, year0 + 1] {
        if duty_repo::list_for_unit_year(&state.db.read, root.id, y).await?.is_none() {
            year = Some(y);
            break;
        }
    }
    let Some(year) = year else {
        write!(out, " skipped (the top unit already has lists for {year0} and {}).", year0 + 1)?;
        return Ok(out);
    };
    ctx.principal = Some(std::sync::Arc::new(crate::authz::Principal {
        user_id: crate::ids::UserId(0),
        user_uuid: uuid::Uuid::nil(),
        username: "bench-duty".into(),
        display_name: "bench-duty".into(),
        person_id: None,
        grants: vec![crate::authz::Grant {
            role: crate::authz::Role::Office,
            unit_id: crate::ids::UnitId(root.id),
            unit_path: root.path.clone(),
            unit_name: root.name.clone(),
        }],
        must_change_password: false,
    }));
    let targets: Vec<unit::Model> = unit::Entity::find()
        .filter(unit::Column::Path.starts_with(root.path.as_str()))
        .filter(unit::Column::Id.ne(root.id))
        .filter(unit::Column::DeletedAt.is_null())
        .order_by_asc(unit::Column::Depth)
        .order_by_asc(unit::Column::Path)
        .limit(200)
        .all(&state.db.read)
        .await?;
    let input =
        domain::ListInput { year: Some(year.to_string()), title: format!("bench {year}"), ..Default::default() };
    let l = duty::create_list(state, &ctx, root.uuid, &input).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // Whatever happens next, the list and its tasks are removed again.
    let measured = async {
        let t = Instant::now();
        for k in 0..60 {
            let (cadence, days) = match k {
                0..30 => ("monthly", "5"),
                30..50 => ("quarterly", "10"),
                50..56 => ("half_year", "10"),
                _ => ("annual", "10"),
            };
            let item = domain::ItemInput {
                category: "party_group".into(),
                content: format!("基准测试责任事项 {}", k + 1),
                cadence: cadence.into(),
                rule_kind: "working".into(),
                rule_days: Some(days.into()),
                weight: Some(((k % 5) + 1).to_string()),
                target: "unit".into(),
                ..Default::default()
            };
            duty::add_item(state, &ctx, l.uuid, &item).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        let units: Vec<String> = targets.iter().map(|u| u.uuid.to_string()).collect();
        duty::set_targets(state, &ctx, l.uuid, &duty::TargetsInput { units, ..Default::default() })
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let build_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let sync = duty::publish(state, &ctx, l.uuid, None).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let publish_ms = t.elapsed().as_secs_f64() * 1000.0;
        write!(
            out,
            "\n- Publish 60 items to {} units (generating the year's tasks): **{publish_ms:.0} ms** for {} tasks (adding the items and targets before it: {build_ms:.0} ms).",
            targets.len(),
            sync.created
        )?;
        let mut paths = vec![
            format!("/duty/matrix?year={year}&list={}", l.uuid),
            format!("/duty/matrix?year={year}"),
            format!("/api/v1/duty/matrix?year={year}"),
            format!("/api/v1/duty/scores?year={year}"),
        ];
        // Another year's tasks already there (the province demo's ≈0.9M): the whole year.
        if year != year0 {
            paths.push(format!("/duty/matrix?year={year0}"));
            paths.push(format!("/api/v1/duty/scores?year={year0}"));
            paths.push(format!("/duty?view=all&year={year0}"));
        }
        for path in paths {
            let (p50, p99, status) = time_http(addr, token, &path, n.min(50)).await?;
            write!(out, "\n- `{path}` as the 派驻组: p50 {p50:.1} ms, p99 {p99:.1} ms (status {status}).")?;
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    // Remove the list again.
    let txn = state.db.begin().await?;
    for sql in [
        "DELETE FROM duty_cells WHERE list_id = {id}",
        "DELETE FROM duty_tasks WHERE list_id = {id}",
        "DELETE FROM duty_targets WHERE list_id = {id}",
        "DELETE FROM duty_amendments WHERE list_id = {id}",
        "DELETE FROM duty_items WHERE list_id = {id}",
        "DELETE FROM duty_lists WHERE id = {id}",
        "DELETE FROM notifications WHERE dedup_key LIKE 'duty_list:{uuid}:%'",
    ] {
        txn.execute_unprepared(&sql.replace("{id}", &l.id.to_string()).replace("{uuid}", &l.uuid.to_string())).await?;
    }
    txn.commit().await?;
    measured?;
    Ok(out)
}

pub async fn run(mut settings: Settings, opts: Opts) -> anyhow::Result<()> {
    let original = settings.clone();
    settings.bind = "127.0.0.1:0".parse()?;
    settings.jobs = false;
    let app = Application::build(settings).await?;
    let addr = app.local_addr();
    let state = app.state.clone();
    let backend = state.db.backend;
    tokio::spawn(app.run_until_stopped());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (idle_mb, _) = memory_mb();

    // Temporary tokens for the two demo users, and their scopes' unit paths (for the raw SQL).
    let now = chrono::Utc::now();
    let actor = crate::cli::demo::console_ctx(&state, "bench").actor();
    let mut users = Vec::new();
    for name in ["jjz", "donghu_llyu"] {
        let Some(u) = crate::auth::find_user_by_name(&state.db.read, name).await? else {
            bail!("找不到演示账号 {name}：请先在空数据库上运行 qinglian demo --scale city 或 --scale province。");
        };
        let grants = crate::authz::repo::load_grants(&state.db.read, crate::ids::UserId(u.id)).await?;
        let path = grants
            .iter()
            .find(|g| g.role != crate::authz::Role::Cadre)
            .map(|g| g.unit_path.clone())
            .context("演示账号没有业务角色")?;
        let txn = state.db.begin().await?;
        let tok = crate::auth::create_token(
            &txn,
            crate::ids::UserId(u.id),
            "qinglian bench",
            Some(now + chrono::Duration::hours(2)),
            now,
        )
        .await?;
        audit::record(
            &txn,
            state.crypto.as_ref(),
            &actor,
            Event::new("token.create", "api_token", tok.row.uuid)
                .detail(serde_json::json!({"via": "bench", "user": name})),
            now,
        )
        .await?;
        txn.commit().await?;
        users.push((name, tok, path));
    }

    let year = chrono::Datelike::year(&crate::clock::beijing_date(now));
    let mut report = String::new();
    let mut counts = std::collections::HashMap::new();
    for t in ["units", "people", "risk_points", "rect_problems", "disc_measures", "audit_log"] {
        let r = state
            .db
            .read
            .query_one_raw(Statement::from_string(
                state.db.read.get_database_backend(),
                format!("SELECT count(*) FROM {t}"),
            ))
            .await?;
        counts.insert(t, r.and_then(|r| r.try_get_by_index::<i64>(0).ok()).unwrap_or(0));
    }
    let count = |t: &str| counts.get(t).copied().unwrap_or(0);
    writeln!(report, "# qinglian bench — {}（{}）\n", backend.name(), now.format("%Y-%m-%d %H:%M UTC"))?;
    writeln!(
        report,
        "Data: {} units, {} people, {} risk points, {} problems, {} measures, {} audit rows. n = {} per path.\n",
        count("units"),
        count("people"),
        count("risk_points"),
        count("rect_problems"),
        count("disc_measures"),
        count("audit_log"),
        opts.n
    )?;
    writeln!(report, "| user | request | HTTP p50 | HTTP p99 | raw SQL p50 | raw SQL p99 | ratio (p50) |")?;
    writeln!(report, "|---|---|---|---|---|---|---|")?;
    let all_units = count("units").max(1);
    for (name, tok, prefix) in &users {
        // The query a developer would write by hand for this scope: a scope covering most units
        // is written as "not in the units outside it" so that an index in the page's order can
        // be walked; a small one as "in the units inside it".
        let inside = state
            .db
            .read
            .query_one_raw(Statement::from_string(
                state.db.read.get_database_backend(),
                format!("SELECT count(*) FROM units WHERE path LIKE '{prefix}%'"),
            ))
            .await?
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0);
        let scope = if inside * 2 > all_units {
            format!("unit_id NOT IN (SELECT id FROM units WHERE path NOT LIKE '{prefix}%')")
        } else {
            format!("unit_id IN (SELECT id FROM units WHERE path LIKE '{prefix}%')")
        };
        let records = *name == "jjz";
        let cases: Vec<(&str, Vec<String>)> = vec![
            (
                "/org/people",
                vec![
                    format!(
                        "SELECT p.* FROM people p JOIN units u ON u.id = p.unit_id WHERE p.deleted_at IS NULL AND u.path LIKE '{prefix}%' ORDER BY u.path, p.id LIMIT 20"
                    ),
                    format!(
                        "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.deleted_at IS NULL AND u.path LIKE '{prefix}%'"
                    ),
                ],
            ),
            ("/api/v1/people?per_page=20", vec![]),
            (
                "/risk",
                vec![
                    format!("SELECT * FROM risk_points WHERE deleted_at IS NULL AND {scope} ORDER BY id DESC LIMIT 20"),
                    format!("SELECT count(*) FROM risk_points WHERE deleted_at IS NULL AND {scope}"),
                ],
            ),
            ("/api/v1/risks?per_page=20", vec![]),
            (
                "/rect",
                vec![
                    format!(
                        "SELECT * FROM rect_problems WHERE deleted_at IS NULL AND {scope} ORDER BY batch_id, seq LIMIT 20"
                    ),
                    format!("SELECT count(*) FROM rect_problems WHERE deleted_at IS NULL AND {scope}"),
                ],
            ),
            ("/api/v1/rect/problems?per_page=20", vec![]),
            (
                "/discipline/measures",
                vec![
                    format!(
                        "SELECT * FROM disc_measures WHERE deleted_at IS NULL AND {scope} ORDER BY decided_on DESC, id DESC LIMIT 20"
                    ),
                    format!("SELECT count(*) FROM disc_measures WHERE deleted_at IS NULL AND {scope}"),
                ],
            ),
            ("/api/v1/discipline/measures?per_page=20", vec![]),
            (
                "/api/v1/discipline/stats",
                vec![format!(
                    "SELECT unit_id, kind, person_id, count(*) FROM disc_measures WHERE deleted_at IS NULL AND year = {year} AND {scope} GROUP BY unit_id, kind, person_id"
                )],
            ),
        ];
        let mut last_raw: Option<(f64, f64)> = None;
        for (path, sqls) in cases {
            // The liaison sees counts of 监督执纪, not its records.
            if !records && path.contains("discipline/measures") {
                continue;
            }
            let (p50, p99, status) = time_http(addr, &tok.token, path, opts.n).await?;
            // An API call is compared with the raw SQL of the page above it (same query).
            let raw = if sqls.is_empty() { last_raw } else { Some(time_sql(&state.db.read, &sqls, opts.n).await?) };
            last_raw = raw;
            let (r50, r99, ratio) = match raw {
                Some((a, b)) => (format!("{a:.2}"), format!("{b:.2}"), format!("{:.1}×", p50 / a.max(0.001))),
                None => ("—".into(), "—".into(), "—".into()),
            };
            let shown = if status == 200 { path.to_string() } else { format!("{path} ({status})") };
            writeln!(report, "| {name} | `{shown}` | {p50:.2} | {p99:.2} | {r50} | {r99} | {ratio} |")?;
            eprint!(".");
        }
    }
    eprintln!();

    // Throughput: concurrent keep-alive connections on one list API, bounded in time.
    let (name, tok, _) = &users[1];
    let path = "/api/v1/people?per_page=20";
    let secs = opts.seconds.clamp(1, 60);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..opts.concurrency.clamp(1, 256) {
        let token = tok.token.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr, &token).await?;
            let (mut ok, mut bad) = (0u64, 0u64);
            while Instant::now() < deadline {
                match c.get(path).await?.0 {
                    200 => ok += 1,
                    _ => bad += 1,
                }
            }
            Ok::<_, anyhow::Error>((ok, bad))
        }));
    }
    let (mut ok, mut bad) = (0, 0);
    for t in tasks {
        let (a, b) = t.await??;
        ok += a;
        bad += b;
    }
    writeln!(
        report,
        "\nThroughput: `{path}` as {name}, {} connections for {secs} s: **{:.0} requests/s** ({ok} answered 200, {bad} other).",
        opts.concurrency,
        ok as f64 / secs as f64
    )?;

    // The largest export and the yearly statistics, once each, as the 派驻组.
    let (_, tok, _) = &users[0];
    let mut c = Conn::open(addr, &tok.token).await?;
    for (label, path) in [
        (
            "Largest export (measures ledger .xlsx, capped at 100,000 rows)",
            "/discipline/measures/export.xlsx".to_string(),
        ),
        ("Rectification ledger export (.xlsx)", "/rect/export.xlsx".to_string()),
        ("Yearly statistics (四种形态, whole scope)", format!("/api/v1/discipline/stats?year={year}")),
    ] {
        let t = Instant::now();
        let (status, bytes) = c.get(&path).await?;
        writeln!(
            report,
            "{label}: {:.0} ms (status {status}, {:.1} MB).",
            t.elapsed().as_secs_f64() * 1000.0,
            bytes as f64 / 1e6
        )?;
    }
    // The roster import of 60,000 people (into a scratch database).
    let (rows, size, ms, units_created, people_created) = import_timing(&original, &state.db.read).await?;
    writeln!(
        report,
        "Roster import: {rows} people and {units_created} units ({:.1} MB .xlsx) into an empty database of the same backend: {:.1} s ({people_created} people created).",
        size as f64 / 1e6,
        ms as f64 / 1000.0
    )?;
    // 主体责任: publish 60 items to 200 units, then the city-wide matrix over those tasks.
    let (_, tok, _) = &users[0];
    writeln!(report, "{}", duty_timing(&state, addr, &tok.token, opts.n).await?)?;
    let (rss, peak) = memory_mb();
    writeln!(
        report,
        "\nMemory of the process (server and load generator): idle after start {idle_mb:.1} MB; now {rss:.1} MB; peak {peak:.1} MB."
    )?;

    // Revoke the tokens.
    for (name, tok, _) in &users {
        let txn = state.db.begin().await?;
        crate::auth::entity::api_token::Entity::update_many()
            .col_expr(
                crate::auth::entity::api_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now()),
            )
            .filter(crate::auth::entity::api_token::Column::Id.eq(tok.row.id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            state.crypto.as_ref(),
            &actor,
            Event::new("token.revoke", "api_token", tok.row.uuid)
                .detail(serde_json::json!({"via": "bench", "user": name})),
            chrono::Utc::now(),
        )
        .await?;
        txn.commit().await?;
    }
    print!("{report}");
    if let Some(p) = opts.out {
        std::fs::write(&p, &report).with_context(|| format!("无法写入 {}", p.display()))?;
    }
    Ok(())
}
