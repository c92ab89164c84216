//! `qinglian backup DEST` and `qinglian restore SRC`.
//!
//! SQLite: an online, consistent copy (`VACUUM INTO`). PostgreSQL: `pg_dump -Fc` (the Debian
//! `postgresql-client` package), restored with `pg_restore` into an empty database. Either way
//! an SM3 manifest is written next to the copy and checked before a restore, which never
//! overwrites a database that holds data, and verifies the audit chain with the key file once
//! the data is in place. The key file must be kept with the backup.

use std::{path::PathBuf, process::Command};

use anyhow::{Context, bail};
use sea_orm::ConnectionTrait;

use crate::{
    config::Settings,
    crypto::SoftwareCrypto,
    db::{Backend, Db},
};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// Where to write the copy (a new file).
    pub dest: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreOpts {
    /// The backup file (its `.sm3` manifest next to it is checked).
    pub src: PathBuf,
}

fn manifest_of(p: &std::path::Path) -> PathBuf {
    p.with_extension("sm3")
}

pub async fn run(settings: Settings, opts: Opts) -> anyhow::Result<()> {
    let url = settings.database_url();
    let db = Db::connect(&url, &Default::default()).await?;
    if opts.dest.exists() {
        bail!("目标文件 {} 已存在，不会覆盖。", opts.dest.display());
    }
    match db.backend {
        Backend::Sqlite => {
            let dest = opts.dest.to_str().context("备份路径必须是 UTF-8")?.replace('\'', "''");
            db.write.execute_unprepared(&format!("VACUUM INTO '{dest}'")).await.context("备份失败")?;
        }
        Backend::Postgres => {
            let out = Command::new("pg_dump")
                .args(["-Fc", "--no-owner", "--no-privileges", "-f"])
                .arg(&opts.dest)
                .arg("-d")
                .arg(url.expose())
                .output()
                .context("找不到 pg_dump，请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）")?;
            if !out.status.success() {
                let _ = std::fs::remove_file(&opts.dest);
                bail!("pg_dump 失败：{}", String::from_utf8_lossy(&out.stderr).trim());
            }
        }
    }
    let tables = crate::db::table_digests(&db.read).await?;
    db.close().await;
    let bytes = std::fs::read(&opts.dest)?;
    let digest = crate::crypto::sm3_hex(&bytes);
    let manifest = manifest_of(&opts.dest);
    std::fs::write(&manifest, format!("{digest}  {}\n", opts.dest.display()))?;
    let rows: u64 = tables.iter().map(|t| t.1).sum();
    println!(
        "已备份到 {}（{} 字节，{} 张表 {} 行，SM3 {}）",
        opts.dest.display(),
        bytes.len(),
        tables.len(),
        rows,
        digest
    );
    println!("校验文件：{}", manifest.display());
    println!(
        "重要：请同时妥善保存密钥文件 {}，没有它无法校验审计日志、无法读取加密字段。",
        settings.key_file().display()
    );
    Ok(())
}

pub async fn restore(settings: Settings, opts: RestoreOpts) -> anyhow::Result<()> {
    let bytes = std::fs::read(&opts.src).with_context(|| format!("读不到备份文件 {}", opts.src.display()))?;
    let manifest = manifest_of(&opts.src);
    let expected = std::fs::read_to_string(&manifest)
        .with_context(|| format!("找不到校验文件 {}（备份时与备份文件一同生成）", manifest.display()))?;
    let expected = expected.split_whitespace().next().unwrap_or_default();
    if crate::crypto::sm3_hex(&bytes) != expected {
        bail!("备份文件 {} 与校验文件不符（文件损坏或被改动），不予恢复。", opts.src.display());
    }
    let key = settings.key_file();
    let Some(crypto) = SoftwareCrypto::load(&key)? else {
        bail!("找不到密钥文件 {}：请先把与备份一同保存的密钥文件放到这里。", key.display());
    };
    let url = settings.database_url();
    match crate::db::backend_of(url.expose())? {
        Backend::Sqlite => {
            let path = crate::db::sqlite_path(url.expose())?;
            if path.exists() && std::fs::metadata(&path)?.len() > 0 {
                bail!("目标数据库 {} 已存在，不会覆盖；请换一个数据目录或先移走它。", path.display());
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("restoring");
            std::fs::write(&tmp, &bytes)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &path)?;
        }
        Backend::Postgres => {
            let db = Db::connect(&url, &Default::default()).await?;
            let used = crate::db::table_digests(&db.read).await?;
            db.close().await;
            if !used.is_empty() {
                bail!("目标数据库已有 {} 张表，不会覆盖；请恢复到一个新建的空数据库。", used.len());
            }
            let out = Command::new("pg_restore")
                .args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "-d"])
                .arg(url.expose())
                .arg(&opts.src)
                .output()
                .context("找不到 pg_restore，请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）")?;
            if !out.status.success() {
                bail!("pg_restore 失败：{}", String::from_utf8_lossy(&out.stderr).trim());
            }
        }
    }
    let db = Db::connect_and_migrate(&url, &Default::default()).await?;
    if let Some(check) = crate::db::meta_get(&db.read, "key_check").await? {
        use crate::crypto::CryptoProvider;
        if check != crypto.key_check() {
            bail!("密钥文件 {} 与恢复的数据库不匹配：请使用备份时的密钥文件。", key.display());
        }
    }
    let report = crate::audit::verify(&db.read, &crypto).await?;
    let tables = crate::db::table_digests(&db.read).await?;
    db.close().await;
    if let Some((seq, why)) = report.first_bad {
        bail!("已恢复，但审计日志校验失败：{why}（第 {seq} 条）。请勿启用，先查明原因。");
    }
    let rows: u64 = tables.iter().map(|t| t.1).sum();
    println!(
        "已从 {} 恢复：{} 张表 {} 行；审计日志 {} 条，校验通过。",
        opts.src.display(),
        tables.len(),
        rows,
        report.rows_checked
    );
    Ok(())
}
