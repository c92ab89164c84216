//! The database: which backend, how to connect, and the few places where SQLite and PostgreSQL
//! must be treated differently. Nothing outside `db/` (and report queries) forks on the backend.
//!
//! - The backend comes from the URL scheme: `sqlite:` or `postgres:`/`postgresql:`, nothing else.
//!   A typo is an error, never a silently created file.
//! - SQLite runs in WAL mode with `synchronous=FULL`, foreign keys, `secure_delete` and a busy
//!   timeout. Writes go through a pool of one connection and start with `BEGIN IMMEDIATE`, so
//!   concurrent writers queue inside the process instead of failing with "database is locked";
//!   reads use a separate pool and never wait for writers.
//! - PostgreSQL uses one pool for both; a request that cannot get a connection within the
//!   acquire timeout answers 503.

pub mod entity;

use std::{path::PathBuf, str::FromStr, time::Duration};

use anyhow::{Context, bail};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, Set,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::OnConflict,
    sqlx::{
        self,
        postgres::{PgConnectOptions, PgPoolOptions},
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    },
};
use sea_orm_migration::MigratorTrait;

use crate::{config::Secret, migrations::Migrator};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Which backend a URL names. Only `sqlite:` and `postgres:`/`postgresql:` are accepted.
pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    let scheme = url.split(':').next().unwrap_or("");
    match scheme {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        _ => bail!(
            "不支持的数据库地址 “{}”：只接受 sqlite:… 或 postgres://… 开头的地址（unsupported database URL scheme）",
            crate::config::redact_url(url)
        ),
    }
}

/// The file a `sqlite:` URL points at.
pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        bail!("SQLite 地址必须指向一个文件（内存数据库无法在多个连接间共享）");
    }
    Ok(PathBuf::from(path))
}

/// Connection pools and the backend they talk to.
#[derive(Debug, Clone)]
pub struct Db {
    /// For reads outside a write transaction.
    pub read: DatabaseConnection,
    /// For write transactions. On SQLite a single connection; on PostgreSQL the same pool.
    pub write: DatabaseConnection,
    pub backend: Backend,
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub pg_pool_size: u32,
    pub acquire_timeout: Duration,
    pub sqlite_readers: u32,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { pg_pool_size: 10, acquire_timeout: Duration::from_secs(5), sqlite_readers: 4 }
    }
}

