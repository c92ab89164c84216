//! 监督执纪 through the real router, on both backends: measures with their influence periods and
//! bad input named by field, clues and their disposal, who sees what (the group, leaders and
//! liaisons see counts of their subtree only, the office sees conclusions only), integrity
//! opinions from request to the reply letter, and a basis that changed after the answer.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    dual_test,
    helpers::{Client, ClockExt, Fixture, PASSWORD, TestApp, audit_count, fixture},
};

fn pid(fx: &Fixture, k: &str) -> String {
    fx.person(k).uuid.to_string()
}

fn field(r: &crate::helpers::Resp) -> String {
    r.json()["field"].as_str().unwrap_or_default().to_string()
}

async fn measure(c: &mut Client, body: Value) -> Value {
    let r = c.json(Method::POST, "/api/v1/discipline/measures", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn m(fx: &Fixture, person: &str, kind: &str, decided_on: &str) -> Value {
    json!({"person": pid(fx, person), "kind": kind, "decided_on": decided_on, "body": "驻局纪检监察组", "doc_no": "清纪组〔2026〕1号", "basis": "违规收受礼金"})
}

async fn clue(c: &mut Client, fx: &Fixture, people: &[&str], received_on: &str) -> Value {
    let r = c
        .json(
            Method::POST,
            "/api/v1/discipline/clues",
            &json!({"source": "petition", "summary": "群众来信反映违规收受礼金", "received_on": received_on,
                    "people": people.iter().map(|p| pid(fx, p)).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

/// A measure recorded straight in the database (for people outside every test caller's scope).
async fn measure_in_db(app: &TestApp, fx: &Fixture, person: &str) -> uuid::Uuid {
    use qinglian::features::discipline::{
        domain::{DisciplineConfig, Kind, NewMeasure, period_rule},
        repo::{ResolvedMeasure, insert_measure},
    };
    let p = fx.person(person);
    let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let new = NewMeasure {
        person: p.uuid,
        kind: Kind::GovWarning,
        decided_on: d,
        body: "临川纪检组".into(),
        basis: "CANARY-measure".into(),
        doc_no: "CANARY-文号".into(),
        term_years: None,
        clue: None,
    };
    let (_, rule) = period_rule(Kind::GovWarning, d, None, &DisciplineConfig::default());
    let r = ResolvedMeasure { new: &new, person_id: p.id, unit_id: p.unit_id, clue_id: None, rule_id: rule.id };
    insert_measure(&app.state.db.write, &r, None, app.clock.now_utc()).await.unwrap().uuid
}

dual_test!(measures_are_validated_by_field_and_carry_their_period, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    // A sanction dated in the future (the fixture's day is 2026-03-02).
    let r =
        j.json(Method::POST, "/api/v1/discipline/measures", &m(&fx, "a_staff", "party_warning", "2026-03-03")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(field(&r), "decided_on");
    assert!(r.json()["message"].as_str().unwrap().contains("决定日期"), "{}", r.text);
    // 留党察看 without a term, and a term on something else.
    let r =
        j.json(Method::POST, "/api/v1/discipline/measures", &m(&fx, "a_staff", "party_probation", "2026-02-02")).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "term_years".into()), "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("留党察看"), "{}", r.text);
    let mut body = m(&fx, "a_staff", "party_warning", "2026-02-02");
    body["term_years"] = json!("1");
    let r = j.json(Method::POST, "/api/v1/discipline/measures", &body).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "term_years".into()), "{}", r.text);
    let mut body = m(&fx, "a_staff", "party_probation", "2026-02-02");
    body["term_years"] = json!("3");
    let r = j.json(Method::POST, "/api/v1/discipline/measures", &body).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "term_years".into()), "{}", r.text);
    // A person outside the caller's scope (another city), a kind that does not exist, a bad date.
    let r =
        j.json(Method::POST, "/api/v1/discipline/measures", &m(&fx, "d_staff", "party_warning", "2026-02-02")).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "person".into()), "{}", r.text);
    let r = j.json(Method::POST, "/api/v1/discipline/measures", &m(&fx, "a_staff", "beheading", "2026-02-02")).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "kind".into()), "{}", r.text);
    let r =
        j.json(Method::POST, "/api/v1/discipline/measures", &m(&fx, "a_staff", "party_warning", "2026-02-30")).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "decided_on".into()), "{}", r.text);
    let r = j.json(Method::POST, "/api/v1/discipline/measures", &json!({"person": 1, "kind": []})).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert_eq!(audit_count(app, "measure.create").await, 0, "nothing half-written");

    // 严重警告 under the 2023 text: eighteen months, with its source article.
    let x = measure(&mut j, m(&fx, "a_staff", "party_serious_warning", "2026-01-10")).await;
    assert_eq!(x["form"], 2);
    assert_eq!(x["period"]["until"], "2027-07-09");
    assert_eq!(x["period"]["rule"], "party_serious_warning_2023");
    assert_eq!(x["period"]["active"], true);
    assert!(x["period"]["source"].as_str().unwrap().contains("2023年修订"), "{x}");
    // 留党察看 two years: four years in all.
    let mut body = m(&fx, "a_spare", "party_probation", "2025-03-01");
    body["term_years"] = json!(2);
    let p = measure(&mut j, body).await;
    assert_eq!(p["period"]["until"], "2029-02-28");
    // The standing API answers the periods in force on a date, with their rule.
    let r = j.get(&format!("/api/v1/discipline/people/{}/standing", pid(&fx, "a_staff"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = r.json();
    assert_eq!(s["standing"], "in_period");
    assert_eq!(s["suggested"], "not_suitable");
    assert_eq!(s["blockers"][0]["rule"], "party_serious_warning_2023");
    let r = j.get(&format!("/api/v1/discipline/people/{}/standing?on=2027-07-10", pid(&fx, "a_staff"))).await;
    assert_eq!(r.json()["standing"], "clean", "{}", r.text);

    // Lifting early ends the period the day before; a lifting before the decision is refused.
    let id = x["id"].as_str().unwrap();
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/measures/{id}/lift"),
            &json!({"lifted_on": "2026-01-01", "reason": "撤销"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "lifted_on".into()), "{}", r.text);
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/measures/{id}/lift"),
            &json!({"lifted_on": "2026-03-01", "reason": ""}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "reason".into()), "{}", r.text);
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/measures/{id}/lift"),
            &json!({"lifted_on": "2026-03-01", "reason": "经复查撤销处分决定"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["period"]["until"], "2026-02-28");
    assert_eq!(r.json()["period"]["active"], false);
    // The person's page shows the lifted period.
    let page = j.get(&format!("/discipline/people/{}", pid(&fx, "a_staff"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("已提前解除"), "lifted period shown");
    assert!(page.text.contains("未发现问题"), "standing clean after lifting");

    // Stale versions conflict; deleting needs a reason and hides the measure.
    let mut body = m(&fx, "a_staff", "party_serious_warning", "2026-01-10");
    body["version"] = json!("1");
    let r = j.json(Method::PATCH, &format!("/api/v1/discipline/measures/{id}"), &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = j.json(Method::DELETE, &format!("/api/v1/discipline/measures/{id}"), &json!({"reason": ""})).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "reason".into()), "{}", r.text);
    let r = j.json(Method::DELETE, &format!("/api/v1/discipline/measures/{id}"), &json!({"reason": "重复录入"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(j.get(&format!("/api/v1/discipline/measures/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(app, "measure.create").await, 2);
    assert_eq!(audit_count(app, "measure.lift").await, 1);
    assert_eq!(audit_count(app, "measure.delete").await, 1);
    assert!(audit_count(app, "dossier.read").await >= 1);
    assert!(audit_count(app, "dossier.standing").await >= 2);
});

dual_test!(clues_are_disposed_within_their_deadline, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    // No people, a date in the future, an unknown source, someone outside the scope.
    for (body, f) in [
        (json!({"source": "petition", "summary": "x", "received_on": "2026-03-01", "people": []}), "people"),
        (
            json!({"source": "petition", "summary": "x", "received_on": "2026-03-09", "people": [pid(&fx, "a_staff")]}),
            "received_on",
        ),
        (
            json!({"source": "rumour", "summary": "x", "received_on": "2026-03-01", "people": [pid(&fx, "a_staff")]}),
            "source",
        ),
        (
            json!({"source": "petition", "summary": "x", "received_on": "2026-03-01", "people": [pid(&fx, "d_staff")]}),
            "people",
        ),
        (
            json!({"source": "petition", "summary": " ", "received_on": "2026-03-01", "people": [pid(&fx, "a_staff")]}),
            "summary",
        ),
    ] {
        let r = j.json(Method::POST, "/api/v1/discipline/clues", &body).await;
        assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, f.to_string()), "{}", r.text);
    }
    let c = clue(&mut j, &fx, &["a_staff", "a1_staff"], "2026-01-20").await;
    assert_eq!(c["code"], "XS2026-0001");
    assert_eq!(c["status"], "received");
    // Thirty working days by the calendar (the Spring Festival holiday falls inside).
    let cal = qinglian::calendar::Calendar::builtin();
    let expect = cal.add_working_days(chrono::NaiveDate::from_ymd_opt(2026, 1, 20).unwrap(), 30);
    assert_eq!(c["deadline"], expect.to_string());
    assert!(expect > chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() || c["overdue"] == true);
    // An open clue makes the standing "open clue" and suggests deferring.
    let s = j.get(&format!("/api/v1/discipline/people/{}/standing", pid(&fx, "a1_staff"))).await.json();
    assert_eq!((s["standing"].as_str(), s["suggested"].as_str()), (Some("open_clue"), Some("defer")), "{s}");
    // Disposal: before the clue was received, or of an unknown kind, is refused.
    let id = c["id"].as_str().unwrap();
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/clues/{id}/disposal"),
            &json!({"disposal": "preliminary", "disposed_on": "2026-01-01"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "disposed_on".into()), "{}", r.text);
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/clues/{id}/disposal"),
            &json!({"disposal": "forget", "disposed_on": "2026-02-01"}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "disposal".into()), "{}", r.text);
    // 初步核实 without a result is being handled; with a result it is concluded.
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/clues/{id}/disposal"),
            &json!({"disposal": "preliminary", "disposed_on": "2026-02-10"}),
        )
        .await;
    assert_eq!(r.json()["status"], "handling", "{}", r.text);
    let mut mm = m(&fx, "a_staff", "talk_reminder", "2026-02-20");
    mm["clue"] = json!(id);
    let x = measure(&mut j, mm).await;
    assert_eq!(x["clue"], json!(id));
    assert!(x["period"].is_null(), "a reminder talk has no period: {x}");
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/clues/{id}/disposal"),
            &json!({"disposal": "preliminary", "disposed_on": "2026-02-25", "result": "问题基本属实，给予谈话提醒"}),
        )
        .await;
    let done = r.json();
    assert_eq!(done["status"], "concluded", "{}", r.text);
    // The measures ledger names the clue a measure followed.
    let ledger = j.get("/discipline/measures/export.xlsx").await;
    let sheets = qinglian::xlsx::read_workbook(&ledger.bytes).unwrap();
    assert!(sheets[0].rows.iter().flatten().any(|c| c == "XS2026-0001"), "clue code in the export");
    assert_eq!(done["measures"][0], x["id"]);
    let s = j.get(&format!("/api/v1/discipline/people/{}/standing", pid(&fx, "a1_staff"))).await.json();
    assert_eq!(s["standing"], "clean");
    // The list filters by status and text; the overdue filter leaves the concluded one out.
    let l = j.get("/api/v1/discipline/clues?status=concluded&q=礼金").await.json();
    assert_eq!(l["total"], 1);
    let l = j.get("/api/v1/discipline/clues?overdue=1").await.json();
    assert_eq!(l["total"], 0);
    let r = j.get("/api/v1/discipline/clues?status=lost").await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "status".into()));
    // Pages: the list, the clue with its measures, and a bad form names its fields in Chinese.
    let page = j.get(&format!("/discipline/clues/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("XS2026-0001") && page.text.contains("谈话提醒"));
    let r = j
        .post_form(
            "/discipline/clues",
            &[("source", "petition"), ("people", "不存在的人"), ("summary", "x"), ("received_on", "2026-03-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("未找到人员“不存在的人”"), "{}", r.text);
    // People typed by staff number or name on the form.
    let r = j
        .post_form(
            "/discipline/clues",
            &[("source", "audit"), ("people", "P004，周所员"), ("summary", "审计发现"), ("received_on", "2026-03-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let l = j.get("/api/v1/discipline/clues?source=audit").await.json();
    let names: Vec<&str> =
        l["items"][0]["people"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["赵干部", "周所员"]);
    assert_eq!(audit_count(app, "clue.create").await, 2);
    assert_eq!(audit_count(app, "clue.dispose").await, 2);
    assert!(audit_count(app, "clue.list").await >= 3);
});

dual_test!(leaders_and_liaisons_see_counts_of_their_subtree_only, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    // Two measures on one person in A, one in B (the canary), one in another city.
    measure(&mut j, m(&fx, "a_staff", "talk_reminder", "2026-01-05")).await;
    measure(&mut j, m(&fx, "a_staff", "party_warning", "2026-02-05")).await;
    let b = measure(&mut j, m(&fx, "b_staff", "gov_demerit", "2026-02-05")).await;
    let outside = measure_in_db(app, &fx, "d_staff").await;
    // The group sees its whole scope: 3 人次, 2 人; a first-form talk, two second-form sanctions
    // (a Party warning and a 记过 are both light sanctions).
    let s = j.get("/api/v1/discipline/stats?year=2026").await.json();
    assert_eq!((s["overall"]["total"].as_u64(), s["overall"]["persons"].as_u64()), (Some(3), Some(2)), "{s}");
    let forms: Vec<u64> =
        s["overall"]["forms"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).collect();
    assert_eq!(forms, [1, 2, 0, 0]);
    assert_eq!(s["overall"]["forms"][0]["share_permille"], 333);
    let a_row = s["groups"].as_array().unwrap().iter().find(|g| g["unit_name"] == "东湖区司法局").unwrap().clone();
    assert_eq!((a_row["total"].as_u64(), a_row["persons"].as_u64()), (Some(2), Some(1)));
    // A measure of another city answers 404, like a missing one, and the refusal is audited.
    let before = audit_count(app, "authz.out_of_scope").await;
    assert_eq!(j.get(&format!("/api/v1/discipline/measures/{outside}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(j.get(&format!("/discipline/measures/{outside}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(app, "authz.out_of_scope").await, before + 2);
    let l = j.get("/api/v1/discipline/measures").await;
    assert!(!l.text.contains("CANARY-measure"), "another city's measure listed");

    // The liaison of county A: counts of A, nothing of B, no records at all.
    let mut la = app.login("liaison_a", PASSWORD).await;
    let s = la.get("/api/v1/discipline/stats?year=2026").await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.json()["overall"]["total"], 2);
    assert!(!s.text.contains("西山区司法局") && !s.text.contains("CANARY"), "{}", s.text);
    let r = la.get(&format!("/api/v1/discipline/stats?unit={}", fx.unit("b").uuid)).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "unit".into()), "{}", r.text);
    let page = la.get("/discipline").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("西山区司法局") && !page.text.contains("/discipline/clues"), "liaison page leaks");
    for path in [
        "/api/v1/discipline/measures".to_string(),
        format!("/api/v1/discipline/measures/{}", b["id"].as_str().unwrap()),
        "/api/v1/discipline/clues".into(),
        format!("/api/v1/discipline/people/{}/standing", pid(&fx, "a_staff")),
        "/discipline/measures".into(),
        format!("/discipline/people/{}", pid(&fx, "a_staff")),
        "/api/v1/discipline/opinions".into(),
    ] {
        assert_eq!(la.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    // The leader of A: the same counts, no records.
    let mut lead = app.login("leader_a", PASSWORD).await;
    assert_eq!(lead.get("/api/v1/discipline/stats?year=2026").await.json()["overall"]["total"], 2);
    assert_eq!(lead.get("/api/v1/discipline/measures").await.status, StatusCode::FORBIDDEN);
    assert_eq!(lead.get("/discipline/stats.xlsx?year=2026").await.status, StatusCode::OK);
    // A cadre sees nothing of 监督执纪.
    let mut cadre = app.login("cadre_a", PASSWORD).await;
    assert_eq!(cadre.get("/api/v1/discipline/stats").await.status, StatusCode::FORBIDDEN);
    assert_eq!(cadre.get("/discipline").await.status, StatusCode::FORBIDDEN);
    // Changing the caliber moves a kind between forms at once (settings, audited).
    let page = j.get("/discipline/settings").await;
    let mut fields: Vec<(String, String)> = vec![("_csrf".into(), page.csrf().unwrap())];
    for k in qinglian::features::discipline::domain::Kind::ALL {
        let f = if k == qinglian::features::discipline::domain::Kind::PartyWarning { 1 } else { k.default_form() };
        fields.push((format!("form_{}", k.code()), f.to_string()));
    }
    for (k, v) in [
        ("admonish_months", "6"),
        ("clue_working_days", "30"),
        ("opinion_working_days", "3"),
        ("issuer", "派驻纪检监察组"),
        ("org_reassignment", "12"),
    ] {
        fields.push((k.into(), v.into()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = j.post_form("/discipline/settings", &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let s = j.get("/api/v1/discipline/stats?year=2026").await.json();
    let forms: Vec<u64> =
        s["overall"]["forms"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).collect();
    assert_eq!(forms, [2, 1, 0, 0]);
    assert_eq!(audit_count(app, "discipline.settings").await, 1);
    // A bad setting names its field and changes nothing.
    let r = j
        .post_form(
            "/discipline/settings",
            &[("admonish_months", "0"), ("clue_working_days", "30"), ("opinion_working_days", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("诫勉影响期"), "{}", r.text);
    assert_eq!(audit_count(app, "discipline.settings").await, 1);
});

dual_test!(opinions_go_from_request_to_reply_letter_and_show_a_changed_basis, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    let mut o = app.login("office", PASSWORD).await;
    let warn = measure(&mut j, m(&fx, "a_staff", "party_warning", "2026-02-02")).await;
    clue(&mut j, &fx, &["a1_staff"], "2026-02-26").await;
    // Bad requests: no people, someone outside the office's scope, an unknown purpose, a past date.
    let ok_people = vec![pid(&fx, "a_staff"), pid(&fx, "a1_staff"), pid(&fx, "b_head")];
    for (body, f) in [
        (json!({"title": "征求意见", "purpose": "promotion", "people": []}), "people"),
        (json!({"title": "征求意见", "purpose": "promotion", "people": [pid(&fx, "d_staff")]}), "people"),
        (json!({"title": "征求意见", "purpose": "bribe", "people": ok_people}), "purpose"),
        (
            json!({"title": "征求意见", "purpose": "promotion", "people": ok_people, "needed_by": "2026-02-01"}),
            "needed_by",
        ),
        (json!({"title": "", "purpose": "promotion", "people": ok_people}), "title"),
    ] {
        let r = o.json(Method::POST, "/api/v1/discipline/opinions", &body).await;
        assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, f.to_string()), "{}", r.text);
    }
    let r = o
        .json(
            Method::POST,
            "/api/v1/discipline/opinions",
            &json!({"title": "关于征求赵干部等同志廉政意见的函", "purpose": "promotion", "doc_no": "清司政函〔2026〕5号", "people": ok_people}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let req = r.json();
    let id = req["id"].as_str().unwrap().to_string();
    // Three working days by default (Mon 2 March → Thu 5 March).
    assert_eq!(req["needed_by"], "2026-03-05");
    // The group hears of it in its inbox.
    let n = j.get("/api/v1/notifications").await;
    assert!(n.text.contains("关于征求赵干部等同志廉政意见的函") && n.text.contains("2026年3月5日"), "{}", n.text);
    // The office sees names but neither blockers nor suggestions.
    assert!(
        req["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["blockers"].as_array().unwrap().is_empty() && i["suggested"].is_null()),
        "{req}"
    );
    let r = o.get(&format!("/discipline/opinions/{id}")).await;
    assert!(!r.text.contains("党内警告") && !r.text.contains("XS2026"), "office sees the records");
    // The group sees the blockers with their rule and source, and a suggestion per person.
    let v = j.get(&format!("/api/v1/discipline/opinions/{id}")).await.json();
    let sug: Vec<&str> = v["items"].as_array().unwrap().iter().map(|i| i["suggested"].as_str().unwrap()).collect();
    assert_eq!(sug, ["not_suitable", "defer", "no_issue"]);
    assert!(v["items"][0]["blockers"][0]["source"].as_str().unwrap().contains("纪律处分条例"), "{v}");
    // Overriding without a reason is refused; nothing is answered.
    let answer = |reason: &str| {
        json!({"reply_doc_no": "清纪组函〔2026〕3号", "items": [
            {"person": pid(&fx, "a1_staff"), "conclusion": "no_issue", "reason": reason},
        ]})
    };
    let r = j.json(Method::POST, &format!("/api/v1/discipline/opinions/{id}/answer"), &answer("")).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "items".into()), "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("周所员"), "{}", r.text);
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/opinions/{id}/answer"),
            &json!({"reply_doc_no": "", "items": []}),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "reply_doc_no".into()), "{}", r.text);
    // The office cannot answer; the reply letter does not exist yet.
    assert_eq!(
        o.json(Method::POST, &format!("/api/v1/discipline/opinions/{id}/answer"), &answer("x")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(o.get(&format!("/discipline/opinions/{id}/reply.docx")).await.status, StatusCode::CONFLICT);
    let r = j
        .json(
            Method::POST,
            &format!("/api/v1/discipline/opinions/{id}/answer"),
            &answer("经核实来信反映问题与本人无关"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let done = r.json();
    let con: Vec<&str> = done["items"].as_array().unwrap().iter().map(|i| i["conclusion"].as_str().unwrap()).collect();
    assert_eq!(con, ["not_suitable", "no_issue", "no_issue"]);
    let r = j.json(Method::POST, &format!("/api/v1/discipline/opinions/{id}/answer"), &answer("再答一次")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // The office hears that the reply is ready, reads the conclusions and downloads the reply
    // in official-letter form.
    let n = o.get("/api/v1/notifications").await;
    assert!(n.text.contains("已回复（清纪组函〔2026〕3号）"), "{}", n.text);
    let v = o.get(&format!("/api/v1/discipline/opinions/{id}")).await.json();
    assert_eq!(v["items"][0]["conclusion"], "not_suitable");
    assert!(v["items"][1]["override_reason"].is_null(), "the office does not see the group's reasons");
    let r = o.get(&format!("/discipline/opinions/{id}/reply.docx")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"].to_str().unwrap().contains("wordprocessingml"));
    let text = qinglian::docx::document_text(&r.bytes).unwrap();
    for s in [
        "清纪组函〔2026〕3号",
        "清源市司法局：",
        "赵干部",
        "周所员",
        "陈局长",
        "不宜提拔任用",
        "暂未发现影响提拔任用的问题",
        "清司政函〔2026〕5号",
        "2026年3月2日",
        "特此函复",
    ] {
        assert!(text.contains(s), "{s} missing from the reply: {text}");
    }
    assert_eq!(audit_count(app, "opinion.answer").await, 1);
    assert_eq!(audit_count(app, "opinion.export").await, 1);
    // Editing the measure the answer relied on is allowed; the opinion then shows it.
    let mut body = m(&fx, "a_staff", "party_warning", "2026-02-02");
    body["basis"] = json!("违规收受礼金（更正金额）");
    let r =
        j.json(Method::PATCH, &format!("/api/v1/discipline/measures/{}", warn["id"].as_str().unwrap()), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = j.get(&format!("/api/v1/discipline/opinions/{id}")).await.json();
    let changed: Vec<bool> =
        v["items"].as_array().unwrap().iter().map(|i| i["basis_changed"].as_bool().unwrap()).collect();
    assert_eq!(changed, [true, false, false]);
    let page = j.get(&format!("/discipline/opinions/{id}")).await;
    assert!(page.text.contains("依据已变化"), "the page marks the changed basis");
    // The liaison of A cannot see the request, even by id.
    let mut la = app.login("liaison_a", PASSWORD).await;
    assert_eq!(la.get(&format!("/api/v1/discipline/opinions/{id}")).await.status, StatusCode::FORBIDDEN);
});

dual_test!(pages_exports_and_the_dossier_render, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut j = app.login("jjz", PASSWORD).await;
    let x = measure(&mut j, m(&fx, "a_staff", "admonish", "2026-02-02")).await;
    clue(&mut j, &fx, &["a_staff"], "2026-02-27").await;
    for path in [
        "/discipline".to_string(),
        "/discipline?year=2025".into(),
        "/discipline/clues".into(),
        "/discipline/clues/new".into(),
        "/discipline/measures".into(),
        "/discipline/measures?form=1&year=2026".into(),
        "/discipline/measures/new".into(),
        format!("/discipline/measures/{}", x["id"].as_str().unwrap()),
        format!("/discipline/measures/{}/edit", x["id"].as_str().unwrap()),
        "/discipline/people?q=赵".into(),
        "/discipline/opinions".into(),
        "/discipline/settings".into(),
    ] {
        let r = j.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    // Opening a record, even to edit it, is a read of it.
    let reads = audit_count(app, "measure.read").await;
    assert_eq!(reads, 2, "the page and the edit form each audited");
    let d = j.get(&format!("/discipline/people/{}", pid(&fx, "a_staff"))).await;
    assert!(d.text.contains("处于影响期") && d.text.contains("诫勉") && d.text.contains("XS2026-0001"), "{}", d.text);
    let r = j.get(&format!("/discipline/people/{}/dossier.docx", pid(&fx, "a_staff"))).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = qinglian::docx::document_text(&r.bytes).unwrap();
    assert!(text.contains("赵干部廉政档案") && text.contains("诫勉") && text.contains("处于影响期"), "{text}");
    let r = j.get("/discipline/measures/export.xlsx?year=2026").await;
    assert_eq!(r.status, StatusCode::OK);
    let sheets = qinglian::xlsx::read_workbook(&r.bytes).unwrap();
    let cells: Vec<&String> = sheets[0].rows.iter().flatten().collect();
    assert!(cells.iter().any(|c| c.as_str() == "赵干部") && cells.iter().any(|c| c.as_str() == "诫勉"), "{cells:?}");
    assert!(cells.iter().any(|c| c.as_str() == "第一种形态"), "{cells:?}");
    let r = j.get("/discipline/stats.xlsx?year=2026").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(audit_count(app, "measure.export").await, 1);
    assert_eq!(audit_count(app, "discipline.stats_export").await, 1);
    assert_eq!(audit_count(app, "dossier.export").await, 1);
    // A measure form with a future date and a namesake-free unknown person names both problems.
    let r = j
        .post_form(
            "/discipline/measures",
            &[("person", "P004"), ("kind", "party_warning"), ("decided_on", "2027-01-01"), ("body", "纪检组")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("决定日期"), "{}", r.text);
    let r = j
        .post_form(
            "/discipline/measures",
            &[("person", "P004，P005"), ("kind", "party_warning"), ("decided_on", "2026-01-01"), ("body", "纪检组")],
        )
        .await;
    assert!(r.text.contains("一条措施只能针对一名当事人"), "{}", r.text);
    let r = j
        .post_form(
            "/discipline/measures",
            &[
                ("person", "P004"),
                ("kind", "party_warning"),
                ("decided_on", "2026-01-01"),
                ("body", "纪检组"),
                ("doc_no", "清纪组〔2026〕9号"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Out of scope: another city's person answers 404 on the dossier.
    assert_eq!(j.get(&format!("/discipline/people/{}", pid(&fx, "d_staff"))).await.status, StatusCode::NOT_FOUND);
});
