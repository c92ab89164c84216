//! The JSON API: error shape, content types, limits, the OpenAPI document.

use axum::http::{Method, StatusCode};

use crate::{
    dual_test,
    helpers::{PASSWORD, fixture},
};

dual_test!(errors_are_json_with_code_message_field, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    let parent = fx.unit("c1").uuid.to_string();
    let r = c
        .json(
            Method::POST,
            "/api/v1/units",
            &serde_json::json!({"code": "bad code", "name": "科", "kind": "department", "parent": parent}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    assert_eq!(j["code"], "invalid");
    assert_eq!(j["field"], "code");
    assert!(j["message"].as_str().unwrap().contains("单位编码"));
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    // Missing field, wrong type, unknown field.
    let r = c.json(Method::POST, "/api/v1/units", &serde_json::json!({"name": "科", "kind": "department"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "code");
    let r = c
        .json(
            Method::POST,
            "/api/v1/units",
            &serde_json::json!({"code": "Z1", "name": "科", "kind": "department", "parent": parent, "is_admin": true}),
        )
        .await;
    assert_eq!(r.json()["field"], "is_admin");
    // Numbers where strings are expected are fine for sort_order; created with 201.
    let r = c
        .json(
            Method::POST,
            "/api/v1/units",
            &serde_json::json!({"code": "Z2", "name": "科", "kind": "department", "parent": parent, "sort_order": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["sort_order"], 4);
    // English when the caller chose English.
    c.cookies.insert("qinglian_lang".into(), "en".into());
    let r = c
        .json(
            Method::POST,
            "/api/v1/units",
            &serde_json::json!({"code": "Z2", "name": "科", "kind": "department", "parent": parent}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["message"].as_str().unwrap().contains("code"), "{}", r.text);
});

dual_test!(content_type_syntax_and_size_are_checked, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    use axum::{
        body::Body,
        http::{Request, header},
    };
    let csrf = c.csrf.clone().unwrap();
    let cookie = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let mk = |ct: &str, body: Vec<u8>| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/units")
            .header(header::HOST, "localhost")
            .header(header::COOKIE, cookie.clone())
            .header("x-csrf-token", csrf.clone())
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(c.send(mk("text/plain", b"{}".to_vec())).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = c.send(mk("application/json", b"{\"code\": ".to_vec())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "bad_request");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    // Deep nesting is refused without a stack overflow (serde_json stops at 128 levels).
    assert!(c.send(mk("application/json", deep.into_bytes())).await.status.is_client_error());
    let deep_field = format!("{{\"code\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(c.send(mk("application/json", deep_field.into_bytes())).await.status.is_client_error());
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    assert_eq!(c.send(mk("application/json", big.into_bytes())).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = c.get("/api/v1/units/not-a-uuid").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    let r = c.get("/api/v1/no-such-route").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
});

dual_test!(openapi_document_covers_every_api_route, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.login("jjz", PASSWORD).await;
    let r = c.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for route in qinglian::startup::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
    {
        let item = paths.get(route.path).unwrap_or_else(|| panic!("{} missing from OpenAPI", route.path));
        assert!(
            item.get(route.method.to_lowercase()).is_some(),
            "{} {} missing from OpenAPI",
            route.method,
            route.path
        );
    }
    // Anonymous callers get a 401, not the document.
    assert_eq!(app.client().get("/api/v1/openapi.json").await.status, StatusCode::UNAUTHORIZED);
});

dual_test!(security_headers_on_every_response, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.client();
    for path in ["/login", "/static/app.css", "/nope", "/api/v1/me"] {
        let r = c.get(path).await;
        let csp =
            r.headers.get("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP")).to_str().unwrap();
        assert!(
            csp.contains("object-src 'none'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline")
        );
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(r.headers["referrer-policy"], "no-referrer");
    }
    assert_eq!(c.get("/login").await.headers["cache-control"], "no-store");
    let r = c
        .send(axum::http::Request::builder().method("TRACE").uri("/login").body(axum::body::Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    // The session cookie is HttpOnly and SameSite.
    let mut l = app.client();
    let _ = l.get("/login").await;
    let r = l.post_form("/login", &[("username", "jjz"), ("password", PASSWORD)]).await;
    let sc: Vec<&str> = r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    let sid = sc.iter().find(|c| c.starts_with("qinglian_sid=")).unwrap();
    assert!(sid.contains("HttpOnly") && sid.contains("SameSite=Lax"));
    // Redirect targets stay on site.
    let mut m = app.client();
    let _ = m.get("/login?next=https://evil.example").await;
    let r = m.post_form("/login", &[("username", "jjz"), ("password", PASSWORD), ("next", "//evil.example")]).await;
    assert_eq!(r.location(), "/");
});
