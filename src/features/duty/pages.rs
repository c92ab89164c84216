//! HTML pages of 主体责任: my tasks, the month calendar, lists with items, targets, publishing and
//! amendments, a task with its 履责纪实 and review, unit and leader progress, the city-wide
//! matrix, scores with their breakdown and the ranking export, 述职述廉 collection and print,
//! contact units with visits, and the score-weight settings.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::{
    extract::{Multipart, State},
    http::StatusCode,
    response::Response,
};
use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::{
    domain::{
        self, Cadence, Category, ItemInput, ListInput, Rating, RecordInput, RuleKind, ScoreWeights, Target, TaskStatus,
    },
    entity::{item, list, record, task},
    repo::{self, TaskFilter, TaskVisibility},
    service::{self, Abilities, ContactInput, ReviewInput, TargetsInput, ToRectInput, VisitInput},
};
use crate::{
    audit::Event,
    authz::Perm,
    calendar::deadline::{Colour, DeadlinePolicy},
    error::{AppError, AppResult},
    features::org::{
        entity::{person, unit},
        pages::{UnitOption, tree_order, unit_options},
        repo as org_repo,
    },
    files,
    jobs::deadlines::load_policy,
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout, Pager,
        extract::{Form, FormPairs, PathUuid, Query},
        middleware::redirect_with_flash,
        render, render_status,
        respond::{XLSX, download},
    },
};

const PER_PAGE: u64 = 30;

fn flash(state: &AppState, to: &str, key: &'static str) -> Response {
    redirect_with_flash(to, key, state.settings.secure_cookies())
}

fn year_of(ctx: &Ctx, raw: Option<&str>) -> i32 {
    raw.and_then(|s| s.trim().parse::<i32>().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or(ctx.today.year())
}

fn years(ctx: &Ctx) -> Vec<i32> {
    let y = ctx.today.year();
    vec![y + 1, y, y - 1, y - 2]
}

/// The tabs of the module, by what the caller may see.
pub struct Tabs {
    pub active: &'static str,
    pub view: bool,
}

fn tabs(ctx: &Ctx, active: &'static str) -> Tabs {
    Tabs { active, view: ctx.can(Perm::DutyView) }
}

// ------------------------------------------------------------------ task rows

/// A task as lists show it.
pub struct TaskRow {
    pub t: task::Model,
    pub item: String,
    pub category_key: &'static str,
    pub owner: String,
    pub period: String,
    pub status_key: &'static str,
    /// Colour code while open ("" otherwise).
    pub colour: &'static str,
    pub colour_key: &'static str,
    pub remaining: String,
}

pub async fn task_rows(state: &AppState, ctx: &Ctx, list: Vec<task::Model>) -> AppResult<Vec<TaskRow>> {
    let t = ctx.t();
    let db = &state.db.read;
    let policy = load_policy(db).await?;
    let cal = state.calendar();
    let mut item_ids: Vec<i64> = list.iter().map(|x| x.item_id).collect();
    item_ids.sort_unstable();
    item_ids.dedup();
    let items = repo::items_by_ids(db, &item_ids).await?;
    let units: HashMap<i64, String> = org_repo::units_by_ids(db, &list.iter().map(|x| x.unit_id).collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let people = crate::features::rectify::repo::people_by_id(db, list.iter().filter_map(|x| x.person_id)).await?;
    let zh = ctx.lang.code() == "zh-CN";
    Ok(list
        .into_iter()
        .map(|x| {
            let i = items.get(&x.item_id);
            let status = TaskStatus::parse(&x.status).unwrap_or(TaskStatus::Open);
            let (colour, colour_key, remaining) = colour_of(&policy, &cal, ctx, &x, status, t);
            let unit = units.get(&x.unit_id).cloned().unwrap_or_default();
            TaskRow {
                item: i.map(|i| i.content.clone()).unwrap_or_default(),
                category_key: i.and_then(|i| Category::parse(&i.category)).map(Category::label_key).unwrap_or(""),
                owner: match x.person_id.and_then(|p| people.get(&p)) {
                    Some(p) => format!("{}（{unit}）", p.name),
                    None => unit,
                },
                period: domain::period_text(&x.period, zh),
                status_key: status.label_key(),
                colour,
                colour_key,
                remaining,
                t: x,
            }
        })
        .collect())
}

fn colour_of(
    policy: &DeadlinePolicy,
    cal: &crate::calendar::Calendar,
    ctx: &Ctx,
    x: &task::Model,
    status: TaskStatus,
    t: &crate::i18n::Catalog,
) -> (&'static str, &'static str, String) {
    if !status.is_open() {
        return ("", "", String::new());
    }
    let c = policy.colour(cal, ctx.today, x.due_on);
    let text = if c == Colour::Red {
        t.fmt1("deadline.overdue_days", "n", policy.overdue_days(cal, ctx.today, x.due_on))
    } else {
        t.fmt1(
            if policy.unit == crate::calendar::deadline::DayUnit::Working {
                "deadline.left_working"
            } else {
                "deadline.left_days"
            },
            "n",
            policy.remaining(cal, ctx.today, x.due_on),
        )
    };
    (c.code(), c.label_key(), text)
}

fn visibility(ctx: &Ctx) -> TaskVisibility {
    TaskVisibility { scope: ctx.scope(Perm::DutyView), me: service::me(ctx) }
}

// ------------------------------------------------------------------ my tasks

#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
pub struct TaskQuery {
    /// mine (assigned to me by name) / unit (my units' tasks) / review (waiting for my acceptance) / all
    pub view: Option<String>,
    /// open / submitted / returned / accepted
    pub status: Option<String>,
    pub year: Option<String>,
    /// YYYY-MM-DD: only tasks due that day (the calendar's "more" link).
    pub due: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl TaskQuery {
    pub fn resolve(&self, ctx: &Ctx) -> AppResult<(String, TaskVisibility, TaskFilter)> {
        let view = self.view.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "mine".into());
        let mut f = TaskFilter { year: Some(year_of(ctx, self.year.as_deref())), ..Default::default() };
        if let Some(s) = self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            f.statuses = vec![TaskStatus::parse(s).ok_or_else(|| {
                AppError::invalid("status", "duty.status", crate::i18n::Msg::new("error.bad_choice").arg("value", s))
            })?];
        }
        if let Some(d) = crate::fields::opt_date("due", "duty.due_on", self.due.as_deref())? {
            f.due_from = Some(d);
            f.due_to = Some(d);
            f.year = None;
        }
        let me = service::me(ctx);
        let v = match view.as_str() {
            "mine" => {
                f.person = Some(me.unwrap_or(-1));
                TaskVisibility { scope: crate::authz::Scope::none(), me }
            }
            "unit" => {
                f.units_only = true;
                TaskVisibility { scope: ctx.scope(Perm::DutyRecord), me: None }
            }
            "review" => {
                f.to_review = Some(ctx.scope(Perm::DutyReview));
                TaskVisibility { scope: ctx.scope(Perm::DutyReview), me: None }
            }
            "all" => visibility(ctx),
            other => {
                return Err(AppError::invalid(
                    "view",
                    "duty.view",
                    crate::i18n::Msg::new("error.bad_choice").arg("value", other),
                ));
            }
        };
        Ok((view, v, f))
    }
}

#[derive(Template)]
#[template(path = "duty/tasks.html")]
struct TasksPage {
    l: Layout,
    tabs: Tabs,
    view: String,
    q: TaskQuery,
    rows: Vec<TaskRow>,
    pager: Pager,
    statuses: Vec<(&'static str, &'static str)>,
    years: Vec<i32>,
    year: i32,
    counts: Vec<(&'static str, &'static str, u64)>,
}

pub async fn my_tasks(State(state): State<AppState>, ctx: Ctx, Query(q): Query<TaskQuery>) -> AppResult<Response> {
    let (view, v, f) = q.resolve(&ctx)?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = repo::page_tasks(&state.db.read, &v, &f, page, PER_PAGE).await?;
    let rows = task_rows(&state, &ctx, list).await?;
    let year = f.year.unwrap_or(ctx.today.year());
    let mut counts = Vec::new();
    for (code, key) in [("mine", "duty.view_mine"), ("unit", "duty.view_unit"), ("review", "duty.view_review")] {
        if (code == "unit" && !ctx.can(Perm::DutyRecord)) || (code == "review" && !ctx.can(Perm::DutyReview)) {
            continue;
        }
        let cq =
            TaskQuery { view: Some(code.into()), status: None, year: Some(year.to_string()), ..Default::default() };
        let (_, cv, mut cf) = cq.resolve(&ctx)?;
        if code != "review" {
            cf.statuses = vec![TaskStatus::Open, TaskStatus::Returned];
        }
        let (_, n) = repo::page_tasks(&state.db.read, &cv, &cf, 1, 1).await?;
        counts.push((code, key, n));
    }
    let base = serde_urlencoded::to_string([
        ("view", view.as_str()),
        ("status", q.status.as_deref().unwrap_or("")),
        ("year", &year.to_string()),
        ("due", q.due.as_deref().unwrap_or("")),
    ])
    .unwrap_or_default();
    let t = ctx.t();
    let l = Layout::new(&ctx, t.get("duty.title_tasks"), "duty");
    Ok(render(&TasksPage {
        l,
        tabs: tabs(&ctx, "tasks"),
        view,
        q,
        rows,
        pager: Pager { page, per_page: PER_PAGE, total, base_query: base },
        statuses: TaskStatus::options(),
        years: years(&ctx),
        year,
        counts,
    }))
}

// ------------------------------------------------------------------ calendar

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    /// YYYY-MM
    pub month: Option<String>,
    /// `1`: only my own tasks
    pub mine: Option<String>,
}

