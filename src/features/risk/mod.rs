//! 廉政风险防控: integrity-risk points per post and unit, prevention measures, the review cycle,
//! yearly screening campaigns (排查) with unit sign-off, the heat map, rotation hints (轮岗提示),
//! and the 风险点清单 spreadsheet.

pub mod api;
pub mod demo;
pub mod domain;
pub mod entity;
pub mod heatmap;
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
        .get("/risk", Access::Perm(Perm::RiskView), list)
        .post("/risk", Access::Perm(Perm::RiskManage), create)
        .get("/risk/new", Access::Perm(Perm::RiskManage), new_form)
        .get("/risk/export.xlsx", Access::Perm(Perm::RiskView), export)
        .get("/risk/print", Access::Perm(Perm::RiskView), print)
        .get("/risk/heatmap", Access::Perm(Perm::RiskView), heatmap_page)
        .get("/risk/heatmap.svg", Access::Perm(Perm::RiskView), heatmap_svg)
        .get("/risk/rotation", Access::Perm(Perm::RiskView), rotation)
        .get("/risk/import", Access::Perm(Perm::RiskManage), import_form)
        .post("/risk/import", Access::Perm(Perm::RiskManage), import_submit)
        .get("/risk/template.xlsx", Access::Perm(Perm::RiskManage), template)
        .get("/risk/campaigns", Access::Perm(Perm::RiskView), campaigns)
        .post("/risk/campaigns", Access::Perm(Perm::RiskCampaign), campaign_create)
        .get("/risk/campaigns/new", Access::Perm(Perm::RiskCampaign), campaign_new)
        .get("/risk/campaigns/{id}", Access::Perm(Perm::RiskView), campaign_show)
        .post("/risk/campaigns/{id}/signoff", Access::Perm(Perm::RiskSignOff), campaign_sign_off)
        .post("/risk/campaigns/{id}/close", Access::Perm(Perm::RiskCampaign), campaign_close)
        .get("/risk/{id}", Access::Perm(Perm::RiskView), show)
        .post("/risk/{id}", Access::Perm(Perm::RiskManage), update)
        .get("/risk/{id}/edit", Access::Perm(Perm::RiskManage), edit_form)
        .post("/risk/{id}/delete", Access::Perm(Perm::RiskManage), delete)
        .post("/risk/{id}/measures", Access::Perm(Perm::RiskManage), add_measure)
        .post("/risk/{id}/measures/{mid}", Access::Perm(Perm::RiskManage), measure_status)
        .post("/risk/{id}/reviews", Access::Perm(Perm::RiskManage), add_review)
        .get("/admin/risk-settings", Access::Perm(Perm::RiskConfig), settings)
        .post("/admin/risk-settings", Access::Perm(Perm::RiskConfig), settings_save)
}

/// The JSON API routes (merged under /api/v1 by `features::api`).
pub fn api_routes() -> Routes {
    use api::*;
    Routes::new()
        .get("/api/v1/risks", Access::Perm(Perm::RiskView), list)
        .post("/api/v1/risks", Access::Perm(Perm::RiskManage), create)
        .get("/api/v1/risks/heatmap", Access::Perm(Perm::RiskView), heatmap)
        .get("/api/v1/risks/{id}", Access::Perm(Perm::RiskView), get)
        .patch("/api/v1/risks/{id}", Access::Perm(Perm::RiskManage), patch)
        .delete("/api/v1/risks/{id}", Access::Perm(Perm::RiskManage), delete)
        .post("/api/v1/risks/{id}/measures", Access::Perm(Perm::RiskManage), add_measure)
        .get("/api/v1/risks/{id}/reviews", Access::Perm(Perm::RiskView), reviews)
        .post("/api/v1/risks/{id}/reviews", Access::Perm(Perm::RiskManage), add_review)
        .get("/api/v1/campaigns", Access::Perm(Perm::RiskView), campaigns)
        .post("/api/v1/campaigns", Access::Perm(Perm::RiskCampaign), create_campaign)
        .get("/api/v1/campaigns/{id}", Access::Perm(Perm::RiskView), campaign)
        .post("/api/v1/campaigns/{id}/signoff", Access::Perm(Perm::RiskSignOff), sign_off)
        .post("/api/v1/campaigns/{id}/close", Access::Perm(Perm::RiskCampaign), close)
}
