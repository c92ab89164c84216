//! Response helpers: downloads with a safe `Content-Disposition`, redirects, JSON.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// RFC 6266 / 5987 `attachment` header: an ASCII fallback plus the UTF-8 name.
pub fn content_disposition(filename: &str) -> String {
    let ascii: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let mut enc = String::new();
    for b in filename.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => enc.push(b as char),
            _ => enc.push_str(&format!("%{b:02X}")),
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}")
}

/// A file download. Served as an attachment with a sandboxing CSP, never rendered inline.
pub fn download(bytes: Vec<u8>, mime: &'static str, filename: &str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-download-options", HeaderValue::from_static("noopen"));
    r
}

/// 303 See Other (after a POST).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_file_names_are_encoded() {
        let d = content_disposition("人员名册.xlsx");
        assert!(d.starts_with("attachment; filename=\""));
        assert!(d.contains("filename*=UTF-8''%E4%BA%BA"));
        assert!(!d.contains('人'));
        let evil = content_disposition("a\"; x=y\r\n.xlsx");
        assert!(!evil.contains('\r') && !evil.contains("\"; x"));
    }
}
