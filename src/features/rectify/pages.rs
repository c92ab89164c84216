//! HTML pages of 整改台账: the ledger with its colours and totals, feedback batches with per-unit
//! statistics, a problem with its full history and the actions open to the caller, the
//! spreadsheet import and export, the print view, and the deadline settings.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Multipart, State},
    http::StatusCode,
    response::Response,
};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{
    domain::{BatchInput, Kind, ProblemInput, Source, Stats, Status},
    entity::{batch, event, problem},
    repo::{self, ProblemFilter, Visibility},
    service::{self, Abilities},
    sheet,
};
use crate::{
    audit::{self, Event},
    authz::{Perm, Scope},
    calendar::deadline::{Colour, DayUnit, DeadlinePolicy},
    error::{AppError, AppResult, RowError},
    features::org::{
        entity::{person, unit},
        pages::{UnitOption, read_upload, unit_options},
        repo as org_repo,
    },
    files,
    i18n::{Catalog, Msg},
    jobs::deadlines::{load_policy, save_policy},
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

/// Filters shared by the ledger, the export and the print view.
#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
pub struct LedgerQuery {
    /// Batch (UUID).
    pub batch: Option<String>,
    /// Unit subtree (UUID).
    pub unit: Option<String>,
    /// green / blue / yellow / red (open problems only)
    pub colour: Option<String>,
    /// open / in_progress / submitted / closed
    pub status: Option<String>,
    /// immediate / deadline / long_term
    pub kind: Option<String>,
    pub q: Option<String>,
    /// `1`: only problems where I am 责任人 or 责任领导.
    pub mine: Option<String>,
    /// due / unit (default: batch and 序号)
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl LedgerQuery {
    pub fn base_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("batch", &self.batch),
            ("unit", &self.unit),
            ("colour", &self.colour),
            ("status", &self.status),
            ("kind", &self.kind),
            ("q", &self.q),
            ("mine", &self.mine),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|s| (k, s)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The filters against the caller's visibility (a unit filter narrows, never widens).
    pub async fn resolve(&self, state: &AppState, ctx: &Ctx) -> AppResult<(Visibility, ProblemFilter)> {
        let mut v = service::visibility(ctx);
        let opt = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(u) = opt(&self.unit) {
            let id =
                uuid::Uuid::parse_str(&u).map_err(|_| AppError::invalid("unit", "rect.unit", "org.unit_not_found"))?;
            v.scope = match org_repo::find_unit_by_uuid(&state.db.read, id).await? {
                Some(unit) => v.scope.narrow_to(&unit.path),
                None => Scope::none(),
            };
            // A unit filter asks about that subtree, not about "mine" elsewhere.
            v.person = None;
        }
        let batch_id = match opt(&self.batch) {
            None => None,
            Some(b) => {
                let id = uuid::Uuid::parse_str(&b)
                    .map_err(|_| AppError::invalid("batch", "rect.batch", "rect.not_found_ref"))?;
                Some(repo::find_batch_by_uuid(&state.db.read, id).await?.map(|b| b.id).unwrap_or(-1))
            }
        };
        let colour = match opt(&self.colour) {
            None => None,
            Some(c) => {
                let c = Colour::parse(&c).ok_or_else(|| {
                    AppError::invalid("colour", "rect.colour", Msg::new("error.bad_choice").arg("value", &c))
                })?;
                let policy = load_policy(&state.db.read).await?;
                let (from, to) = policy.colour_range(&state.calendar(), ctx.today, c);
                Some((c, from, to))
            }
        };
        let status = match opt(&self.status) {
            None => None,
            Some(s) => Some(Status::parse(&s).ok_or_else(|| {
                AppError::invalid("status", "rect.status", Msg::new("error.bad_choice").arg("value", &s))
            })?),
        };
        let kind = match opt(&self.kind) {
            None => None,
            Some(s) => Some(Kind::parse(&s).ok_or_else(|| {
                AppError::invalid("kind", "rect.kind", Msg::new("error.bad_choice").arg("value", &s))
            })?),
        };
        Ok((
            v,
            ProblemFilter {
                batch_id,
                status,
                kind,
                colour,
                text: opt(&self.q).map(|s| s.chars().take(60).collect()),
                mine: crate::fields::boolean(self.mine.as_deref()),
                sort: opt(&self.sort),
            },
        ))
    }
}

/// A ledger row as pages show it.
pub struct Row {
    pub p: problem::Model,
    pub unit: unit::Model,
    /// "东湖区司法局 · 办公室" for units inside a bureau (many are called 办公室).
    pub unit_label: String,
    pub owner: String,
    pub leader: String,
    pub status_key: &'static str,
    pub kind_key: &'static str,
    /// Colour code of an open problem ("" once closed).
    pub colour: &'static str,
    pub colour_key: &'static str,
    pub remaining: String,
    pub holiday: bool,
}

pub async fn rows(state: &AppState, ctx: &Ctx, list: Vec<(problem::Model, unit::Model)>) -> AppResult<Vec<Row>> {
    let t = ctx.t();
    let policy = load_policy(&state.db.read).await?;
    let cal = state.calendar();
    let ids = person_ids(&list);
    let people = repo::people_by_id(&state.db.read, ids).await?;
    let name = |id: Option<i64>| id.and_then(|i| people.get(&i)).map(|p| p.name.clone()).unwrap_or_default();
    let mut parent_ids: Vec<i64> = list.iter().filter(|(_, u)| u.depth >= 2).filter_map(|(_, u)| u.parent_id).collect();
    parent_ids.sort_unstable();
    parent_ids.dedup();
    let parents: HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &parent_ids).await?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(list
        .into_iter()
        .map(|(p, unit)| {
            let status = Status::parse(&p.status).unwrap_or(Status::Open);
            let (colour, colour_key, remaining) = if status == Status::Closed {
                ("", "", String::new())
            } else {
                let c = policy.colour(&cal, ctx.today, p.due_on);
                let text = if c == Colour::Red {
                    t.fmt1("deadline.overdue_days", "n", policy.overdue_days(&cal, ctx.today, p.due_on))
                } else {
                    t.fmt1(
                        if policy.unit == DayUnit::Working { "deadline.left_working" } else { "deadline.left_days" },
                        "n",
                        policy.remaining(&cal, ctx.today, p.due_on),
                    )
                };
                (c.code(), c.label_key(), text)
            };
            Row {
                unit_label: match unit.parent_id.and_then(|id| parents.get(&id)).filter(|_| unit.depth >= 2) {
                    Some(parent) => format!("{parent} · {}", unit.name),
                    None => unit.name.clone(),
                },
                owner: name(Some(p.owner_person_id)),
                leader: name(p.leader_person_id),
                status_key: status.label_key(),
                kind_key: Kind::parse(&p.kind).unwrap_or(Kind::Deadline).label_key(),
                colour,
                colour_key,
                remaining,
                holiday: !cal.is_working_day(p.due_on),
                p,
                unit,
            }
        })
        .collect())
}

/// Owners and leaders of a page of problems.
fn person_ids(list: &[(problem::Model, unit::Model)]) -> Vec<i64> {
    let mut ids = Vec::with_capacity(list.len() * 2);
    for (p, _) in list {
        ids.push(p.owner_person_id);
        ids.extend(p.leader_person_id);
    }
    ids
}

fn status_opts() -> Vec<(&'static str, &'static str)> {
    Status::ALL.iter().map(|s| (s.code(), s.label_key())).collect()
}

fn kind_opts() -> Vec<(&'static str, &'static str)> {
    Kind::ALL.iter().map(|s| (s.code(), s.label_key())).collect()
}

fn colour_opts() -> Vec<(&'static str, &'static str)> {
    Colour::ALL.iter().rev().map(|c| (c.code(), c.label_key())).collect()
}

fn source_opts() -> Vec<(&'static str, &'static str)> {
    Source::ALL.iter().map(|s| (s.code(), s.label_key())).collect()
}

// ------------------------------------------------------------------ the ledger

#[derive(Template)]
#[template(path = "rectify/ledger.html")]
struct LedgerPage {
    l: Layout,
    q: LedgerQuery,
    rows: Vec<Row>,
    pager: Pager,
    totals: Stats,
    units: Vec<UnitOption>,
    batches: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    colours: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    export_query: String,
    tab: &'static str,
}

pub async fn ledger(State(state): State<AppState>, ctx: Ctx, Query(q): Query<LedgerQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (v, f) = q.resolve(&state, &ctx).await?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let totals = repo::totals(&state.db.read, &v, &f, ctx.today).await?;
    let total = totals.total;
    let list = repo::page_problems(&state.db.read, &v, &f, page, PER_PAGE).await?;
    let units = org_repo::list_units(&state.db.read, &ctx.scope(Perm::RectView)).await?;
    let (batches, _) = repo::list_batches(&state.db.read, &service::visibility(&ctx), None, 1, 200).await?;
    let l = Layout::new(&ctx, t.get("rect.title_ledger"), "rectify").crumb(t.get("nav.rectify"), None);
    let base = q.base_query();
    Ok(render(&LedgerPage {
        l,
        rows: rows(&state, &ctx, list).await?,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: base.clone() },
        totals,
        units: unit_options(&units, q.unit.as_deref()),
        batches: batches.into_iter().map(|b| (b.uuid.to_string(), b.title)).collect(),
        statuses: status_opts(),
        kinds: kind_opts(),
        colours: colour_opts(),
        can_manage: ctx.can(Perm::RectManage),
        export_query: base,
        tab: if f.mine { "mine" } else { "ledger" },
        q,
    }))
}

