//! The integrity dossier (廉政档案): one timeline per person across modules.
//!
//! # Adding a module's records
//!
//! A module contributes by implementing [`DossierSource`] and adding itself to [`sources`]:
//!
//! 1. `entries` returns the person's records **the viewer may see** (apply the module's own
//!    scope; never return a record the viewer could not open on the module's page);
//! 2. each [`Entry`] carries its date, a catalog key naming the module, a one-line title, an
//!    optional detail, and a link to the record's page;
//! 3. a source never writes and never audits: the dossier page audits the read once, naming
//!    the person.
//!
//! Sources run one after another; the page merges their entries newest first.

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::Serialize;

use super::{domain::Kind, repo, service};
use crate::{authz::Perm, error::AppResult, features::org::entity::person, startup::AppState, web::Ctx};

/// One line of the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub date: NaiveDate,
    /// Catalog key of the module (e.g. `disc.src_measure`).
    pub module: &'static str,
    pub title: String,
    pub detail: String,
    /// The record's page, when the viewer can open it.
    pub href: Option<String>,
    /// Still open (an unconcluded clue, an unanswered request, an open problem).
    pub open: bool,
}

/// A module that adds a person's records to the dossier.
#[async_trait]
pub trait DossierSource: Send + Sync {
    async fn entries(&self, state: &AppState, ctx: &Ctx, person: &person::Model) -> AppResult<Vec<Entry>>;
}

/// Every source, in the order they are asked.
pub fn sources() -> Vec<Box<dyn DossierSource>> {
    vec![Box::new(Measures), Box::new(Clues), Box::new(Opinions), Box::new(crate::features::rectify::dossier::Problems)]
}

/// The whole timeline, newest first.
pub async fn timeline(state: &AppState, ctx: &Ctx, person: &person::Model) -> AppResult<Vec<Entry>> {
    let mut all = Vec::new();
    for s in sources() {
        all.extend(s.entries(state, ctx, person).await?);
    }
    all.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.module.cmp(b.module)));
    Ok(all)
}

struct Measures;

#[async_trait]
impl DossierSource for Measures {
    async fn entries(&self, state: &AppState, ctx: &Ctx, person: &person::Model) -> AppResult<Vec<Entry>> {
        if !ctx.can(Perm::DisciplineView) {
            return Ok(Vec::new());
        }
        let t = ctx.t();
        let scope = ctx.scope(Perm::DisciplineView);
        let measures = repo::measures_of_person(&state.db.read, person.id).await?;
        let units = crate::features::org::repo::units_by_ids(
            &state.db.read,
            &measures.iter().map(|m| m.unit_id).collect::<Vec<_>>(),
        )
        .await?;
        let mut out = Vec::new();
        for m in measures {
            let Some(u) = units.iter().find(|u| u.id == m.unit_id) else { continue };
            if !scope.contains(&u.path) {
                continue;
            }
            let kind = Kind::parse(&m.kind).map(|k| t.get(k.label_key()).to_string()).unwrap_or(m.kind.clone());
            let mut detail = format!("{} {}", m.body, m.doc_no);
            if let Some(l) = m.lifted_on {
                detail.push_str(&format!("；{}", t.fmt1("disc.lifted_on_text", "date", t.date(l))));
            }
            out.push(Entry {
                date: m.decided_on,
                module: "disc.src_measure",
                title: kind,
                detail: detail.trim().to_string(),
                href: Some(format!("/discipline/measures/{}", m.uuid)),
                open: false,
            });
        }
        Ok(out)
    }
}

struct Clues;

#[async_trait]
impl DossierSource for Clues {
    async fn entries(&self, state: &AppState, ctx: &Ctx, person: &person::Model) -> AppResult<Vec<Entry>> {
        if !ctx.can(Perm::DisciplineView) {
            return Ok(Vec::new());
        }
        let t = ctx.t();
        let scope = ctx.scope(Perm::DisciplineView);
        let mut out = Vec::new();
        for c in repo::clues_of_person(&state.db.read, person.id).await? {
            if !repo::clue_in_scope(&state.db.read, &scope, c.id).await? {
                continue;
            }
            let status = super::domain::ClueStatus::parse(&c.status).unwrap_or(super::domain::ClueStatus::Received);
            let source = super::domain::ClueSource::parse(&c.source).map(|s| t.get(s.label_key())).unwrap_or("");
            out.push(Entry {
                date: c.received_on,
                module: "disc.src_clue",
                title: format!("{} {}（{}）", c.code, source, t.get(status.label_key())),
                detail: c.summary.chars().take(80).collect(),
                href: Some(format!("/discipline/clues/{}", c.uuid)),
                open: status != super::domain::ClueStatus::Concluded,
            });
        }
        Ok(out)
    }
}

struct Opinions;

#[async_trait]
impl DossierSource for Opinions {
    async fn entries(&self, state: &AppState, ctx: &Ctx, person: &person::Model) -> AppResult<Vec<Entry>> {
        if !ctx.can(Perm::OpinionView) {
            return Ok(Vec::new());
        }
        let t = ctx.t();
        let mut out = Vec::new();
        for (i, r) in repo::items_of_person(&state.db.read, person.id).await? {
            let Some(u) = crate::features::org::repo::find_unit(&state.db.read, r.requester_unit_id).await? else {
                continue;
            };
            if !service::sees_opinion(ctx, &u) {
                continue;
            }
            let purpose = super::domain::Purpose::parse(&r.purpose).map(|p| t.get(p.label_key())).unwrap_or("");
            let conclusion = i
                .conclusion
                .as_deref()
                .and_then(super::domain::Conclusion::parse)
                .map(|c| t.get(c.label_key()))
                .unwrap_or("");
            out.push(Entry {
                date: r.answered_on.unwrap_or(r.requested_on),
                module: "disc.src_opinion",
                title: format!("{}（{}）", t.get("disc.opinion"), purpose),
                detail: format!("{} {}", conclusion, r.reply_doc_no).trim().to_string(),
                href: Some(format!("/discipline/opinions/{}", r.uuid)),
                open: false,
            });
        }
        Ok(out)
    }
}