impl Db {
    /// Connect without migrating.
    pub async fn connect(url: &Secret, pools: &PoolSettings) -> anyhow::Result<Db> {
        let url = url.expose();
        match backend_of(url)? {
            Backend::Sqlite => {
                let path = sqlite_path(url)?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                    && !dir.is_dir()
                {
                    bail!("SQLite 数据库所在目录不存在：{}", dir.display());
                }
                let opts = SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("secure_delete", "ON")
                    .pragma("trusted_schema", "OFF");
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts.clone())
                    .await
                    .with_context(|| format!("无法打开 SQLite 数据库 {}", path.display()))?;
                let read = SqlitePoolOptions::new()
                    .max_connections(pools.sqlite_readers.max(1))
                    .acquire_timeout(pools.acquire_timeout)
                    .connect_with(opts.read_only(true))
                    .await
                    .with_context(|| format!("无法打开 SQLite 数据库 {}", path.display()))?;
                Ok(Db { read: read.into(), write: write.into(), backend: Backend::Sqlite })
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(|e| anyhow::anyhow!("PostgreSQL 地址无效：{e}"))?
                    .application_name("qinglian");
                let pool = PgPoolOptions::new()
                    .max_connections(pools.pg_pool_size.max(2))
                    .acquire_timeout(pools.acquire_timeout)
                    .test_before_acquire(true)
                    .connect_with(opts)
                    .await
                    .map_err(|e| anyhow::anyhow!("无法连接 PostgreSQL（{}）：{e}", crate::config::redact_url(url)))?;
                let conn: DatabaseConnection = pool.into();
                Ok(Db { read: conn.clone(), write: conn, backend: Backend::Postgres })
            }
        }
    }

    /// Connect and apply any pending migrations.
    pub async fn connect_and_migrate(url: &Secret, pools: &PoolSettings) -> anyhow::Result<Db> {
        let db = Self::connect(url, pools).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.write, None).await.context("数据库迁移失败")?;
        Ok(())
    }

    /// Migrations not yet applied.
    pub async fn pending_migrations(&self) -> anyhow::Result<Vec<String>> {
        Ok(Migrator::get_pending_migrations(&self.write).await?.iter().map(|m| m.name().to_string()).collect())
    }

    /// Start a write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.write
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }

    pub fn db_backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    /// On SQLite, the integrity check run at start (`PRAGMA quick_check`).
    pub async fn quick_check(&self) -> anyhow::Result<()> {
        if self.backend == Backend::Sqlite {
            let pool = self.read.get_sqlite_connection_pool();
            let row: (String,) = sqlx::query_as("PRAGMA quick_check").fetch_one(pool).await?;
            if row.0 != "ok" {
                bail!("SQLite 完整性检查失败：{}。请从备份恢复（见 README“备份与恢复”）。", row.0);
            }
        }
        Ok(())
    }

    /// Refresh the planner's statistics (`ANALYZE`). Run after bulk loads and once a day: without
    /// them PostgreSQL plans a freshly loaded 100k-row table as if it were empty (city-wide risk
    /// list 152 → 17 ms after `ANALYZE`), and SQLite cannot tell a selective index from a
    /// useless one. On SQLite the sample is bounded (`analysis_limit`), so the write lock it
    /// takes stays short on large files.
    pub async fn analyze(&self) -> Result<(), DbErr> {
        if self.backend == Backend::Sqlite {
            self.write.execute_unprepared("PRAGMA analysis_limit = 1000").await?;
        }
        self.write.execute_unprepared("ANALYZE").await?;
        Ok(())
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

/// Read a value from the `meta` table.
pub async fn meta_get(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(entity::meta::Entity::find_by_id(key.to_string()).one(conn).await?.map(|m| m.value))
}

/// Write a value to the `meta` table.
pub async fn meta_set(
    conn: &impl ConnectionTrait,
    key: &str,
    value: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    use entity::meta;
    meta::Entity::insert(meta::ActiveModel {
        key: Set(key.to_string()),
        value: Set(value.to_string()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(meta::Column::Key).update_columns([meta::Column::Value, meta::Column::UpdatedAt]).to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// A run-time parameter set from the `settings` table (a JSON value), or the defaults when it
/// was never saved or no longer parses.
pub async fn settings_get<T: serde::de::DeserializeOwned + Default>(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<T, DbErr> {
    Ok(entity::settings::Entity::find_by_id(key.to_string())
        .one(conn)
        .await?
        .and_then(|m| serde_json::from_str(&m.value).ok())
        .unwrap_or_default())
}

/// Serialise the transactions that number things (线索编号, 序号) under one key, until the
/// transaction ends: a PostgreSQL advisory lock. SQLite writes are serial already.
pub async fn serialize(conn: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        conn.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Save a parameter set (the caller validates it and audits, in the same transaction).
pub async fn settings_set<T: serde::Serialize>(
    conn: &impl ConnectionTrait,
    key: &str,
    value: &T,
    by: impl Into<Option<i64>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    use entity::settings;
    let json = serde_json::to_string(value).map_err(|e| DbErr::Custom(format!("settings {key}: {e}")))?;
    settings::Entity::insert(settings::ActiveModel {
        key: Set(key.to_string()),
        value: Set(json),
        updated_at: Set(now),
        updated_by: Set(by.into()),
    })
    .on_conflict(
        OnConflict::column(settings::Column::Key)
            .update_columns([settings::Column::Value, settings::Column::UpdatedAt, settings::Column::UpdatedBy])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

pub async fn meta_delete(conn: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    entity::meta::Entity::delete_by_id(key.to_string()).exec(conn).await?;
    Ok(())
}

/// Row count and SM3 digest of every application table's content, by table name. Backups are
/// checked against it after a restore (same backend: the digests compare rows as the backend
/// prints them).
pub async fn table_digests(conn: &impl ConnectionTrait) -> Result<Vec<(String, u64, String)>, DbErr> {
    use sea_orm::Statement;
    let backend = conn.get_database_backend();
    let list_sql = match backend {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'seaql_migrations' ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY 1"
        }
    };
    let tables: Vec<String> = conn
        .query_all_raw(Statement::from_string(backend, list_sql))
        .await?
        .into_iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let sql = match backend {
            DbBackend::Postgres => format!("SELECT x::text FROM \"{t}\" x ORDER BY 1"),
            _ => {
                let cols: Vec<String> = conn
                    .query_all_raw(Statement::from_string(backend, format!("PRAGMA table_info(\"{t}\")")))
                    .await?
                    .into_iter()
                    .filter_map(|r| r.try_get::<String>("", "name").ok())
                    .collect();
                let row = cols.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || '|' || ");
                format!("SELECT {row} FROM \"{t}\" ORDER BY 1")
            }
        };
        let rows = conn.query_all_raw(Statement::from_string(backend, sql)).await?;
        let mut text = String::new();
        for r in &rows {
            text.push_str(&r.try_get_by_index::<String>(0).unwrap_or_default());
            text.push('\n');
        }
        out.push((t, rows.len() as u64, crate::crypto::sm3_hex(text.as_bytes())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_two_schemes_are_accepted() {
        assert_eq!(backend_of("sqlite://data/q.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("sqlite:q.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(backend_of("postgresql://u@h/db").unwrap(), Backend::Postgres);
        for bad in ["mysql://u@h/db", "sqlit://x.db", "data/q.db", "", "file:q.db"] {
            let e = backend_of(bad).unwrap_err().to_string();
            assert!(e.contains("不支持的数据库地址"), "{bad}: {e}");
        }
    }

    #[test]
    fn bad_url_message_hides_the_password() {
        let e = backend_of("mysql://root:hunter2@h/db").unwrap_err().to_string();
        assert!(!e.contains("hunter2"));
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://data/q.db?mode=rwc").unwrap(), PathBuf::from("data/q.db"));
        assert_eq!(sqlite_path("sqlite:/tmp/q.db").unwrap(), PathBuf::from("/tmp/q.db"));
        assert!(sqlite_path("sqlite::memory:").is_err());
    }

    #[tokio::test]
    async fn sqlite_in_a_missing_directory_is_an_error_not_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let url = Secret::new(format!("sqlite://{}/nope/q.db", dir.path().display()));
        let e = Db::connect(&url, &PoolSettings::default()).await.unwrap_err();
        assert!(e.to_string().contains("目录不存在"));
        assert!(!dir.path().join("nope").exists());
    }
}
