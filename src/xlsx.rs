//! Spreadsheets in and out, shared by every module's import and export.
//!
//! Reading is defensive: the upload must be a real .xlsx (a zip with the OOXML parts, checked by
//! content, not by name), within entry-count and unpacked-size limits (ASVS 5.2.3), before
//! calamine parses it. Cells come back as trimmed strings; dates typed as dates or as text both
//! work. Writing uses one header style so every export looks the same.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::{error::AppError, i18n::Msg};

/// Largest number of zip entries accepted in an upload.
pub const MAX_ENTRIES: usize = 1000;
/// Largest unpacked size accepted (all entries together).
pub const MAX_UNPACKED: u64 = 200 * 1024 * 1024;

/// A parsed sheet: header names and data rows, as trimmed strings. Row numbers shown to users
/// are 1-based and count the header (the header is row 1).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// 0-based sheet row of the header (a title row above it is common in ledgers).
    pub header_at: usize,
}

impl Sheet {
    /// The column index of a header (ignoring a trailing `*` marking required columns).
    pub fn col(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| h.trim_end_matches('*').trim() == header)
    }

    /// The cell of data row `i` under `header`, or "".
    pub fn cell<'a>(&'a self, i: usize, header: &str) -> &'a str {
        self.col(header).and_then(|c| self.rows.get(i).and_then(|r| r.get(c))).map(String::as_str).unwrap_or("")
    }

    /// The user-visible row number of data row `i`.
    pub fn row_number(&self, i: usize) -> usize {
        i + 2 + self.header_at
    }

    /// Find the header row when the sheet starts with a title (the way offices print their
    /// ledgers: a merged title row, then the header): if the first row lacks the `required`
    /// headers and one of the next few rows has them all, that row becomes the header.
    pub fn locate_header(&mut self, required: &[&str]) {
        if self.missing(required).is_empty() {
            return;
        }
        for k in 0..self.rows.len().min(5) {
            let candidate = Sheet { headers: self.rows[k].clone(), ..Default::default() };
            if candidate.missing(required).is_empty() {
                self.headers = self.rows[k].clone();
                self.rows.drain(..=k);
                self.header_at += k + 1;
                return;
            }
        }
    }

    /// Headers the template requires but the file lacks.
    pub fn missing(&self, required: &[&str]) -> Vec<String> {
        required.iter().filter(|h| self.col(h).is_none()).map(|h| h.to_string()).collect()
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            d.as_date().map(|x| x.format("%Y-%m-%d").to_string()).unwrap_or_else(|| d.to_string())
        }
        Data::Bool(b) => {
            if *b {
                "是".into()
            } else {
                "否".into()
            }
        }
        other => other.to_string().trim().to_string(),
    }
}

/// Check the bytes are an .xlsx within limits, then read every sheet.
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<Sheet>, AppError> {
    let not_xlsx = || AppError::UnsupportedMedia(Msg::new("import.not_xlsx"));
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(not_xlsx());
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if zip.len() > MAX_ENTRIES {
        return Err(AppError::bad_request(Msg::new("import.too_many_entries").arg("max", MAX_ENTRIES)));
    }
    let mut total: u64 = 0;
    let mut has_workbook = false;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|_| not_xlsx())?;
        total = total.saturating_add(f.size());
        if f.name().ok().as_deref() == Some("xl/workbook.xml") {
            has_workbook = true;
        }
    }
    if !has_workbook {
        return Err(not_xlsx());
    }
    if total > MAX_UNPACKED {
        return Err(AppError::bad_request(Msg::new("import.too_big_unpacked")));
    }
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|_| not_xlsx())?;
        let mut rows = range.rows();
        let headers: Vec<String> = rows.next().map(|r| r.iter().map(cell_text).collect()).unwrap_or_default();
        let data: Vec<Vec<String>> = rows.map(|r| r.iter().map(cell_text).collect::<Vec<_>>()).collect::<Vec<_>>();
        // Trailing blank rows are common in hand-edited files; drop them.
        let last = data.iter().rposition(|r| r.iter().any(|c| !c.is_empty())).map(|i| i + 1).unwrap_or(0);
        out.push(Sheet { name, headers, rows: data.into_iter().take(last).collect(), header_at: 0 });
    }
    Ok(out)
}

