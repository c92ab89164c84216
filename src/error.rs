//! One error type for the whole HTTP edge. Handlers return `AppResult<T>`; the error is turned
//! into a response once, by `web::render_errors`, as a Chinese (or English) HTML page for pages
//! and as JSON `{code, message, field}` for `/api/…`.
//!
//! Policy (after crates.io's `util/errors.rs`):
//! - input problems are 4xx with a message naming the field, never a 500;
//! - a database that cannot be reached is 503, never a hang or a 500;
//! - anything else unexpected is a logged 500 whose body shows only a request id;
//! - `anyhow` is for the CLI, jobs and start-up, and is wrapped here as `Internal`.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

use crate::i18n::Msg;

pub type AppResult<T> = Result<T, AppError>;

/// One problem in one row of an imported spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Spreadsheet row number as the user sees it (1-based, header included).
    pub row: usize,
    /// Column header as printed in the template.
    pub column: String,
    /// Reason, already in the user's language.
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A field holds a bad value. `field` is the API name, `label` the catalog key of its label.
    #[error("invalid {field}: {msg:?}")]
    Invalid { field: &'static str, label: &'static str, msg: Msg },
    #[error("bad request: {0:?}")]
    BadRequest(Msg),
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden: {0:?}")]
    Forbidden(Msg),
    /// Missing, or outside the caller's scope: the two look the same on purpose.
    #[error("not found")]
    NotFound,
    #[error("conflict: {msg:?}")]
    Conflict { field: Option<&'static str>, msg: Msg },
    #[error("account locked until {until}")]
    Locked { until: DateTime<Utc> },
    #[error("request body too large")]
    TooLarge { max_mb: u64 },
    #[error("unsupported media type: {0:?}")]
    UnsupportedMedia(Msg),
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("password change required")]
    PasswordChangeRequired,
    /// Several rows of an import failed; nothing was written.
    #[error("{} import rows failed", .0.len())]
    Rows(Vec<RowError>),
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &'static str, label: &'static str, msg: impl Into<Msg>) -> Self {
        AppError::Invalid { field, label, msg: msg.into() }
    }

    pub fn conflict(field: Option<&'static str>, msg: impl Into<Msg>) -> Self {
        AppError::Conflict { field, msg: msg.into() }
    }

    pub fn forbidden(msg: impl Into<Msg>) -> Self {
        AppError::Forbidden(msg.into())
    }

    pub fn bad_request(msg: impl Into<Msg>) -> Self {
        AppError::BadRequest(msg.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } | AppError::Rows(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Locked { .. } | AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code for the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::Locked { .. } => "account_locked",
            AppError::TooLarge { .. } => "too_large",
            AppError::UnsupportedMedia(_) => "unsupported_media_type",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::Rows(_) => "import_rows_invalid",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            AppError::Conflict { field, .. } => *field,
            _ => None,
        }
    }

    /// The user-facing message (catalog key and arguments).
    pub fn message(&self) -> Msg {
        match self {
            AppError::Invalid { msg, .. }
            | AppError::BadRequest(msg)
            | AppError::Forbidden(msg)
            | AppError::Conflict { msg, .. }
            | AppError::UnsupportedMedia(msg) => msg.clone(),
            AppError::Unauthenticated => Msg::new("error.unauthenticated"),
            AppError::NotFound => Msg::new("error.not_found"),
            AppError::Locked { until } => {
                let local = *until + chrono::Duration::hours(8);
                Msg::new("auth.locked").arg("until", local.format("%H:%M"))
            }
            AppError::TooLarge { max_mb } => Msg::new("error.too_large").arg("max", max_mb),
            AppError::RateLimited { .. } => Msg::new("error.rate_limited"),
            AppError::PasswordChangeRequired => Msg::new("auth.must_change"),
            AppError::Rows(rows) => Msg::new("import.rows_failed").arg("n", rows.len()),
            AppError::Unavailable => Msg::new("error.unavailable"),
            AppError::Internal(_) => Msg::new("error.internal"),
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::Locked { until } => Some((*until - Utc::now()).num_seconds().max(1) as u64),
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            AppError::Unavailable => Some(5),
            _ => None,
        }
    }
}

/// What `render_errors` needs to draw the error; travels in the response extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Msg,
    pub field: Option<&'static str>,
    pub label: Option<&'static str>,
    pub rows: Vec<RowError>,
    pub retry_after: Option<u64>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let info = ErrorInfo {
            status: self.status(),
            code: self.code(),
            message: self.message(),
            field: self.field(),
            label: match &self {
                AppError::Invalid { label, .. } => Some(*label),
                _ => None,
            },
            rows: match &self {
                AppError::Rows(r) => r.clone(),
                _ => Vec::new(),
            },
            retry_after: self.retry_after(),
        };
        // The body is a placeholder; `web::render_errors` replaces it in the user's language.
        let mut resp = (info.status, info.code).into_response();
        resp.extensions_mut().insert(info);
        resp
    }
}

/// True when the database could not be reached at all (down, restarting, pool exhausted).
pub fn db_unavailable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            use sea_orm::sqlx::Error as S;
            match s.as_ref() {
                S::Io(_) | S::PoolTimedOut | S::PoolClosed | S::Protocol(_) | S::Tls(_) => true,
                S::Database(d) => {
                    let code = d.code().map(|c| c.to_string()).unwrap_or_default();
                    // PostgreSQL: 57P01-57P03 shutdown/restart, class 08 connection exceptions.
                    // SQLite: 5 = SQLITE_BUSY, 6 = SQLITE_LOCKED (should never reach a user).
                    code.starts_with("57P") || code.starts_with("08") || code == "5" || code == "6"
                }
                _ => false,
            }
        }
        _ => false,
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        if db_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return AppError::Unavailable;
        }
        if let DbErr::RecordNotFound(_) = e {
            return AppError::NotFound;
        }
        AppError::Internal(anyhow::Error::new(e))
    }
}

/// Map a unique-constraint violation to a 409 on a named field; other errors pass through.
pub fn on_unique(e: DbErr, field: &'static str, msg: &'static str) -> AppError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(Some(field), msg),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_are_4xx_with_a_field() {
        let e = AppError::invalid("code", "unit.code", "error.required");
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field(), Some("code"));
        assert_eq!(e.code(), "invalid");
    }

    #[test]
    fn a_missing_record_is_404_not_500() {
        let e: AppError = DbErr::RecordNotFound("x".into()).into();
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn pool_timeout_is_503() {
        let e = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(sea_orm::sqlx::Error::PoolTimedOut)));
        assert!(db_unavailable(&e));
        assert_eq!(AppError::from(e).status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