pub async fn export(State(state): State<AppState>, ctx: Ctx, Query(q): Query<LedgerQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (v, f) = q.resolve(&state, &ctx).await?;
    let list = repo::export_problems(&state.db.read, &v, &f, EXPORT_CAP).await?;
    let ids = person_ids(&list);
    let people = repo::people_by_id(&state.db.read, ids).await?;
    let title = match f.batch_id {
        Some(id) => match repo::find_batch(&state.db.read, id).await? {
            Some(b) => format!("{}{}", b.title, t.get("rect.sheet_suffix")),
            None => t.get("rect.sheet_title").to_string(),
        },
        None => format!("{}（{}）", t.get("rect.sheet_title"), t.date(ctx.today)),
    };
    let parent_ids: Vec<i64> = list.iter().filter_map(|(_, u)| u.parent_id).collect();
    let parents: HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &parent_ids).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let bytes = sheet::export(t, &title, &list, &people, &parents, ctx.today)?;
    let ev = Event::new("rect.export", "rect_problem", "")
        .detail(serde_json::json!({"rows": list.len(), "filter": q.base_query()}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(download(bytes, XLSX, &format!("整改台账-{}.xlsx", ctx.today.format("%Y%m%d"))))
}

#[derive(Template)]
#[template(path = "rectify/print.html")]
struct PrintPage {
    t: &'static Catalog,
    lang: crate::i18n::Lang,
    asset_v: &'static str,
    title: String,
    today: String,
    rows: Vec<Row>,
    totals: Stats,
}

pub async fn print(State(state): State<AppState>, ctx: Ctx, Query(q): Query<LedgerQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (v, f) = q.resolve(&state, &ctx).await?;
    let list = repo::export_problems(&state.db.read, &v, &f, 5_000).await?;
    let totals = repo::totals(&state.db.read, &v, &f, ctx.today).await?;
    let title = match f.batch_id {
        Some(id) => {
            repo::find_batch(&state.db.read, id).await?.map(|b| format!("{}{}", b.title, t.get("rect.sheet_suffix")))
        }
        None => None,
    }
    .unwrap_or_else(|| t.get("rect.sheet_title").to_string());
    let ev = Event::new("rect.print", "rect_problem", "")
        .detail(serde_json::json!({"rows": list.len(), "filter": q.base_query()}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(render(&PrintPage {
        t,
        lang: ctx.lang,
        asset_v: crate::web::pages::ASSET_VERSION,
        title,
        today: t.date(ctx.today),
        rows: rows(&state, &ctx, list).await?,
        totals,
    }))
}

// ------------------------------------------------------------------ batches

pub struct BatchRow {
    pub b: batch::Model,
    pub source_key: &'static str,
    pub stats: Stats,
}

#[derive(Template)]
#[template(path = "rectify/batches.html")]
struct BatchesPage {
    l: Layout,
    rows: Vec<BatchRow>,
    pager: Pager,
    q: String,
    can_manage: bool,
    tab: &'static str,
}

#[derive(Debug, Default, Deserialize)]
pub struct BatchesQuery {
    pub q: Option<String>,
    pub page: Option<u64>,
}

pub async fn batches(State(state): State<AppState>, ctx: Ctx, Query(q): Query<BatchesQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let v = service::visibility(&ctx);
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let text: Option<String> =
        q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(60).collect());
    let (list, total) = repo::list_batches(&state.db.read, &v, text.as_deref(), page, PER_PAGE).await?;
    let ids: Vec<i64> = list.iter().map(|b| b.id).collect();
    let stats = repo::stats_by_batch(&state.db.read, &v, &ids, ctx.today).await?;
    let rows = list
        .into_iter()
        .map(|b| BatchRow {
            source_key: Source::parse(&b.source).unwrap_or(Source::SelfCheck).label_key(),
            stats: stats.get(&b.id).copied().unwrap_or_default(),
            b,
        })
        .collect();
    let l = Layout::new(&ctx, t.get("rect.title_batches"), "rectify")
        .crumb(t.get("nav.rectify"), Some("/rect"))
        .crumb(t.get("rect.title_batches"), None);
    let text = text.unwrap_or_default();
    Ok(render(&BatchesPage {
        l,
        rows,
        pager: Pager {
            page,
            per_page: PER_PAGE,
            total,
            base_query: if text.is_empty() {
                String::new()
            } else {
                serde_urlencoded::to_string([("q", &text)]).unwrap_or_default()
            },
        },
        q: text,
        can_manage: ctx.can(Perm::RectManage),
        tab: "batches",
    }))
}

#[derive(Template)]
#[template(path = "rectify/batch_form.html")]
struct BatchFormPage {
    l: Layout,
    action: String,
    form: BatchInput,
    version: String,
    errors: FormErrors,
    sources: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String, usize, bool)>,
    editing: bool,
}

async fn batch_form(
    state: &AppState,
    ctx: &Ctx,
    action: String,
    form: BatchInput,
    errors: FormErrors,
    editing: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let version = form.version.clone().unwrap_or_default();
    let t = ctx.t();
    let units = org_repo::list_units(&state.db.read, &ctx.scope(Perm::RectManage)).await?;
    let opts = crate::features::org::pages::tree_order(&units)
        .into_iter()
        .filter(|(_, d)| *d <= 2)
        .map(|(u, d)| (u.uuid.to_string(), u.name.clone(), d, form.units.contains(&u.uuid.to_string())))
        .collect();
    let title = if editing { t.get("rect.batch_edit") } else { t.get("rect.batch_new") };
    let l =
        Layout::new(ctx, title, "rectify").crumb(t.get("rect.title_batches"), Some("/rect/batches")).crumb(title, None);
    Ok(render_status(
        status,
        &BatchFormPage { l, action, form, version, errors, sources: source_opts(), units: opts, editing },
    ))
}

fn batch_input(pairs: &FormPairs) -> BatchInput {
    BatchInput {
        title: pairs.get("title").unwrap_or_default(),
        source: pairs.get("source").unwrap_or_default(),
        issuer: pairs.get("issuer").unwrap_or_default(),
        feedback_on: pairs.get("feedback_on").unwrap_or_default(),
        report_due_on: pairs.get("report_due_on"),
        notes: pairs.get("notes").unwrap_or_default(),
        units: pairs.all("units"),
        version: pairs.get("version"),
        csrf: None,
    }
}

pub async fn batch_new(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let form = BatchInput {
        source: Source::Inspection.code().into(),
        feedback_on: ctx.today.to_string(),
        ..Default::default()
    };
    batch_form(&state, &ctx, "/rect/batches".into(), form, FormErrors::default(), false, StatusCode::OK).await
}

pub async fn batch_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = batch_input(&FormPairs(pairs));
    match service::create_batch(&state, &ctx, &form).await {
        Ok(b) => Ok(redirect_with_flash(
            &format!("/rect/batches/{}", b.uuid),
            "flash.created",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            batch_form(&state, &ctx, "/rect/batches".into(), form, errors, false, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

pub async fn batch_edit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let units = repo::batch_units(&state.db.read, b.id).await?;
    let form = BatchInput {
        title: b.title.clone(),
        source: b.source.clone(),
        issuer: b.issuer.clone(),
        feedback_on: b.feedback_on.to_string(),
        report_due_on: Some(b.report_due_on.to_string()),
        notes: b.notes.clone(),
        units: units.iter().map(|u| u.uuid.to_string()).collect(),
        version: Some(b.version.to_string()),
        csrf: None,
    };
    batch_form(&state, &ctx, format!("/rect/batches/{id}"), form, FormErrors::default(), true, StatusCode::OK).await
}

pub async fn batch_update(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs = FormPairs(pairs);
    let form = batch_input(&pairs);
    match service::update_batch(&state, &ctx, id, &form).await {
        Ok(b) => Ok(redirect_with_flash(
            &format!("/rect/batches/{}", b.uuid),
            "flash.saved",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            batch_form(
                &state,
                &ctx,
                format!("/rect/batches/{id}"),
                form,
                errors,
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub struct UnitStatRow {
    pub unit: unit::Model,
    pub label: String,
    pub stats: Stats,
}

#[derive(Template)]
#[template(path = "rectify/batch.html")]
struct BatchPage {
    l: Layout,
    b: batch::Model,
    source_key: &'static str,
    units: Vec<unit::Model>,
    by_unit: Vec<UnitStatRow>,
    totals: Stats,
    rows: Vec<Row>,
    pager: Pager,
    can_manage: bool,
    report_overdue: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub page: Option<u64>,
}

pub async fn batch_show(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let t = ctx.t();
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let v = service::visibility(&ctx);
    let units = repo::batch_units(&state.db.read, b.id).await?;
    let stats = repo::stats_by_unit(&state.db.read, &v, Some(b.id), ctx.today).await?;
    let unit_models = org_repo::units_by_ids(&state.db.read, &stats.keys().copied().collect::<Vec<_>>()).await?;
    let parent_ids: Vec<i64> = unit_models.iter().filter_map(|u| u.parent_id).collect();
    let parents: HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &parent_ids).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut by_unit: Vec<UnitStatRow> = unit_models
        .into_iter()
        .map(|u| UnitStatRow {
            stats: stats.get(&u.id).copied().unwrap_or_default(),
            label: sheet::unit_label(&u, &parents),
            unit: u,
        })
        .collect();
    by_unit.sort_by(|a, b| a.unit.path.cmp(&b.unit.path));
    let mut totals = Stats::default();
    for r in &by_unit {
        totals.add(&r.stats);
    }
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let f = ProblemFilter { batch_id: Some(b.id), ..Default::default() };
    let (list, total) = repo::list_problems(&state.db.read, &v, &f, page, 50).await?;
    let manage = ctx.scope(Perm::RectManage);
    let can_manage = !units.is_empty() && units.iter().all(|u| manage.contains(&u.path));
    let l = Layout::new(&ctx, b.title.clone(), "rectify")
        .crumb(t.get("rect.title_batches"), Some("/rect/batches"))
        .crumb(b.title.clone(), None);
    Ok(render(&BatchPage {
        l,
        source_key: Source::parse(&b.source).unwrap_or(Source::SelfCheck).label_key(),
        report_overdue: b.completed_at.is_none() && b.report_due_on < ctx.today,
        units,
        by_unit,
        totals,
        rows: rows(&state, &ctx, list).await?,
        pager: Pager { page, per_page: 50, total, base_query: String::new() },
        can_manage,
        b,
    }))
}

// ------------------------------------------------------------------ problem forms

#[derive(Template)]
#[template(path = "rectify/problem_form.html")]
struct ProblemFormPage {
    l: Layout,
    action: String,
    b: batch::Model,
    form: ProblemInput,
    errors: FormErrors,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<UnitOption>,
    people: Vec<(String, String)>,
    leaders: Vec<(String, String)>,
    risks: Vec<(String, String)>,
    editing: bool,
    holiday_warning: bool,
}

async fn problem_form(
    state: &AppState,
    ctx: &Ctx,
    b: &batch::Model,
    action: String,
    form: ProblemInput,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    // Only an edit carries the version read.
    let editing = form.version.is_some();
    let t = ctx.t();
    let db = &state.db.read;
    let batch_units = repo::batch_units(db, b.id).await?;
    let manage = ctx.scope(Perm::RectManage);
    let scope = Scope::from_paths(batch_units.iter().map(|u| u.path.clone()));
    let units: Vec<unit::Model> =
        org_repo::list_units(db, &scope).await?.into_iter().filter(|u| manage.contains(&u.path)).collect();
    // People of the chosen unit (owners) and of it and the units above (leaders).
    let chosen = uuid::Uuid::parse_str(form.unit.trim()).ok();
    let unit = match chosen {
        Some(id) => org_repo::find_unit_by_uuid(db, id).await?,
        None => None,
    }
    .or_else(|| units.first().cloned());
    let (people, leaders, risks) = match &unit {
        Some(u) => {
            let owners = org_repo::active_people(db, &Scope::from_paths([u.path.clone()]), &[]).await?;
            let all_units = org_repo::list_all_units(db).await?;
            let above: Vec<i64> = all_units.iter().filter(|a| u.path.starts_with(&a.path)).map(|a| a.id).collect();
            let leaders = org_repo::active_people(db, &Scope::none(), &above).await?;
            let risks = crate::features::risk::repo::points_of_unit_tree(db, &u.path, 300).await?;
            let opt = |v: Vec<person::Model>| v.into_iter().map(|p| (p.uuid.to_string(), p.name)).collect::<Vec<_>>();
            (
                opt(owners),
                opt(leaders),
                risks.into_iter().map(|r| (r.uuid.to_string(), format!("{}：{}", r.post, r.title))).collect(),
            )
        }
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let holiday_warning =
        NaiveDate::parse_from_str(form.due_on.trim(), "%Y-%m-%d").is_ok_and(|d| service::holiday_warning(state, d));
    let title = if editing { t.get("rect.problem_edit") } else { t.get("rect.problem_new") };
    let l = Layout::new(ctx, title, "rectify")
        .crumb(t.get("rect.title_batches"), Some("/rect/batches"))
        .crumb(b.title.clone(), Some(&format!("/rect/batches/{}", b.uuid)))
        .crumb(title, None);
    let unit_sel = unit.as_ref().map(|u| u.uuid.to_string());
    Ok(render_status(
        status,
        &ProblemFormPage {
            l,
            action,
            b: b.clone(),
            form,
            errors,
            kinds: kind_opts(),
            units: unit_options(&units, unit_sel.as_deref()),
            people,
            leaders,
            risks,
            editing,
            holiday_warning,
        },
    ))
}

fn problem_input(pairs: &FormPairs) -> ProblemInput {
    ProblemInput {
        description: pairs.get("description").unwrap_or_default(),
        kind: pairs.get("kind").unwrap_or_default(),
        unit: pairs.get("unit").unwrap_or_default(),
        owner: pairs.get("owner").unwrap_or_default(),
        leader: pairs.get("leader"),
        due_on: pairs.get("due_on").unwrap_or_default(),
        measures: pairs.get("measures").unwrap_or_default(),
        risks: pairs.all("risks"),
        people: pairs.all("people"),
        version: pairs.get("version"),
        csrf: None,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewProblemQuery {
    pub unit: Option<String>,
}

pub async fn problem_new(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Query(q): Query<NewProblemQuery>,
) -> AppResult<Response> {
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let form = ProblemInput {
        kind: Kind::Deadline.code().into(),
        unit: q.unit.unwrap_or_default(),
        due_on: b.report_due_on.to_string(),
        ..Default::default()
    };
    problem_form(&state, &ctx, &b, format!("/rect/batches/{id}/problems"), form, FormErrors::default(), StatusCode::OK)
        .await
}

pub async fn problem_create(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let pairs = FormPairs(pairs);
    let form = problem_input(&pairs);
    // "换单位" reloads the form with the new unit's people (no JavaScript needed).
    if pairs.get("reload").is_some() {
        return problem_form(
            &state,
            &ctx,
            &b,
            format!("/rect/batches/{id}/problems"),
            form,
            FormErrors::default(),
            StatusCode::OK,
        )
        .await;
    }
    match service::add_problem(&state, &ctx, &b, &form).await {
        Ok(p) => {
            Ok(redirect_with_flash(&format!("/rect/{}", p.uuid), "flash.created", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            problem_form(
                &state,
                &ctx,
                &b,
                format!("/rect/batches/{id}/problems"),
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn problem_edit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let (p, u, b) = service::problem_in_scope(&state, &ctx, id).await?;
    if !service::abilities(&ctx, &p, &u).edit {
        return Err(AppError::forbidden(Msg::new("rect.not_allowed")));
    }
    let (risks, people) = repo::links(&state.db.read, p.id).await?;
    let risk_uuids = crate::features::risk::repo::uuids_of(&state.db.read, &risks).await?;
    let people_map =
        repo::people_by_id(&state.db.read, people.iter().copied().chain([p.owner_person_id]).chain(p.leader_person_id))
            .await?;
    let uuid_of = |id: i64| people_map.get(&id).map(|p| p.uuid.to_string()).unwrap_or_default();
    let form = ProblemInput {
        description: p.description.clone(),
        kind: p.kind.clone(),
        unit: u.uuid.to_string(),
        owner: uuid_of(p.owner_person_id),
        leader: p.leader_person_id.map(uuid_of),
        due_on: p.due_on.to_string(),
        measures: p.measures.clone(),
        risks: risk_uuids.into_iter().map(|u| u.to_string()).collect(),
        people: people.iter().map(|id| uuid_of(*id)).collect(),
        version: Some(p.version.to_string()),
        csrf: None,
    };
    problem_form(&state, &ctx, &b, format!("/rect/{id}"), form, FormErrors::default(), StatusCode::OK).await
}

pub async fn problem_update(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs = FormPairs(pairs);
    let form = problem_input(&pairs);
    if pairs.get("reload").is_some() {
        let (_, _, b) = service::problem_in_scope(&state, &ctx, id).await?;
        return problem_form(&state, &ctx, &b, format!("/rect/{id}"), form, FormErrors::default(), StatusCode::OK)
            .await;
    }
    match service::update_problem(&state, &ctx, id, &form).await {
        Ok(p) => Ok(redirect_with_flash(&format!("/rect/{}", p.uuid), "flash.saved", state.settings.secure_cookies())),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            let (_, _, b) = service::problem_in_scope(&state, &ctx, id).await?;
            problem_form(&state, &ctx, &b, format!("/rect/{id}"), form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ------------------------------------------------------------------ one problem

pub struct Step {
    pub e: event::Model,
    pub kind_key: String,
    pub files: Vec<files::entity::attachment::Model>,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "rectify/problem.html")]
struct ProblemPage {
    l: Layout,
    r: Row,
    b: batch::Model,
    steps: Vec<Step>,
    risks: Vec<(uuid::Uuid, String)>,
    people: Vec<(uuid::Uuid, String)>,
    can: Abilities,
    status: &'static str,
    errors: FormErrors,
    text: String,
    max_mb: usize,
    submitter: String,
    closer: String,
}

async fn problem_page(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    errors: FormErrors,
    text: String,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let (p, u, b) = service::problem_in_scope(state, ctx, id).await?;
    let can = service::abilities(ctx, &p, &u);
    let db = &state.db.read;
    let events = repo::events(db, p.id).await?;
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let mut attachments: HashMap<i64, Vec<files::entity::attachment::Model>> = HashMap::new();
    for a in files::list_for(db, "rect_event", &ids).await? {
        attachments.entry(a.owner_id).or_default().push(a);
    }
    let steps = events
        .into_iter()
        .map(|e| Step {
            kind_key: format!("rect.step_{}", e.kind),
            files: attachments.remove(&e.id).unwrap_or_default(),
            changes: changes(&e.detail),
            e,
        })
        .collect();
    let (risk_ids, person_ids) = repo::links(db, p.id).await?;
    let risks = crate::features::risk::repo::points_by_ids(db, &risk_ids)
        .await?
        .into_iter()
        .map(|r| (r.uuid, format!("{}：{}", r.post, r.title)))
        .collect();
    let people_map = repo::people_by_id(db, person_ids.iter().copied()).await?;
    let people = person_ids.iter().filter_map(|id| people_map.get(id)).map(|p| (p.uuid, p.name.clone())).collect();
    let user_name = |id: Option<i64>| async move {
        match id {
            Some(id) => crate::auth::find_user(db, crate::ids::UserId(id)).await.ok().flatten().map(|u| u.display_name),
            None => None,
        }
    };
    let submitter = user_name(p.submitted_by).await.unwrap_or_default();
    let closer = user_name(p.closed_by).await.unwrap_or_default();
    let st = Status::parse(&p.status).unwrap_or(Status::Open);
    let r = rows(state, ctx, vec![(p, u)]).await?.remove(0);
    let l = Layout::new(ctx, format!("{} {}", t.get("rect.problem"), r.p.seq), "rectify")
        .crumb(t.get("rect.title_batches"), Some("/rect/batches"))
        .crumb(b.title.clone(), Some(&format!("/rect/batches/{}", b.uuid)))
        .crumb(format!("{} {}", t.get("rect.problem"), r.p.seq), None);
    Ok(render_status(
        status,
        &ProblemPage {
            l,
            r,
            b,
            steps,
            risks,
            people,
            can,
            status: st.code(),
            errors,
            text,
            max_mb: files::MAX_FILE_MB,
            submitter,
            closer,
        },
    ))
}

/// Field changes of an edit step, as (field, before, after).
fn changes(detail: &str) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    let Some(obj) = v.get("changes").and_then(|c| c.as_object()) else { return Vec::new() };
    let show = |x: Option<&serde_json::Value>| match x {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => "—".into(),
        Some(other) => other.to_string(),
    };
    obj.iter().map(|(k, c)| (k.clone(), show(c.get("from")), show(c.get("to")))).collect()
}

pub async fn problem_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    problem_page(&state, &ctx, id, FormErrors::default(), String::new(), StatusCode::OK).await
}

/// The outcome of an action form: back to the problem, or the page again with the error.
async fn after_action(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    result: AppResult<problem::Model>,
    text: String,
    flash: &'static str,
) -> AppResult<Response> {
    match result {
        Ok(p) => Ok(redirect_with_flash(&format!("/rect/{}", p.uuid), flash, state.settings.secure_cookies())),
        Err(e @ (AppError::NotFound | AppError::Forbidden(_) | AppError::Unauthenticated)) => Err(e),
        Err(e) => {
            let status = e.status();
            let errors = FormErrors::from_error(e, ctx.t())?;
            problem_page(state, ctx, id, errors, text, status).await
        }
    }
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    mp: Multipart,
) -> AppResult<Response> {
    let (text, result) = match files::read_form(mp).await {
        Ok(up) => {
            let text = up.field("text");
            let r = match files::check_all(up.files) {
                Ok(checked) => service::progress(&state, &ctx, id, &text, checked).await,
                Err(e) => Err(e),
            };
            (text, r)
        }
        Err(e) => (String::new(), Err(e)),
    };
    after_action(&state, &ctx, id, result, text, "flash.progress_saved").await
}

#[derive(Debug, Default, Deserialize)]
pub struct TextForm {
    #[serde(default)]
    pub text: String,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<TextForm>,
) -> AppResult<Response> {
    let r = service::submit(&state, &ctx, id, &f.text).await;
    after_action(&state, &ctx, id, r, f.text, "flash.submitted").await
}

pub async fn return_back(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<TextForm>,
) -> AppResult<Response> {
    let r = service::return_back(&state, &ctx, id, &f.text).await;
    after_action(&state, &ctx, id, r, f.text, "flash.returned").await
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<TextForm>,
) -> AppResult<Response> {
    let r = service::close(&state, &ctx, id, &f.text).await;
    after_action(&state, &ctx, id, r, f.text, "flash.closed").await
}

pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<TextForm>,
) -> AppResult<Response> {
    let r = service::reopen(&state, &ctx, id, &f.text).await;
    after_action(&state, &ctx, id, r, f.text, "flash.reopened").await
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<DeleteForm>,
) -> AppResult<Response> {
    let (_, _, b) = service::problem_in_scope(&state, &ctx, id).await?;
    match service::delete_problem(&state, &ctx, id, &f.reason).await {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/rect/batches/{}", b.uuid),
            "flash.deleted",
            state.settings.secure_cookies(),
        )),
        Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => Err(e),
        Err(e) => {
            let status = e.status();
            let errors = FormErrors::from_error(e, ctx.t())?;
            problem_page(&state, &ctx, id, errors, String::new(), status).await
        }
    }
}

pub async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path((id, fid)): axum::extract::Path<(String, String)>,
) -> AppResult<Response> {
    let (Ok(id), Ok(fid)) = (uuid::Uuid::parse_str(&id), uuid::Uuid::parse_str(&fid)) else {
        return Err(AppError::NotFound);
    };
    let (a, bytes) = service::evidence(&state, &ctx, id, fid).await?;
    Ok(files::download(&a, bytes))
}

// ------------------------------------------------------------------ import

#[derive(Template)]
#[template(path = "rectify/import.html")]
struct ImportPage {
    l: Layout,
    b: batch::Model,
    rows: Vec<RowError>,
    message: String,
    summary: Option<sheet::ImportSummary>,
}

fn import_page(
    ctx: &Ctx,
    b: batch::Model,
    rows: Vec<RowError>,
    message: String,
    summary: Option<sheet::ImportSummary>,
) -> ImportPage {
    let t = ctx.t();
    let l = Layout::new(ctx, t.get("rect.import"), "rectify")
        .crumb(t.get("rect.title_batches"), Some("/rect/batches"))
        .crumb(b.title.clone(), Some(&format!("/rect/batches/{}", b.uuid)))
        .crumb(t.get("rect.import"), None);
    ImportPage { l, b, rows, message, summary }
}

pub async fn import_form(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    Ok(render(&import_page(&ctx, b, Vec::new(), String::new(), None)))
}

pub async fn template() -> AppResult<Response> {
    Ok(download(sheet::template()?, XLSX, "整改台账导入模板.xlsx"))
}

pub async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    mp: Multipart,
) -> AppResult<Response> {
    let t = ctx.t();
    let b = service::batch_in_scope(&state, &ctx, id).await?;
    let result = match read_upload(mp, sheet::MAX_BYTES).await {
        Ok((_, bytes)) => sheet::import(&state, &ctx, &b, &bytes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => Ok(render(&import_page(&ctx, b, Vec::new(), t.get("flash.imported").into(), Some(s)))),
        Err(AppError::Rows(rows)) => {
            let msg = Msg::new("import.rows_failed").arg("n", rows.len()).render(t);
            let ev = Event::new("rect.import_rejected", "rect_batch", b.uuid)
                .outcome(audit::Outcome::Failed)
                .detail(serde_json::json!({"errors": rows.len()}));
            state.audit(&ctx.actor(), ev).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &import_page(&ctx, b, rows, msg, None)))
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
            Ok(render_status(status, &import_page(&ctx, b, Vec::new(), msg, None)))
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------ deadline settings

#[derive(Template)]
#[template(path = "rectify/deadline_settings.html")]
struct SettingsPage {
    l: Layout,
    p: DeadlinePolicy,
    errors: FormErrors,
    units: Vec<(&'static str, &'static str)>,
    last_run: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub green_days: String,
    #[serde(default)]
    pub yellow_days: String,
    #[serde(default)]
    pub principal_after_days: String,
    #[serde(default)]
    pub check_hour: String,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

async fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    p: DeadlinePolicy,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let last_run = match crate::jobs::lease::find(&state.db.read, crate::jobs::deadlines::JOB_NAME).await? {
        Some(r) => {
            let report: crate::jobs::deadlines::CheckReport = serde_json::from_str(&r.last_report).unwrap_or_default();
            match r.last_run_on {
                Some(d) => t.fmt(
                    "deadline.last_run",
                    &[
                        ("date", t.date(d)),
                        ("items", report.items.to_string()),
                        ("delivered", report.delivered.to_string()),
                        ("millis", report.millis.to_string()),
                    ],
                ),
                None => String::new(),
            }
        }
        None => String::new(),
    };
    let l = Layout::new(ctx, t.get("nav.deadline_settings"), "deadline_settings");
    Ok(render_status(
        status,
        &SettingsPage {
            l,
            p,
            errors,
            units: [DayUnit::Calendar, DayUnit::Working].iter().map(|u| (u.code(), u.label_key())).collect(),
            last_run,
        },
    ))
}

pub async fn settings(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = load_policy(&state.db.read).await?;
    settings_page(&state, &ctx, p, FormErrors::default(), StatusCode::OK).await
}

fn parse_settings(f: &SettingsForm) -> Result<DeadlinePolicy, AppError> {
    let n = |field: &'static str, label: &'static str, raw: &str| {
        crate::fields::int(field, label, raw, 0, 365).map(|v| v as u32)
    };
    let p = DeadlinePolicy {
        unit: crate::fields::choice("unit", "deadline.unit", &f.unit, DayUnit::parse)?,
        green_days: n("green_days", "deadline.green_days", &f.green_days)?,
        yellow_days: n("yellow_days", "deadline.yellow_days", &f.yellow_days)?,
        principal_after_days: n("principal_after_days", "deadline.principal_after_days", &f.principal_after_days)?,
        check_hour: n("check_hour", "deadline.check_hour", &f.check_hour)?,
    };
    p.validate()?;
    Ok(p)
}

pub async fn settings_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    match parse_settings(&f) {
        Ok(p) => {
            let old = load_policy(&state.db.read).await?;
            let by = ctx.user()?.user_id.0;
            let txn = state.db.begin().await?;
            save_policy(&txn, &p, by, ctx.now).await?;
            let ev = Event::new("deadline.settings", "settings", "deadline_policy").detail(audit::diff(&old, &p));
            audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
            txn.commit().await?;
            Ok(redirect_with_flash("/admin/deadlines", "flash.saved", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            let shown = DeadlinePolicy {
                unit: DayUnit::parse(&f.unit).unwrap_or(DayUnit::Calendar),
                green_days: f.green_days.trim().parse().unwrap_or(0),
                yellow_days: f.yellow_days.trim().parse().unwrap_or(0),
                principal_after_days: f.principal_after_days.trim().parse().unwrap_or(0),
                check_hour: f.check_hour.trim().parse().unwrap_or(0),
            };
            settings_page(&state, &ctx, shown, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
