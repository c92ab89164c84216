//! HTML pages of 廉政风险: the register, a point with its measures, reviews and history, the
//! heat map, rotation hints, the print view, the spreadsheet import, campaigns and settings.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    domain::{
        Choice, Conclusion, MeasureInput, MeasureStatus, ReviewInput, RiskConfig, RiskInput, RiskLevel, UnitProgress,
    },
    entity::{campaign, measure, point, review},
    heatmap,
    repo::{self, RiskFilter},
    service::{self, ProgressRow},
    sheet,
};
use crate::{
    audit::{self, Event},
    authz::{Perm, Scope},
    error::{AppError, AppResult, RowError},
    features::org::{
        entity::unit,
        pages::{UnitOption, read_upload, unit_options},
        repo as org_repo,
    },
    i18n::{Catalog, Msg},
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout, Pager,
        extract::{Form, FormPairs, PathUuid, Query},
        middleware::redirect_with_flash,
        render, render_status,
        respond::{XLSX, download},
    },
};

pub const PER_PAGE: u64 = 20;
pub const EXPORT_CAP: u64 = 100_000;

/// Filters shared by the list, the export and the print view.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct RiskQuery {
    pub unit: Option<String>,
    pub level: Option<String>,
    pub category: Option<String>,
    pub area: Option<String>,
    pub overdue: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<u64>,
}

impl RiskQuery {
    pub fn base_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("unit", &self.unit),
            ("level", &self.level),
            ("category", &self.category),
            ("area", &self.area),
            ("overdue", &self.overdue),
            ("q", &self.q),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|s| (k, s)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The filters against the caller's scope (a unit filter narrows, never widens).
    pub async fn resolve(&self, state: &AppState, scope: &Scope) -> AppResult<(Scope, RiskFilter)> {
        let mut scope = scope.clone();
        if let Some(u) = self.unit.as_deref().filter(|s| !s.is_empty()) {
            let id =
                uuid::Uuid::parse_str(u).map_err(|_| AppError::invalid("unit", "risk.unit", "org.unit_not_found"))?;
            scope = match org_repo::find_unit_by_uuid(&state.db.read, id).await? {
                Some(unit) => scope.narrow_to(&unit.path),
                None => Scope::none(),
            };
        }
        let opt = |s: &Option<String>| {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(60).collect::<String>())
        };
        Ok((
            scope,
            RiskFilter {
                level: opt(&self.level),
                category: opt(&self.category),
                area: opt(&self.area),
                overdue: crate::fields::boolean(self.overdue.as_deref()),
                text: opt(&self.q),
                sort: opt(&self.sort),
            },
        ))
    }
}

/// A row of the register.
pub struct RiskRow {
    pub p: point::Model,
    pub unit: unit::Model,
    pub category: String,
    pub level_key: &'static str,
    pub responsible: String,
    pub overdue: bool,
}

fn rows(
    cfg: &RiskConfig,
    list: Vec<(point::Model, unit::Model)>,
    names: &HashMap<i64, (uuid::Uuid, String)>,
    today: chrono::NaiveDate,
) -> Vec<RiskRow> {
    list.into_iter()
        .map(|(p, unit)| RiskRow {
            category: cfg.category_label(&p.category),
            level_key: RiskLevel::parse(&p.level).map(|l| l.label_key()).unwrap_or("risk.level_high"),
            responsible: p
                .responsible_person_id
                .and_then(|id| names.get(&id))
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            overdue: p.next_review_on.is_some_and(|d| d < today),
            p,
            unit,
        })
        .collect()
}

fn choice_opts(list: &[Choice]) -> Vec<(String, String)> {
    list.iter().map(|c| (c.code.clone(), c.label.clone())).collect()
}

fn levels() -> Vec<(&'static str, &'static str)> {
    RiskLevel::ALL.iter().map(|l| (l.code(), l.label_key())).collect()
}

