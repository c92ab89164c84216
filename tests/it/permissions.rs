//! The route table and the permission matrix: every route refuses the unauthenticated and the
//! unauthorised; every object outside a caller's scope answers 404 and is audited.

use axum::http::{Method, StatusCode};
use qinglian::authz::Access;

use crate::{
    dual_test,
    helpers::{Client, Fixture, PASSWORD, audit_count, fixture},
};

fn concrete(path: &str) -> String {
    path.replace("{id}", "6f9619ff-8b86-4d01-b42d-00cf4fc964ff").replace("{name}", "app.css")
}

async fn call(c: &mut Client, method: &str, path: &str) -> crate::helpers::Resp {
    let is_api = path.starts_with("/api/");
    match (method, is_api) {
        ("GET", _) => c.get(path).await,
        ("POST", false) => c.post_form(path, &[]).await,
        (m, _) => c.json(m.parse::<Method>().unwrap(), path, &serde_json::json!({})).await,
    }
}

dual_test!(every_route_declares_access_and_enforces_it, |app: &TestApp| async move {
    fixture(app).await;
    let table = qinglian::startup::route_table();
    assert!(table.len() > 40, "routes: {}", table.len());
    let mut seen = std::collections::HashSet::new();
    for r in &table {
        assert!(seen.insert((r.method, r.path)), "route registered twice: {} {}", r.method, r.path);
    }
    let mut anon = app.client();
    let mut nobody = app.login("nobody", PASSWORD).await;
    for r in &table {
        let path = concrete(r.path);
        match r.access {
            Access::Public => {
                // Public routes answer anyone (a failed login is a 401 page, not a refusal to serve).
                let resp = call(&mut anon, r.method, &path).await;
                assert!(!resp.status.is_server_error(), "{} {} → {}", r.method, r.path, resp.status);
                if r.method == "GET" {
                    assert!(
                        resp.status.is_success()
                            || resp.status.is_redirection()
                            || resp.status == StatusCode::NOT_FOUND,
                        "{} {} → {}",
                        r.method,
                        r.path,
                        resp.status
                    );
                }
            }
            Access::Authenticated | Access::Perm(_) => {
                let resp = call(&mut anon, r.method, &path).await;
                if path.starts_with("/api/") {
                    assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{} {} without a session", r.method, r.path);
                    assert_eq!(resp.json()["code"], "unauthenticated");
                } else {
                    assert_eq!(
                        resp.status,
                        StatusCode::SEE_OTHER,
                        "{} {} without a session: {}",
                        r.method,
                        r.path,
                        resp.text
                    );
                    assert!(resp.location().starts_with("/login"), "{} {}", r.method, r.path);
                }
                if let Access::Perm(p) = r.access {
                    let resp = call(&mut nobody, r.method, &path).await;
                    assert_eq!(
                        resp.status,
                        StatusCode::FORBIDDEN,
                        "{} {} needs {:?}: {}",
                        r.method,
                        r.path,
                        p,
                        resp.text
                    );
                }
            }
        }
    }
    assert!(audit_count(app, "authz.denied").await > 20);
});

/// One expectation: (user, method, path with {u}/{p}/{acct} placeholders, object key, status).
type Case = (&'static str, &'static str, &'static str, &'static str, u16);

fn fill(fx: &Fixture, path: &str, obj: &str, accounts: &std::collections::HashMap<String, String>) -> String {
    let (unit, person) = match obj {
        "in_a" => (fx.unit("a"), fx.person("a_staff")),
        "in_b" => (fx.unit("b"), fx.person("b_staff")),
        "in_d" => (fx.unit("d"), fx.person("d_staff")),
        "in_c1" => (fx.unit("office"), fx.person("clerk")),
        other => panic!("unknown object {other}"),
    };
    let acct = match obj {
        "in_a" => &accounts["liaison_a"],
        "in_b" => &accounts["liaison_b"],
        "in_d" => &accounts["nobody"],
        _ => &accounts["office"],
    };
    path.replace("{u}", &unit.uuid.to_string()).replace("{p}", &person.uuid.to_string()).replace("{acct}", acct)
}

