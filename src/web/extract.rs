//! Extractors whose rejections speak our error type (and the user's language), instead of
//! axum's plain-text defaults. `clippy.toml` points handlers here.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use crate::{error::AppError, i18n::Msg};

/// A url-encoded form. Fields stay strings here; handlers parse them into domain types with
/// field-named errors. A repeated field is refused (no parameter pollution).
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => Err(AppError::bad_request(Msg::new("error.bad_form").arg("detail", e.body_text()))),
        }
    }
}

/// Raw form pairs, for forms with repeated fields (checkbox lists, multi-selects): take
/// `Form<Vec<(String, String)>>` and wrap it.
pub struct FormPairs(pub Vec<(String, String)>);

impl FormPairs {
    pub fn get(&self, k: &str) -> Option<String> {
        self.0.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone())
    }

    pub fn all(&self, k: &str) -> Vec<String> {
        self.0.iter().filter(|(key, _)| key == k).map(|(_, v)| v.clone()).collect()
    }
}

/// Query parameters, with the same error handling.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(AppError::bad_request(Msg::new("error.bad_query").arg("detail", e.body_text()))),
        }
    }
}

/// Largest JSON body accepted (INP-05).
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body. Wrong content type → 415; over 1 MiB → 413; bad syntax → 400; wrong fields →
/// 422 naming the field.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !is_json {
            return Err(AppError::UnsupportedMedia(Msg::new("error.json_content_type")));
        }
        let bytes =
            axum::body::to_bytes(req.into_body(), JSON_LIMIT).await.map_err(|_| AppError::TooLarge { max_mb: 1 })?;
        match serde_json::from_slice::<T>(&bytes) {
            Ok(v) => Ok(Json(v)),
            Err(e) if e.is_data() => {
                let text = e.to_string();
                Err(AppError::Invalid {
                    field: leak_field(&text),
                    label: "field.body",
                    msg: Msg::new("error.json_data").arg("detail", text),
                })
            }
            Err(e) => Err(AppError::bad_request(Msg::new("error.json_syntax").arg("detail", e.to_string()))),
        }
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// Pull the field name out of a serde message (`missing field `code``, `unknown field `x``).
/// Names are interned (bounded) so `AppError` stays free of lifetimes without leaking memory
/// to a client that invents field names.
fn leak_field(text: &str) -> &'static str {
    use std::{collections::HashSet, sync::Mutex};
    static SEEN: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let name = text.split('`').nth(1).unwrap_or("body");
    if name.is_empty() || name.len() > 40 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return "body";
    }
    let mut guard = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    let set = guard.get_or_insert_with(HashSet::new);
    if let Some(s) = set.get(name) {
        return s;
    }
    if set.len() >= 1000 {
        return "body";
    }
    let s: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(s);
    s
}

/// A path segment that must be a UUID; anything else is a plain 404.
pub struct PathUuid(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathUuid {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(s) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        uuid::Uuid::parse_str(&s).map(PathUuid).map_err(|_| AppError::NotFound)
    }
}
