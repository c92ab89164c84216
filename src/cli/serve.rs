//! `qinglian serve`: start the web server.

use std::net::SocketAddr;

use crate::{config::Settings, startup::Application};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// Listen address (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<SocketAddr>,
}

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let backend = crate::db::backend_of(settings.database_url().expose())?;
    let app = Application::build(settings).await?;
    let addr = app.local_addr();
    let state = app.state.clone();
    if state.key_created {
        println!(
            "已生成新的密钥文件：{}\n  请务必与数据库一起备份它；丢失后审计日志将无法校验。",
            state.settings.key_file().display()
        );
    }
    let base = state.settings.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    if let Some(code) = crate::features::accounts::setup::issue_code_if_needed(&state).await? {
        println!("==============================================================");
        println!(" 清廉 首次启动：系统中还没有任何账号。");
        println!(" 请用浏览器打开 {base}/setup");
        println!(" 一次性设置码：{code}（24 小时内有效，只显示这一次）");
        println!("==============================================================");
    }
    println!("清廉已启动：{base}（数据库：{}）", backend.name());
    tracing::info!(addr = %addr, backend = backend.name(), "listening");
    app.run_until_stopped().await
}
