//! The organisation: the unit tree, people (干部) and their postings, the roster spreadsheet.

pub mod domain;
pub mod entity;
pub mod repo;
pub mod roster;
pub mod service;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::new()
}
