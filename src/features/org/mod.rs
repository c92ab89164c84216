//! The organisation: the unit tree, people (干部) and their postings, the roster spreadsheet.
//! Units form a materialised-path tree; every query is limited to the caller's scope.

pub mod api;
pub mod domain;
pub mod entity;
pub mod pages;
pub mod repo;
pub mod roster;
pub mod service;

use crate::{
    authz::{Access, Perm},
    web::Routes,
};

pub fn routes() -> Routes {
    use pages::*;
    Routes::new()
        .get("/org/units", Access::Perm(Perm::OrgView), list_units)
        .post("/org/units", Access::Perm(Perm::UnitManage), create_unit)
        .get("/org/units/new", Access::Perm(Perm::UnitManage), new_unit)
        .get("/org/units/{id}", Access::Perm(Perm::OrgView), show_unit)
        .post("/org/units/{id}", Access::Perm(Perm::UnitManage), update_unit)
        .get("/org/units/{id}/edit", Access::Perm(Perm::UnitManage), edit_unit)
        .post("/org/units/{id}/delete", Access::Perm(Perm::UnitManage), delete_unit)
        .get("/org/people", Access::Perm(Perm::OrgView), list_people)
        .post("/org/people", Access::Perm(Perm::PeopleManage), create_person)
        .get("/org/people/new", Access::Perm(Perm::PeopleManage), new_person)
        .get("/org/people/export.xlsx", Access::Perm(Perm::PeopleExport), export_people)
        .get("/org/people/{id}", Access::Perm(Perm::OrgView), show_person)
        .post("/org/people/{id}", Access::Perm(Perm::PeopleManage), update_person)
        .get("/org/people/{id}/edit", Access::Perm(Perm::PeopleManage), edit_person)
        .get("/org/roster/template.xlsx", Access::Perm(Perm::RosterImport), template_download)
        .get("/org/roster/import", Access::Perm(Perm::RosterImport), import_form)
        .post("/org/roster/import", Access::Perm(Perm::RosterImport), import_submit)
}
