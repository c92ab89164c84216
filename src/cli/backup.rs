//! `qinglian backup DEST`: an online, consistent copy of the SQLite database (`VACUUM INTO`),
//! written next to an SM3 manifest. On PostgreSQL, use `pg_dump` (see README); the command
//! says so. Either way the key file must be kept with the backup.

use std::path::PathBuf;

use anyhow::{Context, bail};
use sea_orm::ConnectionTrait;

use crate::{
    config::Settings,
    db::{Backend, Db},
};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// Where to write the copy (a new file).
    pub dest: PathBuf,
}

pub async fn run(settings: Settings, opts: Opts) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url(), &Default::default()).await?;
    if db.backend == Backend::Postgres {
        bail!(
            "PostgreSQL 请使用 pg_dump 备份，例如：pg_dump -Fc \"$DATABASE_URL\" > qinglian.dump\n并把密钥文件 {} 一同保存。",
            settings.key_file().display()
        );
    }
    if opts.dest.exists() {
        bail!("目标文件 {} 已存在，不会覆盖。", opts.dest.display());
    }
    let dest = opts.dest.to_str().context("备份路径必须是 UTF-8")?.replace('\'', "''");
    db.write.execute_unprepared(&format!("VACUUM INTO '{dest}'")).await.context("备份失败")?;
    let bytes = std::fs::read(&opts.dest)?;
    let digest = crate::crypto::sm3_hex(&bytes);
    let manifest = opts.dest.with_extension("sm3");
    std::fs::write(&manifest, format!("{digest}  {}\n", opts.dest.display()))?;
    println!("已备份到 {}（{} 字节，SM3 {}）", opts.dest.display(), bytes.len(), digest);
    println!("校验文件：{}", manifest.display());
    println!(
        "重要：请同时妥善保存密钥文件 {}，没有它无法校验审计日志、无法读取加密字段。",
        settings.key_file().display()
    );
    Ok(())
}
