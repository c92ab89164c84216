//! 整改台账's part of the integrity dossier: problems the person owns, leads or is named in,
//! as far as the viewer sees the ledger.

use async_trait::async_trait;

use super::{domain::Status, repo, service};
use crate::{
    authz::Perm,
    error::AppResult,
    features::{
        discipline::dossier::{DossierSource, Entry},
        org::entity::person,
    },
    startup::AppState,
    web::Ctx,
};

pub struct Problems;

#[async_trait]
impl DossierSource for Problems {
    async fn entries(&self, state: &AppState, ctx: &Ctx, person: &person::Model) -> AppResult<Vec<Entry>> {
        if !ctx.can(Perm::RectView) {
            return Ok(Vec::new());
        }
        let t = ctx.t();
        let v = service::visibility(ctx);
        let problems = repo::problems_for_person(&state.db.read, person.id).await?;
        let unit_ids: Vec<i64> = problems.iter().map(|(p, _)| p.unit_id).collect();
        let paths: std::collections::HashMap<i64, String> =
            crate::features::org::repo::units_by_ids(&state.db.read, &unit_ids)
                .await?
                .into_iter()
                .map(|u| (u.id, u.path))
                .collect();
        let mut out = Vec::new();
        for (p, role) in problems {
            if !paths.get(&p.unit_id).is_some_and(|path| v.scope.contains(path)) {
                continue;
            }
            let status = Status::parse(&p.status).unwrap_or(Status::Open);
            out.push(Entry {
                date: p.created_at.date_naive(),
                module: "disc.src_rect",
                title: format!(
                    "{}（{}，{}）",
                    p.description.chars().take(40).collect::<String>(),
                    t.get(role),
                    t.get(status.label_key())
                ),
                detail: t.fmt1("disc.rect_due", "date", t.date(p.due_on)),
                href: Some(format!("/rect/{}", p.uuid)),
                open: status != Status::Closed,
            });
        }
        Ok(out)
    }
}
