//! Evidence attachments (佐证材料), shared by every module that takes files.
//!
//! - The type is decided by the content, never by the name, and the name's extension must agree
//!   with it: an .exe renamed to .pdf is refused. Accepted: PDF, JPEG, PNG, OFD, Word/Excel
//!   (.docx/.xlsx and the old .doc/.xls). Plain ZIP archives are not: their content cannot be
//!   checked.
//! - The bytes live in the database (`attachment_blobs`) next to their SM3 digest, so one backup
//!   holds everything and several servers sharing one PostgreSQL see the same files. The digest
//!   is checked again on every download.
//! - Downloads are always `Content-Disposition: attachment` with the detected type.

pub mod entity;

use std::io::Cursor;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::{error::AppError, i18n::Msg};

/// Largest single file, in MiB (a scanned multi-page PDF fits; a video does not).
pub const MAX_FILE_MB: usize = 20;
/// Most files in one upload.
pub const MAX_FILES: usize = 10;

/// A file type we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Jpeg,
    Png,
    Ofd,
    Docx,
    Xlsx,
    Doc,
    Xls,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Ofd => "application/ofd",
            Kind::Docx => crate::web::respond::DOCX,
            Kind::Xlsx => crate::web::respond::XLSX,
            Kind::Doc => "application/msword",
            Kind::Xls => "application/vnd.ms-excel",
        }
    }

    /// Extensions a file of this type may carry.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Jpeg => &["jpg", "jpeg"],
            Kind::Png => &["png"],
            Kind::Ofd => &["ofd"],
            Kind::Docx => &["docx"],
            Kind::Xlsx => &["xlsx"],
            // The old binary formats share one container; either name is plausible for either.
            Kind::Doc | Kind::Xls => &["doc", "xls", "wps", "et"],
        }
    }
}

/// What the bytes are, by their content.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"%PDF-") {
        return Some(Kind::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Kind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Kind::Png);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An OLE container: Word or Excel (or WPS). Tell them apart by the stream names.
        let pat: Vec<u8> = "WordDocument".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let word = bytes.windows(pat.len()).any(|w| w == pat.as_slice());
        return Some(if word { Kind::Doc } else { Kind::Xls });
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        if zip.len() > crate::xlsx::MAX_ENTRIES {
            return None;
        }
        let names: Vec<String> = (0..zip.len())
            .filter_map(|i| zip.by_index_raw(i).ok().and_then(|f| f.name().ok().map(|n| n.to_string())))
            .collect();
        let has = |n: &str| names.iter().any(|x| x == n);
        if has("OFD.xml") {
            return Some(Kind::Ofd);
        }
        if has("[Content_Types].xml") && has("word/document.xml") {
            return Some(Kind::Docx);
        }
        if has("[Content_Types].xml") && has("xl/workbook.xml") {
            return Some(Kind::Xlsx);
        }
    }
    None
}

/// A file checked and ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    pub filename: String,
    pub kind: Kind,
    pub bytes: Vec<u8>,
    pub sm3: String,
}

/// Check one uploaded file: size, type by content, extension agreeing with the content, and a
/// sane name. Errors name the `files` field.
pub fn check(filename: &str, bytes: Vec<u8>) -> Result<Checked, AppError> {
    let name = clean_name(filename);
    if bytes.is_empty() {
        return Err(AppError::invalid("files", "field.files", Msg::new("files.empty").arg("name", &name)));
    }
    if bytes.len() > MAX_FILE_MB * 1024 * 1024 {
        return Err(AppError::invalid(
            "files",
            "field.files",
            Msg::new("files.too_large").arg("name", &name).arg("max", MAX_FILE_MB),
        ));
    }
    if bytes.starts_with(b"MZ") || bytes.starts_with(b"\x7fELF") || bytes.starts_with(b"#!") {
        return Err(AppError::invalid("files", "field.files", Msg::new("files.executable").arg("name", &name)));
    }
    let kind = sniff(&bytes)
        .ok_or_else(|| AppError::invalid("files", "field.files", Msg::new("files.bad_type").arg("name", &name)))?;
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(AppError::invalid(
            "files",
            "field.files",
            Msg::new("files.ext_mismatch").arg("name", &name).arg("ext", kind.extensions()[0]),
        ));
    }
    let sm3 = crate::crypto::sm3_hex(&bytes);
    Ok(Checked { filename: name, kind, bytes, sm3 })
}

