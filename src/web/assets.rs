//! Our own static files, compiled into the binary. No CDN, nothing fetched at run time.

use axum::{
    extract::Path,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::error::AppError;

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../assets/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/app.js")),
    ("emblem.svg", "image/svg+xml", include_bytes!("../../assets/emblem.svg")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../../assets/emblem.svg")),
];

pub async fn serve(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => {
            let mut r = body.to_vec().into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            r
        }
        None => AppError::NotFound.into_response(),
    }
}
