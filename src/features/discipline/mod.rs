//! 监督执纪: problem clues (问题线索) and their disposal, every measure taken on a person (from a
//! 谈话提醒 to a transfer for criminal responsibility) classified into the four forms, influence
//! periods by versioned rules, the integrity dossier (廉政档案) and integrity opinions
//! (廉政意见回复). The records belong to the 派驻纪检监察组; leaders see counts only.

pub mod domain;
pub mod entity;
pub mod repo;
pub mod service;
