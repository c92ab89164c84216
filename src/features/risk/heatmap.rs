//! The heat map: risk level × category for a unit subtree, as server-side SVG (no JavaScript
//! chart library; prints as crisply as text).

use std::{collections::HashMap, fmt::Write};

use super::domain::{Choice, RiskLevel};
use crate::i18n::Catalog;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn base_colour(l: RiskLevel) -> &'static str {
    match l {
        RiskLevel::High => "#b3261e",
        RiskLevel::Medium => "#d98e04",
        RiskLevel::Low => "#1f8a3b",
    }
}

/// Render the grid. `counts` maps (level code, category code) to the number of points.
pub fn svg(t: &Catalog, title: &str, categories: &[Choice], counts: &HashMap<(String, String), i64>) -> String {
    let label_w = 96.0;
    let col_w = 84.0;
    let row_h = 56.0;
    let top = 72.0;
    let cols = categories.len() as f64 + 1.0; // + total
    let width = label_w + col_w * cols + 16.0;
    let height = top + row_h * 4.0 + 24.0;
    let max = counts.values().copied().max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}" font-family="Microsoft YaHei, WenQuanYi Micro Hei, sans-serif" font-size="13">"##,
        esc(title)
    );
    let _ = write!(s, r##"<title>{}</title><rect width="100%" height="100%" fill="#ffffff"/>"##, esc(title));
    let _ =
        write!(s, r##"<text x="{}" y="24" font-size="16" font-weight="bold" fill="#1f2329">{}</text>"##, 8, esc(title));
    // Column headers.
    for (i, c) in categories.iter().enumerate() {
        let x = label_w + col_w * i as f64 + col_w / 2.0;
        let _ = write!(
            s,
            r##"<text x="{x}" y="{}" text-anchor="middle" fill="#3a3f45">{}</text>"##,
            top - 12.0,
            esc(&c.label)
        );
    }
    let tx = label_w + col_w * categories.len() as f64 + col_w / 2.0;
    let _ = write!(
        s,
        r##"<text x="{tx}" y="{}" text-anchor="middle" font-weight="bold" fill="#3a3f45">{}</text>"##,
        top - 12.0,
        esc(t.get("risk.total"))
    );
    let mut col_totals = vec![0i64; categories.len()];
    for (r, level) in RiskLevel::ALL.iter().enumerate() {
        let y = top + row_h * r as f64;
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" font-weight="bold" fill="{}">{}</text>"##,
            label_w - 10.0,
            y + row_h / 2.0 + 5.0,
            base_colour(*level),
            esc(t.get(level.label_key()))
        );
        let mut row_total = 0;
        for (i, c) in categories.iter().enumerate() {
            let n = counts.get(&(level.code().to_string(), c.code.clone())).copied().unwrap_or(0);
            row_total += n;
            col_totals[i] += n;
            let x = label_w + col_w * i as f64;
            let opacity = if n == 0 { 0.04 } else { 0.18 + 0.82 * (n as f64 / max) };
            let ink = if opacity > 0.55 { "#ffffff" } else { "#1f2329" };
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="{opacity:.2}" stroke="#ffffff" stroke-width="2"><title>{} · {}：{n}</title></rect>"##,
                x + 1.0,
                y + 1.0,
                col_w - 2.0,
                row_h - 2.0,
                base_colour(*level),
                esc(t.get(level.label_key())),
                esc(&c.label)
            );
            let _ = write!(
                s,
                r##"<text x="{}" y="{}" text-anchor="middle" font-size="18" fill="{ink}">{n}</text>"##,
                x + col_w / 2.0,
                y + row_h / 2.0 + 6.0
            );
        }
        let x = label_w + col_w * categories.len() as f64;
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f2f3f5" stroke="#ffffff" stroke-width="2"/>"##,
            x + 1.0,
            y + 1.0,
            col_w - 2.0,
            row_h - 2.0
        );
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" font-size="18" font-weight="bold" fill="#1f2329">{row_total}</text>"##,
            x + col_w / 2.0,
            y + row_h / 2.0 + 6.0
        );
    }
    // Totals row.
    let y = top + row_h * 3.0;
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" text-anchor="end" font-weight="bold" fill="#3a3f45">{}</text>"##,
        label_w - 10.0,
        y + row_h / 2.0 + 5.0,
        esc(t.get("risk.total"))
    );
    for (i, n) in col_totals.iter().enumerate() {
        let x = label_w + col_w * i as f64;
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f2f3f5" stroke="#ffffff" stroke-width="2"/>"##,
            x + 1.0,
            y + 1.0,
            col_w - 2.0,
            row_h - 2.0
        );
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" font-size="18" font-weight="bold" fill="#1f2329">{n}</text>"##,
            x + col_w / 2.0,
            y + row_h / 2.0 + 6.0
        );
    }
    let grand: i64 = col_totals.iter().sum();
    let x = label_w + col_w * categories.len() as f64;
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" text-anchor="middle" font-size="18" font-weight="bold" fill="#b3261e">{grand}</text>"##,
        x + col_w / 2.0,
        y + row_h / 2.0 + 6.0
    );
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::risk::domain::RiskConfig;

    #[test]
    fn counts_totals_and_escaping() {
        let t = crate::i18n::Lang::ZhCn.t();
        let mut cfg = RiskConfig::default();
        cfg.categories.push(Choice { code: "x".into(), label: "<script>".into() });
        let counts = HashMap::from([
            (("high".to_string(), "money".to_string()), 7),
            (("low".to_string(), "money".to_string()), 2),
            (("high".to_string(), "people".to_string()), 1),
        ]);
        let s = svg(t, "东湖区司法局 风险分布", &cfg.categories, &counts);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains(">7</text>") && s.contains(">9</text>"), "column total 7+2");
        assert!(s.contains(">10</text>"), "grand total");
        assert!(s.contains("&lt;script&gt;") && !s.contains("<script>"));
        assert!(s.contains("管钱"));
    }
}
