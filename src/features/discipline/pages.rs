//! HTML pages of 监督执纪: the overview with the four-forms table, clues and their disposal,
//! measures with their influence periods, the integrity dossier (print and .docx), integrity
//! opinions from request to the reply letter, and the group's settings.
//!
//! Every page that shows a record audits the read; lists audit the query they ran.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{
    docs,
    domain::{
        Blocker, Category, ClueInput, ClueSource, ClueStatus, Conclusion, DisciplineConfig, Disposal, DisposalInput,
        Kind, MeasureInput, Period, Purpose, period_rule,
    },
    dossier::{self, Entry},
    entity::{clue, measure, request},
    repo::{self, ClueFilter, MeasureFilter},
    service::{self, ItemView, LiftInput, RequestInput, Standing, StatsView},
};
use crate::{
    audit::Event,
    authz::Perm,
    calendar::{
        Calendar,
        deadline::{Colour, DeadlinePolicy},
    },
    error::{AppError, AppResult},
    features::org::{
        entity::{person, unit},
        pages::{UnitOption, unit_options},
        repo as org_repo,
    },
    i18n::{Catalog, Msg},
    jobs::deadlines::load_policy,
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout, Pager,
        extract::{Form, FormPairs, PathUuid, Query},
        middleware::redirect_with_flash,
        render, render_status,
        respond::{DOCX, XLSX, download},
    },
};

pub const PER_PAGE: u64 = 20;
pub const EXPORT_CAP: u64 = 100_000;

/// The tabs of the module, each shown to those who may open it.
pub struct Tabs {
    pub active: &'static str,
    pub records: bool,
    pub opinions: bool,
}

fn tabs(ctx: &Ctx, active: &'static str) -> Tabs {
    Tabs { active, records: ctx.can(Perm::DisciplineView), opinions: ctx.can(Perm::OpinionView) }
}

fn layout(ctx: &Ctx, title: &str) -> Layout {
    let t = ctx.t();
    Layout::new(ctx, title, "discipline").crumb(t.get("nav.discipline"), Some("/discipline")).crumb(title, None)
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn kind_groups() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    Category::ALL
        .iter()
        .map(|c| {
            (
                c.label_key(),
                Kind::ALL.iter().filter(|k| k.category() == *c).map(|k| (k.code(), k.label_key())).collect(),
            )
        })
        .collect()
}

/// "Deadline colour" of an open clue or request, from the shared deadline engine.
/// Callers load the policy once per page, not once per row.
fn colour_of(
    policy: &DeadlinePolicy,
    cal: &Calendar,
    ctx: &Ctx,
    due: NaiveDate,
) -> (&'static str, &'static str, String) {
    let c = policy.colour(cal, ctx.today, due);
    let t = ctx.t();
    let text = if c == Colour::Red {
        t.fmt1("deadline.overdue_days", "n", policy.overdue_days(cal, ctx.today, due))
    } else {
        t.fmt1("deadline.left_working", "n", cal.working_days_between(ctx.today, due))
    };
    (c.code(), c.label_key(), text)
}

// ------------------------------------------------------------------ overview

#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    pub year: Option<String>,
    pub unit: Option<String>,
}

impl OverviewQuery {
    pub fn resolve(&self, ctx: &Ctx) -> AppResult<(i32, Option<uuid::Uuid>)> {
        let year = match opt(&self.year) {
            None => ctx.today.year(),
            Some(y) => crate::fields::int("year", "disc.year", &y, 1990, 2100)? as i32,
        };
        let unit = match opt(&self.unit) {
            None => None,
            Some(u) => Some(
                uuid::Uuid::parse_str(&u).map_err(|_| AppError::invalid("unit", "disc.unit", "org.unit_not_found"))?,
            ),
        };
        Ok((year, unit))
    }
}

#[derive(Template)]
#[template(path = "discipline/overview.html")]
struct OverviewPage {
    l: Layout,
    tabs: Tabs,
    s: StatsView,
    years: Vec<i32>,
    units: Vec<UnitOption>,
    unit: String,
    clues: Option<(u64, u64)>,
    requests: Option<(u64, u64)>,
}

