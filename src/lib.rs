//! Qinglian (清廉): the Party-conduct and clean-government supervision platform of a
//! judicial-administration bureau. One library, one thin binary (`src/main.rs`).
//!
//! Layout follows ARCHITECTURE.md: shared mechanisms at the top level (database, auth, authz,
//! audit, crypto, calendar, jobs, web), business capabilities under `features/`.

pub mod audit;
pub mod auth;
pub mod authz;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod docx;
pub mod error;
pub mod features;
pub mod fields;
pub mod files;
pub mod i18n;
pub mod ids;
pub mod jobs;
pub mod startup;
pub mod web;
pub mod xlsx;

#[path = "../migrations/mod.rs"]
pub mod migrations;

pub use error::{AppError, AppResult};