/// Parse a date cell as written by hand or by Excel.
pub fn date_cell(s: &str) -> Option<NaiveDate> {
    crate::fields::parse_date_str(s)
}

/// The bold, bordered, centred header used by every export.
pub fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(0xF2DCDB)
        .set_font_name("宋体")
        .set_text_wrap()
}

pub fn cell_format() -> Format {
    Format::new()
        .set_border(FormatBorder::Thin)
        .set_font_name("宋体")
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

/// Write a title row (merged, large) above the header, as offices print their ledgers.
pub fn write_title(ws: &mut Worksheet, title: &str, columns: u16) -> Result<(), XlsxError> {
    let f = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center).set_font_name("方正小标宋简体");
    if columns > 1 {
        ws.merge_range(0, 0, 0, columns - 1, title, &f)?;
    } else {
        ws.write_with_format(0, 0, title, &f)?;
    }
    ws.set_row_height(0, 32)?;
    Ok(())
}

/// Write headers at `row` with widths (in characters).
pub fn write_headers(ws: &mut Worksheet, row: u32, headers: &[(&str, f64)]) -> Result<(), XlsxError> {
    let f = header_format();
    for (i, (h, w)) in headers.iter().enumerate() {
        ws.write_with_format(row, i as u16, *h, &f)?;
        ws.set_column_width(i as u16, *w)?;
    }
    ws.set_row_height(row, 24)?;
    Ok(())
}

/// Finish a workbook into bytes.
pub fn save(mut wb: Workbook) -> Result<Vec<u8>, AppError> {
    wb.save_to_buffer().map_err(|e| AppError::Internal(anyhow::anyhow!("xlsx: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_xlsx_by_content() {
        assert!(matches!(read_workbook(b"%PDF-1.7 hello"), Err(AppError::UnsupportedMedia(_))));
        assert!(matches!(read_workbook(b"MZ\x90\x00 an exe"), Err(AppError::UnsupportedMedia(_))));
        // A zip that is not a workbook.
        let mut buf = Vec::new();
        {
            let mut w = zip::ZipWriter::new(Cursor::new(&mut buf));
            w.start_file::<_, ()>("hello.txt", zip::write::FileOptions::default()).unwrap();
            std::io::Write::write_all(&mut w, b"hi").unwrap();
            w.finish().unwrap();
        }
        assert!(matches!(read_workbook(&buf), Err(AppError::UnsupportedMedia(_))));
    }

    #[test]
    fn round_trips_a_sheet_with_chinese_and_dates() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("人员").unwrap();
        ws.write(0, 0, "姓名*").unwrap();
        ws.write(0, 1, "出生日期").unwrap();
        ws.write(1, 0, " 张三 ").unwrap();
        ws.write(1, 1, "1985-02-03").unwrap();
        ws.write(2, 0, 42).unwrap();
        let bytes = save(wb).unwrap();
        let sheets = read_workbook(&bytes).unwrap();
        let s = &sheets[0];
        assert_eq!(s.name, "人员");
        assert_eq!(s.col("姓名"), Some(0));
        assert_eq!(s.cell(0, "姓名"), "张三");
        assert_eq!(s.cell(1, "姓名"), "42");
        assert_eq!(date_cell(s.cell(0, "出生日期")), NaiveDate::from_ymd_opt(1985, 2, 3));
        assert_eq!(s.row_number(0), 2);
    }

    #[test]
    fn a_title_row_above_the_header_is_skipped() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        write_title(ws, "巡察反馈问题整改台账", 3).unwrap();
        write_headers(ws, 1, &[("序号", 6.0), ("问题", 20.0), ("责任单位", 10.0)]).unwrap();
        ws.write(2, 1, "公车私用").unwrap();
        let bytes = save(wb).unwrap();
        let mut s = read_workbook(&bytes).unwrap().remove(0);
        assert!(s.col("问题").is_none());
        s.locate_header(&["问题", "责任单位"]);
        assert_eq!(s.cell(0, "问题"), "公车私用");
        assert_eq!(s.row_number(0), 3, "row numbers stay those the user sees");
        // Nothing to find: unchanged.
        let mut t = s.clone();
        t.locate_header(&["不存在的列"]);
        assert_eq!(t.row_number(0), 3);
    }
}
