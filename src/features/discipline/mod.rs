//! 监督执纪: problem clues (问题线索) and their disposal, every measure taken on a person (from a
//! 谈话提醒 to a transfer for criminal responsibility) classified into the four forms, influence
//! periods by versioned rules, the integrity dossier (廉政档案) and integrity opinions
//! (廉政意见回复). The records belong to the 派驻纪检监察组; leaders see counts only.

pub mod api;
pub mod demo;
pub mod docs;
pub mod domain;
pub mod dossier;
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
        .get("/discipline", Access::Perm(Perm::DisciplineStats), overview)
        .get("/discipline/stats.xlsx", Access::Perm(Perm::DisciplineStats), stats_export)
        .get("/discipline/clues", Access::Perm(Perm::DisciplineView), clues)
        .post("/discipline/clues", Access::Perm(Perm::DisciplineManage), clue_create)
        .get("/discipline/clues/new", Access::Perm(Perm::DisciplineManage), clue_new)
        .get("/discipline/clues/{id}", Access::Perm(Perm::DisciplineView), clue_show)
        .post("/discipline/clues/{id}", Access::Perm(Perm::DisciplineManage), clue_update)
        .get("/discipline/clues/{id}/edit", Access::Perm(Perm::DisciplineManage), clue_edit)
        .post("/discipline/clues/{id}/dispose", Access::Perm(Perm::DisciplineManage), clue_dispose)
        .get("/discipline/measures", Access::Perm(Perm::DisciplineView), measures)
        .post("/discipline/measures", Access::Perm(Perm::DisciplineManage), measure_create)
        .get("/discipline/measures/new", Access::Perm(Perm::DisciplineManage), measure_new)
        .get("/discipline/measures/export.xlsx", Access::Perm(Perm::DisciplineView), measures_export)
        .get("/discipline/measures/{id}", Access::Perm(Perm::DisciplineView), measure_show)
        .post("/discipline/measures/{id}", Access::Perm(Perm::DisciplineManage), measure_update)
        .get("/discipline/measures/{id}/edit", Access::Perm(Perm::DisciplineManage), measure_edit)
        .post("/discipline/measures/{id}/lift", Access::Perm(Perm::DisciplineManage), measure_lift)
        .post("/discipline/measures/{id}/delete", Access::Perm(Perm::DisciplineManage), measure_delete)
        .get("/discipline/people", Access::Perm(Perm::DisciplineView), people)
        .get("/discipline/people/{id}", Access::Perm(Perm::DisciplineView), dossier)
        .get("/discipline/people/{id}/dossier.docx", Access::Perm(Perm::DisciplineView), dossier_docx)
        .get("/discipline/opinions", Access::Perm(Perm::OpinionView), opinions)
        .post("/discipline/opinions", Access::Perm(Perm::OpinionRequest), opinion_create)
        .get("/discipline/opinions/new", Access::Perm(Perm::OpinionRequest), opinion_new)
        .get("/discipline/opinions/{id}", Access::Perm(Perm::OpinionView), opinion_show)
        .post("/discipline/opinions/{id}/answer", Access::Perm(Perm::OpinionAnswer), opinion_answer)
        .get("/discipline/opinions/{id}/reply.docx", Access::Perm(Perm::OpinionView), opinion_reply)
        .get("/discipline/settings", Access::Perm(Perm::DisciplineConfig), settings)
        .post("/discipline/settings", Access::Perm(Perm::DisciplineConfig), settings_save)
}

/// The JSON API routes.
pub fn api_routes() -> Routes {
    use api::*;
    Routes::new()
        .get("/api/v1/discipline/clues", Access::Perm(Perm::DisciplineView), clues)
        .post("/api/v1/discipline/clues", Access::Perm(Perm::DisciplineManage), create_clue)
        .get("/api/v1/discipline/clues/{id}", Access::Perm(Perm::DisciplineView), clue)
        .patch("/api/v1/discipline/clues/{id}", Access::Perm(Perm::DisciplineManage), update_clue)
        .post("/api/v1/discipline/clues/{id}/disposal", Access::Perm(Perm::DisciplineManage), dispose_clue)
        .get("/api/v1/discipline/measures", Access::Perm(Perm::DisciplineView), measures)
        .post("/api/v1/discipline/measures", Access::Perm(Perm::DisciplineManage), create_measure)
        .get("/api/v1/discipline/measures/{id}", Access::Perm(Perm::DisciplineView), measure)
        .patch("/api/v1/discipline/measures/{id}", Access::Perm(Perm::DisciplineManage), update_measure)
        .delete("/api/v1/discipline/measures/{id}", Access::Perm(Perm::DisciplineManage), delete_measure)
        .post("/api/v1/discipline/measures/{id}/lift", Access::Perm(Perm::DisciplineManage), lift_measure)
        .get("/api/v1/discipline/people/{id}/standing", Access::Perm(Perm::DisciplineView), standing)
        .get("/api/v1/discipline/people/{id}/dossier", Access::Perm(Perm::DisciplineView), dossier)
        .get("/api/v1/discipline/stats", Access::Perm(Perm::DisciplineStats), stats)
        .get("/api/v1/discipline/opinions", Access::Perm(Perm::OpinionView), opinions)
        .post("/api/v1/discipline/opinions", Access::Perm(Perm::OpinionRequest), create_opinion)
        .get("/api/v1/discipline/opinions/{id}", Access::Perm(Perm::OpinionView), opinion)
        .post("/api/v1/discipline/opinions/{id}/answer", Access::Perm(Perm::OpinionAnswer), answer_opinion)
}
