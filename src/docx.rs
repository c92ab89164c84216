//! A small writer of Word documents (.docx, WordprocessingML) for the papers the offices
//! exchange: replies in official-letter form (GB/T 9704: A4, 仿宋_GB2312 三号 body, 小标宋 二号
//! title, 文号 and date) and printable records. Paragraphs, runs and ruled tables only; the
//! parts are stored uncompressed, which every reader accepts.

use std::io::{Cursor, Write};

use crate::error::AppError;

/// Fonts of 党政机关公文格式 (GB/T 9704-2012), with fallbacks Word picks when one is missing.
pub const TITLE_FONT: &str = "方正小标宋简体";
pub const BODY_FONT: &str = "仿宋_GB2312";
pub const HEADING_FONT: &str = "黑体";

/// Sizes in half-points (Word's unit): 二号 22pt, 三号 16pt, 四号 14pt, 小四 12pt, 五号 10.5pt.
pub const SIZE_2: u32 = 44;
pub const SIZE_3: u32 = 32;
pub const SIZE_4: u32 = 28;
pub const SIZE_S4: u32 = 24;
pub const SIZE_5: u32 = 21;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
    Both,
}

impl Align {
    fn code(self) -> &'static str {
        match self {
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
            Align::Both => "both",
        }
    }
}

/// A run of text with one look.
#[derive(Debug, Clone)]
pub struct Run {
    pub text: String,
    pub font: &'static str,
    pub size: u32,
    pub bold: bool,
    /// RGB hex, e.g. "C00000" for the red of a 发文机关标志.
    pub colour: Option<&'static str>,
}

impl Run {
    pub fn new(text: impl Into<String>) -> Run {
        Run { text: text.into(), font: BODY_FONT, size: SIZE_3, bold: false, colour: None }
    }
    pub fn font(mut self, font: &'static str) -> Run {
        self.font = font;
        self
    }
    pub fn size(mut self, size: u32) -> Run {
        self.size = size;
        self
    }
    pub fn bold(mut self) -> Run {
        self.bold = true;
        self
    }
    pub fn colour(mut self, rgb: &'static str) -> Run {
        self.colour = Some(rgb);
        self
    }
}

/// A paragraph: runs, alignment, first-line indent (in characters) and spacing after (points).
#[derive(Debug, Clone)]
pub struct Para {
    pub runs: Vec<Run>,
    pub align: Align,
    pub indent_chars: u32,
    pub after_pt: u32,
    /// A rule under the paragraph (the red line under a 发文机关标志), RGB hex.
    pub rule_below: Option<&'static str>,
}

impl Para {
    pub fn new(run: Run) -> Para {
        Para { runs: vec![run], align: Align::Both, indent_chars: 0, after_pt: 0, rule_below: None }
    }
    /// Body text: 仿宋 三号, first line indented two characters.
    pub fn body(text: impl Into<String>) -> Para {
        Para { indent_chars: 2, ..Para::new(Run::new(text)) }
    }
    pub fn title(text: impl Into<String>) -> Para {
        Para { align: Align::Center, after_pt: 16, ..Para::new(Run::new(text).font(TITLE_FONT).size(SIZE_2)) }
    }
    pub fn align(mut self, a: Align) -> Para {
        self.align = a;
        self
    }
    pub fn after(mut self, pt: u32) -> Para {
        self.after_pt = pt;
        self
    }
    pub fn run(mut self, r: Run) -> Para {
        self.runs.push(r);
        self
    }
    pub fn rule_below(mut self, rgb: &'static str) -> Para {
        self.rule_below = Some(rgb);
        self
    }
}

/// A ruled table: a header row and body rows of plain cells; widths in per mille of the line.
#[derive(Debug, Clone)]
pub struct Table {
    pub widths: Vec<u32>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub size: u32,
}

#[derive(Debug, Clone)]
pub enum Block {
    Para(Para),
    Table(Table),
    PageBreak,
}

