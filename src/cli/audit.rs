//! `qinglian audit verify`: walk the audit chain and name the first broken row.

use crate::{
    config::Settings,
    crypto::SoftwareCrypto,
    db::{self, Db},
};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check the HMAC-SM3 chain of the whole audit log. Exit status 1 when broken.
    Verify,
}

pub async fn run(settings: Settings, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Verify => {
            let db = Db::connect(&settings.database_url(), &Default::default()).await?;
            let path = settings.key_file();
            let Some(crypto) = SoftwareCrypto::load(&path)? else {
                anyhow::bail!("找不到密钥文件 {}，无法校验审计日志。", path.display());
            };
            if let Some(check) = db::meta_get(&db.read, "key_check").await? {
                use crate::crypto::CryptoProvider;
                if check != crypto.key_check() {
                    anyhow::bail!("密钥文件 {} 与数据库不匹配，无法校验。", path.display());
                }
            }
            let report = crate::audit::verify(&db.read, &crypto).await?;
            match report.first_bad {
                None => {
                    println!("审计日志完整：共 {} 条记录，HMAC-SM3 链校验通过。", report.rows_checked);
                    Ok(())
                }
                Some((seq, why)) => {
                    eprintln!(
                        "审计日志校验失败：{why}（第一处异常：第 {seq} 条；此前 {} 条完好）。",
                        report.rows_checked
                    );
                    std::process::exit(1);
                }
            }
        }
    }
}
