//! Role assignments: loading a user's grants, and the rules for granting.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::{Grant, Role, Scope, entity};
use crate::{
    error::{AppError, AppResult},
    features::org::entity::unit,
    i18n::Msg,
    ids::{UnitId, UserId},
};

/// A user's grants with their units' paths, skipping removed units and unknown role codes.
pub async fn load_grants(conn: &impl ConnectionTrait, user: UserId) -> Result<Vec<Grant>, DbErr> {
    let rows = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user.0))
        .find_also_related(unit::Entity)
        .order_by_asc(entity::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(ra, u)| {
            let u = u.filter(|u| u.deleted_at.is_none())?;
            Some(Grant { role: Role::parse(&ra.role)?, unit_id: UnitId(u.id), unit_path: u.path, unit_name: u.name })
        })
        .collect())
}

/// Scopes of at most this many units are written as a literal id list.
const SMALL_SCOPE: u64 = 200;

/// The same scope, marked broad when more units lie inside it than outside (which decides the
/// form of [`Scope::scan_unit_condition`]). Two counts over the units table; callers run it
/// once before querying large tables.
pub async fn settle_scope(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Scope, DbErr> {
    if scope.prefixes.is_empty() || scope.broad || scope.unit_ids.is_some() {
        return Ok(scope.clone());
    }
    let inside = unit::Entity::find().filter(scope.path_condition(unit::Column::Path)).count(conn).await?;
    let outside = unit::Entity::find().filter(scope.path_condition(unit::Column::Path).not()).count(conn).await?;
    let unit_ids = if inside <= SMALL_SCOPE {
        use sea_orm::QuerySelect;
        let ids: Vec<i64> = unit::Entity::find()
            .select_only()
            .column(unit::Column::Id)
            .filter(scope.path_condition(unit::Column::Path))
            .into_tuple()
            .all(conn)
            .await?;
        Some(ids)
    } else {
        None
    };
    Ok(Scope { broad: outside < inside, unit_ids, ..scope.clone() })
}

/// Check the 三员分立 rules before adding `role` to a user who already holds `existing`.
pub fn check_combination(existing: &[Role], role: Role) -> AppResult<()> {
    let clash =
        if role.is_admin() { existing.iter().any(|r| *r != role) } else { existing.iter().any(|r| r.is_admin()) };
    if clash {
        return Err(AppError::invalid("role", "field.role", Msg::new("authz.admin_exclusive")));
    }
    Ok(())
}

/// Add a role assignment. The caller audits.
pub async fn insert_grant(
    conn: &impl ConnectionTrait,
    user: UserId,
    role: Role,
    unit: UnitId,
    by: Option<UserId>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<entity::Model> {
    let existing: Vec<Role> = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user.0))
        .all(conn)
        .await?
        .iter()
        .filter_map(|r| Role::parse(&r.role))
        .collect();
    check_combination(&existing, role)?;
    let am = entity::ActiveModel {
        user_id: Set(user.0),
        role: Set(role.code().to_string()),
        unit_id: Set(unit.0),
        created_at: Set(now),
        created_by: Set(by.map(|u| u.0)),
        ..Default::default()
    };
    am.insert(conn).await.map_err(|e| crate::error::on_unique(e, "role", "authz.already_granted"))
}

pub async fn find_grant(conn: &impl ConnectionTrait, id: i64) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(id).one(conn).await
}

pub async fn delete_grant(conn: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    entity::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// The people (of enabled accounts) holding `perm` over a unit at `unit_path`: grants on that
/// unit or any unit above it. For notices ("a request arrived for you").
pub async fn people_holding(
    conn: &impl ConnectionTrait,
    perm: super::Perm,
    unit_path: &str,
) -> Result<Vec<i64>, DbErr> {
    use crate::auth::entity::user;
    let roles: Vec<String> = perm.roles().iter().map(|r| r.code().to_string()).collect();
    let grants = entity::Entity::find()
        .filter(entity::Column::Role.is_in(roles))
        .find_also_related(unit::Entity)
        .all(conn)
        .await?;
    let user_ids: Vec<i64> = grants
        .into_iter()
        .filter(|(_, u)| u.as_ref().is_some_and(|u| u.deleted_at.is_none() && unit_path.starts_with(u.path.as_str())))
        .map(|(g, _)| g.user_id)
        .collect();
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut people: Vec<i64> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .filter(user::Column::Disabled.eq(false))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|u| u.person_id)
        .collect();
    people.sort_unstable();
    people.dedup();
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_admins_are_mutually_exclusive_and_exclusive_with_business_roles() {
        assert!(check_combination(&[Role::SysAdmin], Role::SecAdmin).is_err());
        assert!(check_combination(&[Role::AuditAdmin], Role::SysAdmin).is_err());
        assert!(check_combination(&[Role::SysAdmin], Role::Discipline).is_err());
        assert!(check_combination(&[Role::Leader], Role::AuditAdmin).is_err());
        // The same admin role at another unit is fine; business roles combine freely.
        assert!(check_combination(&[Role::SysAdmin], Role::SysAdmin).is_ok());
        assert!(check_combination(&[Role::Leader, Role::Cadre], Role::Liaison).is_ok());
        assert!(check_combination(&[], Role::SecAdmin).is_ok());
    }
}
