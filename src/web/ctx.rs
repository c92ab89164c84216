//! The per-request context: who is calling, from where, in which language, and "now".
//! Built once by `middleware::session_layer`; handlers take it as an extractor.

use std::sync::Arc;

use axum::{extract::FromRequestParts, http::request::Parts};
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    audit::Actor,
    authz::{Perm, Principal, Scope},
    error::{AppError, AppResult},
    i18n::{Catalog, Lang},
};

/// The session behind a request, when it came with a cookie.
#[derive(Debug, Clone)]
pub struct SessionRef {
    /// SM3 of the cookie token (the row id).
    pub id: String,
    pub csrf: String,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub request_id: String,
    pub ip: String,
    /// The browser's User-Agent, trimmed (shown in the session list).
    pub user_agent: String,
    pub lang: Lang,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub principal: Option<Arc<Principal>>,
    pub session: Option<SessionRef>,
    /// Authenticated with an API token rather than a cookie.
    pub via_token: bool,
    /// The double-submit token for forms shown before login.
    pub pre_csrf: String,
    /// A one-shot message key set by the previous redirect (`flash.*`).
    pub flash: Option<String>,
    pub path: String,
    /// Set when a session cookie was presented but had expired (login page says so).
    pub session_expired: bool,
    /// Unread notifications of the signed-in person (pages only; 0 for API calls).
    pub unread: u64,
}

impl Ctx {
    pub fn t(&self) -> &'static Catalog {
        self.lang.t()
    }

    /// The signed-in user, or 401.
    pub fn user(&self) -> AppResult<&Principal> {
        self.principal.as_deref().ok_or(AppError::Unauthenticated)
    }

    /// The caller's scope for a permission (empty when not signed in).
    pub fn scope(&self, p: Perm) -> Scope {
        self.principal.as_ref().map(|u| u.scope(p)).unwrap_or_default()
    }

    pub fn can(&self, p: Perm) -> bool {
        self.principal.as_ref().is_some_and(|u| u.can(p))
    }

    /// The token forms must carry.
    pub fn csrf(&self) -> &str {
        match &self.session {
            Some(s) => &s.csrf,
            None => &self.pre_csrf,
        }
    }

    /// The audit actor for this request.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.principal.as_ref().map(|p| p.user_id.0),
            name: match &self.principal {
                Some(p) => p.username.clone(),
                // Work started from the console (`qinglian demo`, `admin …`) names its command.
                None if self.path.starts_with("cli:") => self.path.clone(),
                None => "anonymous".into(),
            },
            roles: self.principal.as_ref().map(|p| p.roles_text()).unwrap_or_default(),
            ip: self.ip.clone(),
            session_ref: self
                .session
                .as_ref()
                .map(|s| s.id.chars().take(12).collect())
                .unwrap_or_else(|| if self.via_token { "token".into() } else { String::new() }),
            request_id: self.request_id.clone(),
        }
    }

    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing: session layer not installed")))
    }
}
