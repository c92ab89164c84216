//! `qinglian demo`: load the demo organisation into an empty database and print the logins.

use std::sync::Arc;

use crate::{clock::SystemClock, config::Settings, startup::AppState, web::Ctx};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// Seed of the generator (same seed, same data).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Print the logins as JSON (for scripts and tests).
    #[arg(long)]
    pub json: bool,
    /// Add this many synthetic risk points spread over all units (for benchmarks).
    #[arg(long, default_value_t = 0)]
    pub extra_risks: usize,
    /// Add this many synthetic open rectification problems (for benchmarks).
    #[arg(long, default_value_t = 0)]
    pub extra_problems: usize,
    /// Add this many synthetic 监督执纪 measures over three years (for benchmarks).
    #[arg(long, default_value_t = 0)]
    pub extra_measures: usize,
    /// city: one city bureau (75 units, 300 people); province: 15 cities, about 2,000 units and
    /// 60,000 people, with 200k risk points, 300k measures, 100k problems and 5M audit rows
    /// and 0.9M responsibility tasks unless the --extra-* options say otherwise.
    #[arg(long, value_enum, default_value_t = crate::demo::Scale::City)]
    pub scale: crate::demo::Scale,
    /// Add this many synthetic audit rows (reads and logins), through the real chain.
    #[arg(long, default_value_t = 0)]
    pub audit_rows: usize,
    /// Add about this many synthetic 主体责任 task instances (60 items × 12/4/2/1 periods from the
    /// top unit to as many units below it as needed; province default 1,000,000 ≈ all units).
    #[arg(long, default_value_t = 0)]
    pub extra_tasks: usize,
}

/// A request context for work started from the console.
pub fn console_ctx(state: &AppState, what: &str) -> Ctx {
    let now = state.clock.now();
    Ctx {
        request_id: format!("cli-{what}"),
        ip: "local".into(),
        user_agent: String::new(),
        lang: Default::default(),
        now,
        today: crate::clock::beijing_date(now),
        principal: None,
        session: None,
        via_token: false,
        pre_csrf: String::new(),
        flash: None,
        path: format!("cli:{what}"),
        session_expired: false,
        unread: 0,
    }
}

pub async fn run(settings: Settings, opts: Opts) -> anyhow::Result<()> {
    let state = AppState::init(settings, Arc::new(SystemClock)).await?;
    let ctx = console_ctx(&state, "demo");
    let report = match crate::demo::load(
        &state,
        &ctx,
        opts.seed,
        crate::demo::Extra {
            risks: opts.extra_risks,
            problems: opts.extra_problems,
            measures: opts.extra_measures,
            scale: opts.scale,
            audit_rows: opts.audit_rows,
            tasks: opts.extra_tasks,
        },
    )
    .await
    {
        Ok(r) => r,
        Err(crate::AppError::Conflict { .. }) => {
            anyhow::bail!("数据库中已有数据，演示数据只能载入空数据库。请换一个 --data-dir 或数据库。")
        }
        Err(e) => return Err(anyhow::anyhow!("载入演示数据失败：{e}")),
    };
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "已载入演示数据：{} 个单位，{} 名人员，{} 个岗位廉政风险点，{} 个整改问题。",
        report.units, report.people, report.risk_points, report.problems
    );
    println!(
        "以下为各角色的登录账号与一次性密码（首次登录须修改密码，{} 小时内有效）：",
        state.policy().await.temp_password_hours
    );
    println!("{:<18} {:<14} {:<16} {:<8} 单位", "角色", "用户名", "一次性密码", "姓名");
    for l in &report.logins {
        println!("{:<16} {:<14} {:<16} {:<8} {}", l.role, l.username, l.password, l.person, l.unit);
    }
    println!("启动服务：cargo run --release -- serve，然后打开 http://127.0.0.1:8080/login");
    Ok(())
}
