//! 整改台账: findings from every source (巡察, 审计, 派驻纪检监察组反馈, 明察暗访, 民主评议, 上级督导,
//! 自查) in feedback batches; problems with measures, owners, leaders and deadlines; progress with
//! evidence; the owner's self-assessment and the reviewer's verified closure (销号); reopening
//! (回头看); colours and escalations from the shared deadline engine; statistics, the ledger
//! spreadsheet in and out, and the print view.

pub mod api;
pub mod deadlines;
pub mod demo;
pub mod domain;
pub mod dossier;
pub mod entity;
pub mod pages;
pub mod repo;
pub mod service;
pub mod sheet;

use crate::{
    authz::{Access, Perm},
    web::Routes,
};

pub fn routes() -> Routes {
    use pages::*;
    Routes::new()
        .get("/rect", Access::Perm(Perm::RectOwn), ledger)
        .get("/rect/export.xlsx", Access::Perm(Perm::RectOwn), export)
        .get("/rect/print", Access::Perm(Perm::RectOwn), print)
        .get("/rect/template.xlsx", Access::Perm(Perm::RectManage), template)
        .get("/rect/batches", Access::Perm(Perm::RectOwn), batches)
        .post("/rect/batches", Access::Perm(Perm::RectManage), batch_create)
        .get("/rect/batches/new", Access::Perm(Perm::RectManage), batch_new)
        .get("/rect/batches/{id}", Access::Perm(Perm::RectOwn), batch_show)
        .post("/rect/batches/{id}", Access::Perm(Perm::RectManage), batch_update)
        .get("/rect/batches/{id}/edit", Access::Perm(Perm::RectManage), batch_edit)
        .get("/rect/batches/{id}/problems/new", Access::Perm(Perm::RectManage), problem_new)
        .post("/rect/batches/{id}/problems", Access::Perm(Perm::RectManage), problem_create)
        .get("/rect/batches/{id}/import", Access::Perm(Perm::RectManage), import_form)
        .post("/rect/batches/{id}/import", Access::Perm(Perm::RectManage), import_submit)
        .get("/rect/{id}", Access::Perm(Perm::RectOwn), problem_show)
        .post("/rect/{id}", Access::Perm(Perm::RectManage), problem_update)
        .get("/rect/{id}/edit", Access::Perm(Perm::RectManage), problem_edit)
        .post("/rect/{id}/delete", Access::Perm(Perm::RectManage), delete)
        .post("/rect/{id}/progress", Access::Perm(Perm::RectOwn), progress)
        .post("/rect/{id}/submit", Access::Perm(Perm::RectOwn), submit)
        .post("/rect/{id}/return", Access::Perm(Perm::RectVerify), return_back)
        .post("/rect/{id}/close", Access::Perm(Perm::RectVerify), close)
        .post("/rect/{id}/reopen", Access::Perm(Perm::RectVerify), reopen)
        .get("/rect/{id}/files/{fid}", Access::Perm(Perm::RectOwn), file)
        .get("/admin/deadlines", Access::Perm(Perm::DeadlineConfig), settings)
        .post("/admin/deadlines", Access::Perm(Perm::DeadlineConfig), settings_save)
}

/// The JSON API routes.
pub fn api_routes() -> Routes {
    use api::*;
    Routes::new()
        .get("/api/v1/rect/batches", Access::Perm(Perm::RectOwn), batches)
        .post("/api/v1/rect/batches", Access::Perm(Perm::RectManage), create_batch)
        .get("/api/v1/rect/batches/{id}", Access::Perm(Perm::RectOwn), batch)
        .patch("/api/v1/rect/batches/{id}", Access::Perm(Perm::RectManage), patch_batch)
        .post("/api/v1/rect/batches/{id}/problems", Access::Perm(Perm::RectManage), create_problem)
        .post("/api/v1/rect/batches/{id}/import", Access::Perm(Perm::RectManage), import)
        .get("/api/v1/rect/problems", Access::Perm(Perm::RectOwn), problems)
        .get("/api/v1/rect/problems/{id}", Access::Perm(Perm::RectOwn), problem)
        .patch("/api/v1/rect/problems/{id}", Access::Perm(Perm::RectManage), patch_problem)
        .delete("/api/v1/rect/problems/{id}", Access::Perm(Perm::RectManage), delete_problem)
        .get("/api/v1/rect/problems/{id}/events", Access::Perm(Perm::RectOwn), events)
        .post("/api/v1/rect/problems/{id}/progress", Access::Perm(Perm::RectOwn), progress)
        .post("/api/v1/rect/problems/{id}/submit", Access::Perm(Perm::RectOwn), submit)
        .post("/api/v1/rect/problems/{id}/return", Access::Perm(Perm::RectVerify), return_back)
        .post("/api/v1/rect/problems/{id}/close", Access::Perm(Perm::RectVerify), close)
        .post("/api/v1/rect/problems/{id}/reopen", Access::Perm(Perm::RectVerify), reopen)
        .get("/api/v1/rect/stats", Access::Perm(Perm::RectOwn), stats)
}
