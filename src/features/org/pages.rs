//! HTML pages of the organisation: the tree, a unit, the people search, a person, the forms,
//! the roster import and the exports.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Multipart, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;

use super::{
    domain::{Gender, PersonInput, PersonStatus, PoliticalStatus, Rank, UnitInput, UnitKind},
    entity::{person, posting, unit},
    repo::{self, PersonFilter, PersonRow},
    roster, service,
};
use crate::{
    audit::Event,
    authz::{Perm, Scope},
    error::{AppError, AppResult},
    i18n::{Catalog, Msg},
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout, Pager,
        extract::{Form, PathUuid, Query},
        middleware::redirect_with_flash,
        render, render_status,
        respond::{XLSX, download},
    },
};

pub const PER_PAGE: u64 = 20;
/// Most rows one export may hold (ASVS 15.2.2: bound resource-hungry functions).
pub const EXPORT_CAP: u64 = 100_000;

/// A unit as an option in a select, indented by depth.
pub struct UnitOption {
    pub uuid: String,
    pub label: String,
    pub selected: bool,
}

/// Units in scope as indented options (depth-first, siblings by sort order).
pub fn unit_options(units: &[unit::Model], selected: Option<&str>) -> Vec<UnitOption> {
    tree_order(units)
        .into_iter()
        .map(|(u, depth)| UnitOption {
            uuid: u.uuid.to_string(),
            label: format!("{}{}", "　".repeat(depth), u.name),
            selected: selected == Some(u.uuid.to_string().as_str()),
        })
        .collect()
}

/// Depth-first order of a flat unit list; depth is relative to the shallowest unit present.
pub fn tree_order(units: &[unit::Model]) -> Vec<(&unit::Model, usize)> {
    let ids: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let mut children: HashMap<Option<i64>, Vec<&unit::Model>> = HashMap::new();
    for u in units {
        // A unit whose parent is outside the list is a root of this view.
        let key = u.parent_id.filter(|p| ids.contains(p));
        children.entry(key).or_default().push(u);
    }
    for v in children.values_mut() {
        v.sort_by_key(|u| (u.sort_order, u.id));
    }
    let mut out = Vec::with_capacity(units.len());
    let mut stack: Vec<(&unit::Model, usize)> =
        children.get(&None).map(|r| r.iter().rev().map(|u| (*u, 0)).collect()).unwrap_or_default();
    while let Some((u, d)) = stack.pop() {
        out.push((u, d));
        if let Some(ch) = children.get(&Some(u.id)) {
            for c in ch.iter().rev() {
                stack.push((c, d + 1));
            }
        }
    }
    out
}

fn kind_label(t: &Catalog, code: &str) -> String {
    UnitKind::parse(code).map(|k| t.get(k.label_key()).to_string()).unwrap_or_else(|| code.to_string())
}

/// Labels of a person's coded fields.
pub struct PersonLabels {
    pub gender: String,
    pub rank: String,
    pub political: String,
    pub status: String,
}

