//! 主体责任 through the real router, on both backends: a list built, published and cascaded to
//! two county bureaus and a named leader; bad input named by field (no deadline rule, a target
//! outside the publisher's subtree, an amendment without a reason, accepting one's own record);
//! 履责纪实 with evidence, late marking, acceptance by the assigning level and the score that
//! follows; who sees which task; 述职述廉 and 联系点 sending a problem to the 整改台账.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    dual_test,
    helpers::{Client, Fixture, PASSWORD, TestApp, audit_count, fixture},
};

fn field(r: &crate::helpers::Resp) -> String {
    r.json()["field"].as_str().unwrap_or_default().to_string()
}

fn item(category: &str, content: &str, cadence: &str, rule_kind: &str, days: u32, weight: u32) -> Value {
    json!({"category": category, "content": content, "cadence": cadence, "rule_kind": rule_kind, "rule_days": days,
           "evidence": "会议记录、照片", "weight": weight})
}

/// The office's 2026 list for the city with a monthly, a quarterly and a leader's annual item.
async fn published_list(o: &mut Client, fx: &Fixture) -> (String, Value) {
    let r = o
        .json(
            Method::POST,
            "/api/v1/duty/lists",
            &json!({"unit": fx.unit("c1").uuid, "year": 2026, "title": "2026年度党风廉政建设责任清单"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    for body in [
        item("party_group", "每月召开党风廉政建设工作例会", "monthly", "working", 5, 3),
        item("supervision", "每季度专题研究党风廉政建设工作", "quarterly", "working", 10, 5),
        item("member", "落实一岗双责，年度述责述廉", "annual", "calendar", 15, 2),
    ] {
        let r = o.json(Method::POST, &format!("/api/v1/duty/lists/{id}/items"), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = o
        .json(
            Method::PUT,
            &format!("/api/v1/duty/lists/{id}/targets"),
            &json!({"units": [fx.unit("a").uuid, fx.unit("b").uuid], "leaders": [fx.person("a_head").uuid, fx.person("clerk").uuid]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = o.json(Method::POST, &format!("/api/v1/duty/lists/{id}/publish"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (id, r.json())
}

async fn tasks(c: &mut Client, query: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/duty/tasks?{query}&per_page=200")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"].as_array().unwrap().clone()
}

fn find<'a>(ts: &'a [Value], content: &str, period: &str) -> &'a Value {
    ts.iter().find(|t| t["content"].as_str().unwrap().contains(content) && t["period"] == period).unwrap()
}

/// The matrix kept on write equals the matrix counted from the tasks.
async fn cells_agree(app: &TestApp, year: i32) {
    use qinglian::features::duty::repo;
    let scope = qinglian::authz::Scope::from_paths(["/".to_string()]);
    let key = |c: &repo::CellRow| (c.unit_id, c.month, c.total, c.accepted, c.submitted, c.late, c.open_due);
    let mut kept: Vec<_> =
        repo::matrix(&app.state.db.read, &scope, year, None).await.unwrap().iter().map(key).collect();
    let mut counted: Vec<_> =
        repo::matrix_direct(&app.state.db.read, &scope, year, None).await.unwrap().iter().map(key).collect();
    kept.sort();
    counted.sort();
    assert!(!counted.is_empty());
    assert_eq!(kept, counted);
}

async fn unit_score(c: &mut Client, name: &str) -> Option<f64> {
    let r = c.get("/api/v1/duty/scores?year=2026").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json().as_array().unwrap().iter().find(|x| x["name"] == name).and_then(|x| x["score"]["total"].as_f64())
}

dual_test!(a_list_is_checked_published_cascaded_recorded_and_scored, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut o = app.login("office", PASSWORD).await;
    // Bad input, each named by field.
    let r = o
        .json(Method::POST, "/api/v1/duty/lists", &json!({"unit": fx.unit("c1").uuid, "year": 2026, "title": "草稿"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let draft = r.json()["id"].as_str().unwrap().to_string();
    let r = o
        .json(
            Method::POST,
            &format!("/api/v1/duty/lists/{draft}/items"),
            &json!({"category": "party_group", "content": "季度研究", "cadence": "quarterly"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "rule_kind".into()), "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("完成时限"), "{}", r.text);
    let r = o
        .json(Method::PUT, &format!("/api/v1/duty/lists/{draft}/targets"), &json!({"units": [fx.unit("d").uuid]}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("南溪县司法局"), "{}", r.text);
    let r = o.json(Method::POST, &format!("/api/v1/duty/lists/{draft}/publish"), &json!({})).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "items".into()), "{}", r.text);
    // The same unit and year twice.
    let r = o
        .json(Method::POST, "/api/v1/duty/lists", &json!({"unit": fx.unit("c1").uuid, "year": 2026, "title": "again"}))
        .await;
    assert_eq!(r.status.as_u16() / 100, 4, "{}", r.text);
    assert_eq!(field(&r), "year");
    // A liaison may not create lists; a cadre may not see the city's.
    let mut la = app.login("liaison_a", PASSWORD).await;
    let r = la.json(Method::POST, "/api/v1/duty/lists", &json!({"unit": fx.unit("a").uuid, "title": "x"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Use a fresh year for the real list (the draft holds 2026 for c1): delete-free, so publish
    // the draft itself after filling it.
    let (id, sync) = {
        let r = o
            .json(
                Method::POST,
                &format!("/api/v1/duty/lists/{draft}/items"),
                &item("party_group", "每月召开党风廉政建设工作例会", "monthly", "working", 5, 3),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = o
            .json(
                Method::POST,
                &format!("/api/v1/duty/lists/{draft}/items"),
                &item("supervision", "每季度专题研究党风廉政建设工作", "quarterly", "working", 10, 5),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = o
            .json(
                Method::POST,
                &format!("/api/v1/duty/lists/{draft}/items"),
                &item("member", "落实一岗双责，年度述责述廉", "annual", "calendar", 15, 2),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        // Leader items without leaders cannot be published.
        let r = o
            .json(
                Method::PUT,
                &format!("/api/v1/duty/lists/{draft}/targets"),
                &json!({"units": [fx.unit("a").uuid, fx.unit("b").uuid]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = o.json(Method::POST, &format!("/api/v1/duty/lists/{draft}/publish"), &json!({})).await;
        assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "leaders".into()), "{}", r.text);
        let r = o
            .json(Method::PUT, &format!("/api/v1/duty/lists/{draft}/targets"), &json!({"units": [fx.unit("a").uuid, fx.unit("b").uuid], "leaders": [fx.person("a_head").uuid, fx.person("clerk").uuid]}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = o.json(Method::POST, &format!("/api/v1/duty/lists/{draft}/publish"), &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        (draft.clone(), r.json())
    };
    // 2 units × (12 monthly + 4 quarterly) + 2 leaders × 1 annual.
    assert_eq!(sync["created"], 34, "{sync}");
    assert_eq!(audit_count(app, "duty_list.publish").await, 1);

    // Published: changes need a reason and are recorded as amendments.
    let l = o.get(&format!("/api/v1/duty/lists/{id}")).await.json();
    let monthly = l["items"].as_array().unwrap().iter().find(|i| i["cadence"] == "monthly").unwrap().clone();
    let mut edit = item("party_group", "每月召开党风廉政建设工作例会（含警示教育）", "monthly", "working", 7, 3);
    let r = o.json(Method::PATCH, &format!("/api/v1/duty/items/{}", monthly["id"].as_str().unwrap()), &edit).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "reason".into()), "{}", r.text);
    edit["reason"] = json!("局党组会议决定延长填报时间");
    let r = o.json(Method::PATCH, &format!("/api/v1/duty/items/{}", monthly["id"].as_str().unwrap()), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = o.get(&format!("/duty/lists/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("局党组会议决定延长填报时间"), "the amendment shows on the list");

    // The liaison of A sees A's tasks, not B's; B's liaison gets 404 on A's task.
    let a_tasks = tasks(&mut la, "view=unit&year=2026").await;
    assert_eq!(a_tasks.len(), 16);
    assert!(a_tasks.iter().all(|t| t["assignee"] == "东湖区司法局"));
    let jan = find(&a_tasks, "例会", "2026-01").clone();
    let feb = find(&a_tasks, "例会", "2026-02").clone();
    // February ends Sat 28 Feb; the 7th working day after is Tue 10 Mar (the amended rule).
    assert_eq!(feb["due_on"], "2026-03-10");
    let mut lb = app.login("liaison_b", PASSWORD).await;
    let r = lb.get(&format!("/api/v1/duty/tasks/{}", jan["id"].as_str().unwrap())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Recording: a future date is refused by field; January is late (due 10 Feb, today 2 Mar).
    let jan_id = jan["id"].as_str().unwrap().to_string();
    let r = la
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{jan_id}/records"),
            &json!({"done_on": "2026-03-09", "content": "x"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "done_on".into()), "{}", r.text);
    let r = la
        .multipart(
            &format!("/duty/tasks/{jan_id}/records"),
            &[
                ("done_on", "2026-01-28"),
                ("place", "三楼会议室"),
                ("participants", "班子成员、各科室负责人"),
                ("content", "召开1月党风廉政建设例会，传达上级精神"),
            ],
            &[("files", "会议记录.pdf", b"%PDF-1.4 minutes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let d = la.get(&format!("/api/v1/duty/tasks/{jan_id}")).await.json();
    assert_eq!(d["task"]["status"], "submitted");
    assert_eq!(d["task"]["days_late"], 20, "{d}");
    assert_eq!(d["records"][0]["files"][0], "会议记录.pdf");
    // Submitting again while it waits for review is refused.
    let r = la
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{jan_id}/records"),
            &json!({"done_on": "2026-01-28", "content": "再次"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // A's own leader is not the assigning level.
    let mut leader = app.login("leader_a", PASSWORD).await;
    let r = leader
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{jan_id}/review"),
            &json!({"decision": "accept", "rating": "good"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // The office accepts (rating required); the score of A rises.
    let before = unit_score(&mut o, "东湖区司法局").await;
    let r = o.json(Method::POST, &format!("/api/v1/duty/tasks/{jan_id}/review"), &json!({"decision": "accept"})).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "rating".into()), "{}", r.text);
    let r = o
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{jan_id}/review"),
            &json!({"decision": "accept", "rating": "excellent", "note": "记录完整"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["task"]["status"], "accepted");
    let after = unit_score(&mut o, "东湖区司法局").await;
    assert_eq!(before, Some(0.0), "nothing accepted yet");
    assert!(after.unwrap() > 0.0, "{after:?}");
    assert!(after > unit_score(&mut o, "西山区司法局").await);
    assert_eq!(audit_count(app, "duty_record.accept").await, 1);

    // Returning needs a reason; the task goes back to the unit.
    let r = la
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{}/records", feb["id"].as_str().unwrap()),
            &json!({"done_on": "2026-02-27", "content": "2月例会"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["task"]["days_late"], 0, "recorded before the deadline");
    let r = o
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{}/review", feb["id"].as_str().unwrap()),
            &json!({"decision": "return"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "note".into()), "{}", r.text);
    let r = o
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{}/review", feb["id"].as_str().unwrap()),
            &json!({"decision": "return", "note": "缺少会议照片"}),
        )
        .await;
    assert_eq!(r.json()["task"]["status"], "returned");

    // Accepting one's own record: the clerk (office) records his own annual task, then tries.
    let mine = tasks(&mut o, "view=mine&year=2026").await;
    assert_eq!(mine.len(), 1);
    let own = mine[0]["id"].as_str().unwrap().to_string();
    let r = o
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{own}/records"),
            &json!({"done_on": "2026-03-01", "content": "本人述责述廉"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = o
        .json(
            Method::POST,
            &format!("/api/v1/duty/tasks/{own}/review"),
            &json!({"decision": "accept", "rating": "good"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "decision".into()), "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("本人"), "{}", r.text);

    // The matrix: A's January done, B's January red (overdue, open).
    let m = o.get("/api/v1/duty/matrix?year=2026").await.json();
    let row = |name: &str| m["rows"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone();
    assert_eq!(row("东湖区司法局")["cells"][0]["colour"], "done");
    assert_eq!(row("西山区司法局")["cells"][0]["colour"], "red");
    cells_agree(app, 2026).await;
    // February is due on 10 March (8 days left: yellow); March on 10 April (green).
    assert_eq!(row("西山区司法局")["cells"][1]["colour"], "yellow");
    assert_eq!(row("西山区司法局")["cells"][2]["colour"], "green");
});

dual_test!(pages_reports_and_contact_units_work_and_stay_in_scope, |app: &TestApp| async move {
    let fx = fixture(app).await;
    qinglian::features::org::repo::set_principal(&app.state.db.write, fx.unit("a").id, Some(fx.person("a_head").id))
        .await
        .unwrap();
    let mut o = app.login("office", PASSWORD).await;
    let (id, _) = published_list(&mut o, &fx).await;
    // Every page answers, in Chinese.
    let ts = tasks(&mut o, "view=all&year=2026").await;
    let any = ts[0]["id"].as_str().unwrap().to_string();
    for p in [
        "/duty".to_string(),
        "/duty?view=all".into(),
        "/duty/calendar?month=2026-03".into(),
        "/duty/lists".into(),
        "/duty/lists/new".into(),
        format!("/duty/lists/{id}"),
        format!("/duty/tasks/{any}"),
        format!("/duty/progress?unit={}&year=2026", fx.unit("a").uuid),
        format!("/duty/progress?person={}&year=2026", fx.person("a_head").uuid),
        "/duty/matrix?year=2026".into(),
        "/duty/scores?year=2026".into(),
        "/duty/scores?year=2026&by=leader".into(),
        "/duty/reports".into(),
        "/duty/reports/print?year=2026".into(),
        "/duty/contacts".into(),
    ] {
        let r = o.get(&p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.text);
    }
    let x = o.get("/duty/scores/export.xlsx?year=2026").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.text.starts_with("PK"), "an .xlsx package");
    // The HTML form names the missing rule in Chinese.
    let r = o
        .post_form(
            &format!("/duty/lists/{id}/items"),
            &[
                ("category", "party_group"),
                ("content", "季度研究"),
                ("cadence", "quarterly"),
                ("rule_kind", ""),
                ("reason", "补充"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("须设定完成时限规则"), "{}", r.text);
    // Withdrawing a published item needs a reason, cancels its open tasks, and happens once.
    let l = o.get(&format!("/api/v1/duty/lists/{id}")).await.json();
    let quarterly = l["items"].as_array().unwrap().iter().find(|i| i["cadence"] == "quarterly").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = tasks(&mut o, "view=all&year=2026").await.len();
    let r = o.post_form(&format!("/duty/items/{quarterly}/remove"), &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("修订理由"), "{}", r.text);
    let r = o.post_form(&format!("/duty/items/{quarterly}/remove"), &[("reason", "并入月度例会")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(tasks(&mut o, "view=all&year=2026").await.len(), before - 8, "2 units × 4 quarters cancelled");
    let r = o.post_form(&format!("/duty/items/{quarterly}/remove"), &[("reason", "再次")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    cells_agree(app, 2026).await;
    // A cadre sees their module but no city list or matrix.
    let mut cadre = app.login("cadre_a", PASSWORD).await;
    assert_eq!(cadre.get("/duty").await.status, StatusCode::OK);
    assert_eq!(cadre.get("/duty/matrix").await.status, StatusCode::FORBIDDEN);
    assert_eq!(cadre.get(&format!("/duty/lists/{id}")).await.status, StatusCode::NOT_FOUND);
    assert!(audit_count(app, "authz.out_of_scope").await >= 1);

    // 述职述廉: a draft, then the submission; a submitted report is final.
    let mut leader = app.login("leader_a", PASSWORD).await;
    let r = leader
        .multipart(
            "/duty/reports",
            &[("year", "2026"), ("title", "2026年度述职述廉报告"), ("body", "一年来……"), ("submit", "")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = leader
        .multipart(
            "/duty/reports",
            &[
                ("year", "2026"),
                ("title", "2026年度述职述廉报告"),
                ("body", "一年来，本人认真履行一岗双责……"),
                ("submit", "1"),
            ],
            &[("files", "述职报告.pdf", b"%PDF-1.4 report")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = leader
        .multipart("/duty/reports", &[("year", "2026"), ("title", "改"), ("body", "改"), ("submit", "1")], &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = leader.multipart("/duty/reports", &[("year", "2026"), ("title", ""), ("body", "x")], &[]).await;
    assert_eq!(r.status.as_u16() / 100, 4);
    let col = o.get("/api/v1/duty/reports?year=2026").await.json();
    let head =
        col.as_array().unwrap().iter().find(|e| e["name"] == "张局长").expect("the principal owes a report").clone();
    assert_eq!(head["status"], "submitted");
    let print = o.get("/duty/reports/print?year=2026").await;
    assert!(print.text.contains("本人认真履行一岗双责"));
    // B's liaison cannot read A's leader's report.
    let mut lb = app.login("liaison_b", PASSWORD).await;
    let r = lb.get(&format!("/duty/reports/{}", head["report"].as_str().unwrap())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // 联系点: the office assigns, the leader logs a visit and sends its problem to the ledger.
    let r = o
        .json(
            Method::POST,
            "/api/v1/duty/contacts",
            &json!({"year": "2026", "leader": fx.person("a_head").uuid, "unit": fx.unit("a1").uuid}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let contact = r.json()["id"].as_str().unwrap().to_string();
    let r = o
        .json(
            Method::POST,
            "/api/v1/duty/contacts",
            &json!({"year": "2026", "leader": fx.person("a_head").uuid, "unit": fx.unit("d").uuid}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "unit".into()), "{}", r.text);
    let r = leader
        .json(
            Method::POST,
            &format!("/api/v1/duty/contacts/{contact}/visits"),
            &json!({"visited_on": "2026-02-26", "content": "调研司法所规范化建设", "problems": "窗口收费公示不全"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let visit = r.json()["id"].as_str().unwrap().to_string();
    let r = leader
        .json(
            Method::POST,
            &format!("/api/v1/duty/visits/{visit}/rect"),
            &json!({"owner": fx.person("d_staff").uuid, "due_on": "2026-04-30"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "owner".into()), "{}", r.text);
    let r = leader
        .json(
            Method::POST,
            &format!("/api/v1/duty/visits/{visit}/rect"),
            &json!({"owner": fx.person("a1_staff").uuid, "due_on": "2026-04-30"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let problem = r.json()["problem"].as_str().unwrap().to_string();
    let p = o.get(&format!("/api/v1/rect/problems/{problem}")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert!(p.text.contains("窗口收费公示不全"));
    let r = leader
        .json(
            Method::POST,
            &format!("/api/v1/duty/visits/{visit}/rect"),
            &json!({"owner": fx.person("a1_staff").uuid, "due_on": "2026-04-30"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "sent once only: {}", r.text);
    // The cadre at A1 (the owner) sees the problem in their ledger.
    assert_eq!(cadre.get(&format!("/rect/{problem}")).await.status, StatusCode::OK);
});

dual_test!(a_county_bureau_cascades_its_own_items_and_overdue_tasks_escalate, |app: &TestApp| async move {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let fx = fixture(app).await;
    qinglian::features::org::repo::set_principal(&app.state.db.write, fx.unit("a1").id, Some(fx.person("a1_staff").id))
        .await
        .unwrap();
    qinglian::features::org::repo::set_principal(&app.state.db.write, fx.unit("a").id, Some(fx.person("a_head").id))
        .await
        .unwrap();
    let mut leader = app.login("leader_a", PASSWORD).await;
    // The leader of 东湖区 may publish for 东湖区 only.
    let r = leader
        .json(Method::POST, "/api/v1/duty/lists", &json!({"unit": fx.unit("b").uuid, "year": 2026, "title": "越权"}))
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "unit".into()), "{}", r.text);
    let r = leader
        .json(
            Method::POST,
            "/api/v1/duty/lists",
            &json!({"unit": fx.unit("a").uuid, "year": 2026, "title": "2026年度东湖区司法局责任清单"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = leader
        .json(
            Method::POST,
            &format!("/api/v1/duty/lists/{id}/items"),
            &item("local", "司法所每月开展廉政提醒", "monthly", "calendar", 0, 2),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Down to its 司法所, not across to 西山区.
    let r = leader
        .json(
            Method::PUT,
            &format!("/api/v1/duty/lists/{id}/targets"),
            &json!({"units": [fx.unit("a1").uuid, fx.unit("b").uuid]}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "units".into()), "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("西山区司法局"), "{}", r.text);
    let r = leader
        .json(Method::PUT, &format!("/api/v1/duty/lists/{id}/targets"), &json!({"units": [fx.unit("a1").uuid]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = leader.json(Method::POST, &format!("/api/v1/duty/lists/{id}/publish"), &json!({})).await;
    assert_eq!(r.json()["created"], 12, "{}", r.text);
    // The 西山区 liaison does not see it; the city office does.
    let mut lb = app.login("liaison_b", PASSWORD).await;
    assert_eq!(lb.get(&format!("/api/v1/duty/lists/{id}")).await.status, StatusCode::NOT_FOUND);
    let mut o = app.login("office", PASSWORD).await;
    assert_eq!(o.get(&format!("/api/v1/duty/lists/{id}")).await.status, StatusCode::OK);

    // The daily deadline check chases the 司法所's overdue months (January and February are
    // past; January over a week) with its head, and escalates January to the county bureau's head
    // (a 司法所 answers to its bureau).
    let r =
        qinglian::jobs::deadlines::run_check(&app.state, crate::helpers::ClockExt::now_utc(&app.clock)).await.unwrap();
    assert!(r.delivered >= 2, "{r:?}");
    let notices = qinglian::features::inbox::entity::notification::Entity::find()
        .filter(qinglian::features::inbox::entity::notification::Column::PersonId.eq(fx.person("a1_staff").id))
        .all(&app.state.db.read)
        .await
        .unwrap();
    let keys: Vec<&str> = notices.iter().map(|n| n.msg_key.as_str()).collect();
    assert_eq!(keys.iter().filter(|k| **k == "notify.duty_red").count(), 2, "{keys:?}");
    assert!(notices.iter().any(|n| n.link.starts_with("/duty/tasks/")));
    let head = qinglian::features::inbox::entity::notification::Entity::find()
        .filter(qinglian::features::inbox::entity::notification::Column::PersonId.eq(fx.person("a_head").id))
        .all(&app.state.db.read)
        .await
        .unwrap();
    let keys: Vec<&str> = head.iter().map(|n| n.msg_key.as_str()).collect();
    assert_eq!(keys.iter().filter(|k| **k == "notify.duty_principal").count(), 1, "{keys:?}");
    // Exactly once: a second run the same day delivers nothing again.
    let again =
        qinglian::jobs::deadlines::run_check(&app.state, crate::helpers::ClockExt::now_utc(&app.clock)).await.unwrap();
    assert_eq!(again.delivered, 0, "{again:?}");
});
