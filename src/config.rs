//! Typed settings: built-in defaults < `qinglian.toml` < `QINGLIAN_*` environment < command line.
//! Secrets (the database URL may carry a password) are wrapped so they never reach a log line.
//!
//! Security *policy* (password rules, lockout, timeouts) is not here: the 安全管理员 edits it at
//! run time, so it lives in the database (`authz::policy`). This file holds what an operator sets
//! before the server starts.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use serde::Deserialize;
use zeroize::Zeroize;

/// A string that must not be printed. `Debug` and `Display` show a placeholder.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Hide the password part of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Where the SQLite file, the key file and uploaded evidence live.
    pub data_dir: PathBuf,
    /// `sqlite:…` or `postgres://…`. Empty means `sqlite://<data_dir>/qinglian.db`.
    pub database_url: Option<Secret>,
    /// The address users type, e.g. `https://lz.sfj.example.gov.cn`. An `https` URL turns on
    /// `Secure` cookies (with the `__Host-` prefix) and HSTS.
    pub public_url: Option<String>,
    /// The key file (HMAC-SM3 audit key and SM4 data key). Default `<data_dir>/keys/qinglian.key`.
    pub key_file: Option<PathBuf>,
    /// Log filter, tracing syntax (`info`, `qinglian=debug`).
    pub log: String,
    /// Largest request body in MiB (uploads included).
    pub max_upload_mb: u64,
    /// Connections in the PostgreSQL pool.
    pub pg_pool_size: u32,
    /// Seconds a request waits for a database connection before answering 503.
    pub db_acquire_timeout_secs: u64,
    /// Peers whose `X-Forwarded-For` is believed (a reverse proxy). Empty: none.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Run the scheduled jobs in this process (reminders, escalations, digests).
    pub jobs: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".parse().expect("valid default address"),
            data_dir: PathBuf::from("data"),
            database_url: None,
            public_url: None,
            key_file: None,
            log: "info,sqlx=warn,sea_orm=warn".into(),
            max_upload_mb: 50,
            pg_pool_size: 10,
            db_acquire_timeout_secs: 5,
            trusted_proxies: Vec::new(),
            jobs: true,
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers in charge.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Settings {
    /// Build settings from every layer. `env` is passed in so tests need not touch the process.
    pub fn load(over: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let file = over
            .config_file
            .clone()
            .or_else(|| env("QINGLIAN_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("qinglian.toml"));
        let explicit_file = over.config_file.is_some() || env("QINGLIAN_CONFIG").is_some();
        let mut s: Settings = if file.exists() {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("读取配置文件 {} 失败", file.display()))?;
            toml::from_str(&text).with_context(|| format!("配置文件 {} 格式错误", file.display()))?
        } else if explicit_file {
            bail!("找不到配置文件 {}", file.display());
        } else {
            Settings::default()
        };

        if let Some(v) = env("QINGLIAN_BIND") {
            s.bind = v.parse().with_context(|| format!("QINGLIAN_BIND 不是有效的地址：{v}"))?;
        }
        if let Some(v) = env("QINGLIAN_DATA_DIR") {
            s.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("DATABASE_URL").or_else(|| env("QINGLIAN_DATABASE_URL"))
            && !v.is_empty()
        {
            s.database_url = Some(Secret::new(v));
        }
        if let Some(v) = env("QINGLIAN_PUBLIC_URL") {
            s.public_url = Some(v);
        }
        if let Some(v) = env("QINGLIAN_KEY_FILE") {
            s.key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = env("QINGLIAN_LOG") {
            s.log = v;
        }
        if let Some(v) = env("QINGLIAN_JOBS") {
            s.jobs = !matches!(v.as_str(), "0" | "false" | "off");
        }

        if let Some(v) = over.bind {
            s.bind = v;
        }
        if let Some(v) = &over.data_dir {
            s.data_dir = v.clone();
        }
        if let Some(v) = &over.database_url {
            s.database_url = Some(Secret::new(v.clone()));
        }
        if s.max_upload_mb == 0 {
            bail!("max_upload_mb 必须大于 0");
        }
        Ok(s)
    }

    /// The database URL to use: the configured one, or the default SQLite file.
    pub fn database_url(&self) -> Secret {
        match &self.database_url {
            Some(u) => u.clone(),
            None => Secret::new(format!("sqlite://{}", self.data_dir.join("qinglian.db").display())),
        }
    }

    pub fn key_file(&self) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| self.data_dir.join("keys").join("qinglian.key"))
    }

    /// Cookies get `Secure` and the `__Host-` prefix only when users reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_are_local_sqlite_on_8080() {
        let s = Settings::load(&Overrides::default(), &no_env).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url().expose(), "sqlite://data/qinglian.db");
        assert!(!s.secure_cookies());
    }

    #[test]
    fn command_line_beats_environment() {
        let env = |k: &str| match k {
            "DATABASE_URL" => Some("postgres://a:pw@h/db".to_string()),
            "QINGLIAN_BIND" => Some("0.0.0.0:9000".to_string()),
            _ => None,
        };
        let over = Overrides { bind: Some("127.0.0.1:7000".parse().unwrap()), ..Default::default() };
        let s = Settings::load(&over, &env).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:7000");
        assert_eq!(s.database_url().expose(), "postgres://a:pw@h/db");
    }

    #[test]
    fn secrets_and_urls_do_not_print_passwords() {
        let s = Secret::new("postgres://u:hunter2@h/db");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(redact_url("postgres://u:hunter2@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn a_bad_bind_address_is_named() {
        let env = |k: &str| (k == "QINGLIAN_BIND").then(|| "nonsense".to_string());
        let err = Settings::load(&Overrides::default(), &env).unwrap_err();
        assert!(err.to_string().contains("QINGLIAN_BIND"));
    }
}