pub fn person_labels(t: &Catalog, p: &person::Model) -> PersonLabels {
    PersonLabels {
        gender: Gender::parse(&p.gender).map(|v| t.get(v.label_key()).to_string()).unwrap_or_default(),
        rank: Rank::parse(&p.rank).map(|v| t.get(v.label_key()).to_string()).unwrap_or_default(),
        political: PoliticalStatus::parse(&p.political_status)
            .map(|v| t.get(v.label_key()).to_string())
            .unwrap_or_default(),
        status: PersonStatus::parse(&p.status).map(|v| t.get(v.label_key()).to_string()).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------- units

pub struct TreeRow {
    pub uuid: String,
    pub name: String,
    pub code: String,
    pub kind: String,
    pub depth: usize,
    pub people: i64,
}

#[derive(Template)]
#[template(path = "org/units.html")]
struct UnitsPage {
    l: Layout,
    rows: Vec<TreeRow>,
    can_manage: bool,
}

pub async fn list_units(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.t();
    let scope = ctx.scope(Perm::OrgView);
    let units = repo::list_units(&state.db.read, &scope).await?;
    let counts = repo::count_active_people_by_unit(&state.db.read, &scope).await?;
    let rows = tree_order(&units)
        .into_iter()
        .map(|(u, depth)| TreeRow {
            uuid: u.uuid.to_string(),
            name: u.name.clone(),
            code: u.code.clone(),
            kind: kind_label(t, &u.kind),
            depth: depth.min(9),
            people: counts.get(&u.id).copied().unwrap_or(0),
        })
        .collect();
    let l =
        Layout::new(&ctx, t.get("unit.tree"), "units").crumb(t.get("nav.system"), None).crumb(t.get("unit.tree"), None);
    Ok(render(&UnitsPage { l, rows, can_manage: ctx.can(Perm::UnitManage) }))
}

#[derive(Template)]
#[template(path = "org/unit.html")]
struct UnitPage {
    l: Layout,
    unit: unit::Model,
    kind: String,
    parent: Option<unit::Model>,
    children: Vec<(unit::Model, String)>,
    people: Vec<(PersonRow, PersonLabels)>,
    pager: Pager,
    can_manage: bool,
    can_manage_people: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

pub async fn show_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let t = ctx.t();
    let u = service::unit_in_scope(&state, &ctx, Perm::OrgView, id).await?;
    let scope = ctx.scope(Perm::OrgView);
    // Ancestors within the caller's scope, for the breadcrumb.
    let ancestor_ids: Vec<i64> =
        u.path.trim_matches('/').split('/').filter_map(|s| s.parse().ok()).filter(|i| *i != u.id).collect();
    let mut ancestors = Vec::new();
    for aid in ancestor_ids {
        if let Some(a) = repo::find_unit(&state.db.read, aid).await?
            && scope.contains(&a.path)
        {
            ancestors.push(a);
        }
    }
    let parent = ancestors.last().cloned().filter(|p| Some(p.id) == u.parent_id);
    let children = repo::list_children(&state.db.read, u.id)
        .await?
        .into_iter()
        .map(|c| {
            let k = kind_label(t, &c.kind);
            (c, k)
        })
        .collect();
    let page = q.page.unwrap_or(1).max(1);
    let only_here = Scope::from_paths([u.path.clone()]);
    let filter = PersonFilter { status: Some("active".into()), ..Default::default() };
    let (rows, total) = repo::list_people(&state.db.read, &only_here, &filter, page, PER_PAGE).await?;
    let people = rows
        .into_iter()
        .map(|r| {
            let lb = person_labels(t, &r.person);
            (r, lb)
        })
        .collect();
    let manage_scope = ctx.scope(Perm::UnitManage);
    let mut l = Layout::new(&ctx, u.name.clone(), "units").crumb(t.get("unit.tree"), Some("/org/units"));
    for a in &ancestors {
        l = l.crumb(a.name.clone(), Some(&format!("/org/units/{}", a.uuid)));
    }
    l = l.crumb(u.name.clone(), None);
    Ok(render(&UnitPage {
        l,
        kind: kind_label(t, &u.kind),
        can_manage: manage_scope.contains(&u.path),
        can_manage_people: ctx.scope(Perm::PeopleManage).contains(&u.path),
        unit: u,
        parent,
        children,
        people,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: String::new() },
    }))
}

#[derive(Template)]
#[template(path = "org/unit_form.html")]
struct UnitFormPage {
    l: Layout,
    action: String,
    form: UnitInput,
    errors: FormErrors,
    kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<UnitOption>,
    editing: bool,
    /// People of the unit (editing only), for 主要负责人.
    people: Vec<(String, String)>,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    UnitKind::ALL.iter().map(|k| (k.code(), k.label_key())).collect()
}

async fn unit_form(
    state: &AppState,
    ctx: &Ctx,
    action: String,
    form: UnitInput,
    errors: FormErrors,
    editing: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let units = repo::list_units(&state.db.read, &ctx.scope(Perm::UnitManage)).await?;
    let parents = unit_options(&units, form.parent.as_deref());
    let title = if editing { t.get("unit.edit") } else { t.get("unit.new") };
    let l = Layout::new(ctx, title, "units").crumb(t.get("unit.tree"), Some("/org/units")).crumb(title, None);
    // The unit being edited is the last segment of the action.
    let people = match action.rsplit('/').next().and_then(|s| uuid::Uuid::parse_str(s).ok()) {
        Some(id) if editing => match repo::find_unit_by_uuid(&state.db.read, id).await? {
            Some(u) => repo::active_people(&state.db.read, &crate::authz::Scope::none(), &[u.id])
                .await?
                .into_iter()
                .map(|p| (p.uuid.to_string(), format!("{}（{}）", p.name, p.position)))
                .collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    Ok(render_status(status, &UnitFormPage { l, action, form, errors, kinds: kinds(), parents, editing, people }))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewUnitQuery {
    parent: Option<String>,
}

pub async fn new_unit(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NewUnitQuery>) -> AppResult<Response> {
    let form = UnitInput { parent: q.parent, kind: UnitKind::Department.code().into(), ..Default::default() };
    unit_form(&state, &ctx, "/org/units".into(), form, FormErrors::default(), false, StatusCode::OK).await
}

pub async fn create_unit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<UnitInput>) -> AppResult<Response> {
    match service::create_unit(&state, &ctx, &form).await {
        Ok(u) => {
            Ok(redirect_with_flash(&format!("/org/units/{}", u.uuid), "flash.created", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            unit_form(&state, &ctx, "/org/units".into(), form, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn edit_unit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let u = service::unit_in_scope(&state, &ctx, Perm::UnitManage, id).await?;
    let parent = match u.parent_id {
        Some(p) => repo::find_unit(&state.db.read, p).await?.map(|p| p.uuid.to_string()),
        None => None,
    };
    let form = UnitInput {
        code: u.code.clone(),
        name: u.name.clone(),
        kind: u.kind.clone(),
        parent,
        sort_order: Some(u.sort_order.to_string()),
        principal: Some(match u.principal_person_id {
            Some(p) => repo::find_person(&state.db.read, p).await?.map(|p| p.uuid.to_string()).unwrap_or_default(),
            None => String::new(),
        }),
        version: Some(u.version.to_string()),
        csrf: None,
    };
    unit_form(&state, &ctx, format!("/org/units/{}", u.uuid), form, FormErrors::default(), true, StatusCode::OK).await
}

pub async fn update_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<UnitInput>,
) -> AppResult<Response> {
    match service::update_unit(&state, &ctx, id, &form).await {
        Ok(u) => {
            Ok(redirect_with_flash(&format!("/org/units/{}", u.uuid), "flash.saved", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            unit_form(&state, &ctx, format!("/org/units/{id}"), form, errors, true, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

pub async fn delete_unit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    service::delete_unit(&state, &ctx, id).await?;
    Ok(redirect_with_flash("/org/units", "flash.deleted", state.settings.secure_cookies()))
}

// ---------------------------------------------------------------- people

#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub post: Option<String>,
    pub status: Option<String>,
    pub rank: Option<String>,
    pub page: Option<u64>,
}

impl PeopleQuery {
    /// The query string without `page`, to carry filters into page and export links.
    fn base_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("name", &self.name),
            ("unit", &self.unit),
            ("post", &self.post),
            ("status", &self.status),
            ("rank", &self.rank),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|s| (k, s)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// Resolve the filters against the caller's scope. A unit filter narrows; it never widens.
pub async fn people_filter(state: &AppState, scope: &Scope, q: &PeopleQuery) -> AppResult<(Scope, PersonFilter)> {
    let mut scope = scope.clone();
    if let Some(u) = q.unit.as_deref().filter(|s| !s.is_empty()) {
        let id =
            uuid::Uuid::parse_str(u).map_err(|_| AppError::invalid("unit", "person.subtree", "org.unit_not_found"))?;
        match repo::find_unit_by_uuid(&state.db.read, id).await? {
            Some(unit) => scope = scope.narrow_to(&unit.path),
            None => scope = Scope::none(),
        }
    }
    let opt = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(60).collect::<String>())
    };
    Ok((
        scope,
        PersonFilter {
            name: opt(&q.name),
            post: opt(&q.post),
            status: opt(&q.status),
            rank: opt(&q.rank),
            leading_cadre: None,
        },
    ))
}

#[derive(Template)]
#[template(path = "org/people.html")]
struct PeoplePage {
    l: Layout,
    q: PeopleQuery,
    rows: Vec<(PersonRow, PersonLabels)>,
    pager: Pager,
    units: Vec<UnitOption>,
    ranks: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    can_import: bool,
    can_export: bool,
    export_query: String,
}

pub async fn list_people(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PeopleQuery>) -> AppResult<Response> {
    let t = ctx.t();
    let view_scope = ctx.scope(Perm::OrgView);
    let (scope, filter) = people_filter(&state, &view_scope, &q).await?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, total) = repo::list_people(&state.db.read, &scope, &filter, page, PER_PAGE).await?;
    let units = repo::list_units(&state.db.read, &view_scope).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let lb = person_labels(t, &r.person);
            (r, lb)
        })
        .collect();
    let base = q.base_query();
    let l = Layout::new(&ctx, t.get("person.list"), "people")
        .crumb(t.get("nav.system"), None)
        .crumb(t.get("person.list"), None);
    Ok(render(&PeoplePage {
        l,
        units: unit_options(&units, q.unit.as_deref()),
        ranks: Rank::ALL.iter().map(|r| (r.code(), r.label_key())).collect(),
        statuses: PersonStatus::ALL.iter().map(|r| (r.code(), r.label_key())).collect(),
        rows,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: base.clone() },
        can_manage: ctx.can(Perm::PeopleManage),
        can_import: ctx.can(Perm::RosterImport),
        can_export: ctx.can(Perm::PeopleExport),
        export_query: base,
        q,
    }))
}

pub async fn export_people(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Response> {
    let t = ctx.t();
    // Export within the intersection of what the caller may see and may export.
    let export_scope = ctx.scope(Perm::PeopleExport);
    let (scope, filter) = people_filter(&state, &export_scope, &q).await?;
    let rows = repo::export_people(&state.db.read, &scope, &filter, EXPORT_CAP).await?;
    let title = format!("{}（{}）", t.get("person.list"), t.date(ctx.today));
    let bytes = roster::export_people(t, &rows, &title)?;
    let ev = Event::new("people.export", "people", "")
        .detail(serde_json::json!({"rows": rows.len(), "filter": q.base_query()}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(download(bytes, XLSX, &format!("人员名册-{}.xlsx", ctx.today.format("%Y%m%d"))))
}

#[derive(Template)]
#[template(path = "org/person.html")]
struct PersonPage {
    l: Layout,
    p: person::Model,
    unit: unit::Model,
    labels: PersonLabels,
    postings: Vec<(posting::Model, String, String)>,
    can_manage: bool,
}

pub async fn show_person(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let t = ctx.t();
    let (p, unit) = service::person_in_scope(&state, &ctx, Perm::OrgView, id).await?;
    let postings = repo::list_postings(&state.db.read, p.id)
        .await?
        .into_iter()
        .map(|(ps, u)| {
            let rank = Rank::parse(&ps.rank).map(|r| t.get(r.label_key()).to_string()).unwrap_or_default();
            (ps, u.map(|u| u.name).unwrap_or_default(), rank)
        })
        .collect();
    let l = Layout::new(&ctx, p.name.clone(), "people")
        .crumb(t.get("person.list"), Some("/org/people"))
        .crumb(unit.name.clone(), Some(&format!("/org/units/{}", unit.uuid)))
        .crumb(p.name.clone(), None);
    Ok(render(&PersonPage {
        l,
        labels: person_labels(t, &p),
        can_manage: ctx.scope(Perm::PeopleManage).contains(&unit.path),
        p,
        unit,
        postings,
    }))
}

#[derive(Template)]
#[template(path = "org/person_form.html")]
struct PersonFormPage {
    l: Layout,
    action: String,
    form: PersonInput,
    errors: FormErrors,
    units: Vec<UnitOption>,
    genders: Vec<(&'static str, &'static str)>,
    ranks: Vec<(&'static str, &'static str)>,
    politicals: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    editing: bool,
}

async fn person_form(
    state: &AppState,
    ctx: &Ctx,
    action: String,
    form: PersonInput,
    errors: FormErrors,
    editing: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let units = repo::list_units(&state.db.read, &ctx.scope(Perm::PeopleManage)).await?;
    let title = if editing { t.get("person.edit") } else { t.get("person.new") };
    let l = Layout::new(ctx, title, "people").crumb(t.get("person.list"), Some("/org/people")).crumb(title, None);
    Ok(render_status(
        status,
        &PersonFormPage {
            l,
            action,
            units: unit_options(&units, Some(form.unit.as_str())),
            form,
            errors,
            genders: Gender::ALL.iter().map(|v| (v.code(), v.label_key())).collect(),
            ranks: Rank::ALL.iter().map(|v| (v.code(), v.label_key())).collect(),
            politicals: PoliticalStatus::ALL.iter().map(|v| (v.code(), v.label_key())).collect(),
            statuses: PersonStatus::ALL.iter().map(|v| (v.code(), v.label_key())).collect(),
            editing,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewPersonQuery {
    unit: Option<String>,
}

pub async fn new_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewPersonQuery>,
) -> AppResult<Response> {
    let form = PersonInput {
        unit: q.unit.unwrap_or_default(),
        gender: "M".into(),
        rank: Rank::Keyuan.code().into(),
        political_status: PoliticalStatus::Cpc.code().into(),
        status: Some(PersonStatus::Active.code().into()),
        ..Default::default()
    };
    person_form(&state, &ctx, "/org/people".into(), form, FormErrors::default(), false, StatusCode::OK).await
}

pub async fn create_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PersonInput>,
) -> AppResult<Response> {
    match service::create_person(&state, &ctx, &form).await {
        Ok(p) => Ok(redirect_with_flash(
            &format!("/org/people/{}", p.uuid),
            "flash.created",
            state.settings.secure_cookies(),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            person_form(&state, &ctx, "/org/people".into(), form, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn edit_person(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let (p, unit) = service::person_in_scope(&state, &ctx, Perm::PeopleManage, id).await?;
    let form = PersonInput {
        staff_no: p.staff_no.clone(),
        name: p.name.clone(),
        gender: p.gender.clone(),
        unit: unit.uuid.to_string(),
        post: p.post.clone(),
        rank: p.rank.clone(),
        position: p.position.clone(),
        political_status: p.political_status.clone(),
        leading_cadre: Some(p.leading_cadre.to_string()),
        status: Some(p.status.clone()),
        birth_date: p.birth_date.map(|d| d.to_string()),
        post_since: p.post_since.map(|d| d.to_string()),
        version: Some(p.version.to_string()),
        csrf: None,
    };
    person_form(&state, &ctx, format!("/org/people/{}", p.uuid), form, FormErrors::default(), true, StatusCode::OK)
        .await
}

pub async fn update_person(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(form): Form<PersonInput>,
) -> AppResult<Response> {
    match service::update_person(&state, &ctx, id, &form).await {
        Ok(p) => {
            Ok(redirect_with_flash(&format!("/org/people/{}", p.uuid), "flash.saved", state.settings.secure_cookies()))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            person_form(&state, &ctx, format!("/org/people/{id}"), form, errors, true, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

// ---------------------------------------------------------------- roster

#[derive(Template)]
#[template(path = "org/import.html")]
struct ImportPage {
    l: Layout,
    rows: Vec<crate::error::RowError>,
    message: String,
    summary: Option<roster::ImportSummary>,
}

fn import_page(
    ctx: &Ctx,
    rows: Vec<crate::error::RowError>,
    message: String,
    summary: Option<roster::ImportSummary>,
) -> ImportPage {
    let t = ctx.t();
    let l = Layout::new(ctx, t.get("import.title"), "people")
        .crumb(t.get("person.list"), Some("/org/people"))
        .crumb(t.get("import.title"), None);
    ImportPage { l, rows, message, summary }
}

pub async fn import_form(ctx: Ctx) -> AppResult<Response> {
    Ok(render(&import_page(&ctx, Vec::new(), String::new(), None)))
}

pub async fn template_download(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let bytes = roster::template()?;
    state.audit(&ctx.actor(), Event::new("roster.template_download", "roster", "")).await?;
    Ok(download(bytes, XLSX, "人员名册导入模板.xlsx"))
}

/// Read the `file` field of a multipart upload, refusing it as soon as it passes `max` bytes.
pub async fn read_upload(mut mp: Multipart, max: usize) -> AppResult<(String, Vec<u8>)> {
    while let Some(mut field) = mp.next_field().await.map_err(|_| AppError::bad_request("error.bad_upload"))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| AppError::bad_request("error.bad_upload"))? {
            if buf.len() + chunk.len() > max {
                return Err(AppError::TooLarge { max_mb: (max / 1024 / 1024) as u64 });
            }
            buf.extend_from_slice(&chunk);
        }
        if buf.is_empty() {
            return Err(AppError::invalid("file", "field.file", "import.no_file"));
        }
        return Ok((name, buf));
    }
    Err(AppError::invalid("file", "field.file", "import.no_file"))
}

pub async fn import_submit(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let t = ctx.t();
    let result = match read_upload(mp, roster::MAX_BYTES).await {
        Ok((_, bytes)) => roster::import(&state, &ctx, &bytes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(summary) => Ok(render(&import_page(&ctx, Vec::new(), t.get("flash.imported").into(), Some(summary)))),
        Err(AppError::Rows(rows)) => {
            let msg = Msg::new("import.rows_failed").arg("n", rows.len()).render(t);
            let ev = Event::new("roster.import_rejected", "roster", "")
                .outcome(crate::audit::Outcome::Failed)
                .detail(serde_json::json!({"errors": rows.len()}));
            state.audit(&ctx.actor(), ev).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn u(id: i64, parent: Option<i64>, sort: i32, name: &str) -> unit::Model {
        let now = chrono::Utc::now();
        unit::Model {
            id,
            uuid: uuid::Uuid::new_v4(),
            parent_id: parent,
            path: String::new(),
            depth: 0,
            code: format!("U{id}"),
            name: name.into(),
            kind: "department".into(),
            sort_order: sort,
            principal_person_id: None,
            deleted_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn tree_order_is_depth_first_by_sort_order() {
        let units = vec![
            u(1, None, 0, "市局"),
            u(3, Some(1), 2, "财务科"),
            u(2, Some(1), 1, "办公室"),
            u(4, Some(2), 0, "文印室"),
        ];
        let names: Vec<(&str, usize)> = tree_order(&units).into_iter().map(|(u, d)| (u.name.as_str(), d)).collect();
        assert_eq!(names, vec![("市局", 0), ("办公室", 1), ("文印室", 2), ("财务科", 1)]);
    }

    #[test]
    fn units_whose_parent_is_out_of_view_become_roots() {
        let units = vec![u(5, Some(1), 0, "县局"), u(6, Some(5), 0, "司法所")];
        let d: Vec<usize> = tree_order(&units).into_iter().map(|(_, d)| d).collect();
        assert_eq!(d, vec![0, 1]);
    }
}
