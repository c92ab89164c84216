//! Sign-in, lockout, sessions, forced password change, CSRF, API tokens.

use axum::http::{Method, StatusCode};
use chrono::Duration;

use crate::{
    dual_test,
    helpers::{PASSWORD, audit_count, fixture},
};

dual_test!(login_logout_and_replay, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.login("liaison_a", PASSWORD).await;
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("退出"), "logout control on every page");
    let old = c.cookies.clone();
    let out = c.post_form("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.headers.get("clear-site-data").is_some());
    // Replaying the old cookie gets the login page, not the app.
    let mut replay = app.client();
    replay.cookies = old;
    let r = replay.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
    assert_eq!(audit_count(app, "login.ok").await, 1);
    assert_eq!(audit_count(app, "logout").await, 1);
});

dual_test!(five_failures_lock_the_account_even_against_the_right_password, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.client();
    for _ in 0..4 {
        let r = c.login("liaison_a", "wrong-password-1A").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.text.contains("用户名或密码错误"));
    }
    let r = c.login("liaison_a", "wrong-password-1A").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("锁定"));
    // The right password does not help while locked, and says so.
    let r = c.login("liaison_a", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("锁定"), "{}", r.text);
    assert!(r.headers.get("retry-after").is_some());
    assert_eq!(audit_count(app, "login.failed").await, 5);
    assert_eq!(audit_count(app, "account.locked").await, 1);
    assert_eq!(audit_count(app, "login.refused_locked").await, 1);
    // Thirty minutes later the lock is over.
    app.clock.advance(Duration::minutes(30));
    let r = c.login("liaison_a", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
});

dual_test!(unknown_user_and_wrong_password_look_the_same, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.client();
    let a = c.login("no-such-user", "Whatever-123x").await;
    let b = c.login("liaison_a", "Whatever-123x").await;
    assert_eq!(a.status, b.status);
    assert!(a.text.contains("用户名或密码错误") && b.text.contains("用户名或密码错误"));
});

dual_test!(idle_timeout_and_absolute_lifetime, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.login("leader_a", PASSWORD).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(31));
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "idle 31 min ends the session");
    assert_eq!(audit_count(app, "session.idle_timeout").await, 1);
    let r = c.get("/login").await;
    assert!(r.text.contains("会话已超时") || r.status == StatusCode::OK);

    // Active all along, but 8 hours is the limit.
    let mut c = app.login("leader_a", PASSWORD).await;
    for _ in 0..23 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(c.get("/").await.status, StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(21));
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "absolute lifetime");
    assert_eq!(audit_count(app, "session.lifetime_end").await, 1);
});

dual_test!(session_id_is_renewed_at_login, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.client();
    c.cookies.insert("qinglian_sid".into(), "attacker-chosen-value".into());
    let r = c.login("liaison_a", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let sid = c.cookies.get("qinglian_sid").unwrap();
    assert_ne!(sid, "attacker-chosen-value");
    assert!(sid.len() >= 43);
});

