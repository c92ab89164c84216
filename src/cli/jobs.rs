//! `qinglian jobs run deadlines`: run a scheduled job now, from the console (after a long
//! outage, to test a configuration, or from the system's own scheduler instead of `serve`).
//! It takes the same lease as the server's loop, so it never runs alongside it, and delivers
//! under the same unique keys, so nothing is sent twice.

use std::sync::Arc;

use crate::{clock::SystemClock, config::Settings, startup::AppState};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run a job now: `deadlines` (the daily deadline check and escalations).
    Run {
        /// The job's name.
        #[arg(value_parser = ["deadlines"])]
        name: String,
    },
}

pub async fn run(settings: Settings, cmd: Command) -> anyhow::Result<()> {
    let Command::Run { name } = cmd;
    let state = AppState::init(settings, Arc::new(SystemClock)).await?;
    match name.as_str() {
        "deadlines" => match crate::jobs::deadlines::run_daily(&state, true).await? {
            Some(r) => {
                println!(
                    "到期检查完成（{}）：预警范围内 {} 项，应发提醒 {} 条，新发 {} 条，每日汇总 {} 条，用时 {} 毫秒。",
                    r.day.map(|d| d.to_string()).unwrap_or_default(),
                    r.items,
                    r.notices,
                    r.delivered,
                    r.digests,
                    r.millis
                );
                Ok(())
            }
            None => anyhow::bail!("另一个进程正在运行到期检查，请稍后再试。"),
        },
        other => anyhow::bail!("未知的任务：{other}"),
    }
}
