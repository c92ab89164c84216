//! The audit log: chained, verifiable, tamper-evident, and written with the change or not at all.

use axum::http::{Method, StatusCode};
use sea_orm::ConnectionTrait;

use crate::{
    dual_test,
    helpers::{Backend, PASSWORD, TestApp, audit_count, fixture},
};

async fn verify(app: &TestApp) -> qinglian::audit::VerifyReport {
    qinglian::audit::verify(&app.state.db.read, app.state.crypto.as_ref()).await.unwrap()
}

/// Run raw SQL as an attacker with database access would (triggers bypassed).
async fn tamper(app: &TestApp, sql: &str) {
    let w = &app.state.db.write;
    match app.backend {
        Backend::Sqlite => {
            w.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_update").await.unwrap();
            w.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_delete").await.unwrap();
            w.execute_unprepared(sql).await.unwrap();
        }
        Backend::Postgres => {
            w.execute_unprepared("ALTER TABLE audit_log DISABLE TRIGGER USER").await.unwrap();
            w.execute_unprepared(sql).await.unwrap();
            w.execute_unprepared("ALTER TABLE audit_log ENABLE TRIGGER USER").await.unwrap();
        }
    }
}

async fn some_activity(app: &TestApp) {
    let fx = fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    let parent = fx.unit("c1").uuid.to_string();
    for i in 0..5 {
        let code = format!("AU{i}");
        let r = c
            .json(
                Method::POST,
                "/api/v1/units",
                &serde_json::json!({"code": code, "name": "审计测试", "kind": "department", "parent": parent}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
}

dual_test!(the_chain_verifies_after_real_activity, |app: &TestApp| async move {
    some_activity(app).await;
    let r = verify(app).await;
    assert!(r.ok(), "{r:?}");
    assert!(r.rows_checked >= 6);
    // Rows carry who, when, what, from where; and the diff of what changed.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let row = qinglian::audit::entity::Entity::find()
        .filter(qinglian::audit::entity::Column::Event.eq("unit.create"))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.actor_name, "sysadmin");
    assert_eq!(row.actor_roles, "sysadmin");
    assert!(row.detail.contains("审计测试"));
    assert!(!row.request_id.is_empty() && row.session_ref.len() == 12);
});

dual_test!(the_database_refuses_edits_and_deletes_of_audit_rows, |app: &TestApp| async move {
    some_activity(app).await;
    let w = &app.state.db.write;
    assert!(w.execute_unprepared("UPDATE audit_log SET actor_name = 'x' WHERE seq = 1").await.is_err());
    assert!(w.execute_unprepared("DELETE FROM audit_log WHERE seq = 1").await.is_err());
    assert!(verify(app).await.ok());
});

dual_test!(an_edited_row_is_named, |app: &TestApp| async move {
    some_activity(app).await;
    tamper(app, "UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 3").await;
    let r = verify(app).await;
    assert_eq!(r.first_bad.as_ref().map(|b| b.0), Some(3), "{r:?}");
    assert!(r.first_bad.unwrap().1.contains("第 3 条"));
});

dual_test!(a_deleted_row_is_named, |app: &TestApp| async move {
    some_activity(app).await;
    tamper(app, "DELETE FROM audit_log WHERE seq = 4").await;
    let r = verify(app).await;
    assert_eq!(r.first_bad.map(|b| b.0), Some(4));
});

dual_test!(a_truncated_tail_is_detected, |app: &TestApp| async move {
    some_activity(app).await;
    let last = qinglian::audit::repo::count_all(&app.state.db.read).await.unwrap() as i64;
    tamper(app, &format!("DELETE FROM audit_log WHERE seq >= {}", last - 1)).await;
    let r = verify(app).await;
    assert!(!r.ok());
    assert!(r.first_bad.unwrap().1.contains("截断"));
});

dual_test!(if_the_audit_write_fails_the_change_rolls_back, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    // Break the audit log: without its head row no event can be appended.
    app.state.db.write.execute_unprepared("DELETE FROM audit_head").await.unwrap();
    let parent = fx.unit("c1").uuid.to_string();
    let r = c
        .json(
            Method::POST,
            "/api/v1/units",
            &serde_json::json!({"code": "NOAUDIT", "name": "无审计", "kind": "department", "parent": parent}),
        )
        .await;
    assert!(r.status.is_server_error(), "{}", r.status);
    assert!(r.json()["request_id"].is_string());
    assert!(
        qinglian::features::org::repo::find_unit_by_code(&app.state.db.read, "NOAUDIT").await.unwrap().is_none(),
        "the change rolled back"
    );
});

dual_test!(the_audit_admin_searches_exports_and_verifies, |app: &TestApp| async move {
    some_activity(app).await;
    let mut a = app.login("auditadmin", PASSWORD).await;
    let r = a.get("/admin/audit?event=unit.create").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("unit.create") && !r.text.contains("<code>login.ok</code>"));
    let r = a.get("/admin/audit?from=2026-13-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("起始日期"));
    let x = a.get("/admin/audit/export.xlsx?actor=sysadmin").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.bytes.starts_with(b"PK"));
    let v = a.post_form("/admin/audit/verify", &[]).await;
    assert!(v.text.contains("校验通过"), "{}", v.text);
    assert_eq!(audit_count(app, "audit.export").await, 1);
    assert_eq!(audit_count(app, "audit.verify").await, 1);
    assert!(audit_count(app, "audit.search").await >= 1);
    // A newline in a user name cannot forge a second log line.
    let row = qinglian::audit::Event::new("test.event", "x", "a\n2026-01-01 INFO admin login ok");
    app.state.audit(&qinglian::audit::Actor { name: "evil\nname".into(), ..Default::default() }, row).await.unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let stored = qinglian::audit::entity::Entity::find()
        .filter(qinglian::audit::entity::Column::Event.eq("test.event"))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.object_id.contains('\n') && !stored.actor_name.contains('\n'));
});
