//! 整改台账 and the deadline engine through the real router, on both backends: validation with
//! named fields, the life cycle with evidence, who may do what, statistics, the ledger
//! spreadsheet, colours, escalations, and exactly-once delivery across runs and processes.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use crate::{
    dual_test,
    helpers::{Client, Fixture, PASSWORD, audit_count, fixture},
};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn uid(fx: &Fixture, k: &str) -> String {
    fx.unit(k).uuid.to_string()
}

fn pid(fx: &Fixture, k: &str) -> String {
    fx.person(k).uuid.to_string()
}

/// A 派驻组 feedback batch over county A (and B when asked), feedback on the fixture's day.
async fn batch(c: &mut Client, fx: &Fixture, units: &[&str]) -> Value {
    let r = c
        .json(
            Method::POST,
            "/api/v1/rect/batches",
            &json!({
                "title": "派驻纪检监察组监督检查反馈问题",
                "source": "discipline",
                "issuer": "派驻纪检监察组",
                "feedback_on": "2026-03-02",
                "report_due_on": "2026-05-29",
                "units": units.iter().map(|u| uid(fx, u)).collect::<Vec<_>>(),
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

async fn problem(c: &mut Client, batch: &Value, body: Value) -> Value {
    let r =
        c.json(Method::POST, &format!("/api/v1/rect/batches/{}/problems", batch["id"].as_str().unwrap()), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn body(fx: &Fixture, unit: &str, owner: &str, leader: Option<&str>, due: &str) -> Value {
    json!({
        "description": "公务用车使用登记不规范",
        "kind": "deadline",
        "unit": uid(fx, unit),
        "owner": pid(fx, owner),
        "leader": leader.map(|l| pid(fx, l)),
        "due_on": due,
        "measures": "修订管理办法；逐车核查出车记录",
    })
}

fn field(r: &crate::helpers::Resp) -> String {
    r.json()["field"].as_str().unwrap_or_default().to_string()
}

dual_test!(batches_and_problems_are_validated_field_by_field, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    // A 巡察 batch gets its report deadline two months after the feedback.
    let r = j
        .json(
            Method::POST,
            "/api/v1/rect/batches",
            &json!({"title": "巡察反馈", "source": "inspection", "issuer": "市委第二巡察组", "feedback_on": "2026-03-02", "units": [uid(&fx, "a")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["report_due_on"], "2026-05-02");
    // An audit batch has no default; no units; a report due before the feedback; a bad date.
    for (b, f) in [
        (
            json!({"title": "审计", "source": "audit", "issuer": "审计局", "feedback_on": "2026-03-02", "units": [uid(&fx, "a")]}),
            "report_due_on",
        ),
        (
            json!({"title": "巡察", "source": "inspection", "issuer": "巡察组", "feedback_on": "2026-03-02", "units": []}),
            "units",
        ),
        (
            json!({"title": "巡察", "source": "inspection", "issuer": "巡察组", "feedback_on": "2026-03-02", "report_due_on": "2026-03-01", "units": [uid(&fx, "a")]}),
            "report_due_on",
        ),
        (
            json!({"title": "巡察", "source": "inspection", "issuer": "巡察组", "feedback_on": "2026-02-30", "units": [uid(&fx, "a")]}),
            "feedback_on",
        ),
        (
            json!({"title": "巡察", "source": "gossip", "issuer": "巡察组", "feedback_on": "2026-03-02", "units": [uid(&fx, "a")]}),
            "source",
        ),
        (
            json!({"title": "巡察", "source": "inspection", "issuer": "巡察组", "feedback_on": "2026-03-02", "units": [uid(&fx, "d")]}),
            "units",
        ),
    ] {
        let r = j.json(Method::POST, "/api/v1/rect/batches", &b).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {}", r.text);
        assert_eq!(field(&r), f, "{}", r.text);
        assert!(r.json()["message"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    }
    let b = batch(&mut j, &fx, &["a"]).await;
    let url = format!("/api/v1/rect/batches/{}/problems", b["id"].as_str().unwrap());
    let cases = [
        (json!({"due_on": "2026-03-01"}), "due_on"),
        (json!({"owner": pid(&fx, "b_staff")}), "owner"),
        (json!({"leader": pid(&fx, "a1_staff")}), "leader"),
        (json!({"unit": uid(&fx, "b")}), "unit"),
        (json!({"kind": "someday"}), "kind"),
        (json!({"description": ""}), "description"),
        (json!({"owner": "not-a-uuid"}), "owner"),
    ];
    for (patch, f) in cases {
        let mut p = body(&fx, "a", "a_staff", Some("a_head"), "2026-04-30");
        for (k, v) in patch.as_object().unwrap() {
            p[k] = v.clone();
        }
        let r = j.json(Method::POST, &url, &p).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}: {}", r.text);
        assert_eq!(field(&r), f, "{}", r.text);
    }
    // A risk point of another unit cannot be linked; one of the unit can.
    let mut lb = app.login("liaison_b", PASSWORD).await;
    let other = lb
        .json(Method::POST, "/api/v1/risks", &json!({"unit": uid(&fx, "b"), "post": "财务岗", "title": "西山风险", "category": "money", "likelihood": 2, "impact": 2}))
        .await
        .json();
    let mut p = body(&fx, "a", "a_staff", Some("a_head"), "2026-04-30");
    p["risks"] = json!([other["id"]]);
    let r = j.json(Method::POST, &url, &p).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "risks".to_string()), "{}", r.text);
    // Nothing above was written.
    assert_eq!(j.get("/api/v1/rect/problems").await.json()["total"], 0);
    // A deadline on a holiday (清明, Monday 6 April) is kept as given, with a warning.
    let ok = problem(&mut j, &b, body(&fx, "a", "a_staff", Some("a_head"), "2026-04-06")).await;
    assert_eq!(ok["due_on"], "2026-04-06");
    assert_eq!(ok["due_on_holiday"], true);
    assert_eq!(ok["seq"], 1);
    let page = j.get(&format!("/rect/{}", ok["id"].as_str().unwrap())).await;
    assert!(page.text.contains("非工作日"), "holiday warning shown");
    // The same through the HTML form: errors next to the field, nothing saved.
    let _ = j.get(&format!("/rect/batches/{}/problems/new", b["id"].as_str().unwrap())).await;
    let r = j
        .post_form(
            &format!("/rect/batches/{}/problems", b["id"].as_str().unwrap()),
            &[
                ("description", "<script>alert(1)</script>"),
                ("kind", "deadline"),
                ("unit", &uid(&fx, "a")),
                ("owner", &pid(&fx, "a_staff")),
                ("due_on", "2026-02-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("完成时限不能早于反馈日期"), "{}", r.text);
    assert!(!r.text.contains("<script>alert(1)</script>"), "escaped");
    assert_eq!(j.get("/api/v1/rect/problems").await.json()["total"], 1);
    assert!(audit_count(app, "rect_batch.create").await >= 2);
    assert_eq!(audit_count(app, "rect_problem.create").await, 1);
});

dual_test!(a_problem_goes_from_progress_with_evidence_to_verified_closure_and_back, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    let b = batch(&mut j, &fx, &["a"]).await;
    let p = problem(&mut j, &b, body(&fx, "a", "a_staff", Some("a_head"), "2026-04-30")).await;
    let id = p["id"].as_str().unwrap().to_string();
    // Closing with no progress, or before a self-assessment, is refused.
    let r = j.json(Method::POST, &format!("/api/v1/rect/problems/{id}/close"), &json!({"text": "同意销号"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["message"].as_str().unwrap().contains("尚无整改进展"), "{}", r.text);
    // The owner (liaison_a is 赵干部, the owner) reports progress with a PDF.
    let mut la = app.login("liaison_a", PASSWORD).await;
    let r = la
        .multipart(
            &format!("/api/v1/rect/problems/{id}/progress"),
            &[("text", "已修订管理办法")],
            &[("files", "整改报告.pdf", PDF)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "in_progress");
    let events = la.get(&format!("/api/v1/rect/problems/{id}/events")).await.json();
    let file = &events[1]["files"][0];
    assert_eq!(file["name"], "整改报告.pdf");
    assert_eq!(file["content_type"], "application/pdf");
    assert_eq!(file["sm3"].as_str().unwrap().len(), 64);
    // The download is the same bytes, as an attachment, and audited.
    let d = j.get(file["url"].as_str().unwrap()).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.bytes, PDF);
    assert!(d.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(d.headers["content-type"], "application/pdf");
    assert_eq!(audit_count(app, "rect_file.download").await, 1);
    // Not yet submitted: closing is refused; the owner submits.
    let r = j.json(Method::POST, &format!("/api/v1/rect/problems/{id}/close"), &json!({"text": "同意"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = la.json(Method::POST, &format!("/api/v1/rect/problems/{id}/submit"), &json!({"text": "已全部完成"})).await;
    assert_eq!(r.json()["status"], "submitted", "{}", r.text);
    // More progress now waits for the reviewer; the liaison cannot verify at all.
    let r = la.multipart(&format!("/api/v1/rect/problems/{id}/progress"), &[("text", "补充")], &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = la.json(Method::POST, &format!("/api/v1/rect/problems/{id}/close"), &json!({"text": "自己销号"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The reviewer returns it, the owner resubmits, the reviewer closes.
    let r = j.json(Method::POST, &format!("/api/v1/rect/problems/{id}/return"), &json!({"text": "佐证材料不全"})).await;
    assert_eq!(r.json()["status"], "in_progress", "{}", r.text);
    la.json(Method::POST, &format!("/api/v1/rect/problems/{id}/submit"), &json!({"text": "已补充材料"})).await;
    let r = j
        .json(Method::POST, &format!("/api/v1/rect/problems/{id}/close"), &json!({"text": "经核查整改到位，同意销号"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "closed");
    assert_eq!(r.json()["closed_on"], "2026-03-02");
    // The only problem is closed: the batch is complete, on time.
    let bd = j.get(&format!("/api/v1/rect/batches/{}", b["id"].as_str().unwrap())).await.json();
    assert!(bd["completed_at"].is_string(), "{bd}");
    assert_eq!(bd["stats"], json!({"total": 1, "closed": 1, "on_time": 1, "overdue": 0}));
    assert_eq!(bd["completion_permille"], 1000);
    assert_eq!(audit_count(app, "rect_batch.complete").await, 1);
    // 回头看: reopening needs a reason, bumps the cycle and makes the batch incomplete again.
    let r = j.json(Method::POST, &format!("/api/v1/rect/problems/{id}/reopen"), &json!({"text": ""})).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "text".to_string()));
    let r =
        j.json(Method::POST, &format!("/api/v1/rect/problems/{id}/reopen"), &json!({"text": "回头看发现反弹"})).await;
    assert_eq!(r.json()["status"], "in_progress");
    assert_eq!(r.json()["cycle"], 1);
    let bd = j.get(&format!("/api/v1/rect/batches/{}", b["id"].as_str().unwrap())).await.json();
    assert!(bd["completed_at"].is_null());
    // The whole history is kept, in order, and shown on the page.
    let kinds: Vec<String> = j
        .get(&format!("/api/v1/rect/problems/{id}/events"))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["created", "progress", "submit", "return", "submit", "close", "reopen"]);
    let page = j.get(&format!("/rect/{id}")).await;
    for s in ["报送整改进展", "审核退回", "审核销号", "回头看重新打开", "整改报告.pdf"] {
        assert!(page.text.contains(s), "{s}");
    }
    for e in [
        "rect_problem.progress",
        "rect_problem.submit",
        "rect_problem.return",
        "rect_problem.close",
        "rect_problem.reopen",
    ] {
        assert!(audit_count(app, e).await >= 1, "{e}");
    }
});

dual_test!(owners_never_verify_their_own_problems, |app: &TestApp| async move {
    let fx = fixture(app).await;
    // The office user (李文书) may verify, but not a problem they own.
    let mut o = app.login("office", PASSWORD).await;
    let b = batch(&mut o, &fx, &["office"]).await;
    let p = problem(&mut o, &b, body(&fx, "office", "clerk", Some("boss"), "2026-04-30")).await;
    let id = p["id"].as_str().unwrap();
    o.multipart(&format!("/api/v1/rect/problems/{id}/progress"), &[("text", "已整改")], &[]).await;
    let r = o.json(Method::POST, &format!("/api/v1/rect/problems/{id}/submit"), &json!({"text": "完成"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = o.json(Method::POST, &format!("/api/v1/rect/problems/{id}/close"), &json!({"text": "同意"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["message"].as_str().unwrap().contains("责任人以外"), "{}", r.text);
    let r = o.json(Method::POST, &format!("/api/v1/rect/problems/{id}/return"), &json!({"text": "退回"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Someone else closes it.
    let mut j = app.login("jjz", PASSWORD).await;
    let r = j.json(Method::POST, &format!("/api/v1/rect/problems/{id}/close"), &json!({"text": "同意销号"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
});

dual_test!(bad_evidence_is_refused_and_nothing_is_written, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    let b = batch(&mut j, &fx, &["a"]).await;
    let p = problem(&mut j, &b, body(&fx, "a", "a_staff", None, "2026-04-30")).await;
    let id = p["id"].as_str().unwrap();
    let mut la = app.login("liaison_a", PASSWORD).await;
    let url = format!("/api/v1/rect/problems/{id}/progress");
    // An .exe renamed to .pdf.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    let r = la.multipart(&url, &[("text", "见附件")], &[("files", "整改报告.pdf", &exe)]).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "files".to_string()), "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("可执行程序"));
    // A PNG named .pdf; a text file.
    let r = la.multipart(&url, &[("text", "见附件")], &[("files", "a.pdf", b"\x89PNG\r\n\x1a\n0000")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = la.multipart(&url, &[("text", "见附件")], &[("files", "a.txt", b"hello")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // 60 MB.
    let big = vec![b'%'; 60 * 1024 * 1024];
    let r = la.multipart(&url, &[("text", "见附件")], &[("files", "扫描件.pdf", &big)]).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "files".to_string()), "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("20 MB"), "{}", r.text);
    // No text.
    let r = la.multipart(&url, &[("text", "  ")], &[("files", "a.pdf", PDF)]).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "text".to_string()));
    // Nothing of the above left a trace: no progress, no event, no file.
    let p = la.get(&format!("/api/v1/rect/problems/{id}")).await.json();
    assert_eq!(p["status"], "open");
    let events = la.get(&format!("/api/v1/rect/problems/{id}/events")).await.json();
    assert_eq!(events.as_array().unwrap().len(), 1, "only 'created'");
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(qinglian::files::entity::attachment::Entity::find().count(&app.state.db.read).await.unwrap(), 0);
    // The page form shows the error next to the field.
    let r = la.multipart(&format!("/rect/{id}/progress"), &[("text", "见附件")], &[("files", "报告.pdf", &exe)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("可执行程序"), "{}", r.text);
});

dual_test!(the_ledger_is_scoped_and_mine_is_mine, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    let b = batch(&mut j, &fx, &["a", "b"]).await;
    let pa = problem(&mut j, &b, body(&fx, "a1", "a1_staff", Some("a_head"), "2026-04-30")).await;
    let pa2 = problem(&mut j, &b, body(&fx, "a", "a_staff", Some("a_head"), "2026-04-30")).await;
    let pb = problem(&mut j, &b, body(&fx, "b", "b_staff", Some("b_head"), "2026-04-30")).await;
    // B's liaison sees B's problem only; A's answers 404 (audited), even with its id.
    let mut lb = app.login("liaison_b", PASSWORD).await;
    let list = lb.get("/api/v1/rect/problems").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], pb["id"]);
    let before = audit_count(app, "authz.out_of_scope").await;
    for path in [
        format!("/api/v1/rect/problems/{}", pa["id"].as_str().unwrap()),
        format!("/rect/{}", pa["id"].as_str().unwrap()),
    ] {
        assert_eq!(lb.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = lb
        .multipart(&format!("/api/v1/rect/problems/{}/progress", pa["id"].as_str().unwrap()), &[("text", "越权")], &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(audit_count(app, "authz.out_of_scope").await >= before + 3);
    // The batch is visible to B (one of its units); its statistics count what B may see.
    let bd = lb.get(&format!("/api/v1/rect/batches/{}", b["id"].as_str().unwrap())).await.json();
    assert_eq!(bd["stats"]["total"], 1, "{bd}");
    // A cadre sees the problems they own, nothing else, and reports on them.
    let mut cadre = app.login("cadre_a", PASSWORD).await;
    let mine = cadre.get("/api/v1/rect/problems").await.json();
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["items"][0]["id"], pa["id"]);
    assert_eq!(
        cadre.get(&format!("/api/v1/rect/problems/{}", pa2["id"].as_str().unwrap())).await.status,
        StatusCode::NOT_FOUND
    );
    let r = cadre
        .multipart(
            &format!("/api/v1/rect/problems/{}/progress", pa["id"].as_str().unwrap()),
            &[("text", "已整改")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cadre
        .json(
            Method::POST,
            &format!("/api/v1/rect/problems/{}/close", pa["id"].as_str().unwrap()),
            &json!({"text": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(cadre.get("/rect?mine=1").await.status, StatusCode::OK);
    // The leader of A sees A's two as 责任领导 and through the scope; a filter by unit narrows.
    let mut la = app.login("leader_a", PASSWORD).await;
    assert_eq!(la.get("/api/v1/rect/problems").await.json()["total"], 2);
    assert_eq!(la.get(&format!("/api/v1/rect/problems?unit={}", uid(&fx, "a1"))).await.json()["total"], 1);
    assert_eq!(la.get("/api/v1/rect/problems?mine=1").await.json()["total"], 2);
    // Editing needs RectManage; a stale version is refused.
    let r = la
        .json(
            Method::PATCH,
            &format!("/api/v1/rect/problems/{}", pa2["id"].as_str().unwrap()),
            &body(&fx, "a", "a_staff", None, "2026-05-30"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut edit = body(&fx, "a", "a_staff", None, "2026-05-30");
    edit["version"] = json!("1");
    let r = j.json(Method::PATCH, &format!("/api/v1/rect/problems/{}", pa2["id"].as_str().unwrap()), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = j.json(Method::PATCH, &format!("/api/v1/rect/problems/{}", pa2["id"].as_str().unwrap()), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the second save with version 1 is refused");
    assert_eq!(
        j.get(&format!("/api/v1/rect/problems/{}", pa2["id"].as_str().unwrap())).await.json()["due_on"],
        "2026-05-30"
    );
});

dual_test!(colours_and_statistics_follow_the_clock, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    let b = batch(&mut j, &fx, &["a"]).await;
    // Today is 2026-03-02. Due in 30, 15, 5 days and one due today.
    for due in ["2026-04-01", "2026-03-17", "2026-03-07", "2026-03-02"] {
        problem(&mut j, &b, body(&fx, "a", "a_staff", Some("a_head"), due)).await;
    }
    let colours = |v: &Value| -> Vec<String> {
        let mut c: Vec<String> =
            v["items"].as_array().unwrap().iter().map(|i| i["colour"].as_str().unwrap().to_string()).collect();
        c.sort();
        c
    };
    let all = j.get("/api/v1/rect/problems?per_page=50").await.json();
    assert_eq!(colours(&all), ["blue", "green", "yellow", "yellow"]);
    for (c, n) in [("green", 1), ("blue", 1), ("yellow", 2), ("red", 0)] {
        assert_eq!(j.get(&format!("/api/v1/rect/problems?colour={c}")).await.json()["total"], n, "{c}");
    }
    let r = j.get("/api/v1/rect/problems?colour=purple").await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "colour".to_string()));
    // Nine days later two are overdue.
    app.clock.advance(Duration::days(9));
    let mut j = app.login("jjz", PASSWORD).await;
    assert_eq!(j.get("/api/v1/rect/problems?colour=red").await.json()["total"], 2);
    let s = j.get(&format!("/api/v1/rect/stats?batch={}", b["id"].as_str().unwrap())).await.json();
    assert_eq!(s["total"], json!({"total": 4, "closed": 0, "on_time": 0, "overdue": 2}));
    assert_eq!(s["by_unit"][0]["unit_name"], "东湖区司法局");
    // The ledger page shows the totals and the colour of each row.
    let page = j.get("/rect").await;
    assert!(page.text.contains("dl-red") && page.text.contains("逾期"), "red rows");
    // Working days: with the unit switched, 30 calendar days are about 20 working days.
    let mut sys = app.login("sysadmin", PASSWORD).await;
    let _ = sys.get("/admin/deadlines").await;
    let r = sys
        .post_form(
            "/admin/deadlines",
            &[
                ("unit", "working"),
                ("green_days", "20"),
                ("yellow_days", "25"),
                ("principal_after_days", "7"),
                ("check_hour", "8"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "yellow must be below green");
    assert!(r.text.contains("黄色天数必须小于绿色天数"));
    let r = sys
        .post_form(
            "/admin/deadlines",
            &[
                ("unit", "working"),
                ("green_days", "20"),
                ("yellow_days", "10"),
                ("principal_after_days", "7"),
                ("check_hour", "8"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(audit_count(app, "deadline.settings").await, 1);
    // 2026-03-11 → 2026-04-01: 15 working days: blue, not green.
    assert_eq!(j.get("/api/v1/rect/problems?colour=green").await.json()["total"], 0);
    assert_eq!(j.get("/api/v1/rect/problems?colour=blue").await.json()["total"], 1);
});

/// A ledger as offices send it: a merged title row, then the header, then the problems.
fn ledger(rows: &[[&str; 10]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("整改台账").unwrap();
    ws.merge_range(0, 0, 0, 9, "东湖区司法局巡察反馈问题整改台账", &rust_xlsxwriter::Format::new()).unwrap();
    let head =
        ["序号", "问题", "整改措施", "责任单位", "责任人", "责任领导", "完成时限", "整改进展", "完成情况", "销号情况"];
    for (c, h) in head.iter().enumerate() {
        ws.write(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write((r + 2) as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

dual_test!(the_ledger_spreadsheet_imports_all_or_nothing_and_round_trips, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    let b = batch(&mut j, &fx, &["a"]).await;
    let bid = b["id"].as_str().unwrap();
    assert_eq!(j.get("/rect/template.xlsx").await.status, StatusCode::OK);
    let bad = ledger(&[
        ["1", "公车私用", "收回车辆钥匙", "东湖区司法局", "赵干部", "张局长", "2026年6月底前", "", "", ""],
        ["2", "食堂白条入账", "", "西山区司法局", "赵干部", "", "立行立改", "", "", ""],
        ["3", "", "", "A", "不存在的人", "", "尽快", "", "", ""],
        ["4", "档案缺失", "", "A-1", "周所员", "CANARY-B-钱", "2026-02-01", "", "", ""],
    ]);
    let _ = j.get(&format!("/rect/batches/{bid}/import")).await;
    let r = j.upload(&format!("/rect/batches/{bid}/import"), "整改台账.xlsx", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for needle in ["找不到单位“西山区司法局”", "不存在的人", "尽快", "问题", "CANARY-B-钱", "不能早于反馈日期"]
    {
        assert!(r.text.contains(needle), "{needle}: {}", r.text);
    }
    // Row numbers are those the user sees (the title is row 1, the header row 2).
    assert!(r.text.contains("<td class=\"num\">4</td>"), "{}", r.text);
    assert_eq!(j.get("/api/v1/rect/problems").await.json()["total"], 0, "nothing imported");
    assert_eq!(audit_count(app, "rect.import_rejected").await, 1);
    let good = ledger(&[
        ["1", "公车私用", "收回车辆钥匙；建立派车单", "A", "赵干部", "张局长", "2026年6月底前", "已收回钥匙", "", ""],
        ["2", "调解卷宗归档不及时", "集中补齐卷宗", "城东司法所", "P005", "张局长", "立行立改", "", "", ""],
        ["3", "学习制度执行不严", "", "东湖区司法局", "冯干部", "", "长期坚持（2026年12月31日前）", "", "", ""],
    ]);
    let r = j.upload(&format!("/rect/batches/{bid}/import"), "整改台账.xlsx", &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("新增问题 3 个，其中带整改进展 1 个"), "{}", r.text);
    let list = j.get(&format!("/api/v1/rect/problems?batch={bid}&per_page=10")).await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        (items[0]["kind"].as_str(), items[0]["due_on"].as_str(), items[0]["status"].as_str()),
        (Some("deadline"), Some("2026-06-30"), Some("in_progress"))
    );
    assert_eq!(
        (items[1]["kind"].as_str(), items[1]["due_on"].as_str()),
        (Some("immediate"), Some("2026-05-29")),
        "立行立改 without a date: the report deadline"
    );
    assert_eq!((items[2]["kind"].as_str(), items[2]["due_on"].as_str()), (Some("long_term"), Some("2026-12-31")));
    assert_eq!(items[1]["unit_name"], "城东司法所");
    // The export has the ledger's columns under a title, and imports again into another batch.
    let x = j.get(&format!("/rect/export.xlsx?batch={bid}")).await;
    assert_eq!(x.status, StatusCode::OK);
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(x.bytes.clone())).unwrap();
    let range = wb.worksheet_range("整改台账").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 5, "title, header, three problems");
    assert_eq!(
        rows[1],
        ["序号", "问题", "整改措施", "责任单位", "责任人", "责任领导", "完成时限", "整改进展", "完成情况", "销号情况"]
    );
    assert_eq!(rows[2][6], "2026年6月30日");
    assert_eq!(rows[3][3], "东湖区司法局城东司法所");
    assert_eq!(rows[3][6], "立行立改（2026年5月29日前）");
    assert_eq!(rows[2][7], "已收回钥匙");
    assert_eq!(rows[2][9], "未销号");
    let b2 = batch(&mut j, &fx, &["a"]).await;
    let r = j.upload(&format!("/rect/batches/{}/import", b2["id"].as_str().unwrap()), "导出.xlsx", &x.bytes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let again = j.get(&format!("/api/v1/rect/problems?batch={}", b2["id"].as_str().unwrap())).await.json();
    assert_eq!(again["total"], 3);
    assert_eq!(again["items"][1]["due_on"], "2026-05-29");
    // Not a spreadsheet: refused by content.
    let r = j.upload(&format!("/rect/batches/{bid}/import"), "整改台账.xlsx", b"MZ\x90\x00").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(audit_count(app, "rect.export").await, 1);
    assert_eq!(audit_count(app, "rect.import").await, 2);
    let print = j.get(&format!("/rect/print?batch={bid}")).await;
    assert!(print.text.contains("调解卷宗归档不及时") && print.text.contains("整改台账"));
});
