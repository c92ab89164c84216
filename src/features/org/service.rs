//! Use cases over units and people: scope checks, one transaction per change, audit inside it.
//! Pages and the API both call these; neither re-implements a rule.

use serde::Serialize;

use super::{
    domain::{NewPerson, NewUnit, PersonInput, UnitInput, can_move_under, parse_version},
    entity::{person, unit},
    repo,
};
use crate::{
    audit::{self, Event, Outcome},
    authz::Perm,
    error::{AppError, AppResult},
    startup::AppState,
    web::Ctx,
};

/// Record that the caller asked for something outside their scope, and answer 404 — the same
/// answer a missing id gets (AC-01).
pub async fn deny(state: &AppState, ctx: &Ctx, object_type: &'static str, id: impl ToString) -> AppError {
    let ev = Event::new("authz.out_of_scope", object_type, id.to_string()).outcome(Outcome::Denied);
    if let Err(e) = state.audit(&ctx.actor(), ev).await {
        tracing::warn!(error = %e, "could not audit an out-of-scope request");
    }
    AppError::NotFound
}

/// A unit the caller may see under `perm`, or 404.
pub async fn unit_in_scope(state: &AppState, ctx: &Ctx, perm: Perm, id: uuid::Uuid) -> AppResult<unit::Model> {
    let u = repo::find_unit_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    if !ctx.scope(perm).contains(&u.path) {
        return Err(deny(state, ctx, "unit", id).await);
    }
    Ok(u)
}

/// A person (with their unit) the caller may see under `perm`, or 404.
pub async fn person_in_scope(
    state: &AppState,
    ctx: &Ctx,
    perm: Perm,
    id: uuid::Uuid,
) -> AppResult<(person::Model, unit::Model)> {
    let p = repo::find_person_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let u = repo::find_unit(&state.db.read, p.unit_id).await?.ok_or(AppError::NotFound)?;
    if !ctx.scope(perm).contains(&u.path) {
        return Err(deny(state, ctx, "person", id).await);
    }
    Ok((p, u))
}

/// What the audit log keeps of a unit.
#[derive(Serialize)]
pub struct UnitAudit<'a> {
    code: &'a str,
    name: &'a str,
    kind: &'a str,
    parent_id: Option<i64>,
    sort_order: i32,
    path: &'a str,
    principal_person_id: Option<i64>,
}

impl<'a> From<&'a unit::Model> for UnitAudit<'a> {
    fn from(u: &'a unit::Model) -> Self {
        UnitAudit {
            code: &u.code,
            name: &u.name,
            kind: &u.kind,
            parent_id: u.parent_id,
            sort_order: u.sort_order,
            path: &u.path,
            principal_person_id: u.principal_person_id,
        }
    }
}

/// What the audit log keeps of a person.
#[derive(Serialize)]
pub struct PersonAudit<'a> {
    staff_no: Option<&'a str>,
    name: &'a str,
    gender: &'a str,
    unit_id: i64,
    post: &'a str,
    rank: &'a str,
    position: &'a str,
    political_status: &'a str,
    leading_cadre: bool,
    status: &'a str,
    birth_date: Option<chrono::NaiveDate>,
    post_since: Option<chrono::NaiveDate>,
}

impl<'a> From<&'a person::Model> for PersonAudit<'a> {
    fn from(p: &'a person::Model) -> Self {
        PersonAudit {
            staff_no: p.staff_no.as_deref(),
            name: &p.name,
            gender: &p.gender,
            unit_id: p.unit_id,
            post: &p.post,
            rank: &p.rank,
            position: &p.position,
            political_status: &p.political_status,
            leading_cadre: p.leading_cadre,
            status: &p.status,
            birth_date: p.birth_date,
            post_since: p.post_since,
        }
    }
}

/// The parent a new or moved unit goes under: must exist and be in the caller's scope.
async fn parent_for(state: &AppState, ctx: &Ctx, id: Option<uuid::Uuid>) -> AppResult<unit::Model> {
    let Some(id) = id else {
        return Err(AppError::invalid("parent", "unit.parent", "error.required"));
    };
    let p = repo::find_unit_by_uuid(&state.db.read, id)
        .await?
        .ok_or_else(|| AppError::invalid("parent", "unit.parent", "org.unit_not_found"))?;
    if !ctx.scope(Perm::UnitManage).contains(&p.path) {
        let _ = deny(state, ctx, "unit", id).await;
        return Err(AppError::invalid("parent", "unit.parent", "org.unit_not_found"));
    }
    Ok(p)
}