pub async fn overview(State(state): State<AppState>, ctx: Ctx, Query(q): Query<OverviewQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (year, unit) = q.resolve(&ctx)?;
    let s = service::stats(&state, &ctx, year, unit).await?;
    let mut years = repo::measure_years(&state.db.read, &service::stats_scope(&ctx)).await?;
    for y in [ctx.today.year(), year] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let units = org_repo::list_units(&state.db.read, &service::stats_scope(&ctx)).await?;
    let clues = if ctx.can(Perm::DisciplineView) {
        Some(repo::open_clue_counts(&state.db.read, &ctx.scope(Perm::DisciplineView), ctx.today).await?)
    } else {
        None
    };
    let requests = if ctx.can(Perm::OpinionView) {
        Some(repo::open_request_counts(&state.db.read, &ctx.scope(Perm::OpinionView), ctx.today).await?)
    } else {
        None
    };
    let ev = Event::new("discipline.stats", "discipline_stats", year.to_string())
        .detail(serde_json::json!({"year": year, "unit": unit}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(render(&OverviewPage {
        l: Layout::new(&ctx, t.get("disc.title_overview"), "discipline").crumb(t.get("nav.discipline"), None),
        tabs: tabs(&ctx, "overview"),
        s,
        years,
        units: unit_options(&units, q.unit.as_deref()),
        unit: opt(&q.unit).unwrap_or_default(),
        clues,
        requests,
    }))
}

pub async fn stats_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Response> {
    let (year, unit) = q.resolve(&ctx)?;
    let s = service::stats(&state, &ctx, year, unit).await?;
    let bytes = docs::stats_xlsx(ctx.t(), &s)?;
    let ev = Event::new("discipline.stats_export", "discipline_stats", year.to_string())
        .detail(serde_json::json!({"year": year, "unit": unit, "rows": s.groups.len()}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(download(bytes, XLSX, &format!("四种形态统计-{year}.xlsx")))
}

// ------------------------------------------------------------------ clues

#[derive(Debug, Default, Deserialize, Clone)]
pub struct ClueQuery {
    pub status: Option<String>,
    pub source: Option<String>,
    pub year: Option<String>,
    pub q: Option<String>,
    /// `1`: only those past their handling deadline.
    pub overdue: Option<String>,
    pub page: Option<u64>,
}

impl ClueQuery {
    pub fn filter(&self, ctx: &Ctx) -> AppResult<ClueFilter> {
        let open_only = self.status.as_deref() == Some("open");
        let status = match opt(&self.status).filter(|s| s != "open") {
            None => None,
            Some(s) => Some(ClueStatus::parse(&s).ok_or_else(|| {
                AppError::invalid("status", "disc.status", Msg::new("error.bad_choice").arg("value", &s))
            })?),
        };
        let source = match opt(&self.source) {
            None => None,
            Some(s) if ClueSource::parse(&s).is_some() => Some(s),
            Some(s) => {
                return Err(AppError::invalid("source", "disc.source", Msg::new("error.bad_choice").arg("value", &s)));
            }
        };
        let year = match opt(&self.year) {
            None => None,
            Some(y) => Some(crate::fields::int("year", "disc.year", &y, 1990, 2100)? as i32),
        };
        Ok(ClueFilter {
            status,
            open_only,
            source,
            year,
            text: opt(&self.q).map(|s| s.chars().take(60).collect()),
            overdue_on: crate::fields::boolean(self.overdue.as_deref()).then_some(ctx.today),
        })
    }

    fn base_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("status", &self.status),
            ("source", &self.source),
            ("year", &self.year),
            ("q", &self.q),
            ("overdue", &self.overdue),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|s| (k, s)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

pub struct ClueRow {
    pub c: clue::Model,
    pub people: Vec<(uuid::Uuid, String)>,
    pub source_key: &'static str,
    pub status_key: &'static str,
    pub disposal_key: &'static str,
    pub colour: &'static str,
    pub colour_key: &'static str,
    pub remaining: String,
}

async fn clue_rows(state: &AppState, ctx: &Ctx, list: Vec<clue::Model>) -> AppResult<Vec<ClueRow>> {
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let mut people = repo::people_of_clues(&state.db.read, &ids).await?;
    let policy = load_policy(&state.db.read).await?;
    let cal = state.calendar();
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let status = ClueStatus::parse(&c.status).unwrap_or(ClueStatus::Received);
        let (colour, colour_key, remaining) = if status == ClueStatus::Concluded {
            ("", "", String::new())
        } else {
            colour_of(&policy, &cal, ctx, c.deadline)
        };
        out.push(ClueRow {
            people: people.remove(&c.id).unwrap_or_default(),
            source_key: ClueSource::parse(&c.source).map(|s| s.label_key()).unwrap_or("disc.source_other"),
            status_key: status.label_key(),
            disposal_key: c.disposal.as_deref().and_then(Disposal::parse).map(|d| d.label_key()).unwrap_or(""),
            colour,
            colour_key,
            remaining,
            c,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "discipline/clues.html")]
struct CluesPage {
    l: Layout,
    tabs: Tabs,
    q: ClueQuery,
    rows: Vec<ClueRow>,
    pager: Pager,
    statuses: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    can_manage: bool,
}

pub async fn clues(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ClueQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let f = q.filter(&ctx)?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (list, total) = repo::list_clues(&state.db.read, &ctx.scope(Perm::DisciplineView), &f, page, PER_PAGE).await?;
    let ev =
        Event::new("clue.list", "clue", "").detail(serde_json::json!({"filter": q.base_query(), "rows": list.len()}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(render(&CluesPage {
        l: layout(&ctx, t.get("disc.title_clues")),
        tabs: tabs(&ctx, "clues"),
        rows: clue_rows(&state, &ctx, list).await?,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: q.base_query() },
        statuses: std::iter::once(("open", "disc.clue_open"))
            .chain(ClueStatus::ALL.iter().map(|s| (s.code(), s.label_key())))
            .collect(),
        sources: ClueSource::ALL.iter().map(|s| (s.code(), s.label_key())).collect(),
        can_manage: ctx.can(Perm::DisciplineManage),
        q,
    }))
}

/// The clue form as typed (people as staff numbers or names).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClueForm {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub working_days: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

#[derive(Template)]
#[template(path = "discipline/clue_form.html")]
struct ClueFormPage {
    l: Layout,
    action: String,
    form: ClueForm,
    errors: FormErrors,
    sources: Vec<(&'static str, &'static str)>,
    editing: bool,
    default_days: u32,
}

async fn clue_form(
    state: &AppState,
    ctx: &Ctx,
    action: String,
    form: ClueForm,
    errors: FormErrors,
    editing: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let cfg = service::load_config(&state.db.read).await?;
    let title = if editing { t.get("disc.clue_edit") } else { t.get("disc.clue_new") };
    Ok(render_status(
        status,
        &ClueFormPage {
            l: layout(ctx, title),
            action,
            form,
            errors,
            sources: ClueSource::ALL.iter().map(|s| (s.code(), s.label_key())).collect(),
            editing,
            default_days: cfg.clue_working_days,
        },
    ))
}

async fn clue_input(state: &AppState, ctx: &Ctx, f: &ClueForm) -> AppResult<ClueInput> {
    let people =
        service::resolve_people_text(state, ctx, Perm::DisciplineManage, "people", "disc.people", &f.people).await?;
    Ok(ClueInput {
        source: f.source.clone(),
        summary: f.summary.clone(),
        received_on: f.received_on.clone(),
        people: people.iter().map(|u| u.to_string()).collect(),
        working_days: Some(f.working_days.clone()),
        version: f.version.clone(),
        csrf: None,
    })
}

pub async fn clue_new(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let form = ClueForm {
        source: ClueSource::Petition.code().into(),
        received_on: ctx.today.to_string(),
        ..Default::default()
    };
    clue_form(&state, &ctx, "/discipline/clues".into(), form, FormErrors::default(), false, StatusCode::OK).await
}

pub async fn clue_create(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ClueForm>) -> AppResult<Response> {
    let r = match clue_input(&state, &ctx, &form).await {
        Ok(input) => service::create_clue(&state, &ctx, &input).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(c) => Ok(redirect_with_flash(
            &format!("/discipline/clues/{}", c.uuid),
            "flash.created",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            clue_form(&state, &ctx, "/discipline/clues".into(), form, errors, false, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

pub async fn clue_edit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let c = service::clue_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "clue.read", "clue", c.uuid, None).await?;
    let links = repo::clue_people(&state.db.read, c.id).await?;
    let people = repo::people_by_id(&state.db.read, links.iter().map(|l| l.person_id)).await?;
    let ordered: Vec<person::Model> = links.iter().filter_map(|l| people.get(&l.person_id).cloned()).collect();
    let form = ClueForm {
        source: c.source.clone(),
        summary: c.summary.clone(),
        received_on: c.received_on.to_string(),
        people: service::people_text(&ordered),
        working_days: c.working_days.to_string(),
        version: Some(c.version.to_string()),
        csrf: None,
    };
    clue_form(&state, &ctx, format!("/discipline/clues/{id}"), form, FormErrors::default(), true, StatusCode::OK).await
}

pub async fn clue_update(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<ClueForm>,
) -> AppResult<Response> {
    service::clue_in_scope(&state, &ctx, id).await?;
    let r = match clue_input(&state, &ctx, &form).await {
        Ok(input) => service::update_clue(&state, &ctx, id, &input).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(c) => Ok(redirect_with_flash(
            &format!("/discipline/clues/{}", c.uuid),
            "flash.saved",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            clue_form(
                &state,
                &ctx,
                format!("/discipline/clues/{id}"),
                form,
                errors,
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "discipline/clue.html")]
struct CluePage {
    l: Layout,
    r: ClueRow,
    measures: Vec<MeasureRow>,
    disposals: Vec<(&'static str, &'static str)>,
    form: DisposalInput,
    errors: FormErrors,
    can_manage: bool,
}

async fn clue_page(
    state: &AppState,
    ctx: &Ctx,
    c: clue::Model,
    form: Option<DisposalInput>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let measures = repo::measures_of_clue(&state.db.read, c.id).await?;
    let measures = measure_rows(state, ctx, measures).await?;
    let form = form.unwrap_or_else(|| DisposalInput {
        disposal: c.disposal.clone().unwrap_or_default(),
        disposed_on: c.disposed_on.unwrap_or(ctx.today).to_string(),
        result: c.result.clone(),
        csrf: None,
    });
    let title = format!("{} {}", t.get("disc.clue"), c.code);
    let r = clue_rows(state, ctx, vec![c]).await?.remove(0);
    Ok(render_status(
        status,
        &CluePage {
            l: Layout::new(ctx, &title, "discipline")
                .crumb(t.get("nav.discipline"), Some("/discipline"))
                .crumb(t.get("disc.title_clues"), Some("/discipline/clues"))
                .crumb(&title, None),
            r,
            measures,
            disposals: Disposal::ALL.iter().map(|d| (d.code(), d.label_key())).collect(),
            form,
            errors,
            can_manage: ctx.can(Perm::DisciplineManage),
        },
    ))
}

pub async fn clue_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let c = service::clue_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "clue.read", "clue", c.uuid, None).await?;
    clue_page(&state, &ctx, c, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn clue_dispose(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<DisposalInput>,
) -> AppResult<Response> {
    match service::dispose_clue(&state, &ctx, id, &form).await {
        Ok(c) => Ok(redirect_with_flash(
            &format!("/discipline/clues/{}", c.uuid),
            "flash.saved",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            let c = service::clue_in_scope(&state, &ctx, id).await?;
            clue_page(&state, &ctx, c, Some(form), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ------------------------------------------------------------------ measures

#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
pub struct MeasureQuery {
    pub year: Option<String>,
    /// education / organisational / party / government / criminal
    pub category: Option<String>,
    /// Kind codes, comma-separated.
    pub kind: Option<String>,
    /// 1–4: only kinds of that form (by the current caliber).
    pub form: Option<String>,
    /// Unit subtree (UUID).
    pub unit: Option<String>,
    /// Text in the 文号, basis or deciding body.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl MeasureQuery {
    pub async fn resolve(&self, state: &AppState, ctx: &Ctx) -> AppResult<(crate::authz::Scope, MeasureFilter)> {
        let mut scope = ctx.scope(Perm::DisciplineView);
        if let Some(u) = opt(&self.unit) {
            let id =
                uuid::Uuid::parse_str(&u).map_err(|_| AppError::invalid("unit", "disc.unit", "org.unit_not_found"))?;
            scope = match org_repo::find_unit_by_uuid(&state.db.read, id).await? {
                Some(unit) => scope.narrow_to(&unit.path),
                None => crate::authz::Scope::none(),
            };
        }
        let year = match opt(&self.year) {
            None => None,
            Some(y) => Some(crate::fields::int("year", "disc.year", &y, 1990, 2100)? as i32),
        };
        let category = match opt(&self.category) {
            None => None,
            Some(c) if Category::ALL.iter().any(|x| x.code() == c) => Some(c),
            Some(c) => {
                return Err(AppError::invalid(
                    "category",
                    "disc.category",
                    Msg::new("error.bad_choice").arg("value", &c),
                ));
            }
        };
        let mut kinds = match opt(&self.kind) {
            None => None,
            Some(k) => Some(repo::parse_kinds(&k).ok_or_else(|| {
                AppError::invalid("kind", "disc.kind", Msg::new("error.bad_choice").arg("value", &k))
            })?),
        };
        if let Some(f) = opt(&self.form) {
            let f = crate::fields::int("form", "disc.form", &f, 1, 4)? as u8;
            let cfg = service::load_config(&state.db.read).await?;
            let of_form: Vec<String> =
                Kind::ALL.iter().filter(|k| cfg.form(**k) == f).map(|k| k.code().to_string()).collect();
            kinds = Some(match kinds {
                Some(k) => k.into_iter().filter(|c| of_form.contains(c)).collect(),
                None => of_form,
            });
        }
        Ok((scope, MeasureFilter { year, kinds, category, text: opt(&self.q).map(|s| s.chars().take(60).collect()) }))
    }

    fn base_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("year", &self.year),
            ("category", &self.category),
            ("kind", &self.kind),
            ("form", &self.form),
            ("unit", &self.unit),
            ("q", &self.q),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|s| (k, s)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

pub struct MeasureRow {
    pub m: measure::Model,
    pub person: String,
    pub person_uuid: String,
    pub unit: String,
    pub kind_key: &'static str,
    pub form: u8,
    pub period: Option<Period>,
    pub active: bool,
}

impl MeasureRow {
    pub fn until_text(&self, t: &Catalog) -> String {
        match &self.period {
            None => t.get("disc.no_period").to_string(),
            Some(p) => match p.until {
                None => t.get("disc.permanent").to_string(),
                Some(u) => t.date(u),
            },
        }
    }
}

pub async fn measure_rows(state: &AppState, ctx: &Ctx, list: Vec<measure::Model>) -> AppResult<Vec<MeasureRow>> {
    let cfg = service::load_config(&state.db.read).await?;
    let people = repo::people_by_id(&state.db.read, list.iter().map(|m| m.person_id)).await?;
    let unit_ids: Vec<i64> = list.iter().map(|m| m.unit_id).collect();
    let units: std::collections::HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &unit_ids).await?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(list
        .into_iter()
        .map(|m| {
            let kind = Kind::parse(&m.kind);
            let period = service::fact(&m).and_then(|f| super::domain::periods(&[f], &cfg).into_iter().next());
            let p = people.get(&m.person_id);
            MeasureRow {
                person: p.map(|p| p.name.clone()).unwrap_or_default(),
                person_uuid: p.map(|p| p.uuid.to_string()).unwrap_or_default(),
                unit: units.get(&m.unit_id).cloned().unwrap_or_default(),
                kind_key: kind.map(|k| k.label_key()).unwrap_or(""),
                form: kind.map(|k| cfg.form(k)).unwrap_or(0),
                active: period.as_ref().is_some_and(|p| p.active_on(ctx.today)),
                period,
                m,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "discipline/measures.html")]
struct MeasuresPage {
    l: Layout,
    tabs: Tabs,
    q: MeasureQuery,
    rows: Vec<MeasureRow>,
    pager: Pager,
    units: Vec<UnitOption>,
    categories: Vec<(&'static str, &'static str)>,
    groups: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    can_manage: bool,
    export_query: String,
}

pub async fn measures(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MeasureQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let (scope, f) = q.resolve(&state, &ctx).await?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (list, total) = repo::list_measures(&state.db.read, &scope, &f, page, PER_PAGE).await?;
    let ev = Event::new("measure.list", "measure", "")
        .detail(serde_json::json!({"filter": q.base_query(), "rows": list.len()}));
    state.audit(&ctx.actor(), ev).await?;
    let units = org_repo::list_units(&state.db.read, &ctx.scope(Perm::DisciplineView)).await?;
    Ok(render(&MeasuresPage {
        l: layout(&ctx, t.get("disc.title_measures")),
        tabs: tabs(&ctx, "measures"),
        rows: measure_rows(&state, &ctx, list).await?,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: q.base_query() },
        units: unit_options(&units, q.unit.as_deref()),
        categories: Category::ALL.iter().map(|c| (c.code(), c.label_key())).collect(),
        groups: kind_groups(),
        can_manage: ctx.can(Perm::DisciplineManage),
        export_query: q.base_query(),
        q,
    }))
}

pub async fn measures_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeasureQuery>,
) -> AppResult<Response> {
    let (scope, f) = q.resolve(&state, &ctx).await?;
    let list = repo::export_measures(&state.db.read, &scope, &f, EXPORT_CAP).await?;
    let clue_ids: Vec<i64> = list.iter().filter_map(|m| m.clue_id).collect();
    let codes: std::collections::HashMap<i64, String> =
        repo::clues_by_id(&state.db.read, &clue_ids).await?.into_iter().map(|(id, c)| (id, c.code)).collect();
    let rows = measure_rows(&state, &ctx, list).await?;
    let bytes = docs::measures_xlsx(ctx.t(), &rows, &codes, ctx.today)?;
    let ev = Event::new("measure.export", "measure", "")
        .detail(serde_json::json!({"filter": q.base_query(), "rows": rows.len()}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(download(bytes, XLSX, &format!("处置措施台账-{}.xlsx", ctx.today.format("%Y%m%d"))))
}

/// The measure form as typed (person as staff number or name, clue as its 编号).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeasureForm {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub doc_no: String,
    #[serde(default)]
    pub term_years: String,
    #[serde(default)]
    pub clue: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

#[derive(Template)]
#[template(path = "discipline/measure_form.html")]
struct MeasureFormPage {
    l: Layout,
    action: String,
    form: MeasureForm,
    errors: FormErrors,
    groups: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    editing: bool,
}

async fn measure_form(
    ctx: &Ctx,
    action: String,
    form: MeasureForm,
    errors: FormErrors,
    editing: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let title = if editing { t.get("disc.measure_edit") } else { t.get("disc.measure_new") };
    Ok(render_status(
        status,
        &MeasureFormPage { l: layout(ctx, title), action, form, errors, groups: kind_groups(), editing },
    ))
}

async fn measure_input(state: &AppState, ctx: &Ctx, f: &MeasureForm) -> AppResult<MeasureInput> {
    let people =
        service::resolve_people_text(state, ctx, Perm::DisciplineManage, "person", "disc.person", &f.person).await?;
    let person = match people.as_slice() {
        [] => return Err(AppError::invalid("person", "disc.person", "error.required")),
        [one] => one.to_string(),
        _ => return Err(AppError::invalid("person", "disc.person", "disc.one_person")),
    };
    let clue = match f.clue.trim() {
        "" => None,
        code => match repo::find_clue_by_code(&state.db.read, code).await? {
            Some(c) => Some(c.uuid.to_string()),
            None => Some(code.to_string()),
        },
    };
    Ok(MeasureInput {
        person,
        kind: f.kind.clone(),
        decided_on: f.decided_on.clone(),
        body: f.body.clone(),
        basis: f.basis.clone(),
        doc_no: f.doc_no.clone(),
        term_years: Some(f.term_years.clone()),
        clue,
        version: f.version.clone(),
        csrf: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NewMeasureQuery {
    pub person: Option<String>,
    pub clue: Option<String>,
}

pub async fn measure_new(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewMeasureQuery>,
) -> AppResult<Response> {
    let mut form = MeasureForm { kind: Kind::TalkReminder.code().into(), ..Default::default() };
    if let Some(id) = opt(&q.person).and_then(|s| uuid::Uuid::parse_str(&s).ok())
        && let Some(p) = org_repo::find_person_by_uuid(&state.db.read, id).await?
    {
        form.person = service::people_text(&[p]);
    }
    if let Some(id) = opt(&q.clue).and_then(|s| uuid::Uuid::parse_str(&s).ok())
        && let Ok(c) = service::clue_in_scope(&state, &ctx, id).await
    {
        form.clue = c.code;
    }
    measure_form(&ctx, "/discipline/measures".into(), form, FormErrors::default(), false, StatusCode::OK).await
}

pub async fn measure_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<MeasureForm>,
) -> AppResult<Response> {
    let r = match measure_input(&state, &ctx, &form).await {
        Ok(input) => service::create_measure(&state, &ctx, &input).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(m) => Ok(redirect_with_flash(
            &format!("/discipline/measures/{}", m.uuid),
            "flash.created",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            measure_form(&ctx, "/discipline/measures".into(), form, errors, false, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

pub async fn measure_edit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let m = service::measure_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "measure.read", "measure", m.uuid, Some(m.unit_id)).await?;
    let p = org_repo::find_person(&state.db.read, m.person_id).await?.ok_or(AppError::NotFound)?;
    let clue = match m.clue_id {
        Some(cid) => repo::find_clue(&state.db.read, cid).await?.map(|c| c.code).unwrap_or_default(),
        None => String::new(),
    };
    let form = MeasureForm {
        person: service::people_text(&[p]),
        kind: m.kind.clone(),
        decided_on: m.decided_on.to_string(),
        body: m.body.clone(),
        basis: m.basis.clone(),
        doc_no: m.doc_no.clone(),
        term_years: m.term_years.map(|t| t.to_string()).unwrap_or_default(),
        clue,
        version: Some(m.version.to_string()),
        csrf: None,
    };
    measure_form(&ctx, format!("/discipline/measures/{id}"), form, FormErrors::default(), true, StatusCode::OK).await
}

pub async fn measure_update(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<MeasureForm>,
) -> AppResult<Response> {
    service::measure_in_scope(&state, &ctx, id).await?;
    let r = match measure_input(&state, &ctx, &form).await {
        Ok(input) => service::update_measure(&state, &ctx, id, &input).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(m) => Ok(redirect_with_flash(
            &format!("/discipline/measures/{}", m.uuid),
            "flash.saved",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            measure_form(
                &ctx,
                format!("/discipline/measures/{id}"),
                form,
                errors,
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "discipline/measure.html")]
struct MeasurePage {
    l: Layout,
    r: MeasureRow,
    category_key: &'static str,
    clue: Option<clue::Model>,
    rule_source: String,
    effect_key: &'static str,
    lift: LiftInput,
    errors: FormErrors,
    can_manage: bool,
}

async fn measure_page(
    state: &AppState,
    ctx: &Ctx,
    m: measure::Model,
    lift: Option<LiftInput>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let cfg = service::load_config(&state.db.read).await?;
    let clue = match m.clue_id {
        Some(id) => repo::find_clue(&state.db.read, id).await?,
        None => None,
    };
    let kind = Kind::parse(&m.kind).unwrap_or(Kind::OtherEducation);
    let (_, rule) = period_rule(kind, m.decided_on, m.term_years.map(|t| t as u8), &cfg);
    let lift = lift.unwrap_or_else(|| LiftInput {
        lifted_on: m.lifted_on.map(|d| d.to_string()).unwrap_or_default(),
        reason: m.lift_reason.clone(),
        csrf: None,
    });
    let r = measure_rows(state, ctx, vec![m]).await?.remove(0);
    let title = format!("{} · {}", r.person, t.get(r.kind_key));
    Ok(render_status(
        status,
        &MeasurePage {
            l: Layout::new(ctx, &title, "discipline")
                .crumb(t.get("nav.discipline"), Some("/discipline"))
                .crumb(t.get("disc.title_measures"), Some("/discipline/measures"))
                .crumb(&title, None),
            category_key: kind.category().label_key(),
            clue,
            rule_source: rule.source,
            effect_key: rule.effect_key,
            r,
            lift,
            errors,
            can_manage: ctx.can(Perm::DisciplineManage),
        },
    ))
}

pub async fn measure_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let m = service::measure_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "measure.read", "measure", m.uuid, Some(m.unit_id)).await?;
    measure_page(&state, &ctx, m, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn measure_lift(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<LiftInput>,
) -> AppResult<Response> {
    match service::lift_measure(&state, &ctx, id, &form).await {
        Ok(m) => Ok(redirect_with_flash(
            &format!("/discipline/measures/{}", m.uuid),
            "flash.saved",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            let m = service::measure_in_scope(&state, &ctx, id).await?;
            measure_page(&state, &ctx, m, Some(form), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

pub async fn measure_delete(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    match service::delete_measure(&state, &ctx, id, &form.reason).await {
        Ok(()) => Ok(redirect_with_flash("/discipline/measures", "flash.deleted", state.settings.secure_cookies())),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            let m = service::measure_in_scope(&state, &ctx, id).await?;
            measure_page(&state, &ctx, m, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ------------------------------------------------------------------ the dossier

#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub page: Option<u64>,
}

#[derive(Template)]
#[template(path = "discipline/people.html")]
struct PeoplePage {
    l: Layout,
    tabs: Tabs,
    q: String,
    rows: Vec<org_repo::PersonRow>,
    pager: Pager,
}

pub async fn people(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PeopleQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let text: String = opt(&q.q).map(|s| s.chars().take(30).collect()).unwrap_or_default();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let f = org_repo::PersonFilter { name: Some(text.clone()).filter(|s| !s.is_empty()), ..Default::default() };
    let (rows, total) = if text.is_empty() {
        (Vec::new(), 0)
    } else {
        org_repo::list_people(&state.db.read, &ctx.scope(Perm::DisciplineView), &f, page, PER_PAGE).await?
    };
    Ok(render(&PeoplePage {
        l: layout(&ctx, t.get("disc.title_dossier")),
        tabs: tabs(&ctx, "people"),
        pager: Pager {
            page,
            per_page: PER_PAGE,
            total,
            base_query: serde_urlencoded::to_string([("q", &text)]).unwrap_or_default(),
        },
        q: text,
        rows,
    }))
}

/// Everything the dossier page, its print view and its .docx show.
pub struct Dossier {
    pub p: person::Model,
    pub unit: unit::Model,
    pub rank: String,
    pub political: String,
    pub standing: Standing,
    pub active: Vec<BlockerView>,
    pub periods: Vec<PeriodView>,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub struct BlockerView {
    pub title: String,
    pub until: String,
    pub source: String,
}

pub struct PeriodView {
    pub kind_key: &'static str,
    pub from: NaiveDate,
    pub until: String,
    pub state_key: &'static str,
    pub source: String,
    pub href: String,
}

pub fn blocker_views(t: &Catalog, blockers: &[Blocker]) -> Vec<BlockerView> {
    blockers
        .iter()
        .map(|b| match b {
            Blocker::Period { kind, until, source, .. } => BlockerView {
                title: t.fmt1("disc.blocker_period", "kind", t.get(kind.label_key())),
                until: match until {
                    Some(u) => t.date(*u),
                    None => t.get("disc.permanent").to_string(),
                },
                source: source.clone(),
            },
            Blocker::OpenClue { code, received_on, .. } => BlockerView {
                title: t.fmt2("disc.blocker_clue", "code", code, "date", t.date(*received_on)),
                until: String::new(),
                source: t.get("disc.blocker_clue_source").to_string(),
            },
        })
        .collect()
}

pub async fn dossier_data(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> AppResult<Dossier> {
    let t = ctx.t();
    let (p, unit) = service::person_in_scope(state, ctx, Perm::DisciplineView, id).await?;
    let (blockers, _) = service::blockers(state, p.id, ctx.today).await?;
    let measures = repo::measures_of_person(&state.db.read, p.id).await?;
    let periods = service::person_periods(state, p.id)
        .await?
        .into_iter()
        .map(|per| PeriodView {
            kind_key: per.kind.label_key(),
            from: per.from,
            until: match per.until {
                Some(u) => t.date(u),
                None => t.get("disc.permanent").to_string(),
            },
            state_key: if per.active_on(ctx.today) {
                "disc.period_active"
            } else if per.lifted {
                "disc.period_lifted"
            } else if per.from > ctx.today {
                "disc.period_future"
            } else {
                "disc.period_ended"
            },
            href: measures
                .iter()
                .find(|m| m.id == per.measure_id)
                .map(|m| format!("/discipline/measures/{}", m.uuid))
                .unwrap_or_default(),
            source: per.rule.source,
        })
        .collect();
    let entries = dossier::timeline(state, ctx, &p).await?;
    use crate::features::org::domain::{PoliticalStatus, Rank};
    Ok(Dossier {
        rank: Rank::parse(&p.rank).map(|r| t.get(r.label_key()).to_string()).unwrap_or_default(),
        political: PoliticalStatus::parse(&p.political_status)
            .map(|r| t.get(r.label_key()).to_string())
            .unwrap_or_default(),
        standing: Standing::of(&blockers),
        active: blocker_views(t, &blockers),
        periods,
        entries,
        p,
        unit,
    })
}

#[derive(Template)]
#[template(path = "discipline/dossier.html")]
struct DossierPage {
    l: Layout,
    d: Dossier,
    can_manage: bool,
}

pub async fn dossier(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let t = ctx.t();
    let d = dossier_data(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "dossier.read", "person", d.p.uuid, Some(d.unit.id)).await?;
    let title = format!("{} · {}", t.get("disc.title_dossier"), d.p.name);
    Ok(render(&DossierPage {
        l: Layout::new(&ctx, &title, "discipline")
            .crumb(t.get("nav.discipline"), Some("/discipline"))
            .crumb(t.get("disc.title_dossier"), Some("/discipline/people"))
            .crumb(&d.p.name, None),
        d,
        can_manage: ctx.can(Perm::DisciplineManage),
    }))
}

pub async fn dossier_docx(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let d = dossier_data(&state, &ctx, id).await?;
    let bytes = docs::dossier_docx(ctx.t(), &d, ctx.today)?;
    service::audit_read(&state, &ctx, "dossier.export", "person", d.p.uuid, Some(d.unit.id)).await?;
    Ok(download(bytes, DOCX, &format!("廉政档案-{}.docx", d.p.name)))
}

// ------------------------------------------------------------------ integrity opinions

#[derive(Debug, Default, Deserialize)]
pub struct OpinionsQuery {
    /// open / answered
    pub status: Option<String>,
    pub page: Option<u64>,
}

pub struct RequestRow {
    pub r: request::Model,
    pub purpose_key: &'static str,
    pub unit: String,
    pub people: u64,
    pub late: bool,
    pub colour: &'static str,
    pub remaining: String,
}

#[derive(Template)]
#[template(path = "discipline/opinions.html")]
struct OpinionsPage {
    l: Layout,
    tabs: Tabs,
    status: String,
    rows: Vec<RequestRow>,
    pager: Pager,
    can_request: bool,
}

pub async fn opinions(State(state): State<AppState>, ctx: Ctx, Query(q): Query<OpinionsQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let status = match opt(&q.status) {
        None => None,
        Some(s) if s == "open" || s == "answered" => Some(s),
        Some(s) => {
            return Err(AppError::invalid("status", "disc.status", Msg::new("error.bad_choice").arg("value", &s)));
        }
    };
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (list, total) =
        repo::list_requests(&state.db.read, &ctx.scope(Perm::OpinionView), status.as_deref(), page, PER_PAGE).await?;
    let units: std::collections::HashMap<i64, String> =
        org_repo::units_by_ids(&state.db.read, &list.iter().map(|r| r.requester_unit_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
    let counts = repo::item_counts(&state.db.read, &list.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let policy = load_policy(&state.db.read).await?;
    let cal = state.calendar();
    let mut rows = Vec::with_capacity(list.len());
    for r in list {
        let (colour, _, remaining) =
            if r.status == "open" { colour_of(&policy, &cal, &ctx, r.needed_by) } else { ("", "", String::new()) };
        rows.push(RequestRow {
            purpose_key: Purpose::parse(&r.purpose).map(|p| p.label_key()).unwrap_or(""),
            unit: units.get(&r.requester_unit_id).cloned().unwrap_or_default(),
            people: counts.get(&r.id).copied().unwrap_or(0),
            late: r.status == "open" && r.needed_by < ctx.today,
            colour,
            remaining,
            r,
        });
    }
    let ev =
        Event::new("opinion.list", "opinion", "").detail(serde_json::json!({"status": status, "rows": rows.len()}));
    state.audit(&ctx.actor(), ev).await?;
    let status = status.unwrap_or_default();
    Ok(render(&OpinionsPage {
        l: layout(&ctx, t.get("disc.title_opinions")),
        tabs: tabs(&ctx, "opinions"),
        pager: Pager {
            page,
            per_page: PER_PAGE,
            total,
            base_query: if status.is_empty() { String::new() } else { format!("status={status}") },
        },
        status,
        rows,
        can_request: ctx.can(Perm::OpinionRequest),
    }))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub doc_no: String,
    #[serde(default)]
    pub needed_by: String,
    #[serde(default)]
    pub people: String,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

#[derive(Template)]
#[template(path = "discipline/opinion_form.html")]
struct RequestFormPage {
    l: Layout,
    form: RequestForm,
    errors: FormErrors,
    purposes: Vec<(&'static str, &'static str)>,
    default_days: u32,
}

async fn request_form(
    state: &AppState,
    ctx: &Ctx,
    form: RequestForm,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let cfg = service::load_config(&state.db.read).await?;
    Ok(render_status(
        status,
        &RequestFormPage {
            l: layout(ctx, t.get("disc.opinion_new")),
            form,
            errors,
            purposes: Purpose::ALL.iter().map(|p| (p.code(), p.label_key())).collect(),
            default_days: cfg.opinion_working_days,
        },
    ))
}

pub async fn opinion_new(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let form = RequestForm { purpose: Purpose::Promotion.code().into(), ..Default::default() };
    request_form(&state, &ctx, form, FormErrors::default(), StatusCode::OK).await
}

pub async fn opinion_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    let r = async {
        let people =
            service::resolve_people_text(&state, &ctx, Perm::OpinionRequest, "people", "disc.people", &form.people)
                .await?;
        let input = RequestInput {
            title: form.title.clone(),
            purpose: form.purpose.clone(),
            doc_no: form.doc_no.clone(),
            people: people.iter().map(|u| u.to_string()).collect(),
            needed_by: Some(form.needed_by.clone()),
            csrf: None,
        };
        service::create_request(&state, &ctx, &input).await
    }
    .await;
    match r {
        Ok(r) => Ok(redirect_with_flash(
            &format!("/discipline/opinions/{}", r.uuid),
            "flash.created",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            request_form(&state, &ctx, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub struct ItemRow {
    pub v: ItemView,
    pub blockers: Vec<BlockerView>,
    pub suggested_key: &'static str,
    pub conclusion_key: &'static str,
    /// The form's current choice (the stored one, the one typed, or the suggestion).
    pub chosen: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "discipline/opinion.html")]
struct OpinionPage {
    l: Layout,
    r: request::Model,
    purpose_key: &'static str,
    unit: String,
    items: Vec<ItemRow>,
    sees_records: bool,
    can_answer: bool,
    conclusions: Vec<(&'static str, &'static str)>,
    reply_doc_no: String,
    errors: FormErrors,
    colour: &'static str,
    remaining: String,
    any_changed: bool,
}

async fn opinion_page(
    state: &AppState,
    ctx: &Ctx,
    r: request::Model,
    typed: Option<&FormPairs>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let requester = org_repo::find_unit(&state.db.read, r.requester_unit_id).await?.ok_or(AppError::NotFound)?;
    let sees_records = service::sees_records(ctx, &requester);
    let views = service::item_views(state, &r, ctx.today).await?;
    let items: Vec<ItemRow> = views
        .into_iter()
        .map(|v| {
            let key = format!("c_{}", v.person_uuid);
            let chosen = typed
                .and_then(|f| f.get(&key))
                .or_else(|| v.item.conclusion.clone())
                .unwrap_or_else(|| v.suggested.code().to_string());
            let reason = typed
                .and_then(|f| f.get(&format!("r_{}", v.person_uuid)))
                .unwrap_or_else(|| v.item.override_reason.clone());
            ItemRow {
                blockers: if sees_records { blocker_views(t, &v.blockers) } else { Vec::new() },
                suggested_key: v.suggested.label_key(),
                conclusion_key: v
                    .item
                    .conclusion
                    .as_deref()
                    .and_then(Conclusion::parse)
                    .map(|c| c.label_key())
                    .unwrap_or(""),
                chosen,
                reason,
                v,
            }
        })
        .collect();
    let (colour, _, remaining) = if r.status == "open" {
        colour_of(&load_policy(&state.db.read).await?, &state.calendar(), ctx, r.needed_by)
    } else {
        ("", "", String::new())
    };
    let title = r.title.clone();
    Ok(render_status(
        status,
        &OpinionPage {
            l: Layout::new(ctx, &title, "discipline")
                .crumb(t.get("nav.discipline"), Some("/discipline"))
                .crumb(t.get("disc.title_opinions"), Some("/discipline/opinions"))
                .crumb(&title, None),
            purpose_key: Purpose::parse(&r.purpose).map(|p| p.label_key()).unwrap_or(""),
            unit: requester.name.clone(),
            any_changed: sees_records && items.iter().any(|i| !i.v.basis_changed.is_empty()),
            items: if sees_records || r.status == "answered" { items } else { hide_open(items) },
            can_answer: r.status == "open" && ctx.scope(Perm::OpinionAnswer).contains(&requester.path),
            sees_records,
            conclusions: Conclusion::ALL.iter().map(|c| (c.code(), c.label_key())).collect(),
            reply_doc_no: typed.and_then(|f| f.get("reply_doc_no")).unwrap_or_else(|| r.reply_doc_no.clone()),
            errors,
            colour,
            remaining,
            r,
        },
    ))
}

/// The requesting office sees the names while a request is open, never a suggestion.
fn hide_open(items: Vec<ItemRow>) -> Vec<ItemRow> {
    items
        .into_iter()
        .map(|mut i| {
            i.suggested_key = "";
            i.v.blockers.clear();
            i
        })
        .collect()
}

pub async fn opinion_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let r = service::request_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "opinion.read", "opinion", r.uuid, Some(r.requester_unit_id)).await?;
    opinion_page(&state, &ctx, r, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn opinion_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs = FormPairs(pairs);
    let r = service::request_in_scope(&state, &ctx, id).await?;
    let items = repo::items(&state.db.read, r.id).await?;
    let people = repo::people_by_id(&state.db.read, items.iter().map(|i| i.person_id)).await?;
    let input = service::AnswerInput {
        reply_doc_no: pairs.get("reply_doc_no").unwrap_or_default(),
        items: items
            .iter()
            .filter_map(|i| people.get(&i.person_id))
            .map(|p| service::AnswerItem {
                person: p.uuid.to_string(),
                conclusion: pairs.get(&format!("c_{}", p.uuid)).unwrap_or_default(),
                reason: pairs.get(&format!("r_{}", p.uuid)).unwrap_or_default(),
            })
            .collect(),
    };
    match service::answer_request(&state, &ctx, id, &input).await {
        Ok(r) => Ok(redirect_with_flash(
            &format!("/discipline/opinions/{}", r.uuid),
            "flash.answered",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            opinion_page(&state, &ctx, r, Some(&pairs), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn opinion_reply(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let r = service::request_in_scope(&state, &ctx, id).await?;
    if r.status != "answered" {
        return Err(AppError::conflict(None, "disc.opinion_not_answered"));
    }
    let bytes = docs::reply_docx(&state, &ctx, &r).await?;
    service::audit_read(&state, &ctx, "opinion.export", "opinion", r.uuid, Some(r.requester_unit_id)).await?;
    Ok(download(bytes, DOCX, &format!("廉政意见回复-{}.docx", r.reply_doc_no)))
}

// ------------------------------------------------------------------ settings

#[derive(Template)]
#[template(path = "discipline/settings.html")]
struct SettingsPage {
    l: Layout,
    cfg: DisciplineConfig,
    groups: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    organisational: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
}

impl SettingsPage {
    fn form_of(&self, code: &str) -> u8 {
        Kind::parse(code).map(|k| self.cfg.form(k)).unwrap_or(1)
    }
    fn org_months(&self, code: &str) -> u32 {
        self.cfg.organisational_months.get(code).copied().unwrap_or(0)
    }
}

fn settings_page(ctx: &Ctx, cfg: DisciplineConfig, errors: FormErrors, status: StatusCode) -> Response {
    let t = ctx.t();
    render_status(
        status,
        &SettingsPage {
            l: Layout::new(ctx, t.get("nav.discipline_settings"), "discipline_settings")
                .crumb(t.get("nav.discipline_settings"), None),
            cfg,
            groups: kind_groups(),
            organisational: Kind::ALL
                .iter()
                .filter(|k| k.category() == Category::Organisational)
                .map(|k| (k.code(), k.label_key()))
                .collect(),
            errors,
        },
    )
}

pub async fn settings(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let cfg = service::load_config(&state.db.read).await?;
    Ok(settings_page(&ctx, cfg, FormErrors::default(), StatusCode::OK))
}

pub async fn settings_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs = FormPairs(pairs);
    let parsed = (|| -> AppResult<DisciplineConfig> {
        let mut cfg = DisciplineConfig::default();
        for k in Kind::ALL {
            if let Some(v) = pairs.get(&format!("form_{}", k.code())) {
                let f = crate::fields::int("forms", "disc.forms", &v, 1, 4)? as u8;
                cfg.forms.insert(k.code().to_string(), f);
            }
            if k.category() == Category::Organisational
                && let Some(v) = pairs.get(&format!("org_{}", k.code()))
            {
                let m = crate::fields::int("organisational_months", "disc.organisational_months", &v, 0, 60)? as u32;
                cfg.organisational_months.insert(k.code().to_string(), m);
            }
        }
        let num = |field: &'static str, label: &'static str, min: i64, max: i64| -> AppResult<u32> {
            Ok(crate::fields::int(field, label, &pairs.get(field).unwrap_or_default(), min, max)? as u32)
        };
        cfg.admonish_months = num("admonish_months", "disc.admonish_months", 1, 60)?;
        cfg.clue_working_days = num("clue_working_days", "disc.clue_working_days", 1, 250)?;
        cfg.opinion_working_days = num("opinion_working_days", "disc.opinion_working_days", 1, 60)?;
        cfg.issuer = pairs.get("issuer").unwrap_or_default().trim().to_string();
        Ok(cfg)
    })();
    let r = match parsed {
        Ok(cfg) => service::save_config(&state, &ctx, &cfg).await.map(|_| cfg),
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(redirect_with_flash("/discipline/settings", "flash.saved", state.settings.secure_cookies())),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            let cfg = service::load_config(&state.db.read).await?;
            Ok(settings_page(&ctx, cfg, errors, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
