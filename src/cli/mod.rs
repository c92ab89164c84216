//! The command line: one executable, one subcommand per file.

pub mod admin;
pub mod audit;
pub mod backup;
pub mod bench;
pub mod demo;
pub mod jobs;
pub mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Overrides, Settings};

#[derive(Debug, Parser)]
#[command(name = "qinglian", version, about = "清廉 — 司法行政系统党风廉政建设监督平台")]
pub struct Cli {
    /// Configuration file (default: ./qinglian.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://… or postgres://… (also DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Data directory for the SQLite file and the key file (default ./data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server.
    Serve(serve::Opts),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load a realistic demo organisation into an empty database.
    Demo(demo::Opts),
    /// Account recovery from the server console.
    #[command(subcommand)]
    Admin(admin::Command),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(audit::Command),
    /// Online backup of the database (SQLite copy or pg_dump), with an SM3 manifest.
    Backup(backup::Opts),
    /// Measure this build against the loaded data: latency, raw-SQL overhead, throughput, memory.
    Bench(bench::Opts),
    /// Restore a backup into an empty database, checking its manifest and the audit chain.
    Restore(backup::RestoreOpts),
    /// Scheduled jobs: run one now.
    #[command(subcommand)]
    Jobs(jobs::Command),
    /// Print the route table with each route's access rule.
    Routes,
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            bind: match &self.command {
                Command::Serve(o) => o.bind,
                _ => None,
            },
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        }
    }

    pub fn settings(&self) -> anyhow::Result<Settings> {
        Settings::load(&self.overrides(), &|k| std::env::var(k).ok())
    }
}

/// Run a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings()?;
    match cli.command {
        Command::Serve(_) => serve::run(settings).await,
        Command::Migrate => {
            let db = crate::db::Db::connect(&settings.database_url(), &Default::default()).await?;
            let pending = db.pending_migrations().await?;
            db.migrate().await?;
            if pending.is_empty() {
                println!("数据库已是最新，无需迁移。");
            } else {
                println!("已应用迁移：{}", pending.join(", "));
            }
            Ok(())
        }
        Command::Demo(o) => demo::run(settings, o).await,
        Command::Admin(c) => admin::run(settings, c).await,
        Command::Audit(c) => audit::run(settings, c).await,
        Command::Backup(o) => backup::run(settings, o).await,
        Command::Restore(o) => backup::restore(settings, o).await,
        Command::Bench(o) => bench::run(settings, o).await,
        Command::Jobs(c) => jobs::run(settings, c).await,
        Command::Routes => {
            for r in crate::startup::route_table() {
                println!("{:<7} {:<45} {:?}", r.method, r.path, r.access);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