#[derive(Template)]
#[template(path = "risk/list.html")]
struct ListPage {
    l: Layout,
    q: RiskQuery,
    rows: Vec<RiskRow>,
    pager: Pager,
    units: Vec<UnitOption>,
    categories: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    levels: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    export_query: String,
    overdue: u64,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<RiskQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let view = ctx.scope(Perm::RiskView);
    let (scope, filter) = q.resolve(&state, &view).await?;
    let cfg = repo::load_config(&state.db.read).await?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = repo::list_points(&state.db.read, &scope, &filter, ctx.today, page, PER_PAGE).await?;
    let names = repo::person_names(&state.db.read, list.iter().filter_map(|(p, _)| p.responsible_person_id)).await?;
    let units = org_repo::list_units(&state.db.read, &view).await?;
    let overdue = repo::count_overdue(&state.db.read, &view, ctx.today).await?;
    let base = q.base_query();
    let l = Layout::new(&ctx, t.get("risk.title_list"), "risk").crumb(t.get("nav.risk"), None);
    Ok(render(&ListPage {
        l,
        rows: rows(&cfg, list, &names, ctx.today),
        pager: Pager { page, per_page: PER_PAGE, total, base_query: base.clone() },
        units: unit_options(&units, q.unit.as_deref()),
        categories: choice_opts(&cfg.categories),
        areas: choice_opts(&cfg.areas),
        levels: levels(),
        can_manage: ctx.can(Perm::RiskManage),
        export_query: base,
        overdue,
        q,
    }))
}

pub async fn export(State(state): State<AppState>, ctx: Ctx, Query(q): Query<RiskQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (scope, filter) = q.resolve(&state, &ctx.scope(Perm::RiskView)).await?;
    let cfg = repo::load_config(&state.db.read).await?;
    let list = repo::export_points(&state.db.read, &scope, &filter, ctx.today, EXPORT_CAP).await?;
    let ids: Vec<i64> = list.iter().map(|(p, _)| p.id).collect();
    let measures = repo::measures_of(&state.db.read, &ids).await?;
    let names = repo::person_names(&state.db.read, list.iter().filter_map(|(p, _)| p.responsible_person_id)).await?;
    let title = format!("{}（{}）", t.get("risk.sheet_title"), t.date(ctx.today));
    let bytes = sheet::export(t, &cfg, &title, &list, &measures, &names)?;
    state
        .audit(
            &ctx.actor(),
            Event::new("risk.export", "risk", "")
                .detail(serde_json::json!({"rows": list.len(), "filter": q.base_query()})),
        )
        .await?;
    Ok(download(bytes, XLSX, &format!("岗位廉政风险点清单-{}.xlsx", ctx.today.format("%Y%m%d"))))
}

#[derive(Template)]
#[template(path = "risk/print.html")]
struct PrintPage {
    t: &'static Catalog,
    lang: crate::i18n::Lang,
    asset_v: &'static str,
    title: String,
    today: String,
    rows: Vec<(RiskRow, Vec<String>, String)>,
}

pub async fn print(State(state): State<AppState>, ctx: Ctx, Query(q): Query<RiskQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (scope, filter) = q.resolve(&state, &ctx.scope(Perm::RiskView)).await?;
    let cfg = repo::load_config(&state.db.read).await?;
    let list = repo::export_points(&state.db.read, &scope, &filter, ctx.today, 5_000).await?;
    let ids: Vec<i64> = list.iter().map(|(p, _)| p.id).collect();
    let measures = repo::measures_of(&state.db.read, &ids).await?;
    let names = repo::person_names(&state.db.read, list.iter().filter_map(|(p, _)| p.responsible_person_id)).await?;
    state
        .audit(
            &ctx.actor(),
            Event::new("risk.print", "risk", "")
                .detail(serde_json::json!({"rows": list.len(), "filter": q.base_query()})),
        )
        .await?;
    Ok(render(&PrintPage {
        t,
        lang: ctx.lang,
        asset_v: crate::web::pages::ASSET_VERSION,
        title: t.get("risk.sheet_title").into(),
        today: t.date(ctx.today),
        rows: rows(&cfg, list, &names, ctx.today)
            .into_iter()
            .map(|r| {
                let ms =
                    measures.get(&r.p.id).map(|v| v.iter().map(|m| m.content.clone()).collect()).unwrap_or_default();
                let area = cfg.area_label(&r.p.area);
                (r, ms, area)
            })
            .collect(),
    }))
}

// ------------------------------------------------------------------ one point

