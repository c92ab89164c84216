//! The deadline engine on both backends: who is told at each stage, the inbox, and
//! exactly-once delivery — after a restart and with two server processes running the check at
//! the same moment. Time moves with the manual clock only.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use qinglian::{
    features::inbox::entity::notification,
    jobs::deadlines::{run_check, run_daily},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use crate::{
    dual_test,
    helpers::{ClockExt, Fixture, PASSWORD, TestApp, audit_count, fixture},
};

/// Problems due at chosen offsets from the fixture's day, all in county A or the city office.
async fn seed(app: &TestApp, fx: &Fixture) -> Vec<String> {
    use qinglian::features::org::entity::unit;
    // Principal leaders: 王局长 for the city (the office escalates to him), 张局长 for county A.
    for (u, p) in [("c1", "boss"), ("a", "a_head")] {
        unit::Entity::update_many()
            .col_expr(unit::Column::PrincipalPersonId, Expr::value(fx.person(p).id))
            .filter(unit::Column::Id.eq(fx.unit(u).id))
            .exec(&app.state.db.write)
            .await
            .unwrap();
    }
    let mut j = app.login("jjz", PASSWORD).await;
    let b = j
        .json(
            Method::POST,
            "/api/v1/rect/batches",
            &json!({"title": "巡察反馈", "source": "inspection", "issuer": "巡察组", "feedback_on": "2026-03-02",
                    "units": [fx.unit("a").uuid, fx.unit("office").uuid]}),
        )
        .await
        .json();
    let url = format!("/api/v1/rect/batches/{}/problems", b["id"].as_str().unwrap());
    let mut ids = Vec::new();
    // (unit, owner, leader, due)
    for (u, owner, leader, due) in [
        ("a", "a_staff", Some("a_spare"), "2026-03-10"), // 8 days: yellow now
        ("a", "a_staff", Some("a_spare"), "2026-03-20"), // 18 days: blue now
        ("office", "clerk", Some("boss"), "2026-03-04"), // 2 days: yellow now
    ] {
        let r = j
            .json(
                Method::POST,
                &url,
                &json!({"description": format!("问题 {due}"), "kind": "deadline", "unit": fx.unit(u).uuid,
                        "owner": fx.person(owner).uuid, "leader": leader.map(|l| fx.person(l).uuid), "due_on": due}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    ids
}

async fn notices_of(app: &TestApp, person: i64) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::Column::PersonId.eq(person))
        .all(&app.state.db.read)
        .await
        .unwrap()
}

async fn total(app: &TestApp) -> u64 {
    notification::Entity::find().count(&app.state.db.read).await.unwrap()
}

dual_test!(yellow_goes_to_the_owner_red_to_the_leader_and_a_week_late_to_the_principal, |app: &TestApp| async move {
    let fx = fixture(app).await;
    seed(app, &fx).await;
    // Day 0: two yellow (owners 赵干部 and 李文书), one blue (nothing).
    let r = run_check(&app.state, app.clock.now_utc()).await.unwrap();
    assert_eq!((r.items, r.delivered), (2, 2), "{r:?}");
    let zhao = notices_of(app, fx.person("a_staff").id).await;
    assert!(zhao.iter().any(|n| n.level == "yellow" && n.kind == "deadline"));
    assert!(notices_of(app, fx.person("a_spare").id).await.iter().all(|n| n.kind == "digest"), "leaders wait for red");
    assert_eq!(r.digests, 2, "one digest per person told");
    // Day 3: the office's problem is one day overdue: red to its owner and its leader (王局长).
    app.clock.advance(Duration::days(3));
    let r = run_check(&app.state, app.clock.now_utc()).await.unwrap();
    assert!(r.delivered >= 2, "{r:?}");
    let boss = notices_of(app, fx.person("boss").id).await;
    assert!(boss.iter().any(|n| n.level == "red" && n.kind == "deadline"), "{boss:?}");
    assert!(!boss.iter().any(|n| n.level == "principal"));
    // Day 10: a week overdue → the principal. For the office (a 科室) that is the bureau head
    // 王局长, who was already told as leader, so no second notice; county A's problem (due
    // 03-10) is now red: owner and leader (冯干部).
    app.clock.advance(Duration::days(7));
    run_check(&app.state, app.clock.now_utc()).await.unwrap();
    assert!(notices_of(app, fx.person("a_spare").id).await.iter().any(|n| n.level == "red"));
    assert!(!notices_of(app, fx.person("a_head").id).await.iter().any(|n| n.kind == "deadline"));
    // Day 17: county A's problem a week overdue → 张局长, county A's principal.
    app.clock.advance(Duration::days(7));
    run_check(&app.state, app.clock.now_utc()).await.unwrap();
    let head = notices_of(app, fx.person("a_head").id).await;
    assert!(head.iter().any(|n| n.level == "principal"), "{head:?}");
    // The inbox: the owner's user sees unread notices in their language and marks one read.
    let mut la = app.login("liaison_a", PASSWORD).await;
    let inbox = la.get("/api/v1/notifications?unread=1").await.json();
    assert!(inbox["unread"].as_u64().unwrap() >= 2, "{inbox}");
    let first = &inbox["items"][0];
    assert!(first["text"].as_str().unwrap().contains("预警"), "{first}");
    assert!(first["link"].as_str().unwrap().starts_with("/rect/") || first["link"] == "/inbox");
    let home = la.get("/").await;
    assert!(home.text.contains("未读消息"), "home lists unread messages");
    assert!(home.text.contains("class=\"badge\""), "top bar badge");
    let id = first["id"].as_str().unwrap();
    assert_eq!(
        la.json(Method::POST, &format!("/api/v1/notifications/{id}/read"), &json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    let after = la.get("/api/v1/notifications?unread=1").await.json();
    assert_eq!(after["unread"].as_u64().unwrap(), inbox["unread"].as_u64().unwrap() - 1);
    // Someone else's notice is a 404.
    let mut lb = app.login("liaison_b", PASSWORD).await;
    assert_eq!(
        lb.json(Method::POST, &format!("/api/v1/notifications/{id}/read"), &json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    // Opening from the page marks read and goes to the problem.
    let other = la.get("/api/v1/notifications?unread=1").await.json()["items"][0]["id"].as_str().unwrap().to_string();
    let _ = la.get("/inbox").await;
    let r = la.post_form(&format!("/inbox/{other}/open"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(audit_count(app, "notification.read").await >= 2);
});

dual_test!(each_notice_is_delivered_once_across_restarts_and_two_processes, |app: &TestApp| async move {
    let fx = fixture(app).await;
    let ids = seed(app, &fx).await;
    app.clock.advance(Duration::days(12));
    let now = app.clock.now_utc();
    // Two server processes (separate pools on one database) run the check at the same moment.
    let second = app.second_state().await;
    let (a, b) = tokio::join!(run_check(&app.state, now), run_check(&second, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    let after_both = total(app).await;
    assert_eq!(a.notices, b.notices, "both saw the same work");
    assert_eq!(a.delivered + b.delivered + a.digests + b.digests, after_both, "every row delivered by exactly one");
    assert!(after_both > 0);
    // Every key is unique (the database would refuse otherwise, but check what is stored).
    let all = notification::Entity::find().all(&app.state.db.read).await.unwrap();
    let mut keys: Vec<&str> = all.iter().map(|n| n.dedup_key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all.len());
    // A "restart": a fresh process runs the same day again and delivers nothing.
    drop(second);
    let third = app.second_state().await;
    let r = run_check(&third, now).await.unwrap();
    assert_eq!((r.delivered, r.digests), (0, 0), "{r:?}");
    assert_eq!(total(app).await, after_both);
    // The daily run: after 08:00 once per day across processes, whoever claims first.
    let (x, y) = tokio::join!(run_daily(&app.state, false), run_daily(&third, false));
    let ran = [x.unwrap(), y.unwrap()].into_iter().flatten().count();
    assert_eq!(ran, 1, "exactly one process ran today's check");
    assert!(run_daily(&app.state, false).await.unwrap().is_none(), "not twice in a day");
    assert_eq!(audit_count(app, "job.deadline_check").await, 1);
    // A new deadline is a new round: extending the office problem and letting it lapse again
    // tells the owner again; reopening (a new cycle) does too.
    let mut j = app.login("jjz", PASSWORD).await;
    let p = j.get(&format!("/api/v1/rect/problems/{}", ids[2])).await.json();
    let edit = json!({"description": p["description"], "kind": "deadline", "unit": fx.unit("office").uuid,
                      "owner": fx.person("clerk").uuid, "leader": fx.person("boss").uuid, "due_on": "2026-03-16",
                      "version": p["version"].to_string()});
    assert_eq!(j.json(Method::PATCH, &format!("/api/v1/rect/problems/{}", ids[2]), &edit).await.status, StatusCode::OK);
    let r = run_check(&app.state, app.clock.now_utc()).await.unwrap();
    assert!(r.delivered >= 1, "the new deadline is yellow for the owner: {r:?}");
    // A closed problem is not chased.
    drop(third);
});
