//! Units, people, postings, the roster import and the people export.

use axum::http::{Method, StatusCode};
use rust_xlsxwriter::Workbook;

use crate::{
    dual_test,
    helpers::{PASSWORD, audit_count, fixture},
};

fn roster(units: &[[&str; 5]], people: &[[&str; 12]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("单位").unwrap();
    for (c, h) in ["单位编码*", "单位名称*", "上级单位编码", "单位类型*", "排序号"].iter().enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, row) in units.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write((r + 1) as u32, c as u16, *v).unwrap();
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("人员").unwrap();
    let headers = [
        "人员编号*",
        "姓名*",
        "性别*",
        "所在单位编码*",
        "岗位",
        "职级*",
        "职务",
        "政治面貌*",
        "是否个人事项报告对象",
        "状态",
        "出生日期",
        "任现岗位时间",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, row) in people.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write((r + 1) as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

dual_test!(units_are_created_edited_moved_and_validated, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    let c1 = fx.unit("c1").uuid.to_string();
    let _ = c.get("/org/units/new").await;
    let r = c
        .post_form(
            "/org/units",
            &[("code", "C1-CW"), ("name", "计划财务装备科"), ("kind", "科室"), ("parent", &c1), ("sort_order", "5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let new_url = r.location();
    let page = c.get(&new_url).await;
    assert!(page.text.contains("计划财务装备科"));

    // Duplicate code: refused, named, nothing written.
    let dup = c
        .post_form("/org/units", &[("code", "C1-CW"), ("name", "另一个"), ("kind", "department"), ("parent", &c1)])
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.text.contains("单位编码已被其他单位使用"), "{}", dup.text);
    // Bad fields name themselves.
    let bad = c
        .post_form("/org/units", &[("code", "有空格 的编码"), ("name", ""), ("kind", "department"), ("parent", &c1)])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("单位编码"));
    let bad = c.post_form("/org/units", &[("code", "OK1"), ("name", "x"), ("kind", "无此类型"), ("parent", &c1)]).await;
    assert!(bad.text.contains("单位类型"));
    let bad = c
        .post_form(
            "/org/units",
            &[
                ("code", "OK2"),
                ("name", "x"),
                ("kind", "department"),
                ("parent", "00000000-0000-0000-0000-000000000000"),
            ],
        )
        .await;
    assert!(bad.text.contains("单位不存在"));

    // A unit may not move under its own descendant.
    let a = fx.unit("a");
    let a1 = fx.unit("a1").uuid.to_string();
    let mv = c
        .post_form(
            &format!("/org/units/{}", a.uuid),
            &[("code", "A"), ("name", "东湖区司法局"), ("kind", "county"), ("parent", &a1), ("version", "1")],
        )
        .await;
    assert_eq!(mv.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mv.text.contains("不能把单位移到它自己或它的下级单位之下"));

    // Moving A under B rewrites the subtree's paths.
    let b = fx.unit("b").uuid.to_string();
    let mv = c
        .post_form(
            &format!("/org/units/{}", a.uuid),
            &[("code", "A"), ("name", "东湖区司法局"), ("kind", "county"), ("parent", &b), ("version", "1")],
        )
        .await;
    assert_eq!(mv.status, StatusCode::SEE_OTHER, "{}", mv.text);
    let moved = qinglian::features::org::repo::find_unit(&app.state.db.read, fx.unit("a1").id).await.unwrap().unwrap();
    assert_eq!(moved.path, format!("{}{}/{}/", fx.unit("b").path, a.id, fx.unit("a1").id));
    assert_eq!(moved.depth, 3);
    // The liaison of B now sees A's people; the liaison of A's scope moved along with A.
    let mut lb = app.login("liaison_b", PASSWORD).await;
    let people = lb.json(Method::GET, "/api/v1/people", &serde_json::Value::Null).await;
    assert!(people.text.contains("周所员"), "{}", people.text);

    assert_eq!(audit_count(app, "unit.create").await, 1);
    assert_eq!(audit_count(app, "unit.move").await, 1);
});

dual_test!(concurrent_edits_do_not_overwrite, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut one = app.login("sysadmin", PASSWORD).await;
    let mut two = app.login("sysadmin", PASSWORD).await;
    let u = fx.unit("office");
    let c1 = fx.unit("c1").uuid.to_string();
    let path = format!("/org/units/{}", u.uuid);
    let _ = one.get(&format!("{path}/edit")).await;
    let _ = two.get(&format!("{path}/edit")).await;
    let r1 = one
        .post_form(
            &path,
            &[
                ("code", "C1-BGS"),
                ("name", "办公室（第一人）"),
                ("kind", "department"),
                ("parent", &c1),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r1.status, StatusCode::SEE_OTHER);
    let r2 = two
        .post_form(
            &path,
            &[
                ("code", "C1-BGS"),
                ("name", "办公室（第二人）"),
                ("kind", "department"),
                ("parent", &c1),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r2.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r2.text.contains("已被他人修改"), "{}", r2.text);
    let now = qinglian::features::org::repo::find_unit(&app.state.db.read, u.id).await.unwrap().unwrap();
    assert_eq!(now.name, "办公室（第一人）");
    // The API answers 409 for the same situation.
    let r = two
        .json(Method::PATCH, &format!("/api/v1/units/{}", u.uuid), &serde_json::json!({"name": "x", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "conflict");
});

dual_test!(names_with_sql_and_html_are_stored_and_shown_literally, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    let evil = "<script>alert(1)</script>'; DROP TABLE units;--";
    let c1 = fx.unit("c1").uuid.to_string();
    let _ = c.get("/org/units").await;
    let r =
        c.post_form("/org/units", &[("code", "EVIL"), ("name", evil), ("kind", "department"), ("parent", &c1)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&r.location()).await;
    assert!(!page.text.contains("<script>alert(1)"));
    assert!(
        page.text.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        page.text.lines().filter(|l| l.contains("alert")).collect::<Vec<_>>().join("\n")
    );
    let list = c.get("/org/units").await;
    assert_eq!(list.status, StatusCode::OK, "the units table is still there");
});

dual_test!(people_are_created_searched_paged_and_keep_history, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("office", PASSWORD).await;
    let a = fx.unit("a").uuid.to_string();
    let a1 = fx.unit("a1").uuid.to_string();
    let _ = c.get("/org/people/new").await;
    // A unit that does not exist, and a wrong date.
    let r = c
        .post_form(
            "/org/people",
            &[
                ("name", "吴新"),
                ("gender", "M"),
                ("unit", "00000000-0000-0000-0000-000000000001"),
                ("rank", "keyuan"),
                ("political_status", "cpc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("所在单位") && r.text.contains("单位不存在"));
    let r = c
        .post_form(
            "/org/people",
            &[
                ("name", "吴新"),
                ("gender", "M"),
                ("unit", &a),
                ("rank", "keyuan"),
                ("political_status", "cpc"),
                ("birth_date", "1990-02-31"),
            ],
        )
        .await;
    assert!(r.text.contains("出生日期") && r.text.contains("不是有效日期"), "{}", r.text);
    let r = c
        .post_form(
            "/org/people",
            &[
                ("staff_no", "N001"),
                ("name", "吴新"),
                ("gender", "M"),
                ("unit", &a),
                ("post", "社区矫正执法岗"),
                ("rank", "keyuan"),
                ("political_status", "cpc"),
                ("birth_date", "1990-02-03"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let person_url = r.location();
    // Transfer to the 司法所 with a new post: the history gains a row.
    let id = person_url.rsplit('/').next().unwrap().to_string();
    let _ = c.get(&format!("{person_url}/edit")).await;
    let r = c
        .post_form(
            &person_url,
            &[
                ("staff_no", "N001"),
                ("name", "吴新"),
                ("gender", "M"),
                ("unit", &a1),
                ("post", "人民调解岗"),
                ("rank", "zhuren4"),
                ("political_status", "cpc"),
                ("birth_date", "1990-02-03"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = c.get(&person_url).await;
    assert!(page.text.contains("社区矫正执法岗") && page.text.contains("人民调解岗") && page.text.contains("调动"));
    let api = c.json(Method::GET, &format!("/api/v1/people/{id}"), &serde_json::Value::Null).await;
    assert_eq!(api.json()["post"], "人民调解岗");

    // Search: by name, by post, by subtree; paging.
    let r = c.get("/org/people?name=%E5%90%B4").await;
    assert!(r.text.contains("吴新") && !r.text.contains("王局长"));
    let r = c.get(&format!("/org/people?unit={a}")).await;
    assert!(r.text.contains("赵干部") && r.text.contains("吴新") && !r.text.contains("陈局长"));
    let r = c.get("/org/people?post=%E8%B0%83%E8%A7%A3").await;
    assert!(r.text.contains("吴新") && !r.text.contains("赵干部"));
    for i in 0..25 {
        let sn = format!("M{i:03}");
        let name = format!("批量{i}");
        let r = c
            .post_form(
                "/org/people",
                &[
                    ("staff_no", &sn),
                    ("name", &name),
                    ("gender", "F"),
                    ("unit", &a),
                    ("rank", "keyuan"),
                    ("political_status", "masses"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let p1 =
        c.json(Method::GET, &format!("/api/v1/people?unit={a}&per_page=20"), &serde_json::Value::Null).await.json();
    let p2 = c
        .json(Method::GET, &format!("/api/v1/people?unit={a}&per_page=20&page=2"), &serde_json::Value::Null)
        .await
        .json();
    assert_eq!(p1["total"], 30);
    assert_eq!(p1["items"].as_array().unwrap().len(), 20);
    assert_eq!(p2["items"].as_array().unwrap().len(), 10);
    let html = c.get(&format!("/org/people?unit={a}&page=2")).await;
    assert!(html.text.contains("第 2 / 2 页"));
    // Repeated parameters are refused, not merged.
    let dup = c.get("/org/people?name=a&name=b").await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
});

dual_test!(roster_import_is_all_or_nothing_with_every_error_listed, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    let tpl = c.get("/org/roster/template.xlsx").await;
    assert_eq!(tpl.status, StatusCode::OK);
    assert!(tpl.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let before =
        c.json(Method::GET, "/api/v1/people?per_page=200", &serde_json::Value::Null).await.json()["total"].clone();

    let bad = roster(
        &[["C1-FZ", "法治督察科", "C1", "科室", "3"], ["C1-XX", "", "C1", "科室", ""]],
        &[
            ["R001", "何平", "男", "C1-FZ", "督察岗", "科员", "", "中共党员", "否", "在职", "1988-05-06", ""],
            ["R002", "林芳", "女", "NOPE", "督察岗", "科员", "", "中共党员", "否", "在职", "1988-13-06", ""],
        ],
    );
    let _ = c.get("/org/roster/import").await;
    let r = c.upload("/org/roster/import", "名册.xlsx", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("本次没有导入任何数据"));
    for needle in ["单位名称", "所在单位编码", "出生日期", "NOPE"] {
        assert!(r.text.contains(needle), "missing {needle}: {}", r.text);
    }
    let after =
        c.json(Method::GET, "/api/v1/people?per_page=200", &serde_json::Value::Null).await.json()["total"].clone();
    assert_eq!(before, after, "nothing was written");
    assert!(qinglian::features::org::repo::find_unit_by_code(&app.state.db.read, "C1-FZ").await.unwrap().is_none());

    let good = roster(
        &[["C1-FZ", "法治督察科", "C1", "科室", "3"], ["C1-FZ-1", "督察一组", "C1-FZ", "其他", ""]],
        &[
            ["R001", "何平", "男", "C1-FZ", "督察岗", "科员", "", "中共党员", "否", "在职", "1988-05-06", "2020-01-01"],
            ["R002", "林芳", "女", "C1-FZ-1", "督察岗", "一级主任科员", "组长", "群众", "是", "", "1988-12-06", ""],
            ["P002", "李文书", "男", "C1-FZ", "文秘岗", "科员", "", "中共党员", "否", "在职", "", ""],
        ],
    );
    let r = c.upload("/org/roster/import", "名册.xlsx", &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("新建单位 2 个") && r.text.contains("新增人员 2 人，更新人员 1 人"), "{}", r.text);
    let people = c.get("/org/people?name=%E6%9E%97%E8%8A%B3").await;
    assert!(people.text.contains("督察一组"));
    // The updated person (P002) moved unit: history has two postings.
    let p = qinglian::features::org::repo::find_person_by_staff_no(&app.state.db.read, "P002").await.unwrap().unwrap();
    assert_eq!(qinglian::features::org::repo::list_postings(&app.state.db.read, p.id).await.unwrap().len(), 2);
    assert_eq!(
        p.unit_id,
        qinglian::features::org::repo::find_unit_by_code(&app.state.db.read, "C1-FZ").await.unwrap().unwrap().id
    );
    let _ = fx;
    assert_eq!(audit_count(app, "roster.import").await, 1);
    assert_eq!(audit_count(app, "roster.import_rejected").await, 1);
});

dual_test!(uploads_are_checked_by_content_and_size, |app: &TestApp| async move {
    fixture(app).await;
    let mut c = app.login("sysadmin", PASSWORD).await;
    let _ = c.get("/org/roster/import").await;
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.extend(std::iter::repeat_n(0u8, 4096));
    let r = c.upload("/org/roster/import", "roster.xlsx", &exe).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.text.contains("不是有效的 .xlsx"));
    let pdf = b"%PDF-1.7\n1 0 obj\n".to_vec();
    assert_eq!(c.upload("/org/roster/import", "a.pdf", &pdf).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = vec![b'P'; 50 * 1024 * 1024];
    let r = c.upload("/org/roster/import", "big.xlsx", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text.contains("上传内容过大"));
});

dual_test!(people_export_is_a_real_xlsx_limited_to_scope_and_audited, |app: &TestApp| async move {
    use calamine::{Reader, Xlsx};
    fixture(app).await;
    let mut leader = app.login("leader_a", PASSWORD).await;
    let r = leader.get("/org/people/export.xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    let range = wb.worksheet_range("人员").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert!(rows[0][0].contains("人员名册"));
    assert_eq!(rows[1][1], "姓名");
    let names: Vec<&str> = rows[2..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.contains(&"赵干部") && !names.iter().any(|n| n.contains("CANARY")));
    assert_eq!(audit_count(app, "people.export").await, 1);
});

dual_test!(a_unit_names_its_principal_leader_from_its_own_people, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let mut sys = app.login("sysadmin", PASSWORD).await;
    let a = fx.unit("a").uuid;
    let r = sys
        .json(
            Method::PATCH,
            &format!("/api/v1/units/{a}"),
            &serde_json::json!({"principal": fx.person("b_staff").uuid}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["field"], "principal");
    let r = sys
        .json(Method::PATCH, &format!("/api/v1/units/{a}"), &serde_json::json!({"principal": fx.person("a_head").uuid}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let u = qinglian::features::org::repo::find_unit(&app.state.db.read, fx.unit("a").id).await.unwrap().unwrap();
    assert_eq!(u.principal_person_id, Some(fx.person("a_head").id));
    // The edit form offers the unit's people and keeps the choice; a PATCH without it keeps it.
    let page = sys.get(&format!("/org/units/{a}/edit")).await;
    assert!(page.text.contains("张局长") && page.text.contains("主要负责人"), "{}", page.text);
    sys.json(Method::PATCH, &format!("/api/v1/units/{a}"), &serde_json::json!({"sort_order": 3})).await;
    let u = qinglian::features::org::repo::find_unit(&app.state.db.read, fx.unit("a").id).await.unwrap().unwrap();
    assert_eq!(u.principal_person_id, Some(fx.person("a_head").id));
    assert!(crate::helpers::audit_count(app, "unit.update").await >= 2);
});
