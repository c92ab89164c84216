//! Account rows: creation, passwords, lock counters, enable/disable, listing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::{
    auth::{entity::user, lockout::LockState, normalize_username},
    authz::Scope,
    error::{AppError, AppResult},
};

/// A new account.
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub temp_password_expires_at: Option<DateTime<Utc>>,
}

pub async fn insert_user(conn: &impl ConnectionTrait, u: NewUser, now: DateTime<Utc>) -> AppResult<user::Model> {
    let am = user::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        username: Set(normalize_username(&u.username)),
        display_name: Set(u.display_name),
        person_id: Set(u.person_id),
        password_hash: Set(u.password_hash),
        password_changed_at: Set(now),
        must_change_password: Set(u.must_change_password),
        temp_password_expires_at: Set(u.temp_password_expires_at),
        disabled: Set(false),
        failed_count: Set(0),
        first_failed_at: Set(None),
        locked_until: Set(None),
        last_login_at: Set(None),
        lang: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    am.insert(conn).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(msg)) if msg.contains("person") => {
            AppError::conflict(Some("person"), "account.person_has_user")
        }
        _ => crate::error::on_unique(e, "username", "account.username_taken"),
    })
}

pub async fn count_users(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    user::Entity::find().count(conn).await
}

pub async fn find_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::Uuid.eq(id)).one(conn).await
}

pub async fn find_by_person(conn: &impl ConnectionTrait, person_id: i64) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::PersonId.eq(person_id)).one(conn).await
}

pub async fn set_password(
    conn: &impl ConnectionTrait,
    id: i64,
    hash: &str,
    must_change: bool,
    temp_expires: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::MustChangePassword, Expr::value(must_change))
        .col_expr(user::Column::TempPasswordExpiresAt, Expr::value(temp_expires))
        .col_expr(user::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(user::Column::FailedCount, Expr::value(0))
        .col_expr(user::Column::FirstFailedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(user::Column::Version, Expr::col(user::Column::Version).add(1))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn save_lock_state(conn: &impl ConnectionTrait, id: i64, s: &LockState) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::FailedCount, Expr::value(s.failed_count))
        .col_expr(user::Column::FirstFailedAt, Expr::value(s.first_failed_at))
        .col_expr(user::Column::LockedUntil, Expr::value(s.locked_until))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn clear_lock(conn: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    save_lock_state(conn, id, &LockState::default()).await
}

pub async fn record_login(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::FailedCount, Expr::value(0))
        .col_expr(user::Column::FirstFailedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::LastLoginAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_disabled(
    conn: &impl ConnectionTrait,
    id: i64,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::Disabled, Expr::value(disabled))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(user::Column::Version, Expr::col(user::Column::Version).add(1))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_lang(conn: &impl ConnectionTrait, id: i64, lang: &str) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::Lang, Expr::value(lang))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Accounts inside a scope: the person's unit is in it, or — for accounts without a person
/// (the administrators made at setup) — one of the account's role units is.
pub fn scope_condition(scope: &Scope) -> Condition {
    use crate::{authz::entity as ra, features::org::entity::person};
    let people = Query::select()
        .column(person::Column::Id)
        .from(person::Entity)
        .cond_where(scope.unit_condition((person::Entity, person::Column::UnitId)))
        .to_owned();
    let granted = Query::select()
        .column(ra::Column::UserId)
        .from(ra::Entity)
        .cond_where(scope.unit_condition((ra::Entity, ra::Column::UnitId)))
        .to_owned();
    Condition::any().add(Expr::col((user::Entity, user::Column::PersonId)).in_subquery(people)).add(
        Condition::all()
            .add(Expr::col((user::Entity, user::Column::PersonId)).is_null())
            .add(Expr::col((user::Entity, user::Column::Id)).in_subquery(granted)),
    )
}

/// Whether one account lies in a scope.
pub async fn user_in_scope(conn: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<bool, DbErr> {
    Ok(user::Entity::find().filter(user::Column::Id.eq(id)).filter(scope_condition(scope)).count(conn).await? > 0)
}

/// One page of accounts in scope matching a name fragment, and the total.
pub async fn list_users(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    q: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<user::Model>, u64), DbErr> {
    let mut sel = user::Entity::find().filter(scope_condition(scope));
    if let Some(q) = q.filter(|s| !s.is_empty()) {
        sel = sel.filter(
            Condition::any().add(user::Column::Username.contains(q)).add(user::Column::DisplayName.contains(q)),
        );
    }
    let total = sel.clone().count(conn).await?;
    let rows =
        sel.order_by_asc(user::Column::Id).offset(page.saturating_sub(1) * per_page).limit(per_page).all(conn).await?;
    Ok((rows, total))
}