/// The file name without any path, control characters or oddities; at most 100 characters.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base
        .chars()
        .filter(|c| !c.is_control() && !('\u{202A}'..='\u{202E}').contains(c) && !('\u{2066}'..='\u{2069}').contains(c))
        .collect();
    let s = s.trim().trim_start_matches('.').to_string();
    let s: String = s.chars().rev().take(100).collect::<Vec<_>>().into_iter().rev().collect();
    if s.is_empty() { "file".into() } else { s }
}

/// A multipart form with files: its text fields and its `files` parts.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, k: &str) -> String {
        self.fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

/// Read a multipart form: text fields (64 KiB each at most) and up to [`MAX_FILES`] files of
/// at most [`MAX_FILE_MB`] each, under the field name `files`. An oversized file is refused by
/// name; the rest of the body is read and dropped first, so the browser sees the answer rather
/// than a reset connection.
pub async fn read_form(mut mp: axum::extract::Multipart) -> Result<Upload, AppError> {
    let bad = || AppError::bad_request("error.bad_upload");
    let max = MAX_FILE_MB * 1024 * 1024;
    let mut out = Upload::default();
    let mut refused: Option<AppError> = None;
    loop {
        let next = match mp.next_field().await {
            Ok(f) => f,
            // The body limit was reached while draining an oversized upload.
            Err(_) if refused.is_some() => break,
            // … or before any part could be read.
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::invalid(
                    "files",
                    "field.files",
                    Msg::new("files.body_too_large").arg("max", MAX_FILE_MB),
                ));
            }
            Err(_) => return Err(bad()),
        };
        let Some(mut field) = next else { break };
        let name = field.name().unwrap_or("").to_string();
        let filename = field.file_name().map(str::to_string);
        let mut buf = Vec::new();
        let limit = if filename.is_some() { max } else { 64 * 1024 };
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if over || refused.is_some() {
                        continue;
                    }
                    if buf.len() + chunk.len() > limit {
                        over = true;
                        buf = Vec::new();
                        continue;
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(_) if refused.is_some() || over => break,
                // The body limit: the part is too large, whatever its chunks looked like.
                Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    over = true;
                    break;
                }
                Err(_) => return Err(bad()),
            }
        }
        if refused.is_some() {
            continue;
        }
        match filename {
            Some(f) if over => {
                refused = Some(AppError::invalid(
                    "files",
                    "field.files",
                    Msg::new("files.too_large").arg("name", clean_name(&f)).arg("max", MAX_FILE_MB),
                ));
            }
            None if over => refused = Some(AppError::invalid("text", "field.body", "error.too_long_body")),
            // A file input left empty still sends a nameless, empty part.
            Some(f) if f.is_empty() && buf.is_empty() => {}
            Some(f) if name == "files" => {
                if out.files.len() >= MAX_FILES {
                    refused = Some(AppError::invalid(
                        "files",
                        "field.files",
                        Msg::new("error.too_many").arg("max", MAX_FILES),
                    ));
                } else {
                    out.files.push((f, buf));
                }
            }
            Some(_) => {}
            None => out.fields.push((name, String::from_utf8(buf).map_err(|_| bad())?)),
        }
    }
    match refused {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Check every file of an upload (the first bad one is reported by name).
pub fn check_all(files: Vec<(String, Vec<u8>)>) -> Result<Vec<Checked>, AppError> {
    files.into_iter().map(|(n, b)| check(&n, b)).collect()
}

/// Store checked files for an owner (`owner_kind`, `owner_id`), inside the caller's transaction.
pub async fn store(
    conn: &impl ConnectionTrait,
    owner_kind: &str,
    owner_id: i64,
    files: &[Checked],
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<entity::attachment::Model>, DbErr> {
    let mut out = Vec::new();
    for f in files {
        let a = entity::attachment::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            owner_kind: Set(owner_kind.to_string()),
            owner_id: Set(owner_id),
            filename: Set(f.filename.clone()),
            content_type: Set(f.kind.mime().to_string()),
            size: Set(f.bytes.len() as i64),
            sm3: Set(f.sm3.clone()),
            uploaded_by: Set(by),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        entity::blob::ActiveModel { attachment_id: Set(a.id), bytes: Set(f.bytes.clone()) }.insert(conn).await?;
        out.push(a);
    }
    Ok(out)
}

/// Attachments of several owners of one kind, oldest first.
pub async fn list_for(
    conn: &impl ConnectionTrait,
    owner_kind: &str,
    owner_ids: &[i64],
) -> Result<Vec<entity::attachment::Model>, DbErr> {
    if owner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in owner_ids.chunks(500) {
        out.extend(
            entity::attachment::Entity::find()
                .filter(entity::attachment::Column::OwnerKind.eq(owner_kind))
                .filter(entity::attachment::Column::OwnerId.is_in(chunk.to_vec()))
                .order_by_asc(entity::attachment::Column::Id)
                .all(conn)
                .await?,
        );
    }
    Ok(out)
}

pub async fn find(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<entity::attachment::Model>, DbErr> {
    entity::attachment::Entity::find().filter(entity::attachment::Column::Uuid.eq(id)).one(conn).await
}

/// The bytes of an attachment, checked against the stored digest.
pub async fn load(conn: &impl ConnectionTrait, a: &entity::attachment::Model) -> Result<Vec<u8>, AppError> {
    let blob = entity::blob::Entity::find_by_id(a.id).one(conn).await?.ok_or(AppError::NotFound)?;
    if crate::crypto::sm3_hex(&blob.bytes) != a.sm3 {
        tracing::error!(attachment = %a.uuid, "attachment digest mismatch");
        return Err(AppError::conflict(None, "files.digest_mismatch"));
    }
    Ok(blob.bytes)
}

/// The download response: always an attachment, with the type found at upload.
pub fn download(a: &entity::attachment::Model, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&crate::web::respond::content_disposition(&a.filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-download-options", HeaderValue::from_static("noopen"));
    r
}

/// "1.2 MB" style sizes for lists.
pub fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 { format!("{:.1} MB", n as f64 / 1024.0 / 1024.0) } else { format!("{} KB", (n + 1023) / 1024) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut buf = Vec::new();
        {
            let mut w = zip::ZipWriter::new(Cursor::new(&mut buf));
            for n in names {
                w.start_file::<_, ()>(*n, zip::write::FileOptions::default()).unwrap();
                std::io::Write::write_all(&mut w, b"<x/>").unwrap();
            }
            w.finish().unwrap();
        }
        buf
    }

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(Kind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(sniff(&zip_with(&["[Content_Types].xml", "word/document.xml"])), Some(Kind::Docx));
        assert_eq!(sniff(&zip_with(&["[Content_Types].xml", "xl/workbook.xml"])), Some(Kind::Xlsx));
        assert_eq!(sniff(&zip_with(&["OFD.xml", "Doc_0/Document.xml"])), Some(Kind::Ofd));
        assert_eq!(sniff(&zip_with(&["readme.txt"])), None, "a plain zip is not evidence we can check");
        assert_eq!(sniff(b"hello"), None);
    }

    #[test]
    fn a_renamed_executable_is_refused() {
        let e = check("整改报告.pdf", b"MZ\x90\x00\x03".to_vec()).unwrap_err();
        assert!(matches!(e, AppError::Invalid { field: "files", ref msg, .. } if msg.key == "files.executable"));
        let e = check("照片.pdf", b"\x89PNG\r\n\x1a\n....".to_vec()).unwrap_err();
        assert!(matches!(e, AppError::Invalid { ref msg, .. } if msg.key == "files.ext_mismatch"));
        let e = check("x.pdf", vec![b'%'; MAX_FILE_MB * 1024 * 1024 + 1]).unwrap_err();
        assert!(matches!(e, AppError::Invalid { ref msg, .. } if msg.key == "files.too_large"));
        let ok = check("C:\\扫描件\\整改报告.PDF", b"%PDF-1.4 ...".to_vec()).unwrap();
        assert_eq!(ok.filename, "整改报告.PDF");
        assert_eq!(ok.kind, Kind::Pdf);
        assert_eq!(ok.sm3.len(), 64);
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{202E}fdp.exe"), "afdp.exe");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(&"长".repeat(300)).chars().count(), 100);
    }
}
