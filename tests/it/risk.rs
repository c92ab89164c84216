//! 廉政风险防控: points, measures, the review cycle, screening campaigns, heat map, rotation hints,
//! the spreadsheet, and scope.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use crate::{
    dual_test,
    helpers::{Client, ClockExt, Fixture, PASSWORD, audit_count, fixture},
};

async fn new_risk(c: &mut Client, unit: &str, post: &str, title: &str, l: u8, i: u8) -> Value {
    let r = c
        .json(Method::POST, "/api/v1/risks", &json!({"unit": unit, "post": post, "title": title, "category": "money", "area": "finance", "likelihood": l, "impact": i}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn a(fx: &Fixture) -> String {
    fx.unit("a").uuid.to_string()
}

dual_test!(points_are_graded_by_the_matrix_and_validated, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("liaison_a", PASSWORD).await;
    let p = new_risk(&mut c, &a(&fx), "财务管理岗", "虚列支出套取资金", 4, 4).await;
    assert_eq!(p["level"], "high");
    assert_eq!(p["next_review_on"], "2026-09-02", "high: reviewed every 6 months");
    let low = new_risk(&mut c, &a(&fx), "综合文秘岗", "公文泄密", 1, 2).await;
    assert_eq!(low["level"], "low");
    assert_eq!(low["next_review_on"], "2028-03-02");
    // Unknown category; a level the matrix contradicts; half a score.
    let r = c
        .json(Method::POST, "/api/v1/risks", &json!({"unit": a(&fx), "post": "x", "title": "y", "category": "管天"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "category");
    let r = c
        .json(Method::POST, "/api/v1/risks", &json!({"unit": a(&fx), "post": "x", "title": "y", "category": "money", "likelihood": 1, "impact": 1, "level": "high"}))
        .await;
    assert_eq!(r.json()["field"], "level");
    assert!(r.json()["message"].as_str().unwrap().contains("风险矩阵"));
    let r = c
        .json(
            Method::POST,
            "/api/v1/risks",
            &json!({"unit": a(&fx), "post": "x", "title": "y", "category": "money", "likelihood": 3}),
        )
        .await;
    assert_eq!(r.json()["field"], "impact");
    // A unit outside the liaison's scope is refused like a missing one.
    let b = fx.unit("b").uuid.to_string();
    let r = c
        .json(
            Method::POST,
            "/api/v1/risks",
            &json!({"unit": b, "post": "x", "title": "y", "category": "money", "level": "low"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "unit");
    // Measures may not be due before the point existed.
    let id = p["id"].as_str().unwrap();
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/risks/{id}/measures"),
            &json!({"content": "双人复核", "due_date": "2026-03-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "due_date");
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/risks/{id}/measures"),
            &json!({"content": "双人复核，每月对账", "due_date": "2026-04-30"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Changing the level reschedules the next review.
    let r = c.json(Method::PATCH, &format!("/api/v1/risks/{id}"), &json!({"likelihood": 2, "impact": 2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["level"], "low");
    assert_eq!(r.json()["next_review_on"], "2028-03-02");
    // The page shows the history of every change.
    let page = c.get(&format!("/risk/{id}")).await;
    assert!(
        page.text.contains("risk.create")
            && page.text.contains("risk.measure_add")
            && page.text.contains("risk.update")
    );
    assert_eq!(audit_count(app, "risk.create").await, 2);
});

dual_test!(two_editors_cannot_overwrite_each_other, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut one = app.login("liaison_a", PASSWORD).await;
    let mut two = app.login("office", PASSWORD).await;
    let p = new_risk(&mut one, &a(&fx), "执法岗", "选择性执法", 3, 3).await;
    let id = p["id"].as_str().unwrap();
    let r1 =
        one.json(Method::PATCH, &format!("/api/v1/risks/{id}"), &json!({"title": "第一人改的", "version": 1})).await;
    assert_eq!(r1.status, StatusCode::OK);
    let r2 =
        two.json(Method::PATCH, &format!("/api/v1/risks/{id}"), &json!({"title": "第二人改的", "version": 1})).await;
    assert_eq!(r2.status, StatusCode::CONFLICT);
    assert!(r2.json()["message"].as_str().unwrap().contains("已被他人修改"));
    let now = one.get(&format!("/api/v1/risks/{id}")).await.json();
    assert_eq!(now["title"], "第一人改的");
    // The form says the same in the page.
    let _ = two.get(&format!("/risk/{id}/edit")).await;
    let unit = a(&fx);
    let r = two
        .post_form(
            &format!("/risk/{id}"),
            &[
                ("unit", &unit),
                ("post", "执法岗"),
                ("title", "表单改的"),
                ("category", "enforcement"),
                ("likelihood", "3"),
                ("impact", "3"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("已被他人修改"));
});

dual_test!(reviews_schedule_the_next_one_and_overdue_ones_are_flagged, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("liaison_a", PASSWORD).await;
    let p = new_risk(&mut c, &a(&fx), "社区矫正执法岗", "违规批准请假外出", 4, 5).await;
    let id = p["id"].as_str().unwrap().to_string();
    // Seven months later the high-level point is overdue.
    app.clock.advance(Duration::days(214));
    let mut c = app.login("liaison_a", PASSWORD).await;
    let list = c.get("/api/v1/risks?overdue=1").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["review_overdue"], true);
    let page = c.get("/risk").await;
    assert!(page.text.contains("复核已逾期"));
    // A weak review must say how the measures change; a future date is refused.
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/risks/{id}/reviews"),
            &json!({"reviewed_on": "2026-10-01", "conclusion": "needs_strengthening"}),
        )
        .await;
    assert_eq!(r.json()["field"], "measure_changes");
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/risks/{id}/reviews"),
            &json!({"reviewed_on": "2027-01-01", "conclusion": "effective"}),
        )
        .await;
    assert_eq!(r.json()["field"], "reviewed_on");
    let r = c
        .json(Method::POST, &format!("/api/v1/risks/{id}/reviews"), &json!({"reviewed_on": "2026-10-01", "conclusion": "needs_strengthening", "measure_changes": "增加请假审批双签"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let now = c.get(&format!("/api/v1/risks/{id}")).await.json();
    assert_eq!(now["next_review_on"], "2027-04-01");
    assert_eq!(now["last_review_on"], "2026-10-01");
    assert_eq!(now["review_overdue"], false);
    let reviews = c.get(&format!("/api/v1/risks/{id}/reviews")).await.json();
    let arr = reviews.as_array().unwrap();
    assert_eq!(arr.len(), 2, "one done, one planned");
    assert!(arr.iter().any(|r| r["reviewed_on"].is_null() && r["planned_on"] == "2027-04-01"));
});

dual_test!(a_campaign_runs_from_launch_to_sign_off_and_freezes, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut la = app.login("liaison_a", PASSWORD).await;
    let high = new_risk(&mut la, &a(&fx), "财务管理岗", "大额资金支付未经集体研究", 5, 5).await;
    let low = new_risk(&mut la, &fx.unit("a1").uuid.to_string(), "人民调解岗", "收受当事人财物", 2, 1).await;
    app.clock.advance(Duration::minutes(5));
    let mut office = app.login("office", PASSWORD).await;
    let units = vec![a(&fx), fx.unit("b").uuid.to_string()];
    let r = office
        .json(
            Method::POST,
            "/api/v1/campaigns",
            &json!({"title": "2026年度岗位廉政风险排查", "units": units, "working_days": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let camp = r.json();
    assert_eq!(camp["deadline"], "2026-03-16");
    let cid = camp["id"].as_str().unwrap().to_string();
    let row =
        |c: &Value, unit: &str| c["progress"].as_array().unwrap().iter().find(|r| r["unit"] == unit).cloned().unwrap();
    assert_eq!(row(&camp, &a(&fx))["status"], "not_started");
    assert_eq!(row(&camp, &a(&fx))["counts"]["points"], 2, "the unit's subtree counts");

    // Not everything reviewed yet, and a high point without a measure: no sign-off.
    let unit_a = a(&fx);
    let r = la.json(Method::POST, &format!("/api/v1/campaigns/{cid}/signoff"), &json!({"unit": unit_a})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["message"].as_str().unwrap().contains("高风险点没有防控措施"));
    for p in [&high, &low] {
        let id = p["id"].as_str().unwrap();
        let r = la
            .json(
                Method::POST,
                &format!("/api/v1/risks/{id}/reviews"),
                &json!({"reviewed_on": "2026-03-02", "conclusion": "effective"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let r = la.json(Method::POST, &format!("/api/v1/campaigns/{cid}/signoff"), &json!({"unit": unit_a})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "still a high point without a measure");
    let hid = high["id"].as_str().unwrap();
    la.json(Method::POST, &format!("/api/v1/risks/{hid}/measures"), &json!({"content": "大额支出一律党组会研究"}))
        .await;
    // A new point added during the campaign must be reviewed too.
    new_risk(&mut la, &unit_a, "公车管理岗", "公车私用", 3, 2).await;
    let now = la.get(&format!("/api/v1/campaigns/{cid}")).await.json();
    let ra = row(&now, &unit_a);
    assert_eq!(ra["status"], "in_progress");
    assert_eq!(ra["counts"]["added"], 1);
    assert_eq!(ra["counts"]["reviewed"], 2);
    let r = la.json(Method::POST, &format!("/api/v1/campaigns/{cid}/signoff"), &json!({"unit": unit_a})).await;
    assert!(r.json()["message"].as_str().unwrap().contains("未在本次排查中复核"));
    let list = la.get("/api/v1/risks?q=%E5%85%AC%E8%BD%A6").await.json();
    let nid = list["items"][0]["id"].as_str().unwrap().to_string();
    la.json(
        Method::POST,
        &format!("/api/v1/risks/{nid}/reviews"),
        &json!({"reviewed_on": "2026-03-02", "conclusion": "effective"}),
    )
    .await;
    let r = la
        .json(Method::POST, &format!("/api/v1/campaigns/{cid}/signoff"), &json!({"unit": unit_a, "note": "已全面复核"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(row(&r.json(), &unit_a)["status"], "signed_off", "{}", r.text);
    let r = la.json(Method::POST, &format!("/api/v1/campaigns/{cid}/signoff"), &json!({"unit": unit_a})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "once only");
    // County B's liaison cannot sign for A, and sees only B's row.
    let mut lb = app.login("liaison_b", PASSWORD).await;
    let r = lb.json(Method::POST, &format!("/api/v1/campaigns/{cid}/signoff"), &json!({"unit": unit_a})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let seen = lb.get(&format!("/api/v1/campaigns/{cid}")).await.json();
    assert_eq!(seen["progress"].as_array().unwrap().len(), 1);

    // Past the deadline B is overdue; closing freezes the table.
    app.clock.advance(Duration::days(20));
    let mut office = app.login("office", PASSWORD).await;
    let mut la = app.login("liaison_a", PASSWORD).await;
    let mut lb = app.login("liaison_b", PASSWORD).await;
    let now = office.get(&format!("/api/v1/campaigns/{cid}")).await.json();
    assert_eq!(row(&now, &fx.unit("b").uuid.to_string())["status"], "overdue");
    let r = la.json(Method::POST, &format!("/api/v1/campaigns/{cid}/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "liaisons do not close campaigns");
    let r = office.json(Method::POST, &format!("/api/v1/campaigns/{cid}/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "closed");
    let r = lb
        .json(
            Method::POST,
            &format!("/api/v1/campaigns/{cid}/signoff"),
            &json!({"unit": fx.unit("b").uuid.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["message"].as_str().unwrap().contains("已结束"));
    // Later changes do not alter the frozen result.
    new_risk(&mut la, &unit_a, "采购岗", "围标串标", 4, 4).await;
    let frozen = office.get(&format!("/api/v1/campaigns/{cid}")).await.json();
    assert_eq!(row(&frozen, &unit_a)["counts"]["points"], 3);
    let r = office.json(Method::POST, &format!("/api/v1/campaigns/{cid}/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(audit_count(app, "campaign.sign_off").await, 1);
    assert_eq!(audit_count(app, "campaign.close").await, 1);
});

dual_test!(heat_map_and_rotation_hints, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut la = app.login("liaison_a", PASSWORD).await;
    new_risk(&mut la, &a(&fx), "综合岗", "虚报冒领", 5, 5).await;
    new_risk(&mut la, &a(&fx), "综合岗", "私设小金库", 4, 4).await;
    new_risk(&mut la, &a(&fx), "文秘岗", "泄露工作秘密", 1, 1).await;
    let svg = la.get(&format!("/risk/heatmap.svg?unit={}", a(&fx))).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.headers["content-type"].to_str().unwrap().starts_with("image/svg+xml"));
    assert!(
        svg.text.contains("管钱") && svg.text.contains(">2</text>") && svg.text.contains(">3</text>"),
        "{}",
        svg.text
    );
    let cells = la.get("/api/v1/risks/heatmap").await.json();
    assert!(cells.as_array().unwrap().iter().any(|c| c["level"] == "high" && c["count"] == 2));
    // 张局长 and 赵干部 hold 综合岗 in A since the fixture date; six years later they are hinted.
    let page = la.get("/risk/rotation").await;
    assert!(!page.text.contains("赵干部"));
    app.clock.advance(Duration::days(366 * 6));
    let mut la = app.login("liaison_a", PASSWORD).await;
    let page = la.get("/risk/rotation").await;
    assert!(page.text.contains("赵干部") && page.text.contains("张局长"), "{}", page.text);
    assert!(!page.text.contains("周所员"), "another unit's post");
});

dual_test!(risk_register_scope_and_list_filters, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut la = app.login("liaison_a", PASSWORD).await;
    let p = new_risk(&mut la, &a(&fx), "财务岗", "CANARY-A 资金风险", 5, 5).await;
    let id = p["id"].as_str().unwrap();
    let mut lb = app.login("liaison_b", PASSWORD).await;
    new_risk(&mut lb, &fx.unit("b").uuid.to_string(), "财务岗", "西山风险", 1, 1).await;
    // B's liaison sees neither A's point in lists nor by id.
    let list = lb.get("/api/v1/risks?per_page=200").await.json();
    assert_eq!(list["total"], 1);
    assert!(!lb.get("/risk").await.text.contains("CANARY-A"));
    assert_eq!(lb.get(&format!("/api/v1/risks/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(lb.get(&format!("/risk/{id}")).await.status, StatusCode::NOT_FOUND);
    let r = lb.json(Method::PATCH, &format!("/api/v1/risks/{id}"), &json!({"title": "改"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(audit_count(app, "authz.out_of_scope").await >= 3);
    // The 派驻组 sees both; filters narrow.
    let mut j = app.login("jjz", PASSWORD).await;
    assert_eq!(j.get("/api/v1/risks").await.json()["total"], 2);
    assert_eq!(j.get("/api/v1/risks?level=high").await.json()["total"], 1);
    assert_eq!(j.get(&format!("/api/v1/risks?unit={}", fx.unit("b").uuid)).await.json()["total"], 1);
    assert_eq!(j.get("/api/v1/risks?q=CANARY").await.json()["total"], 1);
    // A point in 临川市 (outside the 派驻组's 清源市 scope) stays out of the text search too,
    // which takes the broad-scope `NOT IN` form (five units inside, two outside).
    {
        use qinglian::{
            authz::{Role, repo::insert_grant},
            features::accounts::repo::find_by_person,
            ids::{UnitId, UserId},
        };
        let nobody = find_by_person(&app.state.db.read, fx.person("d_staff").id).await.unwrap().unwrap();
        insert_grant(
            &app.state.db.write,
            UserId(nobody.id),
            Role::Liaison,
            UnitId(fx.unit("d").id),
            None,
            app.clock.now_utc(),
        )
        .await
        .unwrap();
    }
    let mut ld = app.login("nobody", PASSWORD).await;
    new_risk(&mut ld, &fx.unit("d").uuid.to_string(), "财务岗", "CANARY-D 临川风险", 3, 3).await;
    assert_eq!(j.get("/api/v1/risks?q=CANARY").await.json()["total"], 1);
    assert!(!j.get("/risk?q=CANARY").await.text.contains("CANARY-D"));
    assert_eq!(ld.get("/api/v1/risks?q=CANARY").await.json()["total"], 1);
    let sorted = j.get("/api/v1/risks?sort=level").await.json();
    assert_eq!(sorted["items"][0]["level"], "high");
    // Cadres have no access to the register at all.
    let mut cadre = app.login("cadre_a", PASSWORD).await;
    assert_eq!(cadre.get("/risk").await.status, StatusCode::FORBIDDEN);
    // Deleting needs a reason and keeps the history.
    let r = la.json(Method::DELETE, &format!("/api/v1/risks/{id}"), &json!({"reason": ""})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = la.json(Method::DELETE, &format!("/api/v1/risks/{id}"), &json!({"reason": "岗位撤并"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(j.get("/api/v1/risks").await.json()["total"], 1);
    assert_eq!(audit_count(app, "risk.delete").await, 1);
});

fn sheet(rows: &[[&str; 12]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("风险点清单").unwrap();
    for (c, h) in [
        "序号",
        "单位编码*",
        "岗位*",
        "风险点*",
        "风险描述",
        "风险类别*",
        "业务领域",
        "可能性",
        "影响程度",
        "风险等级",
        "防控措施",
        "责任人",
    ]
    .iter()
    .enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write((r + 1) as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

dual_test!(the_risk_list_spreadsheet_round_trips, |app: &TestApp| async move {
    let _fx = fixture(app).await;
    let mut la = app.login("liaison_a", PASSWORD).await;
    assert_eq!(la.get("/risk/template.xlsx").await.status, StatusCode::OK);
    let bad = sheet(&[
        ["1", "A", "财务岗", "虚列支出", "", "管钱", "财务", "", "", "高", "双人复核；定期对账", "赵干部"],
        ["2", "A", "执法岗", "吃拿卡要", "", "管天", "", "1", "1", "高", "", "不存在的人"],
        ["3", "B", "财务岗", "越权", "", "管钱", "", "", "", "低", "", ""],
    ]);
    let _ = la.get("/risk/import").await;
    let r = la.upload("/risk/import", "风险点清单.xlsx", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for needle in ["风险类别", "风险等级", "风险矩阵", "不存在的人", "单位编码"] {
        assert!(r.text.contains(needle), "{needle}: {}", r.text);
    }
    assert_eq!(la.get("/api/v1/risks").await.json()["total"], 0, "nothing imported");
    let good = sheet(&[
        ["1", "A", "财务岗", "虚列支出", "", "管钱", "财务", "", "", "高", "双人复核；定期对账", "赵干部"],
        ["2", "A-1", "人民调解岗", "收受红包", "", "法律服务", "人民调解", "2", "2", "", "公示收费标准", "P005"],
    ]);
    let r = la.upload("/risk/import", "风险点清单.xlsx", &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("新增风险点 2 个") && r.text.contains("新增防控措施 3 条"), "{}", r.text);
    // Importing again updates instead of duplicating.
    let r = la.upload("/risk/import", "风险点清单.xlsx", &good).await;
    assert!(r.text.contains("更新 2 个") && r.text.contains("新增防控措施 0 条"), "{}", r.text);
    let x = la.get("/risk/export.xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(x.bytes.clone())).unwrap();
    let range = wb.worksheet_range("风险点清单").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 4, "title, header, two points");
    assert!(rows.iter().any(|r| r.iter().any(|c| c.contains("1. 双人复核\n2. 定期对账"))));
    assert!(rows.iter().any(|r| r.contains(&"赵干部".to_string())));
    assert_eq!(audit_count(app, "risk.export").await, 1);
    assert_eq!(audit_count(app, "risk.import").await, 2);
    let print = la.get("/risk/print").await;
    assert!(print.text.contains("岗位廉政风险点清单") && print.text.contains("虚列支出"));
});

dual_test!(module_settings_are_validated_and_applied, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut s = app.login("sysadmin", PASSWORD).await;
    let _ = s.get("/admin/risk-settings").await;
    let mut fields: Vec<(String, String)> = vec![
        ("categories".into(), "money=管钱\npeople=管人\nother=其他".into()),
        ("areas".into(), "finance=财务\ngeneral=综合".into()),
        ("review_months_high".into(), "3".into()),
        ("review_months_medium".into(), "12".into()),
        ("review_months_low".into(), "24".into()),
        ("rotation_years".into(), "5".into()),
    ];
    for l in 1..=5 {
        for i in 1..=5 {
            fields.push((
                format!("m{l}{i}"),
                if l + i >= 8 {
                    "high"
                } else if l + i >= 5 {
                    "medium"
                } else {
                    "low"
                }
                .into(),
            ));
        }
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = s.post_form("/admin/risk-settings", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut bad = pairs.clone();
    bad[2] = ("review_months_high", "0");
    let r = s.post_form("/admin/risk-settings", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("高风险复核周期"));
    // The new interval and matrix apply to new points.
    let mut la = app.login("liaison_a", PASSWORD).await;
    let p = new_risk(&mut la, &a(&fx), "财务岗", "测试", 4, 4).await;
    assert_eq!(p["level"], "high");
    assert_eq!(p["next_review_on"], "2026-06-02");
    assert_eq!(audit_count(app, "risk.config").await, 1);
    // Only the system administrator edits them.
    assert_eq!(la.get("/admin/risk-settings").await.status, StatusCode::FORBIDDEN);
});
