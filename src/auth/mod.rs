//! Authentication mechanisms: passwords, lockout, server-side sessions and API tokens.
//! The HTTP side (cookies, CSRF, the request layer) is in `web::session_layer`; the pages
//! (login, password change, setup) are in `features::accounts`.

pub mod entity;
pub mod lockout;
pub mod password;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use unicode_normalization::UnicodeNormalization;

use crate::{authz::policy::SecurityPolicy, crypto, ids::UserId};
use entity::{api_token, session, user};

/// Canonical form of a username: NFKC (full-width → ASCII), trimmed, lower-case.
pub fn normalize_username(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_lowercase()
}

/// Name of the session cookie. `__Host-` needs `Secure`, so it is used only over https.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-qinglian_sid" } else { "qinglian_sid" }
}

/// A new session: the cookie token (returned once) and the stored row.
pub struct NewSession {
    pub token: String,
    pub row: session::Model,
}

/// Create a session for a user who just proved their password. The token is 256 random bits;
/// only its SM3 hash is stored.
pub async fn create_session(
    conn: &impl ConnectionTrait,
    user: UserId,
    ip: &str,
    user_agent: &str,
    now: DateTime<Utc>,
    policy: &SecurityPolicy,
) -> Result<NewSession, DbErr> {
    let token = crypto::random_token(32);
    let am = session::ActiveModel {
        id: Set(crypto::sm3_hex(token.as_bytes())),
        user_id: Set(user.0),
        csrf: Set(crypto::random_token(32)),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::hours(policy.absolute_lifetime_hours.into())),
        ip: Set(ip.chars().take(64).collect()),
        user_agent: Set(user_agent.chars().take(200).collect()),
    };
    let row = am.insert(conn).await?;
    Ok(NewSession { token, row })
}

/// Why a presented session is not valid any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    Idle,
    Absolute,
}

/// Look up a session by its cookie token and check both lifetimes against `now`.
pub async fn find_session(
    conn: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
    policy: &SecurityPolicy,
) -> Result<Option<Result<session::Model, (session::Model, SessionEnd)>>, DbErr> {
    let id = crypto::sm3_hex(token.as_bytes());
    let Some(s) = session::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    if now >= s.expires_at {
        return Ok(Some(Err((s, SessionEnd::Absolute))));
    }
    if now - s.last_seen_at >= Duration::minutes(policy.idle_timeout_min.into()) {
        return Ok(Some(Err((s, SessionEnd::Idle))));
    }
    Ok(Some(Ok(s)))
}

/// Record activity. Only written when the last write is older than a minute, to keep reads
/// from turning into writes.
pub async fn touch_session(conn: &impl ConnectionTrait, s: &session::Model, now: DateTime<Utc>) -> Result<(), DbErr> {
    if now - s.last_seen_at >= Duration::seconds(60) {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(s.id.clone()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

pub async fn delete_session(conn: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id.to_string()).exec(conn).await?;
    Ok(())
}

/// End every session of a user (disable, password reset, role change on request).
pub async fn delete_user_sessions(
    conn: &impl ConnectionTrait,
    user: UserId,
    except: Option<&str>,
) -> Result<u64, DbErr> {
    let mut q = session::Entity::delete_many().filter(session::Column::UserId.eq(user.0));
    if let Some(keep) = except {
        q = q.filter(session::Column::Id.ne(keep.to_string()));
    }
    Ok(q.exec(conn).await?.rows_affected)
}

/// Remove sessions past their lifetime (run by a job).
pub async fn purge_expired_sessions(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    policy: &SecurityPolicy,
) -> Result<u64, DbErr> {
    let idle_cut = now - Duration::minutes(policy.idle_timeout_min.into());
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now).or(session::Column::LastSeenAt.lte(idle_cut)))
        .exec(conn)
        .await?
        .rows_affected)
}

pub async fn list_user_sessions(conn: &impl ConnectionTrait, user: UserId) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user.0))
        .order_by_desc(session::Column::LastSeenAt)
        .all(conn)
        .await
}

/// API tokens look like `ql_<43 chars>`; the stored row keeps the SM3 hash and a display prefix.
pub const TOKEN_PREFIX: &str = "ql_";

pub struct NewToken {
    pub token: String,
    pub row: api_token::Model,
}

pub async fn create_token(
    conn: &impl ConnectionTrait,
    user: UserId,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<NewToken, DbErr> {
    let token = format!("{TOKEN_PREFIX}{}", crypto::random_token(32));
    let am = api_token::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        user_id: Set(user.0),
        name: Set(name.to_string()),
        prefix: Set(token.chars().take(10).collect()),
        token_hash: Set(crypto::sm3_hex(token.as_bytes())),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ..Default::default()
    };
    let row = am.insert(conn).await?;
    Ok(NewToken { token, row })
}

/// The live token row for a presented bearer token, if any.
pub async fn find_token(
    conn: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<api_token::Model>, DbErr> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(crypto::sm3_hex(token.as_bytes())))
        .one(conn)
        .await?;
    Ok(row.filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| now < e)))
}

pub async fn list_tokens(conn: &impl ConnectionTrait, user: UserId) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user.0))
        .order_by_desc(api_token::Column::Id)
        .all(conn)
        .await
}

/// Load a user row by id.
pub async fn find_user(conn: &impl ConnectionTrait, id: UserId) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id.0).one(conn).await
}

pub async fn find_user_by_name(conn: &impl ConnectionTrait, username: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::Username.eq(normalize_username(username))).one(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_fold_full_width_and_case() {
        assert_eq!(normalize_username("ｚｈａｎｇｓａｎ"), "zhangsan");
        assert_eq!(normalize_username(" ZhangSan "), "zhangsan");
    }
}