dual_test!(forced_password_change_for_new_accounts, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut admin = app.login("sysadmin", PASSWORD).await;
    let staff = fx.person("a_spare").staff_no.clone().unwrap();
    let r = admin.post_form("/admin/users", &[("staff_no", &staff), ("username", "ZhangJu")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let pw = r.text.split("class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    // Full-width and case variants are the same name.
    let other = fx.person("b_staff").staff_no.clone().unwrap();
    let dup = admin.post_form("/admin/users", &[("staff_no", &other), ("username", "ｚｈａｎｇｊｕ")]).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.text.contains("该用户名已被使用"), "{}", dup.text);

    let mut u = app.client();
    let r = u.login("zhangju", &pw).await;
    assert_eq!(r.location(), "/account/password");
    let r = u.get("/org/people").await;
    assert_eq!(r.location(), "/account/password", "every page leads to the password change");
    let api = u.get("/api/v1/me").await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(api.json()["code"], "password_change_required");
    let _ = u.get("/account/password").await;
    let weak =
        u.post_form("/account/password", &[("current", &pw), ("new", "password123"), ("confirm", "password123")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text.contains("新密码"), "names the field");
    let mismatch = u
        .post_form("/account/password", &[("current", &pw), ("new", "Lz-Strong#2026a"), ("confirm", "Lz-Strong#2026b")])
        .await;
    assert!(mismatch.text.contains("不一致"));
    let ok = u
        .post_form("/account/password", &[("current", &pw), ("new", "Lz-Strong#2026a"), ("confirm", "Lz-Strong#2026a")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert_eq!(u.get("/").await.status, StatusCode::OK);
    assert_eq!(audit_count(app, "password.changed").await, 1);
});

dual_test!(initial_passwords_expire, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut admin = app.login("sysadmin", PASSWORD).await;
    let staff = fx.person("b_staff").staff_no.clone().unwrap();
    let r = admin.post_form("/admin/users", &[("staff_no", &staff), ("username", "qian")]).await;
    let pw = r.text.split("class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    app.clock.advance(Duration::hours(73));
    let mut u = app.client();
    let r = u.login("qian", &pw).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("初始密码已过期"));
});

dual_test!(disabling_a_user_ends_their_sessions_at_once, |app: &TestApp| async move {
    fixture(app).await;
    let mut victim = app.login("liaison_a", PASSWORD).await;
    assert_eq!(victim.get("/org/people").await.status, StatusCode::OK);
    let mut admin = app.login("sysadmin", PASSWORD).await;
    let users = admin.json(Method::GET, "/api/v1/users?q=liaison_a", &serde_json::Value::Null).await;
    let id = users.json()["items"][0]["id"].as_str().unwrap().to_string();
    let _ = admin.get(&format!("/admin/users/{id}")).await;
    let r = admin.post_form(&format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = victim.get("/org/people").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
    let again = app.client().login("liaison_a", PASSWORD).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(audit_count(app, "user.disable").await, 1);
});

dual_test!(csrf_is_required_on_every_state_change, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    let parent = fx.unit("c1").uuid.to_string();
    let fields = [("code", "X1"), ("name", "新科室"), ("kind", "department"), ("parent", parent.as_str())];
    let r = c.post_form_raw("/org/units", &fields, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
    let mut with_bad = fields.to_vec();
    with_bad.push(("_csrf", "not-the-token"));
    assert_eq!(c.post_form_raw("/org/units", &with_bad, &[]).await.status, StatusCode::FORBIDDEN);
    let token = c.csrf.clone().unwrap();
    let mut good = fields.to_vec();
    good.push(("_csrf", &token));
    let evil = c.post_form_raw("/org/units", &good, &[("origin", "https://evil.example")]).await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN, "cross-origin refused even with the token");
    let cross = c.post_form_raw("/org/units", &good, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let ok = c.post_form_raw("/org/units", &good, &[("origin", "http://localhost")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert!(audit_count(app, "csrf.rejected").await >= 4);
    // JSON with a cookie session needs the header; text/plain is not JSON.
    let mut c2 = app.login("sysadmin", PASSWORD).await;
    c2.csrf = Some("wrong".into());
    let r = c2
        .json(
            Method::POST,
            "/api/v1/units",
            &serde_json::json!({"code":"X2","name":"n","kind":"department","parent":parent}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
});

dual_test!(api_tokens_are_shown_once_hashed_and_revocable, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.login("jjz", PASSWORD).await;
    let _ = c.get("/account").await;
    let r = c.post_form("/account/tokens", &[("name", "报表脚本"), ("days", "30")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r.text.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(token.starts_with("ql_"));
    // Not shown again.
    assert!(!c.get("/account").await.text.contains(&token));
    // Stored only as a hash.
    use sea_orm::EntityTrait;
    let rows = qinglian::auth::entity::api_token::Entity::find().all(&app.state.db.read).await.unwrap();
    assert!(rows.iter().all(|t| t.token_hash != token && !t.token_hash.contains(&token[3..])));
    let mut api = app.client();
    api.bearer = Some(token.clone());
    let me = api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "jjz");
    let uuid = rows[0].uuid.to_string();
    let r = c.post_form(&format!("/account/tokens/{uuid}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let me = api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.json()["code"], "unauthenticated");
    // A made-up token is refused the same way.
    api.bearer = Some("ql_forged".into());
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
});

dual_test!(first_start_setup_creates_three_separated_admins, |app: &TestApp| async move {
    let code = qinglian::features::accounts::setup::issue_code_if_needed(&app.state).await.unwrap().unwrap();
    let mut c = app.client();
    assert_eq!(c.get("/login").await.location(), "/setup");
    let _ = c.get("/setup").await;
    let bad = c
        .post_form(
            "/setup",
            &[("code", "AAAA-BBBB-CCCC"), ("root_name", "清源市司法局"), ("root_code", "QY"), ("root_kind", "city")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("设置码不正确"));
    let ok = c
        .post_form(
            "/setup",
            &[
                ("code", &code.to_lowercase()),
                ("root_name", "清源市司法局"),
                ("root_code", "QY"),
                ("root_kind", "city"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let pws: Vec<String> =
        ok.text.split("class=\"secret\">").skip(1).map(|s| s.split('<').next().unwrap().to_string()).collect();
    assert_eq!(pws.len(), 3);
    // The code works once.
    let again =
        c.post_form("/setup", &[("code", &code), ("root_name", "x"), ("root_code", "Y"), ("root_kind", "city")]).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    let r = app.client().login("secadmin", &pws[1]).await;
    assert_eq!(r.location(), "/account/password");
});