pub struct Day {
    pub date: NaiveDate,
    pub in_month: bool,
    pub today: bool,
    pub working: bool,
    pub tasks: Vec<TaskRow>,
    pub more: usize,
}

#[derive(Template)]
#[template(path = "duty/calendar.html")]
struct CalendarPage {
    l: Layout,
    tabs: Tabs,
    title: String,
    prev: String,
    next: String,
    weeks: Vec<Vec<Day>>,
    mine: bool,
    total: usize,
}

pub async fn calendar(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    let first = q
        .month
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .filter(|d| (1900..=2200).contains(&d.year()))
        .unwrap_or_else(|| ctx.today.with_day(1).unwrap_or(ctx.today));
    let next_first = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    let last = next_first - Duration::days(1);
    let mine = q.mine.as_deref() == Some("1") || !ctx.can(Perm::DutyView);
    let v = if mine {
        TaskVisibility { scope: crate::authz::Scope::none(), me: service::me(&ctx) }
    } else {
        visibility(&ctx)
    };
    let f = TaskFilter {
        due_from: Some(first),
        due_to: Some(last),
        person: if mine { Some(service::me(&ctx).unwrap_or(-1)) } else { None },
        ..Default::default()
    };
    let list = repo::tasks_due_between(&state.db.read, &v, &f, 3000).await?;
    let total = list.len();
    let rows = task_rows(&state, &ctx, list).await?;
    let mut by_day: BTreeMap<NaiveDate, Vec<TaskRow>> = BTreeMap::new();
    for r in rows {
        by_day.entry(r.t.due_on).or_default().push(r);
    }
    let cal = state.calendar();
    let start = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    let mut d = start;
    while d <= last {
        let mut week = Vec::new();
        for _ in 0..7 {
            let mut tasks = by_day.remove(&d).unwrap_or_default();
            let more = tasks.len().saturating_sub(6);
            tasks.truncate(6);
            week.push(Day {
                date: d,
                in_month: d.month() == first.month(),
                today: d == ctx.today,
                working: cal.is_working_day(d),
                tasks,
                more,
            });
            d += Duration::days(1);
        }
        weeks.push(week);
    }
    let t = ctx.t();
    let title = ctx.t().fmt2("duty.month_title", "year", first.year(), "month", first.month());
    let prev_first = (first - Duration::days(1)).with_day(1).unwrap_or(first);
    let suffix = if mine && ctx.can(Perm::DutyView) { "&mine=1" } else { "" };
    let l = Layout::new(&ctx, t.get("duty.title_calendar"), "duty");
    Ok(render(&CalendarPage {
        l,
        tabs: tabs(&ctx, "calendar"),
        title,
        prev: format!("/duty/calendar?month={}{suffix}", prev_first.format("%Y-%m")),
        next: format!("/duty/calendar?month={}{suffix}", next_first.format("%Y-%m")),
        weeks,
        mine,
        total,
    }))
}

// ------------------------------------------------------------------ lists

pub struct ListRow {
    pub l: list::Model,
    pub unit: String,
    pub manage: bool,
}

#[derive(Template)]
#[template(path = "duty/lists.html")]
struct ListsPage {
    l: Layout,
    tabs: Tabs,
    rows: Vec<ListRow>,
    can_create: bool,
    years: Vec<i32>,
    year_sel: i32,
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
}

pub async fn lists(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let year = q.year.as_deref().and_then(|s| s.parse::<i32>().ok());
    let scope = ctx.scope(Perm::DutyView);
    let found = repo::visible_lists(&state.db.read, &scope, service::me(&ctx), year).await?;
    let rows =
        found.into_iter().map(|(l, u)| ListRow { manage: service::can_manage(&ctx, &u), unit: u.name, l }).collect();
    let t = ctx.t();
    let lay = Layout::new(&ctx, t.get("duty.title_lists"), "duty");
    Ok(render(&ListsPage {
        l: lay,
        tabs: tabs(&ctx, "lists"),
        rows,
        can_create: ctx.can(Perm::DutyManage),
        years: years(&ctx),
        year_sel: year.unwrap_or(0),
    }))
}

#[derive(Template)]
#[template(path = "duty/list_form.html")]
struct ListFormPage {
    l: Layout,
    form: ListInput,
    units: Vec<UnitOption>,
    sources: Vec<(String, String)>,
    errors: FormErrors,
}

async fn list_form(
    state: &AppState,
    ctx: &Ctx,
    form: ListInput,
    unit: String,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let units = org_repo::list_units(&state.db.read, &ctx.scope(Perm::DutyManage)).await?;
    let units: Vec<unit::Model> = {
        let min = units.iter().map(|u| u.depth).min().unwrap_or(0);
        units.into_iter().filter(|u| u.deleted_at.is_none() && u.depth <= min + 1).collect()
    };
    let opts = unit_options(&units, Some(unit.as_str()));
    let sources = repo::visible_lists(&state.db.read, &ctx.scope(Perm::DutyView), service::me(ctx), None)
        .await?
        .into_iter()
        .map(|(l, u)| (l.uuid.to_string(), format!("{} · {}年 · {}", u.name, l.year, l.title)))
        .collect();
    let t = ctx.t();
    let l = Layout::new(ctx, t.get("duty.list_new"), "duty")
        .crumb(t.get("duty.title_lists"), Some("/duty/lists"))
        .crumb(t.get("duty.list_new"), None);
    Ok(render_status(status, &ListFormPage { l, form, units: opts, sources, errors }))
}

pub async fn list_new(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let form = ListInput {
        year: Some(ctx.today.year().to_string()),
        title: ctx.t().fmt1("duty.default_title", "year", ctx.today.year()),
        ..Default::default()
    };
    list_form(&state, &ctx, form, String::new(), FormErrors::default(), StatusCode::OK).await
}