dual_test!(permission_matrix_roles_by_scope_by_endpoint, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut accounts = std::collections::HashMap::new();
    {
        use sea_orm::EntityTrait;
        for u in qinglian::auth::entity::user::Entity::find().all(&app.state.db.read).await.unwrap() {
            accounts.insert(u.username.clone(), u.uuid.to_string());
        }
    }
    let endpoints: &[(&str, &str)] = &[
        ("GET", "/org/units/{u}"),
        ("GET", "/api/v1/units/{u}"),
        ("GET", "/org/units/{u}/edit"),
        ("GET", "/org/people/{p}"),
        ("GET", "/api/v1/people/{p}"),
        ("GET", "/org/people/{p}/edit"),
        ("GET", "/admin/users/{acct}"),
        ("GET", "/api/v1/users/{acct}"),
    ];
    // Expected statuses per user for objects in A, in B, in D (another city) and in the city office.
    // 200 = allowed; 403 = no permission for the route; 404 = permission, but object out of scope.
    #[rustfmt::skip]
    let expect: &[(&str, [[u16; 4]; 8])] = &[
        //               unit view           unit api            unit edit           person view         person api          person edit         user page           user api
        ("sysadmin",   [[200,200,404,200], [200,200,404,200], [200,200,404,200], [200,200,404,200], [200,200,404,200], [200,200,404,200], [200,200,404,200], [200,200,404,200]]),
        ("secadmin",   [[200,200,404,200], [200,200,404,200], [403,403,403,403], [200,200,404,200], [200,200,404,200], [403,403,403,403], [200,200,404,200], [200,200,404,200]]),
        ("auditadmin", [[403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403]]),
        ("jjz",        [[200,200,404,200], [200,200,404,200], [403,403,403,403], [200,200,404,200], [200,200,404,200], [403,403,403,403], [403,403,403,403], [403,403,403,403]]),
        ("office",     [[200,200,404,200], [200,200,404,200], [403,403,403,403], [200,200,404,200], [200,200,404,200], [200,200,404,200], [403,403,403,403], [403,403,403,403]]),
        ("leader_a",   [[200,404,404,404], [200,404,404,404], [403,403,403,403], [200,404,404,404], [200,404,404,404], [403,403,403,403], [403,403,403,403], [403,403,403,403]]),
        ("liaison_a",  [[200,404,404,404], [200,404,404,404], [403,403,403,403], [200,404,404,404], [200,404,404,404], [403,403,403,403], [403,403,403,403], [403,403,403,403]]),
        ("liaison_b",  [[404,200,404,404], [404,200,404,404], [403,403,403,403], [404,200,404,404], [404,200,404,404], [403,403,403,403], [403,403,403,403], [403,403,403,403]]),
        ("cadre_a",    [[403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403], [403,403,403,403]]),
    ];
    let objects = ["in_a", "in_b", "in_d", "in_c1"];
    let mut cases: Vec<Case> = Vec::new();
    for (user, rows) in expect {
        for (e, statuses) in endpoints.iter().zip(rows.iter()) {
            for (o, st) in objects.iter().zip(statuses.iter()) {
                cases.push((user, e.0, e.1, o, *st));
            }
        }
    }
    let before = audit_count(app, "authz.out_of_scope").await;
    let mut expected_denials = 0;
    let mut clients = std::collections::HashMap::new();
    for (user, method, path, obj, status) in &cases {
        let c = match clients.get_mut(user) {
            Some(c) => c,
            None => {
                clients.insert(*user, app.login(user, PASSWORD).await);
                clients.get_mut(user).unwrap()
            }
        };
        let p = fill(&fx, path, obj, &accounts);
        let r = call(c, method, &p).await;
        assert_eq!(
            r.status.as_u16(),
            *status,
            "{user} {method} {path} [{obj}] → {}",
            r.text.chars().take(300).collect::<String>()
        );
        if *status == 404 {
            expected_denials += 1;
            // Out of scope looks exactly like missing.
            let missing = call(
                c,
                method,
                &concrete(&path.replace("{u}", "{id}").replace("{p}", "{id}").replace("{acct}", "{id}")),
            )
            .await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND);
            if p.starts_with("/api/") {
                assert_eq!(r.json(), missing.json());
            }
        }
    }
    assert_eq!(audit_count(app, "authz.out_of_scope").await - before, expected_denials as u64);
});

