//! Business capabilities, one folder each (STYLE.md: a room per capability).

pub mod accounts;
pub mod admin;
pub mod api;
pub mod discipline;
pub mod duty;
pub mod home;
pub mod inbox;
pub mod org;
pub mod rectify;
pub mod risk;