pub async fn list_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let p = FormPairs(pairs);
    let form = ListInput {
        year: p.get("year"),
        title: p.get("title").unwrap_or_default(),
        starts_on: p.get("starts_on"),
        copy_from: p.get("copy_from"),
        csrf: None,
    };
    let unit = p.get("unit").unwrap_or_default();
    let unit_id = match uuid::Uuid::parse_str(unit.trim()) {
        Ok(u) => Ok(u),
        Err(_) => Err(AppError::invalid("unit", "duty.list_unit", "org.unit_not_found")),
    };
    let r = match unit_id {
        Ok(id) => service::create_list(&state, &ctx, id, &form).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(l) => Ok(flash(&state, &format!("/duty/lists/{}", l.uuid), "flash.created")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            list_form(&state, &ctx, form, unit, errors, status).await
        }
    }
}

pub struct ItemRow {
    pub i: item::Model,
    pub category_key: &'static str,
    pub cadence_key: &'static str,
    pub target_key: &'static str,
    pub rule: String,
}

pub fn rule_text(t: &crate::i18n::Catalog, i: &item::Model) -> String {
    let once = i.once_on.map(|d| d.to_string()).unwrap_or_default();
    let key = match RuleKind::parse(&i.rule_kind) {
        Some(RuleKind::Working) => "duty.rule_text_working",
        _ if i.rule_days == 0 => "duty.rule_text_end",
        _ => "duty.rule_text_calendar",
    };
    let s = t.fmt1(key, "n", i.rule_days);
    if once.is_empty() { s } else { format!("{once} · {s}") }
}

#[derive(Template)]
#[template(path = "duty/list.html")]
struct ListPage {
    l: Layout,
    list: list::Model,
    unit: unit::Model,
    published: bool,
    manage: bool,
    items: Vec<ItemRow>,
    withdrawn: Vec<ItemRow>,
    form: ItemInput,
    errors: FormErrors,
    categories: Vec<(&'static str, &'static str)>,
    cadences: Vec<(&'static str, &'static str)>,
    rules: Vec<(&'static str, &'static str)>,
    targets: Vec<(&'static str, &'static str)>,
    unit_choices: Vec<(String, String, bool)>,
    leader_choices: Vec<(String, String, bool)>,
    target_units: Vec<String>,
    target_leaders: Vec<String>,
    amendments: Vec<crate::features::duty::entity::amendment::Model>,
    task_total: u64,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    form: ItemInput,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let (l, u) = service::list_in_scope(state, ctx, id).await?;
    let db = &state.db.read;
    let t = ctx.t();
    let all_items = repo::items_of(db, l.id).await?;
    // Every task of the list lies in (or is assigned by) the list unit's subtree.
    let task_total = {
        let v = TaskVisibility { scope: crate::authz::Scope::from_paths([u.path.clone()]), me: None };
        let f = TaskFilter { list_id: Some(l.id), ..Default::default() };
        repo::page_tasks(db, &v, &f, 1, 1).await?.1
    };
    let row = |i: item::Model| ItemRow {
        category_key: Category::parse(&i.category).map(Category::label_key).unwrap_or(""),
        cadence_key: Cadence::parse(&i.cadence).map(Cadence::label_key).unwrap_or(""),
        target_key: Target::parse(&i.target).map(Target::label_key).unwrap_or(""),
        rule: rule_text(t, &i),
        i,
    };
    let (live, gone): (Vec<item::Model>, Vec<item::Model>) =
        all_items.into_iter().partition(|i| i.withdrawn_at.is_none());
    let manage = service::can_manage(ctx, &u);
    let targets = repo::targets_of(db, l.id).await?;
    let target_units: Vec<String>;
    let target_leaders: Vec<String>;
    let (mut unit_choices, mut leader_choices) = (Vec::new(), Vec::new());
    {
        let tunits = org_repo::units_by_ids(db, &targets.iter().map(|x| x.unit_id).collect::<Vec<_>>()).await?;
        let people =
            crate::features::rectify::repo::people_by_id(db, targets.iter().filter_map(|x| x.person_id)).await?;
        target_units = tunits
            .iter()
            .filter(|x| targets.iter().any(|t| t.unit_id == x.id && t.person_id.is_none()))
            .map(|x| x.name.clone())
            .collect();
        target_leaders = targets
            .iter()
            .filter_map(|x| {
                x.person_id.and_then(|p| people.get(&p)).map(|p| (p, tunits.iter().find(|u| u.id == x.unit_id)))
            })
            .map(|(p, u)| format!("{}（{}）", p.name, u.map(|u| u.name.as_str()).unwrap_or("")))
            .collect();
        if manage {
            let sub = org_repo::list_units(db, &crate::authz::Scope::from_paths([u.path.clone()])).await?;
            let chosen: std::collections::HashSet<i64> =
                targets.iter().filter(|x| x.person_id.is_none()).map(|x| x.unit_id).collect();
            for (x, depth) in tree_order(&sub).into_iter().filter(|(x, d)| x.deleted_at.is_none() && *d <= 2) {
                unit_choices.push((
                    x.uuid.to_string(),
                    format!("{}{}", "　".repeat(depth), x.name),
                    chosen.contains(&x.id),
                ));
            }
            let chosen_people: std::collections::HashSet<i64> = targets.iter().filter_map(|x| x.person_id).collect();
            let names: HashMap<i64, String> = sub.iter().map(|x| (x.id, x.name.clone())).collect();
            let mut leaders: Vec<person::Model> =
                org_repo::active_people(db, &crate::authz::Scope::from_paths([u.path.clone()]), &[])
                    .await?
                    .into_iter()
                    .filter(|p| p.leading_cadre || sub.iter().any(|x| x.principal_person_id == Some(p.id)))
                    .collect();
            leaders.sort_by_key(|p| (sub.iter().position(|x| x.id == p.unit_id).unwrap_or(usize::MAX), p.id));
            for p in leaders.into_iter().take(400) {
                leader_choices.push((
                    p.uuid.to_string(),
                    format!("{}（{} {}）", p.name, names.get(&p.unit_id).cloned().unwrap_or_default(), p.position),
                    chosen_people.contains(&p.id),
                ));
            }
        }
    }
    let amendments = repo::amendments_of(db, l.id).await?;
    let published = service::is_published(&l);
    let lay = Layout::new(ctx, l.title.clone(), "duty")
        .crumb(t.get("duty.title_lists"), Some("/duty/lists"))
        .crumb(l.title.clone(), None);
    Ok(render_status(
        status,
        &ListPage {
            l: lay,
            published,
            manage,
            items: live.into_iter().map(row).collect(),
            withdrawn: gone.into_iter().map(row).collect(),
            form,
            errors,
            categories: Category::options(),
            cadences: Cadence::options(),
            rules: RuleKind::options(),
            targets: Target::options(),
            unit_choices,
            leader_choices,
            target_units,
            target_leaders,
            amendments,
            task_total,
            list: l,
            unit: u,
        },
    ))
}

fn default_item() -> ItemInput {
    ItemInput {
        rule_kind: "working".into(),
        rule_days: Some("5".into()),
        weight: Some("5".into()),
        ..Default::default()
    }
}

pub async fn list_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let r = list_page(&state, &ctx, id, default_item(), FormErrors::default(), StatusCode::OK).await;
    if r.is_ok() {
        service::audit_read(&state, &ctx, "duty_list.read", "duty_list", id).await?;
    }
    r
}

fn item_input(p: &FormPairs) -> ItemInput {
    ItemInput {
        category: p.get("category").unwrap_or_default(),
        content: p.get("content").unwrap_or_default(),
        cadence: p.get("cadence").unwrap_or_default(),
        once_on: p.get("once_on"),
        rule_kind: p.get("rule_kind").unwrap_or_default(),
        rule_days: p.get("rule_days"),
        evidence: p.get("evidence").unwrap_or_default(),
        weight: p.get("weight"),
        target: p.get("target").unwrap_or_default(),
        reason: p.get("reason"),
        version: p.get("version"),
        csrf: None,
    }
}