pub async fn create_unit(state: &AppState, ctx: &Ctx, input: &UnitInput) -> AppResult<unit::Model> {
    let new = NewUnit::try_from(input)?;
    let parent = parent_for(state, ctx, new.parent).await?;
    let txn = state.db.begin().await?;
    let u = repo::insert_unit(&txn, &new, Some(&parent), ctx.now).await?;
    let ev =
        Event::new("unit.create", "unit", u.uuid).unit(u.id).detail(audit::snapshot("after", &UnitAudit::from(&u)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(u)
}

/// Change a unit's fields, and move it when the parent changes.
pub async fn update_unit(state: &AppState, ctx: &Ctx, id: uuid::Uuid, input: &UnitInput) -> AppResult<unit::Model> {
    let old = unit_in_scope(state, ctx, Perm::UnitManage, id).await?;
    let new = NewUnit::try_from(input)?;
    let version = parse_version(input.version.as_deref())?.unwrap_or(old.version);
    let old_parent = match old.parent_id {
        Some(pid) => repo::find_unit(&state.db.read, pid).await?,
        None => None,
    };
    let moving_to = match (new.parent, &old_parent) {
        (Some(p), Some(op)) if p == op.uuid => None,
        (None, None) => None,
        (None, Some(_)) => return Err(AppError::invalid("parent", "unit.parent", "error.required")),
        (Some(_), None) => return Err(AppError::invalid("parent", "unit.parent", "org.root_cannot_move")),
        (Some(_), Some(_)) => Some(parent_for(state, ctx, new.parent).await?),
    };
    if let Some(np) = &moving_to
        && !can_move_under(&old.path, &np.path)
    {
        return Err(AppError::invalid("parent", "unit.parent", "org.move_into_own_subtree"));
    }
    // The principal leader must be an active person of this very unit.
    let principal = match input.principal.as_deref().map(str::trim) {
        None => old.principal_person_id,
        Some("") => None,
        Some(s) => {
            let bad = || AppError::invalid("principal", "unit.principal", "unit.principal_not_here");
            let id = uuid::Uuid::parse_str(s).map_err(|_| bad())?;
            let p = repo::find_person_by_uuid(&state.db.read, id).await?.ok_or_else(bad)?;
            if p.unit_id != old.id || p.deleted_at.is_some() || p.status != "active" {
                return Err(bad());
            }
            Some(p.id)
        }
    };
    let txn = state.db.begin().await?;
    repo::update_unit(&txn, old.id, &new, version, ctx.now).await?;
    if principal != old.principal_person_id {
        repo::set_principal(&txn, old.id, principal).await?;
    }
    if let Some(np) = &moving_to {
        repo::move_unit(&txn, &old, np, ctx.now).await?;
    }
    let after = repo::find_unit(&txn, old.id).await?.ok_or(AppError::NotFound)?;
    let event = if moving_to.is_some() { "unit.move" } else { "unit.update" };
    let ev = Event::new(event, "unit", after.uuid)
        .unit(after.id)
        .detail(audit::diff(&UnitAudit::from(&old), &UnitAudit::from(&after)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Remove an empty unit (soft delete: the row stays for history).
pub async fn delete_unit(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<()> {
    let u = unit_in_scope(state, ctx, Perm::UnitManage, id).await?;
    let txn = state.db.begin().await?;
    if repo::count_live_children(&txn, u.id).await? > 0 || repo::count_people_in_unit(&txn, u.id).await? > 0 {
        return Err(AppError::conflict(None, "org.unit_not_empty"));
    }
    repo::soft_delete_unit(&txn, u.id, ctx.now).await?;
    let ev =
        Event::new("unit.delete", "unit", u.uuid).unit(u.id).detail(audit::snapshot("before", &UnitAudit::from(&u)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(())
}

/// The unit a person is (to be) in: must exist and lie in the caller's PeopleManage scope.
async fn target_unit(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<unit::Model> {
    let u = repo::find_unit_by_uuid(&state.db.read, id)
        .await?
        .ok_or_else(|| AppError::invalid("unit", "person.unit", "org.unit_not_found"))?;
    if !ctx.scope(Perm::PeopleManage).contains(&u.path) {
        let _ = deny(state, ctx, "unit", id).await;
        return Err(AppError::invalid("unit", "person.unit", "org.unit_not_found"));
    }
    Ok(u)
}

pub async fn create_person(state: &AppState, ctx: &Ctx, input: &PersonInput) -> AppResult<person::Model> {
    let new = NewPerson::try_from(input)?;
    let u = target_unit(state, ctx, new.unit).await?;
    let by = ctx.principal.as_ref().map(|p| p.user_id.0);
    let txn = state.db.begin().await?;
    let p = repo::insert_person(&txn, &new, u.id, by, ctx.today, ctx.now).await?;
    let ev = Event::new("person.create", "person", p.uuid)
        .unit(u.id)
        .detail(audit::snapshot("after", &PersonAudit::from(&p)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(p)
}

pub async fn update_person(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    input: &PersonInput,
) -> AppResult<person::Model> {
    let (old, _) = person_in_scope(state, ctx, Perm::PeopleManage, id).await?;
    let new = NewPerson::try_from(input)?;
    let u = target_unit(state, ctx, new.unit).await?;
    let version = parse_version(input.version.as_deref())?.unwrap_or(old.version);
    let by = ctx.principal.as_ref().map(|p| p.user_id.0);
    let txn = state.db.begin().await?;
    let after = repo::update_person(&txn, &old, &new, u.id, version, by, ctx.today, ctx.now).await?;
    let ev = Event::new("person.update", "person", after.uuid)
        .unit(u.id)
        .detail(audit::diff(&PersonAudit::from(&old), &PersonAudit::from(&after)));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    Ok(after)
}