/// A document under construction.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// A4 with the 公文 margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (in twips).
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN_TOP: u32 = 2098;
const MARGIN_BOTTOM: u32 = 1984;
const MARGIN_LEFT: u32 = 1587;
const MARGIN_RIGHT: u32 = 1474;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn run_xml(out: &mut String, r: &Run) {
    out.push_str("<w:r><w:rPr>");
    out.push_str(&format!(
        r#"<w:rFonts w:ascii="{f}" w:eastAsia="{f}" w:hAnsi="{f}" w:hint="eastAsia"/>"#,
        f = esc(r.font)
    ));
    if r.bold {
        out.push_str("<w:b/>");
    }
    if let Some(c) = r.colour {
        out.push_str(&format!(r#"<w:color w:val="{c}"/>"#));
    }
    out.push_str(&format!(r#"<w:sz w:val="{s}"/><w:szCs w:val="{s}"/></w:rPr>"#, s = r.size));
    // Line breaks inside a run become <w:br/>.
    for (i, line) in r.text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<w:br/>");
        }
        out.push_str(r#"<w:t xml:space="preserve">"#);
        out.push_str(&esc(line));
        out.push_str("</w:t>");
    }
    out.push_str("</w:r>");
}

fn para_xml(out: &mut String, p: &Para) {
    out.push_str("<w:p><w:pPr>");
    if let Some(c) = p.rule_below {
        out.push_str(&format!(r#"<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="6" w:color="{c}"/></w:pBdr>"#));
    }
    out.push_str(&format!(r#"<w:spacing w:after="{}" w:line="560" w:lineRule="exact"/>"#, p.after_pt * 20));
    if p.indent_chars > 0 {
        out.push_str(&format!(r#"<w:ind w:firstLineChars="{}"/>"#, p.indent_chars * 100));
    }
    out.push_str(&format!(r#"<w:jc w:val="{}"/></w:pPr>"#, p.align.code()));
    for r in &p.runs {
        run_xml(out, r);
    }
    out.push_str("</w:p>");
}

fn cell_xml(out: &mut String, width: u32, text: &str, size: u32, header: bool) {
    out.push_str(&format!(r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>"#));
    let mut run = Run::new(text).size(size);
    if header {
        run = run.font(HEADING_FONT);
    }
    let p = Para { align: if header { Align::Center } else { Align::Left }, ..Para::new(run) };
    // Table text uses single line spacing, not the body's fixed 28 pt.
    let mut s = String::new();
    para_xml(&mut s, &p);
    out.push_str(&s.replace(r#" w:line="560" w:lineRule="exact""#, ""));
    out.push_str("</w:tc>");
}

fn table_xml(out: &mut String, t: &Table) {
    let line = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
    let widths: Vec<u32> = t.widths.iter().map(|w| line * w / 1000).collect();
    out.push_str(r#"<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:jc w:val="center"/><w:tblBorders>"#);
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        out.push_str(&format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#));
    }
    out.push_str(r#"</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>"#);
    for w in &widths {
        out.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
    }
    out.push_str("</w:tblGrid>");
    out.push_str(r#"<w:tr><w:trPr><w:tblHeader/></w:trPr>"#);
    for (i, h) in t.header.iter().enumerate() {
        cell_xml(out, widths.get(i).copied().unwrap_or(1000), h, t.size, true);
    }
    out.push_str("</w:tr>");
    for row in &t.rows {
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        for (i, c) in row.iter().enumerate() {
            cell_xml(out, widths.get(i).copied().unwrap_or(1000), c, t.size, false);
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

impl Document {
    pub fn new(title: impl Into<String>) -> Document {
        Document { title: title.into(), blocks: Vec::new() }
    }

    pub fn para(&mut self, p: Para) -> &mut Self {
        self.blocks.push(Block::Para(p));
        self
    }

    pub fn table(&mut self, widths: &[u32], header: &[&str], rows: Vec<Vec<String>>, size: u32) -> &mut Self {
        self.blocks.push(Block::Table(Table {
            widths: widths.to_vec(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows,
            size,
        }));
        self
    }

    pub fn page_break(&mut self) -> &mut Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    /// The main part, `word/document.xml`.
    pub fn document_xml(&self) -> String {
        let mut out = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>"#,
        );
        for b in &self.blocks {
            match b {
                Block::Para(p) => para_xml(&mut out, p),
                Block::Table(t) => {
                    table_xml(&mut out, t);
                    // Word needs a paragraph between a table and what follows.
                    out.push_str("<w:p/>");
                }
                Block::PageBreak => out.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#),
            }
        }
        out.push_str(&format!(
            r#"<w:sectPr><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/><w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="851" w:footer="992" w:gutter="0"/><w:docGrid w:type="lines" w:linePitch="579"/></w:sectPr></w:body></w:document>"#
        ));
        out
    }

    /// The whole .docx.
    pub fn to_bytes(&self) -> Result<Vec<u8>, AppError> {
        let core = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:creator>清廉</dc:creator></cp:coreProperties>"#,
            esc(&self.title)
        );
        let parts: [(&str, String); 5] = [
            ("[Content_Types].xml", CONTENT_TYPES.to_string()),
            ("_rels/.rels", ROOT_RELS.to_string()),
            ("docProps/core.xml", core),
            ("word/styles.xml", STYLES.to_string()),
            ("word/document.xml", self.document_xml()),
        ];
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let fail = |e: &dyn std::fmt::Display| AppError::Internal(anyhow::anyhow!("docx: {e}"));
        for (name, body) in parts.iter() {
            zip.start_file(*name, opts).map_err(|e| fail(&e))?;
            zip.write_all(body.as_bytes()).map_err(|e| fail(&e))?;
        }
        zip.start_file("word/_rels/document.xml.rels", opts).map_err(|e| fail(&e))?;
        zip.write_all(DOC_RELS.as_bytes()).map_err(|e| fail(&e))?;
        Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOC_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="仿宋_GB2312" w:eastAsia="仿宋_GB2312" w:hAnsi="仿宋_GB2312"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>"#;

/// The text of a .docx's main part (for tests and checks): every `<w:t>` in order.
pub fn document_text(bytes: &[u8]) -> Result<String, AppError> {
    use std::io::Read;
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| AppError::Internal(anyhow::anyhow!("docx: {e}")))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| AppError::Internal(anyhow::anyhow!("docx: {e}")))?
        .read_to_string(&mut xml)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("docx: {e}")))?;
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(i) = rest.find("<w:t") {
        rest = &rest[i..];
        if !(rest.starts_with("<w:t>") || rest.starts_with("<w:t ")) {
            rest = &rest[4..];
            continue;
        }
        let Some(open_end) = rest.find('>') else { break };
        let Some(close) = rest.find("</w:t>") else { break };
        out.push_str(&rest[open_end + 1..close]);
        rest = &rest[close + 6..];
    }
    Ok(out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_round_trips_its_text_and_escapes_markup() {
        let mut d = Document::new("复函");
        d.para(Para::title("关于张三等同志廉政情况的复函"));
        d.para(Para::body("A & B <c> \"d\"\u{1}"));
        d.table(
            &[100, 900],
            &["序号", "廉政意见"],
            vec![vec!["1".into(), "暂未发现影响提拔任用的问题".into()]],
            SIZE_4,
        );
        let bytes = d.to_bytes().unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let text = document_text(&bytes).unwrap();
        assert!(text.starts_with("关于张三等同志廉政情况的复函"), "{text}");
        assert!(text.contains("A & B <c> \"d\""), "{text}");
        assert!(!text.contains('\u{1}'));
        assert!(text.contains("序号廉政意见1暂未发现影响提拔任用的问题"), "{text}");
        let xml = d.document_xml();
        assert!(xml.contains("A &amp; B &lt;c&gt;"));
        // Every part a reader needs is present.
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
        for part in ["[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml"] {
            assert!(names.iter().any(|n| n == part), "{names:?}");
        }
    }

    #[test]
    fn tags_open_and_close_in_balance() {
        let mut d = Document::new("t");
        d.para(Para::body("一\n二").rule_below("C00000"));
        d.table(&[500, 500], &["a", "b"], vec![vec!["1".into(), "2".into()]; 3], SIZE_5);
        d.page_break();
        let xml = d.document_xml();
        for tag in ["w:p", "w:r", "w:tbl", "w:tr", "w:tc", "w:t"] {
            let opens = xml.matches(&format!("<{tag}>")).count() + xml.matches(&format!("<{tag} ")).count();
            let closes = xml.matches(&format!("</{tag}>")).count();
            assert_eq!(opens, closes, "{tag}");
        }
    }
}
