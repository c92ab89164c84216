//! Both backends end with the same schema after migration.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::{Backend, TestApp};

/// (table, column, nullable, type class) for every user table, plus index names.
async fn describe(app: &TestApp) -> (BTreeSet<(String, String, bool, &'static str)>, BTreeSet<String>) {
    let db = &app.state.db.read;
    let be = db.get_database_backend();
    let mut cols = BTreeSet::new();
    let mut idx = BTreeSet::new();
    let class = |t: &str| -> &'static str {
        let t = t.to_lowercase();
        if t.contains("bool") {
            "bool"
        } else if t.contains("timestamp") {
            "timestamp"
        } else if t == "date" || t.starts_with("date ") || t == "date_text" {
            "date"
        } else if t.contains("uuid") {
            "uuid"
        } else if t.contains("int") || t.contains("serial") {
            "integer"
        } else if t.contains("char") || t.contains("text") {
            "text"
        } else {
            "other"
        }
    };
    match app.backend {
        Backend::Sqlite => {
            let tables = db
                .query_all_raw(Statement::from_string(be, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"))
                .await
                .unwrap();
            for t in tables {
                let name: String = t.try_get("", "name").unwrap();
                let info = db
                    .query_all_raw(Statement::from_string(be, format!("PRAGMA table_info(\"{name}\")")))
                    .await
                    .unwrap();
                for c in info {
                    let col: String = c.try_get("", "name").unwrap();
                    let ty: String = c.try_get("", "type").unwrap();
                    let notnull: i32 = c.try_get("", "notnull").unwrap();
                    let pk: i32 = c.try_get("", "pk").unwrap();
                    cols.insert((name.clone(), col, notnull == 0 && pk == 0, class(&ty)));
                }
            }
            let rows = db
                .query_all_raw(Statement::from_string(
                    be,
                    "SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%'",
                ))
                .await
                .unwrap();
            for r in rows {
                idx.insert(r.try_get::<String>("", "name").unwrap());
            }
        }
        Backend::Postgres => {
            let rows = db
                .query_all_raw(Statement::from_string(
                    be,
                    "SELECT table_name::text AS t, column_name::text AS c, is_nullable::text AS n, data_type::text AS ty \
                     FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'",
                ))
                .await
                .unwrap();
            for r in rows {
                let t: String = r.try_get("", "t").unwrap();
                let c: String = r.try_get("", "c").unwrap();
                let n: String = r.try_get("", "n").unwrap();
                let ty: String = r.try_get("", "ty").unwrap();
                cols.insert((t, c, n == "YES", class(&ty)));
            }
            let rows = db
                .query_all_raw(Statement::from_string(be, "SELECT indexname::text AS i FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'"))
                .await
                .unwrap();
            for r in rows {
                idx.insert(r.try_get::<String>("", "i").unwrap());
            }
        }
    }
    (cols, idx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_end_with_the_same_schema() {
    let sqlite = TestApp::start(Backend::Sqlite).await.unwrap();
    let Some(pg) = TestApp::start(Backend::Postgres).await else { return };
    let (sc, si) = describe(&sqlite).await;
    let (pc, pi) = describe(&pg).await;
    let only_sqlite: Vec<_> = sc.difference(&pc).collect();
    let only_pg: Vec<_> = pc.difference(&sc).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "columns differ:\n sqlite only {only_sqlite:#?}\n pg only {only_pg:#?}"
    );
    assert!(sc.len() > 60, "suspiciously few columns: {}", sc.len());
    // Named indexes (unique constraints differ in naming between backends and are covered above).
    let named_s: BTreeSet<_> = si.iter().filter(|i| i.starts_with("ix_") || i.starts_with("ux_")).collect();
    let named_p: BTreeSet<_> = pi.iter().filter(|i| i.starts_with("ix_") || i.starts_with("ux_")).collect();
    assert_eq!(named_s, named_p);
    assert!(named_s.len() >= 10);
    sqlite.finish().await;
    pg.finish().await;
}