/// A failed form: its status and errors to show on the form again; not found, forbidden and
/// signed-out pass through as themselves.
fn failed(e: AppError, ctx: &Ctx) -> AppResult<(StatusCode, FormErrors)> {
    if matches!(e, AppError::NotFound | AppError::Forbidden(_) | AppError::Unauthenticated) {
        return Err(e);
    }
    let status = e.status();
    Ok((status, FormErrors::from_error(e, ctx.t())?))
}

pub async fn item_create(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = item_input(&FormPairs(pairs));
    match service::add_item(&state, &ctx, id, &form).await {
        Ok(_) => Ok(flash(&state, &format!("/duty/lists/{id}#items"), "flash.created")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            list_page(&state, &ctx, id, form, errors, status).await
        }
    }
}

pub async fn targets_save(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let p = FormPairs(pairs);
    let input = TargetsInput { units: p.all("units"), leaders: p.all("leaders"), reason: p.get("reason"), csrf: None };
    match service::set_targets(&state, &ctx, id, &input).await {
        Ok(_) => Ok(flash(&state, &format!("/duty/lists/{id}#targets"), "flash.saved")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            list_page(&state, &ctx, id, default_item(), errors, status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct VersionForm {
    pub version: Option<String>,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<VersionForm>,
) -> AppResult<Response> {
    match service::publish(&state, &ctx, id, f.version.as_deref()).await {
        Ok(_) => Ok(flash(&state, &format!("/duty/lists/{id}"), "flash.duty_published")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            list_page(&state, &ctx, id, default_item(), errors, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "duty/item_form.html")]
struct ItemFormPage {
    l: Layout,
    list: list::Model,
    item_uuid: String,
    published: bool,
    form: ItemInput,
    errors: FormErrors,
    categories: Vec<(&'static str, &'static str)>,
    cadences: Vec<(&'static str, &'static str)>,
    rules: Vec<(&'static str, &'static str)>,
    targets: Vec<(&'static str, &'static str)>,
}

async fn item_form(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    form: Option<ItemInput>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let i = repo::find_item_by_uuid(&state.db.read, id).await?.ok_or(AppError::NotFound)?;
    let l = repo::find_list(&state.db.read, i.list_id).await?.ok_or(AppError::NotFound)?;
    let (l, u) = service::list_in_scope(state, ctx, l.uuid).await?;
    if !service::can_manage(ctx, &u) {
        return Err(AppError::forbidden(crate::i18n::Msg::new("duty.not_allowed")));
    }
    let form = form.unwrap_or_else(|| ItemInput {
        category: i.category.clone(),
        content: i.content.clone(),
        cadence: i.cadence.clone(),
        once_on: i.once_on.map(|d| d.to_string()),
        rule_kind: i.rule_kind.clone(),
        rule_days: Some(i.rule_days.to_string()),
        evidence: i.evidence.clone(),
        weight: Some(i.weight.to_string()),
        target: i.target.clone(),
        reason: None,
        version: Some(i.version.to_string()),
        csrf: None,
    });
    let t = ctx.t();
    let lay = Layout::new(ctx, t.get("duty.item_edit"), "duty")
        .crumb(t.get("duty.title_lists"), Some("/duty/lists"))
        .crumb(l.title.clone(), Some(&format!("/duty/lists/{}", l.uuid)))
        .crumb(t.get("duty.item_edit"), None);
    Ok(render_status(
        status,
        &ItemFormPage {
            l: lay,
            published: service::is_published(&l),
            list: l,
            item_uuid: i.uuid.to_string(),
            form,
            errors,
            categories: Category::options(),
            cadences: Cadence::options(),
            rules: RuleKind::options(),
            targets: Target::options(),
        },
    ))
}

pub async fn item_edit(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    item_form(&state, &ctx, id, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn item_update(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = item_input(&FormPairs(pairs));
    match service::update_item(&state, &ctx, id, &form).await {
        Ok(i) => {
            let l = repo::find_list(&state.db.read, i.list_id).await?.ok_or(AppError::NotFound)?;
            Ok(flash(&state, &format!("/duty/lists/{}#items", l.uuid), "flash.saved"))
        }
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            item_form(&state, &ctx, id, Some(form), errors, status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    pub reason: Option<String>,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

pub async fn item_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    match service::remove_item(&state, &ctx, id, f.reason.as_deref()).await {
        Ok(l) => Ok(flash(&state, &format!("/duty/lists/{}#items", l.uuid), "flash.deleted")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            item_form(&state, &ctx, id, None, errors, status).await
        }
    }
}

// ------------------------------------------------------------------ a task

pub struct RecordView {
    pub r: record::Model,
    pub files: Vec<files::entity::attachment::Model>,
    pub rating_key: &'static str,
}

#[derive(Template)]
#[template(path = "duty/task.html")]
struct TaskPage {
    l: Layout,
    row: TaskRow,
    i: item::Model,
    list: list::Model,
    publisher: String,
    rule: String,
    cadence_key: &'static str,
    records: Vec<RecordView>,
    can: Abilities,
    form: RecordInput,
    note: String,
    errors: FormErrors,
    ratings: Vec<(&'static str, &'static str)>,
    max_mb: usize,
}

async fn task_page(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    form: RecordInput,
    note: String,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let (t, i, l, u, pu) = service::task_in_scope(state, ctx, id).await?;
    let can = service::abilities(ctx, &t, &u, &pu);
    let recs = repo::records_of(&state.db.read, t.id).await?;
    let atts = files::list_for(&state.db.read, "duty_record", &recs.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let records = recs
        .into_iter()
        .map(|r| RecordView {
            files: atts.iter().filter(|a| a.owner_id == r.id).cloned().collect(),
            rating_key: r.rating.and_then(Rating::from_level).map(Rating::label_key).unwrap_or(""),
            r,
        })
        .collect();
    let tr = ctx.t();
    let rule = rule_text(tr, &i);
    let row = task_rows(state, ctx, vec![t]).await?.pop().ok_or(AppError::NotFound)?;
    let lay = Layout::new(ctx, tr.get("duty.task"), "duty")
        .crumb(tr.get("duty.title_tasks"), Some("/duty"))
        .crumb(row.period.clone(), None);
    Ok(render_status(
        status,
        &TaskPage {
            l: lay,
            cadence_key: Cadence::parse(&i.cadence).map(Cadence::label_key).unwrap_or(""),
            row,
            i,
            list: l,
            publisher: pu.name,
            rule,
            records,
            can,
            form,
            note,
            errors,
            ratings: Rating::options(),
            max_mb: files::MAX_FILE_MB,
        },
    ))
}

pub async fn task_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let form = RecordInput { done_on: ctx.today.to_string(), ..Default::default() };
    let r = task_page(&state, &ctx, id, form, String::new(), FormErrors::default(), StatusCode::OK).await;
    if r.is_ok() {
        service::audit_read(&state, &ctx, "duty_task.read", "duty_task", id).await?;
    }
    r
}

pub async fn record_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    mp: Multipart,
) -> AppResult<Response> {
    let (form, result) = match files::read_form(mp).await {
        Ok(up) => {
            let form = RecordInput {
                done_on: up.field("done_on"),
                place: up.field("place"),
                participants: up.field("participants"),
                content: up.field("content"),
                csrf: None,
            };
            let r = match files::check_all(up.files) {
                Ok(checked) => service::submit_record(&state, &ctx, id, &form, checked).await.map(|_| ()),
                Err(e) => Err(e),
            };
            (form, r)
        }
        Err(e) => (RecordInput::default(), Err(e)),
    };
    match result {
        Ok(()) => Ok(flash(&state, &format!("/duty/tasks/{id}"), "flash.submitted")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            task_page(&state, &ctx, id, form, String::new(), errors, status).await
        }
    }
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<ReviewInput>,
) -> AppResult<Response> {
    match service::review(&state, &ctx, id, &f).await {
        Ok(t) => Ok(flash(
            &state,
            &format!("/duty/tasks/{id}"),
            if t.status == TaskStatus::Accepted.code() { "flash.duty_accepted" } else { "flash.returned" },
        )),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            let form = RecordInput { done_on: ctx.today.to_string(), ..Default::default() };
            task_page(&state, &ctx, id, form, f.note, errors, status).await
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

// ------------------------------------------------------------------ progress

#[derive(Debug, Default, Deserialize)]
pub struct ProgressQuery {
    pub unit: Option<String>,
    pub person: Option<String>,
    pub year: Option<String>,
}

pub struct ProgressLine {
    pub item: String,
    pub category_key: &'static str,
    pub cells: Vec<TaskRow>,
    pub done: usize,
}

#[derive(Template)]
#[template(path = "duty/progress.html")]
struct ProgressPage {
    l: Layout,
    tabs: Tabs,
    units: Vec<UnitOption>,
    leaders: Vec<(String, String, bool)>,
    subject: String,
    lines: Vec<ProgressLine>,
    score: Option<domain::Score>,
    year: i32,
    years: Vec<i32>,
}

pub async fn progress(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ProgressQuery>) -> AppResult<Response> {
    let db = &state.db.read;
    let year = year_of(&ctx, q.year.as_deref());
    let scope = ctx.scope(Perm::DutyView);
    let units = org_repo::list_units(db, &scope).await?;
    let units: Vec<unit::Model> = {
        let min = units.iter().map(|u| u.depth).min().unwrap_or(0);
        units.into_iter().filter(|u| u.deleted_at.is_none() && u.depth <= min + 2).collect()
    };
    let me = service::me(&ctx);
    let unit_sel = q.unit.clone().filter(|s| !s.is_empty());
    let person_sel = q.person.clone().filter(|s| !s.is_empty());
    let (subject, f, v, owner_person, owner_unit) = if let Some(p) = &person_sel {
        let pid = uuid::Uuid::parse_str(p).map_err(|_| AppError::NotFound)?;
        let person = org_repo::find_person_by_uuid(db, pid).await?.ok_or(AppError::NotFound)?;
        let pu = org_repo::find_unit(db, person.unit_id).await?.ok_or(AppError::NotFound)?;
        if Some(person.id) != me && !scope.contains(&pu.path) {
            return Err(crate::features::org::service::deny(&state, &ctx, "person", pid).await);
        }
        (
            format!("{}（{}）", person.name, pu.name),
            TaskFilter { year: Some(year), person: Some(person.id), ..Default::default() },
            TaskVisibility { scope: scope.clone(), me },
            Some(person.id),
            None,
        )
    } else if let Some(uid) = &unit_sel {
        let id = uuid::Uuid::parse_str(uid).map_err(|_| AppError::NotFound)?;
        let u = org_repo::find_unit_by_uuid(db, id).await?.ok_or(AppError::NotFound)?;
        if !scope.contains(&u.path) {
            return Err(crate::features::org::service::deny(&state, &ctx, "unit", id).await);
        }
        (
            u.name.clone(),
            TaskFilter { year: Some(year), units_only: true, unit_id: Some(u.id), ..Default::default() },
            TaskVisibility { scope: crate::authz::Scope::from_paths([u.path.clone()]), me: None },
            None,
            Some(u),
        )
    } else {
        // Default: my own tasks.
        (
            ctx.t().get("duty.my_progress").to_string(),
            TaskFilter { year: Some(year), person: Some(me.unwrap_or(-1)), ..Default::default() },
            TaskVisibility { scope: crate::authz::Scope::none(), me },
            me,
            None,
        )
    };
    let list = repo::tasks_due_between(db, &v, &f, 5000).await?;
    let rows = task_rows(&state, &ctx, list).await?;
    let mut lines: Vec<ProgressLine> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for r in rows {
        let k = *index.entry(r.t.item_id).or_insert_with(|| {
            lines.push(ProgressLine { item: r.item.clone(), category_key: r.category_key, cells: Vec::new(), done: 0 });
            lines.len() - 1
        });
        if r.t.status == TaskStatus::Accepted.code() {
            lines[k].done += 1;
        }
        lines[k].cells.push(r);
    }
    let score = match (owner_person, &owner_unit) {
        (Some(p), _) => Some(owner_score(&state, &ctx, year, true, p).await?),
        (None, Some(u)) => Some(owner_score(&state, &ctx, year, false, u.id).await?),
        _ => None,
    };
    let leaders: Vec<(String, String, bool)> = if ctx.can(Perm::DutyView) {
        let people = org_repo::active_people(db, &scope, &[]).await?;
        let names: HashMap<i64, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
        people
            .into_iter()
            .filter(|p| p.leading_cadre)
            .take(300)
            .map(|p| {
                let sel = person_sel.as_deref() == Some(p.uuid.to_string().as_str());
                (
                    p.uuid.to_string(),
                    format!("{}（{}）", p.name, names.get(&p.unit_id).cloned().unwrap_or_default()),
                    sel,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let t = ctx.t();
    let lay = Layout::new(&ctx, t.get("duty.title_progress"), "duty");
    Ok(render(&ProgressPage {
        l: lay,
        tabs: tabs(&ctx, "progress"),
        units: if ctx.can(Perm::DutyView) { unit_options(&units, unit_sel.as_deref()) } else { Vec::new() },
        leaders,
        subject,
        lines,
        score,
        year,
        years: years(&ctx),
    }))
}

/// One unit's or leader's score (the breakdown's figures).
async fn owner_score(state: &AppState, ctx: &Ctx, year: i32, leaders: bool, owner: i64) -> AppResult<domain::Score> {
    let db = &state.db.read;
    let w = service::weights(state).await?;
    // One's own score counts all one's tasks; anyone else's only those in the viewer's scope.
    let scope = if leaders && Some(owner) == service::me(ctx) {
        crate::authz::Scope::from_paths(["/".to_string()])
    } else {
        ctx.scope(Perm::DutyView)
    };
    let rows = repo::tallies(db, &scope, year, leaders, Some(owner), ctx.today).await?;
    let tallies = service::tallies_by_owner(db, &rows).await?.remove(&owner).unwrap_or_default();
    Ok(domain::score(&tallies, w))
}

// ------------------------------------------------------------------ matrix

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct MatrixQuery {
    pub year: Option<String>,
    /// Only one list's tasks (UUID).
    pub list: Option<String>,
    /// Only this subtree (unit UUID).
    pub unit: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub month: u32,
    pub total: i64,
    pub accepted: i64,
    pub submitted: i64,
    pub late: i64,
    /// done (all accepted) / submitted / green / blue / yellow / red / none
    pub colour: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MatrixRow {
    pub unit: uuid::Uuid,
    pub name: String,
    pub depth: i32,
    pub cells: Vec<Cell>,
    pub total: i64,
    pub accepted: i64,
}

/// The matrix data (shared by the page and the API).
pub async fn matrix_rows(state: &AppState, ctx: &Ctx, q: &MatrixQuery) -> AppResult<(i32, Vec<MatrixRow>)> {
    let db = &state.db.read;
    let year = year_of(ctx, q.year.as_deref());
    let mut scope = ctx.scope(Perm::DutyView);
    if let Some(u) = q.unit.as_deref().filter(|s| !s.is_empty()) {
        let id = uuid::Uuid::parse_str(u).map_err(|_| AppError::invalid("unit", "duty.unit", "org.unit_not_found"))?;
        scope = match org_repo::find_unit_by_uuid(db, id).await? {
            Some(x) => scope.narrow_to(&x.path),
            None => crate::authz::Scope::none(),
        };
    }
    let list_id = match q.list.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let id =
                uuid::Uuid::parse_str(s).map_err(|_| AppError::invalid("list", "duty.list", "duty.not_found_ref"))?;
            Some(service::list_in_scope(state, ctx, id).await?.0.id)
        }
    };
    let scope = crate::authz::repo::settle_scope(db, &scope).await?;
    let cells = repo::matrix(db, &scope, year, list_id).await?;
    let policy = load_policy(db).await?;
    let cal = state.calendar();
    let mut by_unit: BTreeMap<i64, Vec<repo::CellRow>> = BTreeMap::new();
    for c in cells {
        by_unit.entry(c.unit_id).or_default().push(c);
    }
    let units = org_repo::units_by_ids(db, &by_unit.keys().copied().collect::<Vec<_>>()).await?;
    let min_depth = units.iter().map(|u| u.depth).min().unwrap_or(0);
    let mut rows = Vec::new();
    for u in units {
        let cs = by_unit.remove(&u.id).unwrap_or_default();
        let mut cells = Vec::with_capacity(12);
        let (mut total, mut accepted) = (0, 0);
        for m in 1..=12u32 {
            let c = cs.iter().find(|c| c.month == m as i32);
            let cell = match c {
                None => Cell { month: m, total: 0, accepted: 0, submitted: 0, late: 0, colour: "none".into() },
                Some(c) => {
                    total += c.total;
                    accepted += c.accepted;
                    let colour = match c.open_due {
                        Some(due) => policy.colour(&cal, ctx.today, due).code().to_string(),
                        None if c.submitted > 0 => "submitted".into(),
                        None => "done".into(),
                    };
                    Cell {
                        month: m,
                        total: c.total,
                        accepted: c.accepted,
                        submitted: c.submitted,
                        late: c.late,
                        colour,
                    }
                }
            };
            cells.push(cell);
        }
        rows.push(MatrixRow { unit: u.uuid, name: u.name.clone(), depth: u.depth - min_depth, cells, total, accepted });
    }
    Ok((year, rows))
}

#[derive(Template)]
#[template(path = "duty/matrix.html")]
struct MatrixPage {
    l: Layout,
    tabs: Tabs,
    year: i32,
    years: Vec<i32>,
    rows: Vec<MatrixRow>,
    lists: Vec<(String, String, bool)>,
}

pub async fn matrix(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MatrixQuery>) -> AppResult<Response> {
    let (year, rows) = matrix_rows(&state, &ctx, &q).await?;
    let lists = repo::visible_lists(&state.db.read, &ctx.scope(Perm::DutyView), service::me(&ctx), Some(year))
        .await?
        .into_iter()
        .map(|(l, u)| {
            let id = l.uuid.to_string();
            let sel = q.list.as_deref() == Some(id.as_str());
            (id, format!("{} · {}", u.name, l.title), sel)
        })
        .collect();
    let ev = Event::new("duty.matrix", "duty_task", "").detail(serde_json::json!({"year": year, "rows": rows.len()}));
    state.audit(&ctx.actor(), ev).await?;
    let t = ctx.t();
    let lay = Layout::new(&ctx, t.get("duty.title_matrix"), "duty");
    Ok(render(&MatrixPage { l: lay, tabs: tabs(&ctx, "matrix"), year, years: years(&ctx), rows, lists }))
}

// ------------------------------------------------------------------ scores

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ScoreQuery {
    pub year: Option<String>,
    /// unit (default) / leader
    pub by: Option<String>,
}

#[derive(Template)]
#[template(path = "duty/scores.html")]
struct ScoresPage {
    l: Layout,
    tabs: Tabs,
    year: i32,
    years: Vec<i32>,
    leaders: bool,
    rows: Vec<service::Ranked>,
    weights: ScoreWeights,
    items: HashMap<i64, String>,
}

impl ScoresPage {
    fn formula(&self) -> String {
        let w = self.weights;
        self.l.t.fmt(
            "duty.formula",
            &[("t", w.on_time.to_string()), ("a", w.accepted.to_string()), ("r", w.rating.to_string())],
        )
    }

    fn item_name(&self, id: &i64) -> String {
        self.items.get(id).cloned().unwrap_or_default()
    }
}

pub fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

pub fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

pub async fn scores(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ScoreQuery>) -> AppResult<Response> {
    let year = year_of(&ctx, q.year.as_deref());
    let leaders = q.by.as_deref() == Some("leader");
    let rows = service::ranking(&state, &ctx, year, leaders).await?;
    let ev = Event::new("duty.scores", "duty_task", "")
        .detail(serde_json::json!({"year": year, "by": if leaders { "leader" } else { "unit" }, "rows": rows.len()}));
    state.audit(&ctx.actor(), ev).await?;
    let t = ctx.t();
    let lay = Layout::new(&ctx, t.get("duty.title_scores"), "duty");
    let ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.score.lines.iter().map(|x| x.item_id))
        .collect::<std::collections::HashSet<_>>()
        .into_iter()
        .collect();
    let items = repo::items_by_ids(&state.db.read, &ids)
        .await?
        .into_iter()
        .map(|(id, i)| (id, format!("{}. {}", i.seq, crate::features::duty::deadlines::short(&i.content))))
        .collect();
    Ok(render(&ScoresPage {
        l: lay,
        tabs: tabs(&ctx, "scores"),
        year,
        years: years(&ctx),
        leaders,
        rows,
        weights: service::weights(&state).await?,
        items,
    }))
}

pub async fn scores_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ScoreQuery>,
) -> AppResult<Response> {
    use rust_xlsxwriter::Workbook;
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let year = year_of(&ctx, q.year.as_deref());
    let leaders = q.by.as_deref() == Some("leader");
    let rows = service::ranking(&state, &ctx, year, leaders).await?;
    let t = ctx.t();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.get("duty.sheet_name")).map_err(xe)?;
    let title = t.fmt1(if leaders { "duty.sheet_title_leaders" } else { "duty.sheet_title_units" }, "year", year);
    let headers: Vec<(&str, f64)> = vec![
        (t.get("duty.rank"), 6.0),
        (if leaders { t.get("duty.leader") } else { t.get("duty.unit") }, 30.0),
        (t.get("duty.counted"), 10.0),
        (t.get("duty.accepted"), 10.0),
        (t.get("duty.on_time"), 10.0),
        (t.get("duty.on_time_rate"), 12.0),
        (t.get("duty.acceptance_rate"), 12.0),
        (t.get("duty.rating_avg"), 12.0),
        (t.get("duty.score"), 10.0),
    ];
    crate::xlsx::write_title(ws, &title, headers.len() as u16).map_err(xe)?;
    crate::xlsx::write_headers(ws, 1, &headers).map_err(xe)?;
    let f = crate::xlsx::cell_format();
    for (n, r) in rows.iter().enumerate() {
        let row = n as u32 + 2;
        ws.write_number_with_format(row, 0, r.rank as f64, &f).map_err(xe)?;
        ws.write_string_with_format(row, 1, &r.name, &f).map_err(xe)?;
        ws.write_number_with_format(row, 2, f64::from(r.score.counted), &f).map_err(xe)?;
        ws.write_number_with_format(row, 3, f64::from(r.score.accepted), &f).map_err(xe)?;
        ws.write_number_with_format(row, 4, f64::from(r.score.on_time), &f).map_err(xe)?;
        ws.write_string_with_format(row, 5, pct(r.score.on_time_rate), &f).map_err(xe)?;
        ws.write_string_with_format(row, 6, pct(r.score.acceptance_rate), &f).map_err(xe)?;
        ws.write_string_with_format(row, 7, num(r.score.rating), &f).map_err(xe)?;
        match r.score.total {
            Some(s) => ws.write_number_with_format(row, 8, s, &f).map_err(xe)?,
            None => ws.write_string_with_format(row, 8, "—", &f).map_err(xe)?,
        };
    }
    let w = service::weights(&state).await?;
    let foot = rows.len() as u32 + 3;
    ws.write_string(
        foot,
        0,
        t.fmt(
            "duty.sheet_note",
            &[
                ("t", w.on_time.to_string()),
                ("a", w.accepted.to_string()),
                ("r", w.rating.to_string()),
                ("date", t.date(ctx.today)),
            ],
        ),
    )
    .map_err(xe)?;
    let bytes = wb.save_to_buffer().map_err(xe)?;
    let ev =
        Event::new("duty.scores_export", "duty_task", "").detail(serde_json::json!({"year": year, "rows": rows.len()}));
    state.audit(&ctx.actor(), ev).await?;
    Ok(download(bytes, XLSX, &format!("实绩考评排名-{year}.xlsx")))
}

// ------------------------------------------------------------------ 述职述廉

#[derive(Template)]
#[template(path = "duty/reports.html")]
struct ReportsPage {
    l: Layout,
    tabs: Tabs,
    year: i32,
    years: Vec<i32>,
    mine: Option<crate::features::duty::entity::report::Model>,
    submitted_mine: bool,
    form: service::ReportInput,
    errors: FormErrors,
    has_person: bool,
    expected: Vec<service::Expected>,
    submitted: usize,
    max_mb: usize,
}

async fn reports_page(
    state: &AppState,
    ctx: &Ctx,
    year: i32,
    form: Option<service::ReportInput>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let me = service::me(ctx);
    let mine = match me {
        Some(p) => repo::report_of(&state.db.read, year, p).await?,
        None => None,
    };
    let form = form.unwrap_or_else(|| service::ReportInput {
        year: Some(year.to_string()),
        title: mine
            .as_ref()
            .map(|r| r.title.clone())
            .unwrap_or_else(|| ctx.t().fmt1("duty.report_default_title", "year", year)),
        body: mine.as_ref().map(|r| r.body.clone()).unwrap_or_default(),
        version: mine.as_ref().map(|r| r.version.to_string()),
        ..Default::default()
    });
    let expected = if ctx.can(Perm::DutyView) { service::collection(state, ctx, year).await? } else { Vec::new() };
    let submitted = expected.iter().filter(|e| e.status == "submitted").count();
    let t = ctx.t();
    let lay = Layout::new(ctx, t.get("duty.title_reports"), "duty");
    Ok(render_status(
        status,
        &ReportsPage {
            l: lay,
            tabs: tabs(ctx, "reports"),
            year,
            years: years(ctx),
            submitted_mine: mine.as_ref().is_some_and(|r| r.status == "submitted"),
            mine,
            form,
            errors,
            has_person: me.is_some(),
            expected,
            submitted,
            max_mb: files::MAX_FILE_MB,
        },
    ))
}

pub async fn reports(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let year = year_of(&ctx, q.year.as_deref());
    reports_page(&state, &ctx, year, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn report_save(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let (form, result) = match files::read_form(mp).await {
        Ok(up) => {
            let form = service::ReportInput {
                year: Some(up.field("year")),
                title: up.field("title"),
                body: up.field("body"),
                submit: Some(up.field("submit")),
                version: Some(up.field("version")),
                csrf: None,
            };
            let r = match files::check_all(up.files) {
                Ok(checked) => service::save_report(&state, &ctx, &form, checked).await.map(|_| ()),
                Err(e) => Err(e),
            };
            (form, r)
        }
        Err(e) => (service::ReportInput::default(), Err(e)),
    };
    let year = year_of(&ctx, form.year.as_deref());
    match result {
        Ok(()) => Ok(flash(&state, &format!("/duty/reports?year={year}"), "flash.saved")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            reports_page(&state, &ctx, year, Some(form), errors, status).await
        }
    }
}

pub struct ReportView {
    pub r: crate::features::duty::entity::report::Model,
    pub name: String,
    pub unit: String,
    pub position: String,
    pub files: Vec<files::entity::attachment::Model>,
}

#[derive(Template)]
#[template(path = "duty/report.html")]
struct ReportPage {
    l: Layout,
    reports: Vec<ReportView>,
    print: bool,
    year: i32,
}

pub async fn report_show(State(state): State<AppState>, ctx: Ctx, PathUuid(id): PathUuid) -> AppResult<Response> {
    let (r, p, u) = service::report_in_scope(&state, &ctx, id).await?;
    service::audit_read(&state, &ctx, "duty_report.read", "duty_report", id).await?;
    let files = files::list_for(&state.db.read, "duty_report", &[r.id]).await?;
    let t = ctx.t();
    let lay = Layout::new(&ctx, r.title.clone(), "duty")
        .crumb(t.get("duty.title_reports"), Some("/duty/reports"))
        .crumb(p.name.clone(), None);
    let year = r.year;
    Ok(render(&ReportPage {
        l: lay,
        reports: vec![ReportView { r, name: p.name, unit: u.name, position: p.position, files }],
        print: false,
        year,
    }))
}

/// Every submitted report in scope for a year, one per page, for printing and binding.
pub async fn reports_print(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let year = year_of(&ctx, q.year.as_deref());
    let expected = service::collection(&state, &ctx, year).await?;
    let mut reports = Vec::new();
    for e in expected.iter().filter(|e| e.status == "submitted") {
        if let Some(id) = e.report
            && let Some(r) = repo::find_report_by_uuid(&state.db.read, id).await?
        {
            let files = files::list_for(&state.db.read, "duty_report", &[r.id]).await?;
            reports.push(ReportView {
                r,
                name: e.name.clone(),
                unit: e.unit.clone(),
                position: e.position.clone(),
                files,
            });
        }
    }
    let ev = Event::new("duty_report.print", "duty_report", "")
        .detail(serde_json::json!({"year": year, "reports": reports.len()}));
    state.audit(&ctx.actor(), ev).await?;
    let t = ctx.t();
    let lay = Layout::new(&ctx, t.fmt1("duty.print_title", "year", year), "duty");
    Ok(render(&ReportPage { l: lay, reports, print: true, year }))
}

pub async fn report_file(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path((id, fid)): axum::extract::Path<(String, String)>,
) -> AppResult<Response> {
    let (Ok(id), Ok(fid)) = (uuid::Uuid::parse_str(&id), uuid::Uuid::parse_str(&fid)) else {
        return Err(AppError::NotFound);
    };
    let (r, ..) = service::report_in_scope(&state, &ctx, id).await?;
    let Some(a) =
        files::find(&state.db.read, fid).await?.filter(|a| a.owner_kind == "duty_report" && a.owner_id == r.id)
    else {
        return Err(crate::features::org::service::deny(&state, &ctx, "attachment", fid).await);
    };
    let bytes = files::load(&state.db.read, &a).await?;
    state.audit(&ctx.actor(), Event::new("duty_file.download", "attachment", a.uuid)).await?;
    Ok(files::download(&a, bytes))
}

// ------------------------------------------------------------------ 联系点

pub struct VisitView {
    pub v: crate::features::duty::entity::visit::Model,
    pub rect: Option<uuid::Uuid>,
}

pub struct ContactView {
    pub c: crate::features::duty::entity::contact::Model,
    pub leader: String,
    pub unit: String,
    pub can_log: bool,
    /// May send a visit's problems to the 整改台账 (the leader, or a ledger manager).
    pub can_send: bool,
    pub visits: Vec<VisitView>,
    pub people: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "duty/contacts.html")]
struct ContactsPage {
    l: Layout,
    tabs: Tabs,
    year: i32,
    years: Vec<i32>,
    contacts: Vec<ContactView>,
    can_manage: bool,
    leaders: Vec<(String, String)>,
    units: Vec<UnitOption>,
    errors: FormErrors,
    today: String,
}

async fn contacts_page(
    state: &AppState,
    ctx: &Ctx,
    year: i32,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let db = &state.db.read;
    let me = service::me(ctx);
    let list = repo::contacts(db, &ctx.scope(Perm::DutyView), me, year).await?;
    let visits = repo::visits_of(db, &list.iter().map(|c| c.id).collect::<Vec<_>>()).await?;
    let people = crate::features::rectify::repo::people_by_id(db, list.iter().map(|c| c.person_id)).await?;
    let units: HashMap<i64, unit::Model> =
        org_repo::units_by_ids(db, &list.iter().map(|c| c.unit_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
    let rect_ids: Vec<i64> = visits.iter().filter_map(|v| v.rect_problem_id).collect();
    let rect = crate::features::rectify::repo::problem_uuids(db, &rect_ids).await?;
    let manage = ctx.scope(Perm::DutyManage);
    let rect_manage = ctx.scope(Perm::RectManage);
    let can_send = |c: &crate::features::duty::entity::contact::Model, u: Option<&unit::Model>| {
        Some(c.person_id) == me || u.is_some_and(|u| rect_manage.contains(&u.path))
    };
    // The staff of every unit the caller may send a problem for, read once: the owner choices.
    let send_paths: Vec<String> = list
        .iter()
        .filter_map(|c| units.get(&c.unit_id).filter(|u| can_send(c, Some(u))).map(|u| u.path.clone()))
        .collect();
    let staff: Vec<(person::Model, String)> = if send_paths.is_empty() {
        Vec::new()
    } else {
        let people = org_repo::active_people(db, &crate::authz::Scope::from_paths(send_paths), &[]).await?;
        let paths: HashMap<i64, String> =
            org_repo::units_by_ids(db, &people.iter().map(|p| p.unit_id).collect::<Vec<_>>())
                .await?
                .into_iter()
                .map(|u| (u.id, u.path))
                .collect();
        people
            .into_iter()
            .map(|p| {
                let path = paths.get(&p.unit_id).cloned().unwrap_or_default();
                (p, path)
            })
            .collect()
    };
    let mut contacts = Vec::new();
    for c in list {
        let u = units.get(&c.unit_id);
        let can_log = Some(c.person_id) == me || u.is_some_and(|u| manage.contains(&u.path));
        let can_send = can_send(&c, u);
        let staff: Vec<(String, String)> = match (can_send, u) {
            (true, Some(u)) => staff
                .iter()
                .filter(|(_, path)| path.starts_with(&u.path))
                .take(200)
                .map(|(p, _)| (p.uuid.to_string(), format!("{} {}", p.name, p.position)))
                .collect(),
            _ => Vec::new(),
        };
        contacts.push(ContactView {
            leader: people.get(&c.person_id).map(|p| p.name.clone()).unwrap_or_default(),
            unit: u.map(|u| u.name.clone()).unwrap_or_default(),
            can_log,
            can_send,
            visits: visits
                .iter()
                .filter(|v| v.contact_id == c.id)
                .map(|v| VisitView { rect: v.rect_problem_id.and_then(|id| rect.get(&id).copied()), v: v.clone() })
                .collect(),
            people: staff,
            c,
        });
    }
    let can_manage = ctx.can(Perm::DutyManage);
    let (leaders, unit_opts) = if can_manage {
        let ps = org_repo::active_people(db, &manage, &[]).await?;
        let all_units = org_repo::list_units(db, &manage).await?;
        let names: HashMap<i64, String> = all_units.iter().map(|u| (u.id, u.name.clone())).collect();
        let min = all_units.iter().map(|u| u.depth).min().unwrap_or(0);
        let shallow: Vec<unit::Model> =
            all_units.into_iter().filter(|u| u.deleted_at.is_none() && u.depth <= min + 2).collect();
        (
            ps.into_iter()
                .filter(|p| p.leading_cadre)
                .take(300)
                .map(|p| {
                    (
                        p.uuid.to_string(),
                        format!("{}（{}）", p.name, names.get(&p.unit_id).cloned().unwrap_or_default()),
                    )
                })
                .collect(),
            unit_options(&shallow, None),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let t = ctx.t();
    let lay = Layout::new(ctx, t.get("duty.title_contacts"), "duty");
    Ok(render_status(
        status,
        &ContactsPage {
            l: lay,
            tabs: tabs(ctx, "contacts"),
            year,
            years: years(ctx),
            contacts,
            can_manage,
            leaders,
            units: unit_opts,
            errors,
            today: ctx.today.to_string(),
        },
    ))
}

pub async fn contacts(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let year = year_of(&ctx, q.year.as_deref());
    contacts_page(&state, &ctx, year, FormErrors::default(), StatusCode::OK).await
}

async fn contacts_after(
    state: &AppState,
    ctx: &Ctx,
    year: i32,
    r: AppResult<()>,
    flash_key: &'static str,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(flash(state, &format!("/duty/contacts?year={year}"), flash_key)),
        Err(e) => {
            let (status, errors) = failed(e, ctx)?;
            contacts_page(state, ctx, year, errors, status).await
        }
    }
}

pub async fn contact_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ContactInput>,
) -> AppResult<Response> {
    let year = year_of(&ctx, f.year.as_deref());
    let r = service::add_contact(&state, &ctx, &f).await.map(|_| ());
    contacts_after(&state, &ctx, year, r, "flash.created").await
}

pub async fn visit_create(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<VisitInput>,
) -> AppResult<Response> {
    let year = repo::find_contact_by_uuid(&state.db.read, id).await?.map(|c| c.year).unwrap_or(ctx.today.year());
    let r = service::add_visit(&state, &ctx, id, &f).await.map(|_| ());
    contacts_after(&state, &ctx, year, r, "flash.created").await
}

pub async fn visit_rect(
    State(state): State<AppState>,
    ctx: Ctx,
    PathUuid(id): PathUuid,
    Form(f): Form<ToRectInput>,
) -> AppResult<Response> {
    match service::visit_to_rect(&state, &ctx, id, &f).await {
        Ok(p) => Ok(flash(&state, &format!("/rect/{}", p.uuid), "flash.duty_sent_to_rect")),
        Err(e) => {
            let year = match repo::find_visit_by_uuid(&state.db.read, id).await? {
                Some(v) => crate::features::duty::entity::contact::Entity::find_by_id(v.contact_id)
                    .one(&state.db.read)
                    .await?
                    .map(|c| c.year)
                    .unwrap_or(ctx.today.year()),
                None => ctx.today.year(),
            };
            contacts_after(&state, &ctx, year, Err(e), "flash.created").await
        }
    }
}

// ------------------------------------------------------------------ settings

#[derive(Template)]
#[template(path = "duty/settings.html")]
struct SettingsPage {
    l: Layout,
    w: ScoreWeights,
    errors: FormErrors,
}

pub async fn settings(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let w = service::weights(&state).await?;
    let t = ctx.t();
    let l = Layout::new(&ctx, t.get("nav.duty_settings"), "duty_settings");
    Ok(render(&SettingsPage { l, w, errors: FormErrors::default() }))
}

#[derive(Debug, Default, Deserialize)]
pub struct WeightsForm {
    pub on_time: String,
    pub accepted: String,
    pub rating: String,
    #[serde(default, rename = "_csrf")]
    pub csrf: Option<String>,
}

pub async fn settings_save(State(state): State<AppState>, ctx: Ctx, Form(f): Form<WeightsForm>) -> AppResult<Response> {
    let parsed = (|| -> AppResult<ScoreWeights> {
        Ok(ScoreWeights {
            on_time: crate::fields::int("on_time", "duty.w_on_time", &f.on_time, 0, 100)? as u32,
            accepted: crate::fields::int("accepted", "duty.w_accepted", &f.accepted, 0, 100)? as u32,
            rating: crate::fields::int("rating", "duty.w_rating", &f.rating, 0, 100)? as u32,
        })
    })();
    let r = match parsed {
        Ok(w) => service::save_weights(&state, &ctx, w).await.map(|_| w),
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(flash(&state, "/admin/duty", "flash.saved")),
        Err(e) => {
            let (status, errors) = failed(e, &ctx)?;
            let w = ScoreWeights {
                on_time: f.on_time.trim().parse().unwrap_or(0),
                accepted: f.accepted.trim().parse().unwrap_or(0),
                rating: f.rating.trim().parse().unwrap_or(0),
            };
            let t = ctx.t();
            let l = Layout::new(&ctx, t.get("nav.duty_settings"), "duty_settings");
            Ok(render_status(status, &SettingsPage { l, w, errors }))
        }
    }
}
