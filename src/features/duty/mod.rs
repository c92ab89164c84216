//! 主体责任: yearly responsibility lists (责任清单) per unit with categories, cadences, explicit
//! deadline rules, evidence and weights; publishing cascades them to units and named leaders as
//! dated tasks (一级抓一级); 履责纪实 records with evidence, accepted or returned by the assigning
//! level; my tasks, the month calendar, unit and leader progress and the city-wide matrix
//! coloured by the shared deadline engine; scores for 实绩考评 with their breakdown and ranking;
//! 述职述廉 reports; leaders' contact units (联系点) with visits feeding the 整改台账.

pub mod api;
pub mod deadlines;
pub mod demo;
pub mod domain;
pub mod entity;
pub mod pages;
pub mod repo;
pub mod service;

use crate::{
    authz::{Access, Perm},
    web::Routes,
};

pub fn routes() -> Routes {
    use pages::*;
    Routes::new()
        .get("/duty", Access::Perm(Perm::DutyOwn), my_tasks)
        .get("/duty/calendar", Access::Perm(Perm::DutyOwn), calendar)
        .get("/duty/lists", Access::Perm(Perm::DutyOwn), lists)
        .get("/duty/lists/new", Access::Perm(Perm::DutyManage), list_new)
        .post("/duty/lists", Access::Perm(Perm::DutyManage), list_create)
        .get("/duty/lists/{id}", Access::Perm(Perm::DutyOwn), list_show)
        .post("/duty/lists/{id}/items", Access::Perm(Perm::DutyManage), item_create)
        .post("/duty/lists/{id}/targets", Access::Perm(Perm::DutyManage), targets_save)
        .post("/duty/lists/{id}/publish", Access::Perm(Perm::DutyManage), publish)
        .get("/duty/items/{id}/edit", Access::Perm(Perm::DutyManage), item_edit)
        .post("/duty/items/{id}", Access::Perm(Perm::DutyManage), item_update)
        .post("/duty/items/{id}/remove", Access::Perm(Perm::DutyManage), item_remove)
        .get("/duty/tasks/{id}", Access::Perm(Perm::DutyOwn), task_show)
        .post("/duty/tasks/{id}/records", Access::Perm(Perm::DutyOwn), record_submit)
        .post("/duty/tasks/{id}/review", Access::Perm(Perm::DutyReview), review)
        .get("/duty/tasks/{id}/files/{fid}", Access::Perm(Perm::DutyOwn), file)
        .get("/duty/progress", Access::Perm(Perm::DutyOwn), progress)
        .get("/duty/matrix", Access::Perm(Perm::DutyView), matrix)
        .get("/duty/scores", Access::Perm(Perm::DutyView), scores)
        .get("/duty/scores/export.xlsx", Access::Perm(Perm::DutyView), scores_export)
        .get("/duty/reports", Access::Perm(Perm::DutyOwn), reports)
        .post("/duty/reports", Access::Perm(Perm::DutyOwn), report_save)
        .get("/duty/reports/print", Access::Perm(Perm::DutyView), reports_print)
        .get("/duty/reports/{id}", Access::Perm(Perm::DutyOwn), report_show)
        .get("/duty/reports/{id}/files/{fid}", Access::Perm(Perm::DutyOwn), report_file)
        .get("/duty/contacts", Access::Perm(Perm::DutyOwn), contacts)
        .post("/duty/contacts", Access::Perm(Perm::DutyManage), contact_create)
        .post("/duty/contacts/{id}/visits", Access::Perm(Perm::DutyOwn), visit_create)
        .post("/duty/visits/{id}/rect", Access::Perm(Perm::DutyOwn), visit_rect)
        .get("/admin/duty", Access::Perm(Perm::DutyConfig), settings)
        .post("/admin/duty", Access::Perm(Perm::DutyConfig), settings_save)
}

/// The JSON API routes.
pub fn api_routes() -> Routes {
    use api::*;
    Routes::new()
        .get("/api/v1/duty/lists", Access::Perm(Perm::DutyOwn), lists)
        .post("/api/v1/duty/lists", Access::Perm(Perm::DutyManage), create_list)
        .get("/api/v1/duty/lists/{id}", Access::Perm(Perm::DutyOwn), list)
        .post("/api/v1/duty/lists/{id}/items", Access::Perm(Perm::DutyManage), add_item)
        .patch("/api/v1/duty/items/{id}", Access::Perm(Perm::DutyManage), update_item)
        .put("/api/v1/duty/lists/{id}/targets", Access::Perm(Perm::DutyManage), set_targets)
        .post("/api/v1/duty/lists/{id}/publish", Access::Perm(Perm::DutyManage), publish)
        .get("/api/v1/duty/tasks", Access::Perm(Perm::DutyOwn), tasks)
        .get("/api/v1/duty/tasks/{id}", Access::Perm(Perm::DutyOwn), task)
        .post("/api/v1/duty/tasks/{id}/records", Access::Perm(Perm::DutyOwn), submit_record)
        .post("/api/v1/duty/tasks/{id}/review", Access::Perm(Perm::DutyReview), review)
        .get("/api/v1/duty/matrix", Access::Perm(Perm::DutyView), matrix)
        .get("/api/v1/duty/scores", Access::Perm(Perm::DutyView), scores)
        .get("/api/v1/duty/reports", Access::Perm(Perm::DutyView), reports)
        .get("/api/v1/duty/contacts", Access::Perm(Perm::DutyOwn), contacts)
        .post("/api/v1/duty/contacts", Access::Perm(Perm::DutyManage), create_contact)
        .post("/api/v1/duty/contacts/{id}/visits", Access::Perm(Perm::DutyOwn), create_visit)
        .post("/api/v1/duty/visits/{id}/rect", Access::Perm(Perm::DutyOwn), visit_to_rect)
}