pub struct MeasureRow {
    pub m: measure::Model,
    pub owner: String,
    pub status_key: &'static str,
}

pub struct ReviewRow {
    pub r: review::Model,
    pub conclusion_key: Option<&'static str>,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "risk/show.html")]
struct ShowPage {
    l: Layout,
    p: point::Model,
    unit: unit::Model,
    category: String,
    area: String,
    level_key: &'static str,
    responsible: Option<(String, String)>,
    measures: Vec<MeasureRow>,
    reviews: Vec<ReviewRow>,
    history: Vec<audit::entity::Model>,
    can_manage: bool,
    errors: FormErrors,
    measure_form: MeasureInput,
    review_form: ReviewInput,
    statuses: Vec<(&'static str, &'static str)>,
    conclusions: Vec<(&'static str, &'static str)>,
    people: Vec<(String, String)>,
    next_overdue: bool,
    campaign: Option<campaign::Model>,
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    errors: FormErrors,
    measure_form: MeasureInput,
    review_form: ReviewInput,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let (p, unit) = service::point_in_scope(state, ctx, Perm::RiskView, id).await?;
    let cfg = repo::load_config(&state.db.read).await?;
    let ms = repo::list_measures(&state.db.read, p.id).await?;
    let mut ids: Vec<i64> = ms.iter().filter_map(|m| m.owner_person_id).collect();
    ids.extend(p.responsible_person_id);
    let names = repo::person_names(&state.db.read, ids).await?;
    let measures = ms
        .into_iter()
        .map(|m| MeasureRow {
            owner: m.owner_person_id.and_then(|i| names.get(&i)).map(|(_, n)| n.clone()).unwrap_or_default(),
            status_key: MeasureStatus::parse(&m.status).map(|s| s.label_key()).unwrap_or("risk.measure_planned"),
            m,
        })
        .collect();
    let reviews = repo::list_reviews(&state.db.read, p.id)
        .await?
        .into_iter()
        .map(|r| ReviewRow {
            conclusion_key: r.conclusion.as_deref().and_then(Conclusion::parse).map(|c| c.label_key()),
            overdue: r.reviewed_on.is_none() && r.planned_on < ctx.today,
            r,
        })
        .collect();
    let (history, _) = audit::repo::list(
        &state.db.read,
        &audit::repo::AuditFilter { object: Some(p.uuid.to_string()), ..Default::default() },
        1,
        100,
    )
    .await?;
    let can_manage = ctx.scope(Perm::RiskManage).contains(&unit.path);
    // People of the unit's subtree, for the measure owner select.
    let people = if can_manage {
        let (rows, _) = org_repo::list_people(
            &state.db.read,
            &Scope::from_paths([unit.path.clone()]),
            &org_repo::PersonFilter { status: Some("active".into()), ..Default::default() },
            1,
            300,
        )
        .await?;
        rows.into_iter().map(|r| (r.person.uuid.to_string(), format!("{}（{}）", r.person.name, r.unit.name))).collect()
    } else {
        Vec::new()
    };
    let campaign = repo::open_campaigns_covering(&state.db.read, &unit.path).await?.into_iter().next();
    let l =
        Layout::new(ctx, p.title.clone(), "risk").crumb(t.get("nav.risk"), Some("/risk")).crumb(p.title.clone(), None);
    Ok(render_status(
        status,
        &ShowPage {
            l,
            category: cfg.category_label(&p.category),
            area: cfg.area_label(&p.area),
            level_key: RiskLevel::parse(&p.level).map(|l| l.label_key()).unwrap_or("risk.level_high"),
            responsible: p.responsible_person_id.and_then(|i| names.get(&i)).map(|(u, n)| (u.to_string(), n.clone())),
            next_overdue: p.next_review_on.is_some_and(|d| d < ctx.today),
            p,
            unit,
            measures,
            reviews,
            history,
            can_manage,
            errors,
            measure_form,
            review_form: if review_form.reviewed_on.is_empty() {
                ReviewInput { reviewed_on: ctx.today.to_string(), ..review_form }
            } else {
                review_form
            },
            statuses: MeasureStatus::ALL.iter().map(|s| (s.code(), s.label_key())).collect(),
            conclusions: Conclusion::ALL.iter().map(|s| (s.code(), s.label_key())).collect(),
            people,
            campaign,
        },
    ))
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    show_page(&state, &ctx, id, FormErrors::default(), MeasureInput::default(), ReviewInput::default(), StatusCode::OK)
        .await
}

#[derive(Template)]
#[template(path = "risk/form.html")]
struct FormPage {
    l: Layout,
    action: String,
    form: RiskInput,
    errors: FormErrors,
    units: Vec<UnitOption>,
    categories: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    levels: Vec<(&'static str, &'static str)>,
    scale: Vec<u8>,
    matrix: Vec<Vec<&'static str>>,
    people: Vec<(String, String)>,
    editing: bool,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    action: String,
    form: RiskInput,
    errors: FormErrors,
    editing: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let scope = ctx.scope(Perm::RiskManage);
    let cfg = repo::load_config(&state.db.read).await?;
    let units = org_repo::list_units(&state.db.read, &scope).await?;
    let person_scope = match uuid::Uuid::parse_str(form.unit.trim()).ok() {
        Some(u) => match org_repo::find_unit_by_uuid(&state.db.read, u).await? {
            Some(unit) => scope.narrow_to(&unit.path),
            None => scope.clone(),
        },
        None => scope.clone(),
    };
    let (ppl, _) = org_repo::list_people(
        &state.db.read,
        &person_scope,
        &org_repo::PersonFilter { status: Some("active".into()), ..Default::default() },
        1,
        300,
    )
    .await?;
    let title = if editing { t.get("risk.edit") } else { t.get("risk.new") };
    let l = Layout::new(ctx, title, "risk").crumb(t.get("nav.risk"), Some("/risk")).crumb(title, None);
    Ok(render_status(
        status,
        &FormPage {
            l,
            action,
            units: unit_options(&units, Some(form.unit.as_str())),
            categories: choice_opts(&cfg.categories),
            areas: choice_opts(&cfg.areas),
            levels: levels(),
            scale: (1..=cfg.scale()).collect(),
            matrix: cfg.matrix.iter().map(|r| r.iter().map(|l| l.label_key()).collect()).collect(),
            people: ppl
                .into_iter()
                .map(|r| (r.person.uuid.to_string(), format!("{}（{}·{}）", r.person.name, r.unit.name, r.person.post)))
                .collect(),
            form,
            errors,
            editing,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    unit: Option<String>,
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NewQuery>) -> AppResult<Response> {
    let form = RiskInput { unit: q.unit.unwrap_or_default(), ..Default::default() };
    form_page(&state, &ctx, "/risk".into(), form, FormErrors::default(), false, StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RiskInput>) -> AppResult<Response> {
    match service::create_risk(&state, &ctx, &form).await {
        Ok(p) => {
            Ok(redirect_with_flash(&format!("/risk/{}", p.uuid), "flash.created", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            form_page(&state, &ctx, "/risk".into(), form, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let (p, unit) = service::point_in_scope(&state, &ctx, Perm::RiskManage, id).await?;
    let responsible = match p.responsible_person_id {
        Some(pid) => org_repo::find_person(&state.db.read, pid).await?.map(|x| x.uuid.to_string()),
        None => None,
    };
    let form = RiskInput {
        unit: unit.uuid.to_string(),
        post: p.post.clone(),
        title: p.title.clone(),
        description: p.description.clone(),
        category: p.category.clone(),
        area: p.area.clone(),
        likelihood: p.likelihood.map(|v| v.to_string()),
        impact: p.impact.map(|v| v.to_string()),
        level: Some(p.level.clone()),
        responsible,
        version: Some(p.version.to_string()),
        csrf: None,
    };
    form_page(&state, &ctx, format!("/risk/{}", p.uuid), form, FormErrors::default(), true, StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<RiskInput>,
) -> AppResult<Response> {
    match service::update_risk(&state, &ctx, id, &form).await {
        Ok(p) => Ok(redirect_with_flash(&format!("/risk/{}", p.uuid), "flash.saved", state.settings.secure_cookies())),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            form_page(&state, &ctx, format!("/risk/{id}"), form, errors, true, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    reason: String,
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<DeleteForm>,
) -> AppResult<Response> {
    match service::delete_risk(&state, &ctx, id, &f.reason).await {
        Ok(()) => Ok(redirect_with_flash("/risk", "flash.deleted", state.settings.secure_cookies())),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            show_page(
                &state,
                &ctx,
                id,
                errors,
                MeasureInput::default(),
                ReviewInput::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn add_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<MeasureInput>,
) -> AppResult<Response> {
    match service::add_measure(&state, &ctx, id, &f).await {
        Ok(_) => {
            Ok(redirect_with_flash(&format!("/risk/{id}#measures"), "flash.saved", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            show_page(&state, &ctx, id, errors, f, ReviewInput::default(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn measure_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, mid)): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let mid = uuid::Uuid::parse_str(&mid).map_err(|_| AppError::NotFound)?;
    service::set_measure_status(&state, &ctx, id, mid, &f.status).await?;
    Ok(redirect_with_flash(&format!("/risk/{id}#measures"), "flash.saved", state.settings.secure_cookies()))
}

pub async fn add_review(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<ReviewInput>,
) -> AppResult<Response> {
    match service::record_review(&state, &ctx, id, &f).await {
        Ok(_) => {
            Ok(redirect_with_flash(&format!("/risk/{id}#reviews"), "flash.saved", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            show_page(&state, &ctx, id, errors, MeasureInput::default(), f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ------------------------------------------------------------------ heat map, rotation

#[derive(Debug, Default, Deserialize)]
pub struct UnitQuery {
    unit: Option<String>,
}

async fn heat_svg(state: &AppState, ctx: &Ctx, q: &UnitQuery) -> AppResult<(String, String)> {
    let t = ctx.t();
    let view = ctx.scope(Perm::RiskView);
    let rq = RiskQuery { unit: q.unit.clone(), ..Default::default() };
    let (scope, _) = rq.resolve(state, &view).await?;
    let cfg = repo::load_config(&state.db.read).await?;
    let cells = repo::heat_counts(&state.db.read, &scope).await?;
    let counts: HashMap<(String, String), i64> = cells.into_iter().map(|c| ((c.level, c.category), c.n)).collect();
    let unit_name = match q.unit.as_deref().and_then(|u| uuid::Uuid::parse_str(u).ok()) {
        Some(id) => org_repo::find_unit_by_uuid(&state.db.read, id).await?.map(|u| u.name).unwrap_or_default(),
        None => t.get("risk.all_units").to_string(),
    };
    let title = format!("{unit_name} · {}", t.get("risk.heatmap"));
    Ok((heatmap::svg(t, &title, &cfg.categories, &counts), title))
}

#[derive(Template)]
#[template(path = "risk/heatmap.html")]
struct HeatPage {
    l: Layout,
    svg: String,
    units: Vec<UnitOption>,
    query: String,
}

pub async fn heatmap_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<UnitQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (svg, _) = heat_svg(&state, &ctx, &q).await?;
    let units = org_repo::list_units(&state.db.read, &ctx.scope(Perm::RiskView)).await?;
    let query =
        q.unit.as_deref().map(|u| format!("?unit={}", crate::web::middleware::urlencode(u))).unwrap_or_default();
    let l = Layout::new(&ctx, t.get("risk.heatmap"), "risk")
        .crumb(t.get("nav.risk"), Some("/risk"))
        .crumb(t.get("risk.heatmap"), None);
    Ok(render(&HeatPage { l, svg, units: unit_options(&units, q.unit.as_deref()), query }))
}

pub async fn heatmap_svg(State(state): State<AppState>, ctx: Ctx, Query(q): Query<UnitQuery>) -> AppResult<Response> {
    let (svg, _) = heat_svg(&state, &ctx, &q).await?;
    let mut r = svg.into_response();
    r.headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    Ok(r)
}

#[derive(Template)]
#[template(path = "risk/rotation.html")]
struct RotationPage {
    l: Layout,
    hints: Vec<(repo::RotationHint, u32)>,
    years: u32,
}

pub async fn rotation(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.t();
    let cfg = repo::load_config(&state.db.read).await?;
    let cutoff = ctx.today.checked_sub_months(chrono::Months::new(cfg.rotation_years * 12)).unwrap_or(ctx.today);
    let hints = repo::rotation_hints(&state.db.read, &ctx.scope(Perm::RiskView), cutoff)
        .await?
        .into_iter()
        .map(|h| {
            let y = super::domain::whole_years(h.since, ctx.today);
            (h, y)
        })
        .collect();
    let l = Layout::new(&ctx, t.get("risk.rotation"), "risk")
        .crumb(t.get("nav.risk"), Some("/risk"))
        .crumb(t.get("risk.rotation"), None);
    Ok(render(&RotationPage { l, hints, years: cfg.rotation_years }))
}

// ------------------------------------------------------------------ import

#[derive(Template)]
#[template(path = "risk/import.html")]
struct ImportPage {
    l: Layout,
    rows: Vec<RowError>,
    message: String,
    summary: Option<sheet::RiskImportSummary>,
}

fn import_page(
    ctx: &Ctx,
    rows: Vec<RowError>,
    message: String,
    summary: Option<sheet::RiskImportSummary>,
) -> ImportPage {
    let t = ctx.t();
    let l = Layout::new(ctx, t.get("risk.import"), "risk")
        .crumb(t.get("nav.risk"), Some("/risk"))
        .crumb(t.get("risk.import"), None);
    ImportPage { l, rows, message, summary }
}

pub async fn import_form(ctx: Ctx) -> AppResult<Response> {
    Ok(render(&import_page(&ctx, Vec::new(), String::new(), None)))
}

pub async fn template(State(state): State<AppState>) -> AppResult<Response> {
    let cfg = repo::load_config(&state.db.read).await?;
    Ok(download(sheet::template(&cfg)?, XLSX, "岗位廉政风险点清单导入模板.xlsx"))
}

pub async fn import_submit(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let t = ctx.t();
    let result = match read_upload(mp, sheet::MAX_BYTES).await {
        Ok((_, bytes)) => sheet::import(&state, &ctx, &bytes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => Ok(render(&import_page(&ctx, Vec::new(), t.get("flash.imported").into(), Some(s)))),
        Err(AppError::Rows(rows)) => {
            let msg = Msg::new("import.rows_failed").arg("n", rows.len()).render(t);
            state
                .audit(
                    &ctx.actor(),
                    Event::new("risk.import_rejected", "risk", "")
                        .outcome(audit::Outcome::Failed)
                        .detail(serde_json::json!({"errors": rows.len()})),
                )
                .await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &import_page(&ctx, rows, msg, None)))
        }
        Err(
            e @ (AppError::UnsupportedMedia(_)
            | AppError::TooLarge { .. }
            | AppError::Invalid { .. }
            | AppError::BadRequest(_)),
        ) => {
            let status = e.status();
            let mut msg = e.message().render(t);
            if let AppError::Invalid { label, .. } = &e {
                msg = t.labeled(label, &msg);
            }
            Ok(render_status(status, &import_page(&ctx, Vec::new(), msg, None)))
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------ campaigns

#[derive(Template)]
#[template(path = "risk/campaigns.html")]
struct CampaignsPage {
    l: Layout,
    campaigns: Vec<(campaign::Model, usize)>,
    can_launch: bool,
}

pub async fn campaigns(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.t();
    let campaigns = service::visible_campaigns(&state, &ctx).await?;
    let l = Layout::new(&ctx, t.get("campaign.title_list"), "risk")
        .crumb(t.get("nav.risk"), Some("/risk"))
        .crumb(t.get("campaign.title_list"), None);
    Ok(render(&CampaignsPage { l, campaigns, can_launch: ctx.can(Perm::RiskCampaign) }))
}

#[derive(Template)]
#[template(path = "risk/campaign_new.html")]
struct CampaignNewPage {
    l: Layout,
    title: String,
    year: String,
    deadline: String,
    working_days: String,
    units: Vec<(String, String, usize, bool)>,
    errors: FormErrors,
}

async fn campaign_form(
    state: &AppState,
    ctx: &Ctx,
    pairs: &FormPairs,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let units = org_repo::list_units(&state.db.read, &ctx.scope(Perm::RiskCampaign)).await?;
    let chosen = pairs.all("units");
    let opts = crate::features::org::pages::tree_order(&units)
        .into_iter()
        .filter(|(_, d)| *d <= 2)
        .map(|(u, d)| (u.uuid.to_string(), u.name.clone(), d, chosen.contains(&u.uuid.to_string())))
        .collect();
    let l = Layout::new(ctx, t.get("campaign.new"), "risk")
        .crumb(t.get("campaign.title_list"), Some("/risk/campaigns"))
        .crumb(t.get("campaign.new"), None);
    Ok(render_status(
        status,
        &CampaignNewPage {
            l,
            title: pairs
                .get("title")
                .unwrap_or_else(|| format!("{}年度岗位廉政风险排查", chrono::Datelike::year(&ctx.today))),
            year: pairs.get("year").unwrap_or_else(|| chrono::Datelike::year(&ctx.today).to_string()),
            deadline: pairs.get("deadline").unwrap_or_default(),
            working_days: pairs
                .get("working_days")
                .unwrap_or_else(|| if pairs.0.is_empty() { "20".into() } else { String::new() }),
            units: opts,
            errors,
        },
    ))
}

pub async fn campaign_new(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    campaign_form(&state, &ctx, &FormPairs(Vec::new()), FormErrors::default(), StatusCode::OK).await
}

pub async fn campaign_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs = FormPairs(pairs);
    let input = super::domain::CampaignInput {
        title: pairs.get("title").unwrap_or_default(),
        year: pairs.get("year"),
        units: pairs.all("units"),
        deadline: pairs.get("deadline"),
        working_days: pairs.get("working_days"),
    };
    match service::create_campaign(&state, &ctx, &input).await {
        Ok(c) => Ok(redirect_with_flash(
            &format!("/risk/campaigns/{}", c.uuid),
            "flash.created",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            campaign_form(&state, &ctx, &pairs, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub struct ProgressView {
    pub row: ProgressRow,
    pub status_key: &'static str,
    pub status_class: &'static str,
    pub can_sign: bool,
}

#[derive(Template)]
#[template(path = "risk/campaign.html")]
struct CampaignPage {
    l: Layout,
    c: campaign::Model,
    rows: Vec<ProgressView>,
    totals: super::domain::UnitCounts,
    can_close: bool,
    errors: FormErrors,
    open: bool,
}

async fn campaign_page(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let c = service::campaign_in_scope(state, ctx, id).await?;
    let rows = service::progress(state, ctx, &c).await?;
    let sign = ctx.scope(Perm::RiskSignOff);
    let open = c.status == "open";
    let mut totals = super::domain::UnitCounts::default();
    let rows: Vec<ProgressView> = rows
        .into_iter()
        .map(|row| {
            totals.points += row.counts.points;
            totals.reviewed += row.counts.reviewed;
            totals.added += row.counts.added;
            totals.high_without_measure += row.counts.high_without_measure;
            ProgressView {
                status_key: row.status.label_key(),
                status_class: match row.status {
                    UnitProgress::SignedOff => "c-green",
                    UnitProgress::Overdue => "c-red",
                    UnitProgress::InProgress => "c-yellow",
                    UnitProgress::NotStarted => "muted",
                },
                can_sign: open && row.signed_off_at.is_none() && sign.contains(&row.unit_path),
                row,
            }
        })
        .collect();
    let units = repo::campaign_units(&state.db.read, c.id).await?;
    let can_close = open && units.iter().all(|(_, u)| ctx.scope(Perm::RiskCampaign).contains(&u.path));
    let l = Layout::new(ctx, c.title.clone(), "risk")
        .crumb(t.get("campaign.title_list"), Some("/risk/campaigns"))
        .crumb(c.title.clone(), None);
    Ok(render_status(status, &CampaignPage { l, c, rows, totals, can_close, errors, open }))
}

pub async fn campaign_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    campaign_page(&state, &ctx, id, FormErrors::default(), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct SignOffForm {
    unit: String,
    #[serde(default)]
    note: String,
}

pub async fn campaign_sign_off(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<SignOffForm>,
) -> AppResult<Response> {
    let unit = uuid::Uuid::parse_str(&f.unit)
        .map_err(|_| AppError::invalid("unit", "campaign.unit", "campaign.unit_not_in_campaign"))?;
    match service::sign_off(&state, &ctx, id, unit, &f.note).await {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/risk/campaigns/{id}"),
            "flash.signed_off",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            campaign_page(&state, &ctx, id, errors, StatusCode::CONFLICT).await
        }
    }
}

pub async fn campaign_close(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    match service::close(&state, &ctx, id).await {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/risk/campaigns/{id}"),
            "flash.campaign_closed",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            campaign_page(&state, &ctx, id, errors, StatusCode::CONFLICT).await
        }
    }
}

// ------------------------------------------------------------------ settings

#[derive(Template)]
#[template(path = "admin/risk_settings.html")]
struct SettingsPage {
    l: Layout,
    categories: String,
    areas: String,
    cfg: RiskConfig,
    errors: FormErrors,
    levels: Vec<(&'static str, &'static str)>,
}

fn lines(list: &[Choice]) -> String {
    list.iter().map(|c| format!("{}={}", c.code, c.label)).collect::<Vec<_>>().join("\n")
}

pub async fn settings(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.t();
    let cfg = repo::load_config(&state.db.read).await?;
    let l = Layout::new(&ctx, t.get("risk.settings"), "risk_settings")
        .crumb(t.get("nav.system"), None)
        .crumb(t.get("risk.settings"), None);
    Ok(render(&SettingsPage {
        l,
        categories: lines(&cfg.categories),
        areas: lines(&cfg.areas),
        cfg,
        errors: FormErrors::default(),
        levels: levels(),
    }))
}

fn parse_choices(field: &'static str, label: &'static str, raw: &str) -> AppResult<Vec<Choice>> {
    let mut out = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (code, label_text) =
            line.split_once('=').ok_or_else(|| AppError::invalid(field, label, "risk.config_line"))?;
        let code = crate::fields::code(field, label, code, 32)?;
        let label_text = crate::fields::text(field, label, label_text, 20)?;
        out.push(Choice { code, label: label_text });
    }
    Ok(out)
}

pub async fn settings_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let t = ctx.t();
    let f = FormPairs(pairs);
    let parsed = (|| -> AppResult<RiskConfig> {
        let old = RiskConfig::default();
        let n = |k: &'static str, label: &'static str| -> AppResult<u32> {
            crate::fields::int(k, label, &f.get(k).unwrap_or_default(), 0, 1000).map(|v| v as u32)
        };
        let scale = old.scale() as usize;
        let mut matrix = Vec::new();
        for li in 0..scale {
            let mut row = Vec::new();
            for ii in 0..scale {
                let key = format!("m{}{}", li + 1, ii + 1);
                let v = f.get(&key).unwrap_or_default();
                row.push(RiskLevel::parse(&v).ok_or_else(|| {
                    AppError::invalid("matrix", "risk.matrix", Msg::new("error.bad_choice").arg("value", &v))
                })?);
            }
            matrix.push(row);
        }
        Ok(RiskConfig {
            categories: parse_choices("categories", "risk.category", &f.get("categories").unwrap_or_default())?,
            areas: parse_choices("areas", "risk.area", &f.get("areas").unwrap_or_default())?,
            matrix,
            review_months_high: n("review_months_high", "risk.review_months_high")?,
            review_months_medium: n("review_months_medium", "risk.review_months_medium")?,
            review_months_low: n("review_months_low", "risk.review_months_low")?,
            rotation_years: n("rotation_years", "risk.rotation_years")?,
        })
    })();
    let result = match parsed {
        Ok(cfg) => service::save_config(&state, &ctx, &cfg).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash("/admin/risk-settings", "flash.saved", state.settings.secure_cookies())),
        Err(e) => {
            let errors = FormErrors::from_error(e, t)?;
            let cfg = repo::load_config(&state.db.read).await?;
            let l = Layout::new(&ctx, t.get("risk.settings"), "risk_settings");
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SettingsPage {
                    l,
                    categories: f.get("categories").unwrap_or_default(),
                    areas: f.get("areas").unwrap_or_default(),
                    cfg,
                    errors,
                    levels: levels(),
                },
            ))
        }
    }
}
