//! One integration-test binary; a module per capability. Every test runs on SQLite and on
//! PostgreSQL (`dual_test!`), through the real router.

mod helpers;

mod api;
mod audit;
mod auth;
mod cli;
mod deadlines;
mod demo;
mod discipline;
mod durability;
mod duty;
mod faults;
mod org;
mod permissions;
mod rectify;
mod risk;
mod schema;
