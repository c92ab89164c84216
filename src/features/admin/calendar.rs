//! 工作日历 (系统管理员): the holiday and 调休 table behind every working-day deadline, with a
//! calculator to check a deadline before relying on it.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::{
    audit::{self, Event},
    calendar::{DayKind, SpecialDay, repo},
    error::{AppError, AppResult},
    fields,
    startup::AppState,
    web::{
        Ctx, FormErrors, Layout,
        extract::{Form, Query},
        middleware::redirect_with_flash,
        render_status,
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    year: Option<i32>,
    from: Option<String>,
    n: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    l: Layout,
    year: i32,
    days: Vec<SpecialDay>,
    form: DayForm,
    errors: FormErrors,
    calc_from: String,
    calc_n: String,
    calc_result: Option<NaiveDate>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DayForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    q: CalendarQuery,
    form: DayForm,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let t = ctx.t();
    let year = q.year.unwrap_or(ctx.today.year()).clamp(2000, 2100);
    let days = repo::list_year(&state.db.read, year).await?;
    let mut calc_result = None;
    let mut errors = errors;
    let calc_from = q.from.clone().unwrap_or_default();
    let calc_n = q.n.clone().unwrap_or_default();
    if !calc_from.is_empty() {
        let parsed = fields::date("from", "calendar.calc_from", &calc_from)
            .and_then(|d| fields::int("n", "calendar.calc_n", &calc_n, -366, 366).map(|n| (d, n)));
        match parsed {
            Ok((d, n)) => calc_result = Some(state.calendar().add_working_days(d, n as i32)),
            Err(e) => errors.0.extend(crate::web::FormErrors::from_error(e, t)?.0),
        }
    }
    let l = Layout::new(ctx, t.get("nav.calendar"), "calendar")
        .crumb(t.get("nav.system"), None)
        .crumb(t.get("nav.calendar"), None);
    Ok(render_status(status, &CalendarPage { l, year, days, form, errors, calc_from, calc_n, calc_result }))
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CalendarQuery>) -> AppResult<Response> {
    page(
        &state,
        &ctx,
        q,
        DayForm { kind: "holiday".into(), ..Default::default() },
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn upsert(State(state): State<AppState>, ctx: Ctx, Form(f): Form<DayForm>) -> AppResult<Response> {
    let parsed = (|| -> AppResult<SpecialDay> {
        Ok(SpecialDay {
            date: fields::date("date", "calendar.date", &f.date)?,
            kind: fields::choice("kind", "calendar.kind", &f.kind, DayKind::parse)?,
            name: fields::text("name", "calendar.name", &f.name, 30)?,
        })
    })();
    let day = match parsed {
        Ok(d) => d,
        Err(e) => {
            let errors = FormErrors::from_error(e, ctx.t())?;
            return page(&state, &ctx, CalendarQuery::default(), f, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let by = ctx.user()?.user_id.0;
    let txn = state.db.begin().await?;
    let before = repo::find(&txn, day.date).await?;
    repo::upsert(&txn, &day, by, ctx.now).await?;
    let ev = Event::new(if before.is_some() { "calendar.update" } else { "calendar.create" }, "holiday", day.date)
        .detail(serde_json::json!({
            "from": before.map(|b| serde_json::json!({"kind": b.kind.code(), "name": b.name})),
            "to": {"kind": day.kind.code(), "name": day.name},
        }));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    state.reload_calendar().await?;
    Ok(redirect_with_flash(
        &format!("/admin/calendar?year={}", day.date.year()),
        "flash.saved",
        state.settings.secure_cookies(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    date: String,
}

pub async fn delete(State(state): State<AppState>, ctx: Ctx, Form(f): Form<DeleteForm>) -> AppResult<Response> {
    let date = fields::date("date", "calendar.date", &f.date)?;
    let txn = state.db.begin().await?;
    let before = repo::find(&txn, date).await?.ok_or(AppError::NotFound)?;
    repo::delete(&txn, date).await?;
    let ev = Event::new("calendar.delete", "holiday", date)
        .detail(serde_json::json!({"before": {"kind": before.kind.code(), "name": before.name}}));
    audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await?;
    txn.commit().await?;
    state.reload_calendar().await?;
    Ok(redirect_with_flash(
        &format!("/admin/calendar?year={}", date.year()),
        "flash.deleted",
        state.settings.secure_cookies(),
    ))
}