dual_test!(writes_outside_scope_change_nothing, |app: &TestApp| async move {
    let fx = fixture(app).await;
    // The personnel office of city C1 cannot put a person into county D (city C2).
    let mut office = app.login("office", PASSWORD).await;
    let d = fx.unit("d").uuid.to_string();
    let r = office
        .json(
            Method::POST,
            "/api/v1/people",
            &serde_json::json!({"name":"越权","gender":"M","unit":d,"rank":"keyuan","political_status":"cpc"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "unit");
    let dp = fx.person("d_staff").uuid;
    let r = office.json(Method::PATCH, &format!("/api/v1/people/{dp}"), &serde_json::json!({"name":"改名"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let now =
        qinglian::features::org::repo::find_person(&app.state.db.read, fx.person("d_staff").id).await.unwrap().unwrap();
    assert_eq!(now.name, "孙干部");
    // Moving a person of A to D is refused; mass-assignment of unknown fields is refused.
    let ap = fx.person("a_staff").uuid;
    let r = office.json(Method::PATCH, &format!("/api/v1/people/{ap}"), &serde_json::json!({"unit": d})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = office
        .json(Method::PATCH, &format!("/api/v1/people/{ap}"), &serde_json::json!({"deleted_at": "2020-01-01"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "deleted_at");
});

dual_test!(canary_of_county_b_never_reaches_county_a, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut a = app.login("liaison_a", PASSWORD).await;
    let b = fx.unit("b").uuid.to_string();
    let c1 = fx.unit("c1").uuid.to_string();
    for path in [
        "/org/people".to_string(),
        format!("/org/people?unit={b}"),
        format!("/org/people?unit={c1}"),
        "/org/people?name=CANARY".to_string(),
        "/org/people?page=999".to_string(),
        "/api/v1/people?per_page=200".to_string(),
        format!("/api/v1/people?unit={b}"),
        "/api/v1/units".to_string(),
        "/org/units".to_string(),
        "/".to_string(),
    ] {
        let r = a.get(&path).await;
        assert!(r.status.is_success(), "{path}: {}", r.status);
        assert!(!r.text.contains("CANARY-B"), "{path} leaked B's data");
        assert!(!r.text.contains("西山区司法局"), "{path} leaked B's unit");
    }
    // Leaders may export; their export holds only their subtree.
    let mut l = app.login("leader_a", PASSWORD).await;
    let r = l.get(&format!("/org/people/export.xlsx?unit={c1}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!String::from_utf8_lossy(&r.bytes).contains("CANARY"));
});

dual_test!(three_admins_are_separated, |app: &TestApp| async move {
    fixture(app).await;
    let mut sys = app.login("sysadmin", PASSWORD).await;
    assert_eq!(sys.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(sys.get("/admin/roles").await.status, StatusCode::FORBIDDEN);
    assert_eq!(sys.get("/admin/policy").await.status, StatusCode::FORBIDDEN);
    let mut sec = app.login("secadmin", PASSWORD).await;
    assert_eq!(sec.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        sec.post_form("/admin/users", &[("staff_no", "P001"), ("username", "x1")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(sec.get("/admin/roles").await.status, StatusCode::OK);
    let mut aud = app.login("auditadmin", PASSWORD).await;
    assert_eq!(aud.get("/org/people").await.status, StatusCode::FORBIDDEN);
    assert_eq!(aud.get("/admin/users").await.status, StatusCode::FORBIDDEN);
    assert_eq!(aud.get("/admin/audit").await.status, StatusCode::OK);
    // Granting a second admin role to an admin, or a business role to one, is refused.
    let _ = sec.get("/admin/roles").await;
    let units = sec.json(Method::GET, "/api/v1/units", &serde_json::Value::Null).await.json();
    let root = units["items"][0]["id"].as_str().unwrap().to_string();
    let r = sec.post_form("/admin/roles", &[("username", "sysadmin"), ("role", "auditadmin"), ("unit", &root)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("三员分立"), "{}", r.text);
    let r = sec.post_form("/admin/roles", &[("username", "auditadmin"), ("role", "discipline"), ("unit", &root)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A business grant takes effect on the next request.
    let mut cadre = app.login("cadre_a", PASSWORD).await;
    assert_eq!(cadre.get("/org/people").await.status, StatusCode::FORBIDDEN);
    let r = sec.post_form("/admin/roles", &[("username", "cadre_a"), ("role", "liaison"), ("unit", &root)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(cadre.get("/org/people").await.status, StatusCode::OK);
    assert_eq!(audit_count(app, "role.grant").await, 1);
});

dual_test!(a_settled_scope_selects_the_same_units_in_either_form, |app: &TestApp| async move {
    use qinglian::{
        authz::{Scope, repo::settle_scope},
        features::org::entity::person,
    };
    use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
    let f = fixture(app).await;
    let db = &app.state.db.read;
    let people_in = |s: Scope| async move {
        let mut ids: Vec<i64> = person::Entity::find()
            .filter(s.scan_unit_condition(person::Column::UnitId))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        ids.sort();
        ids
    };
    // 清源市 holds five of the seven units: the broad form (NOT IN the two outside) is chosen.
    let broad = Scope::from_paths([f.unit("c1").path.clone()]);
    let settled = settle_scope(db, &broad).await.unwrap();
    assert!(settled.is_broad());
    assert_eq!(people_in(settled.clone()).await, people_in(broad.clone()).await);
    assert!(!people_in(settled).await.contains(&f.person("d_staff").id), "临川市 stays outside");
    // 东湖区 (two units) keeps the IN form.
    let narrow = Scope::from_paths([f.unit("a").path.clone()]);
    let settled = settle_scope(db, &narrow).await.unwrap();
    assert!(!settled.is_broad());
    assert_eq!(people_in(settled).await, people_in(narrow.clone()).await);
    // Both roots: nothing lies outside, every person is in.
    let all =
        settle_scope(db, &Scope::from_paths([f.unit("c1").path.clone(), f.unit("c2").path.clone()])).await.unwrap();
    assert_eq!(people_in(all).await.len() as u64, person::Entity::find().count(db).await.unwrap());
    // The empty scope stays empty; narrowing a settled scope returns to the IN form.
    assert!(people_in(settle_scope(db, &Scope::none()).await.unwrap()).await.is_empty());
    let narrowed = settle_scope(db, &broad).await.unwrap().narrow_to(&f.unit("a").path);
    assert!(!narrowed.is_broad());
    assert_eq!(people_in(narrowed).await, people_in(narrow).await);
});
