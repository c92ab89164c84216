//! Every query of the risk module.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    domain::{NewCampaign, NewMeasure, NewReview, NewRisk, RiskConfig, RiskLevel, UnitCounts, post_key},
    entity::{campaign, campaign_unit, measure, point, review},
};
use crate::{
    authz::{Scope, repo::settle_scope},
    error::{AppError, AppResult},
    features::org::entity::{person, unit},
};

const CONFIG_KEY: &str = "risk_config";

pub async fn load_config(conn: &impl ConnectionTrait) -> Result<RiskConfig, DbErr> {
    crate::db::settings_get(conn, CONFIG_KEY).await
}

pub async fn save_config(
    conn: &impl ConnectionTrait,
    cfg: &RiskConfig,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    crate::db::settings_set(conn, CONFIG_KEY, cfg, by, now).await
}

// ------------------------------------------------------------------ points

/// A valid risk with its references resolved to row ids.
pub struct Resolved<'a> {
    pub new: &'a NewRisk,
    pub unit_id: i64,
    pub responsible_id: Option<i64>,
}

pub async fn insert_point(
    conn: &impl ConnectionTrait,
    r: &Resolved<'_>,
    next_review: NaiveDate,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<point::Model, DbErr> {
    point::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        unit_id: Set(r.unit_id),
        post: Set(r.new.post.clone()),
        post_key: Set(post_key(&r.new.post)),
        title: Set(r.new.title.clone()),
        description: Set(r.new.description.clone()),
        category: Set(r.new.category.clone()),
        area: Set(r.new.area.clone()),
        likelihood: Set(r.new.likelihood.map(i16::from)),
        impact: Set(r.new.impact.map(i16::from)),
        level: Set(r.new.level.code().to_string()),
        responsible_person_id: Set(r.responsible_id),
        status: Set("active".into()),
        next_review_on: Set(Some(next_review)),
        last_review_on: Set(None),
        created_by: Set(by),
        deleted_at: Set(None),
        deleted_by: Set(None),
        delete_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

pub async fn find_point_by_uuid(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<point::Model>, DbErr> {
    point::Entity::find().filter(point::Column::Uuid.eq(id)).filter(point::Column::DeletedAt.is_null()).one(conn).await
}

/// Active points of a unit and its subtree (for pickers), by unit then post.
pub async fn points_of_unit_tree(
    conn: &impl ConnectionTrait,
    path: &str,
    cap: u64,
) -> Result<Vec<point::Model>, DbErr> {
    point::Entity::find()
        .filter(point::Column::DeletedAt.is_null())
        .filter(Scope::from_paths([path.to_string()]).unit_condition((point::Entity, point::Column::UnitId)))
        .order_by_asc(point::Column::UnitId)
        .order_by_asc(point::Column::PostKey)
        .limit(cap)
        .all(conn)
        .await
}

/// Points by id (removed ones included: a link stays readable), in the order asked.
pub async fn points_by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<point::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = point::Entity::find().filter(point::Column::Id.is_in(ids.to_vec())).all(conn).await?;
    rows.sort_by_key(|p| ids.iter().position(|i| *i == p.id));
    Ok(rows)
}

pub async fn uuids_of(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<uuid::Uuid>, DbErr> {
    Ok(points_by_ids(conn, ids).await?.into_iter().map(|p| p.uuid).collect())
}

pub async fn find_point(conn: &impl ConnectionTrait, id: i64) -> Result<Option<point::Model>, DbErr> {
    Ok(point::Entity::find_by_id(id).one(conn).await?.filter(|p| p.deleted_at.is_none()))
}

/// Replace a point's fields if unchanged since `expected_version`.
pub async fn update_point(
    conn: &impl ConnectionTrait,
    id: i64,
    r: &Resolved<'_>,
    next_review: Option<NaiveDate>,
    expected_version: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let res = point::Entity::update_many()
        .col_expr(point::Column::UnitId, Expr::value(r.unit_id))
        .col_expr(point::Column::Post, Expr::value(r.new.post.clone()))
        .col_expr(point::Column::PostKey, Expr::value(post_key(&r.new.post)))
        .col_expr(point::Column::Title, Expr::value(r.new.title.clone()))
        .col_expr(point::Column::Description, Expr::value(r.new.description.clone()))
        .col_expr(point::Column::Category, Expr::value(r.new.category.clone()))
        .col_expr(point::Column::Area, Expr::value(r.new.area.clone()))
        .col_expr(point::Column::Likelihood, Expr::value(r.new.likelihood.map(i16::from)))
        .col_expr(point::Column::Impact, Expr::value(r.new.impact.map(i16::from)))
        .col_expr(point::Column::Level, Expr::value(r.new.level.code()))
        .col_expr(point::Column::ResponsiblePersonId, Expr::value(r.responsible_id))
        .col_expr(point::Column::NextReviewOn, Expr::value(next_review))
        .col_expr(point::Column::UpdatedAt, Expr::value(now))
        .col_expr(point::Column::Version, Expr::col(point::Column::Version).add(1))
        .filter(point::Column::Id.eq(id))
        .filter(point::Column::Version.eq(expected_version))
        .filter(point::Column::DeletedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(None, "error.stale_version"));
    }
    Ok(())
}

pub async fn soft_delete_point(
    conn: &impl ConnectionTrait,
    id: i64,
    by: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    point::Entity::update_many()
        .col_expr(point::Column::DeletedAt, Expr::value(now))
        .col_expr(point::Column::DeletedBy, Expr::value(by))
        .col_expr(point::Column::DeleteReason, Expr::value(reason))
        .col_expr(point::Column::Status, Expr::value("retired"))
        .col_expr(point::Column::UpdatedAt, Expr::value(now))
        .col_expr(point::Column::Version, Expr::col(point::Column::Version).add(1))
        .filter(point::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Filters of the risk list.
#[derive(Debug, Clone, Default)]
pub struct RiskFilter {
    pub level: Option<String>,
    pub category: Option<String>,
    pub area: Option<String>,
    /// Only points whose review is overdue on `today`.
    pub overdue: bool,
    pub text: Option<String>,
    /// `level`, `review`, `unit`, or newest first.
    pub sort: Option<String>,
}

/// Points matching the filter. The scope is a `unit_id IN (units in the subtrees)` condition on
/// the points themselves (not a join on units), so both backends answer from the
/// `(unit_id, level)` index: measured 7× faster than the join on 100k points.
fn points_query(scope: &Scope, f: &RiskFilter, today: NaiveDate) -> sea_orm::Select<point::Entity> {
    let text = f.text.as_deref().filter(|s| !s.is_empty());
    let unit_col = (point::Entity, point::Column::UnitId);
    let mut q = point::Entity::find().filter(point::Column::DeletedAt.is_null()).filter(if text.is_some() {
        scope.scan_unit_condition(unit_col)
    } else {
        scope.unit_condition(unit_col)
    });
    if let Some(l) = f.level.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(point::Column::Level.eq(l));
    }
    if let Some(c) = f.category.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(point::Column::Category.eq(c));
    }
    if let Some(a) = f.area.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(point::Column::Area.eq(a));
    }
    if f.overdue {
        q = q.filter(point::Column::NextReviewOn.lt(today));
    }
    if let Some(t) = text {
        q = q.filter(
            Condition::any()
                .add(point::Column::Title.contains(t))
                .add(point::Column::Post.contains(t))
                .add(point::Column::Description.contains(t)),
        );
    }
    q
}

fn sorted(q: sea_orm::Select<point::Entity>, sort: Option<&str>) -> sea_orm::Select<point::Entity> {
    match sort {
        Some("review") => q.order_by_asc(point::Column::NextReviewOn).order_by_desc(point::Column::Id),
        Some("unit") => q
            .join(JoinType::InnerJoin, point::Relation::Unit.def())
            .order_by_asc(Expr::col((unit::Entity, unit::Column::Path)))
            .order_by_desc(point::Column::Id),
        // Text codes sort alphabetically (high < low < medium), so rank the level explicitly.
        Some("level") => q
            .order_by_asc(Into::<Expr>::into(
                Expr::case(point::Column::Level.eq("high"), 0).case(point::Column::Level.eq("medium"), 1).finally(2),
            ))
            .order_by_desc(point::Column::Id),
        _ => q.order_by_desc(point::Column::Id),
    }
}

/// Attach each point's unit (one query for the whole page).
async fn with_units(
    conn: &impl ConnectionTrait,
    points: Vec<point::Model>,
) -> Result<Vec<(point::Model, unit::Model)>, DbErr> {
    let mut ids: Vec<i64> = points.iter().map(|p| p.unit_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut units: HashMap<i64, unit::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for u in unit::Entity::find().filter(unit::Column::Id.is_in(chunk.to_vec())).all(conn).await? {
            units.insert(u.id, u);
        }
    }
    Ok(points.into_iter().filter_map(|p| units.get(&p.unit_id).cloned().map(|u| (p, u))).collect())
}

/// One page of points with their units, and the total.
pub async fn list_points(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &RiskFilter,
    today: NaiveDate,
    page: u64,
    per_page: u64,
) -> Result<(Vec<(point::Model, unit::Model)>, u64), DbErr> {
    let scope = &settle_scope(conn, scope).await?;
    let total = points_query(scope, f, today).count(conn).await?;
    let rows = sorted(points_query(scope, f, today), f.sort.as_deref())
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((with_units(conn, rows).await?, total))
}

pub async fn export_points(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &RiskFilter,
    today: NaiveDate,
    cap: u64,
) -> Result<Vec<(point::Model, unit::Model)>, DbErr> {
    let scope = &settle_scope(conn, scope).await?;
    let rows = sorted(points_query(scope, f, today), Some("unit")).limit(cap).all(conn).await?;
    with_units(conn, rows).await
}

#[derive(Debug, FromQueryResult)]
pub struct HeatCell {
    pub level: String,
    pub category: String,
    pub n: i64,
}

/// Counts of active points by level and category within a scope.
pub async fn heat_counts(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<HeatCell>, DbErr> {
    let scope = &settle_scope(conn, scope).await?;
    point::Entity::find()
        .select_only()
        .column(point::Column::Level)
        .column(point::Column::Category)
        .column_as(Expr::col((point::Entity, point::Column::Id)).count(), "n")
        .filter(point::Column::DeletedAt.is_null())
        .filter(scope.unit_condition((point::Entity, point::Column::UnitId)))
        .group_by(point::Column::Level)
        .group_by(point::Column::Category)
        .into_model::<HeatCell>()
        .all(conn)
        .await
}

/// Names of people by id (for lists that show owners and responsible persons).
pub async fn person_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, (uuid::Uuid, String)>, DbErr> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for p in person::Entity::find().filter(person::Column::Id.is_in(chunk.to_vec())).all(conn).await? {
            out.insert(p.id, (p.uuid, p.name));
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ measures

pub async fn insert_measure(
    conn: &impl ConnectionTrait,
    risk_id: i64,
    m: &NewMeasure,
    owner_id: Option<i64>,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<measure::Model, DbErr> {
    measure::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        risk_id: Set(risk_id),
        content: Set(m.content.clone()),
        owner_person_id: Set(owner_id),
        due_date: Set(m.due_date),
        status: Set(m.status.code().to_string()),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

pub async fn list_measures(conn: &impl ConnectionTrait, risk_id: i64) -> Result<Vec<measure::Model>, DbErr> {
    measure::Entity::find()
        .filter(measure::Column::RiskId.eq(risk_id))
        .order_by_asc(measure::Column::Id)
        .all(conn)
        .await
}

/// Measures of many points at once (exports, the print view).
pub async fn measures_of(
    conn: &impl ConnectionTrait,
    risk_ids: &[i64],
) -> Result<HashMap<i64, Vec<measure::Model>>, DbErr> {
    let mut out: HashMap<i64, Vec<measure::Model>> = HashMap::new();
    for chunk in risk_ids.chunks(500) {
        for m in measure::Entity::find()
            .filter(measure::Column::RiskId.is_in(chunk.to_vec()))
            .order_by_asc(measure::Column::Id)
            .all(conn)
            .await?
        {
            out.entry(m.risk_id).or_default().push(m);
        }
    }
    Ok(out)
}

pub async fn find_measure_by_uuid(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> Result<Option<measure::Model>, DbErr> {
    measure::Entity::find().filter(measure::Column::Uuid.eq(id)).one(conn).await
}

pub async fn set_measure_status(
    conn: &impl ConnectionTrait,
    id: i64,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    measure::Entity::update_many()
        .col_expr(measure::Column::Status, Expr::value(status))
        .col_expr(measure::Column::UpdatedAt, Expr::value(now))
        .filter(measure::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

// ------------------------------------------------------------------ reviews

/// Plan the next review of a point (one pending row per point).
pub async fn plan_review(
    conn: &impl ConnectionTrait,
    risk_id: i64,
    planned_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    review::Entity::delete_many()
        .filter(review::Column::RiskId.eq(risk_id))
        .filter(review::Column::ReviewedOn.is_null())
        .exec(conn)
        .await?;
    review::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        risk_id: Set(risk_id),
        planned_on: Set(planned_on),
        reviewed_on: Set(None),
        reviewer_user_id: Set(None),
        conclusion: Set(None),
        notes: Set(String::new()),
        measure_changes: Set(String::new()),
        campaign_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn pending_review(conn: &impl ConnectionTrait, risk_id: i64) -> Result<Option<review::Model>, DbErr> {
    review::Entity::find()
        .filter(review::Column::RiskId.eq(risk_id))
        .filter(review::Column::ReviewedOn.is_null())
        .one(conn)
        .await
}

/// Record a review: the pending row (if any) becomes the completed one.
pub async fn complete_review(
    conn: &impl ConnectionTrait,
    risk: &point::Model,
    r: &NewReview,
    reviewer: i64,
    campaign_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<review::Model, DbErr> {
    let planned = pending_review(conn, risk.id).await?;
    let planned_on = planned.as_ref().map(|p| p.planned_on).unwrap_or(r.reviewed_on);
    if let Some(p) = &planned {
        review::Entity::delete_by_id(p.id).exec(conn).await?;
    }
    let row = review::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        risk_id: Set(risk.id),
        planned_on: Set(planned_on),
        reviewed_on: Set(Some(r.reviewed_on)),
        reviewer_user_id: Set(Some(reviewer)),
        conclusion: Set(Some(r.conclusion.code().to_string())),
        notes: Set(r.notes.clone()),
        measure_changes: Set(r.measure_changes.clone()),
        campaign_id: Set(campaign_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    point::Entity::update_many()
        .col_expr(point::Column::LastReviewOn, Expr::value(r.reviewed_on))
        .col_expr(point::Column::UpdatedAt, Expr::value(now))
        .filter(point::Column::Id.eq(risk.id))
        .exec(conn)
        .await?;
    Ok(row)
}

pub async fn set_next_review(conn: &impl ConnectionTrait, risk_id: i64, next: NaiveDate) -> Result<(), DbErr> {
    point::Entity::update_many()
        .col_expr(point::Column::NextReviewOn, Expr::value(next))
        .filter(point::Column::Id.eq(risk_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn list_reviews(conn: &impl ConnectionTrait, risk_id: i64) -> Result<Vec<review::Model>, DbErr> {
    review::Entity::find()
        .filter(review::Column::RiskId.eq(risk_id))
        .order_by_desc(review::Column::PlannedOn)
        .order_by_desc(review::Column::Id)
        .all(conn)
        .await
}

// ------------------------------------------------------------------ campaigns

pub async fn insert_campaign(
    conn: &impl ConnectionTrait,
    c: &NewCampaign,
    unit_ids: &[i64],
    started_on: NaiveDate,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<campaign::Model, DbErr> {
    let m = campaign::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4()),
        year: Set(c.year),
        title: Set(c.title.clone()),
        started_on: Set(started_on),
        deadline: Set(c.deadline),
        deadline_rule: Set(c.deadline_rule.clone()),
        status: Set("open".into()),
        created_by: Set(by),
        closed_at: Set(None),
        closed_by: Set(None),
        snapshot: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let rows = unit_ids.iter().map(|u| campaign_unit::ActiveModel {
        campaign_id: Set(m.id),
        unit_id: Set(*u),
        signed_off_at: Set(None),
        signed_off_by: Set(None),
        sign_off_note: Set(String::new()),
        ..Default::default()
    });
    campaign_unit::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(m)
}

pub async fn list_campaigns(conn: &impl ConnectionTrait) -> Result<Vec<campaign::Model>, DbErr> {
    campaign::Entity::find().order_by_desc(campaign::Column::Year).order_by_desc(campaign::Column::Id).all(conn).await
}

pub async fn find_campaign_by_uuid(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> Result<Option<campaign::Model>, DbErr> {
    campaign::Entity::find().filter(campaign::Column::Uuid.eq(id)).one(conn).await
}

pub async fn find_campaign(conn: &impl ConnectionTrait, id: i64) -> Result<Option<campaign::Model>, DbErr> {
    campaign::Entity::find_by_id(id).one(conn).await
}

/// The units of a campaign with their unit rows.
pub async fn campaign_units(
    conn: &impl ConnectionTrait,
    campaign_id: i64,
) -> Result<Vec<(campaign_unit::Model, unit::Model)>, DbErr> {
    let cus = campaign_unit::Entity::find().filter(campaign_unit::Column::CampaignId.eq(campaign_id)).all(conn).await?;
    let ids: Vec<i64> = cus.iter().map(|c| c.unit_id).collect();
    let units: HashMap<i64, unit::Model> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out: Vec<_> = cus.into_iter().filter_map(|c| units.get(&c.unit_id).cloned().map(|u| (c, u))).collect();
    out.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    Ok(out)
}

/// Open campaigns whose units cover `unit_path` (for tagging reviews with the campaign).
pub async fn open_campaigns_covering(
    conn: &impl ConnectionTrait,
    unit_path: &str,
) -> Result<Vec<campaign::Model>, DbErr> {
    let open = campaign::Entity::find().filter(campaign::Column::Status.eq("open")).all(conn).await?;
    let mut out = Vec::new();
    for c in open {
        if campaign_units(conn, c.id).await?.iter().any(|(_, u)| unit_path.starts_with(&u.path)) {
            out.push(c);
        }
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct ProgressRow {
    unit_id: i64,
    points: i64,
    added: Option<i64>,
    hwm: Option<i64>,
    reviewed: Option<i64>,
}

/// Counts per unit (directly in the unit) for one campaign, over the units under `scope`.
pub async fn progress_by_unit(
    conn: &impl ConnectionTrait,
    campaign: &campaign::Model,
    scope: &Scope,
) -> Result<HashMap<i64, UnitCounts>, DbErr> {
    let scope = &settle_scope(conn, scope).await?;
    let has_measure = Query::select()
        .expr(Expr::val(1))
        .from(measure::Entity)
        .and_where(Expr::col((measure::Entity, measure::Column::RiskId)).equals((point::Entity, point::Column::Id)))
        .to_owned();
    // A point counts as reviewed for a campaign when it was reviewed on or after the campaign
    // started (whichever campaign the review was filed under: campaigns may overlap).
    let reviewed = Query::select()
        .expr(Expr::val(1))
        .from(review::Entity)
        .and_where(Expr::col((review::Entity, review::Column::RiskId)).equals((point::Entity, point::Column::Id)))
        .and_where(Expr::col((review::Entity, review::Column::ReviewedOn)).gte(campaign.started_on))
        .to_owned();
    let rows = point::Entity::find()
        .select_only()
        .column(point::Column::UnitId)
        .column_as(Expr::col((point::Entity, point::Column::Id)).count(), "points")
        .column_as(
            Expr::case(Expr::col((point::Entity, point::Column::CreatedAt)).gte(campaign.created_at), 1)
                .finally(0)
                .sum(),
            "added",
        )
        .column_as(
            Expr::case(
                Expr::col((point::Entity, point::Column::Level)).eq("high").and(Expr::not_exists(has_measure)),
                1,
            )
            .finally(0)
            .sum(),
            "hwm",
        )
        .column_as(Expr::case(Expr::exists(reviewed), 1).finally(0).sum(), "reviewed")
        .filter(point::Column::DeletedAt.is_null())
        .filter(scope.unit_condition((point::Entity, point::Column::UnitId)))
        .group_by(point::Column::UnitId)
        .into_model::<ProgressRow>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.unit_id,
                UnitCounts {
                    points: r.points as u64,
                    reviewed: r.reviewed.unwrap_or(0) as u64,
                    added: r.added.unwrap_or(0) as u64,
                    high_without_measure: r.hwm.unwrap_or(0) as u64,
                },
            )
        })
        .collect())
}

pub async fn sign_off(
    conn: &impl ConnectionTrait,
    cu_id: i64,
    by: i64,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    campaign_unit::Entity::update_many()
        .col_expr(campaign_unit::Column::SignedOffAt, Expr::value(now))
        .col_expr(campaign_unit::Column::SignedOffBy, Expr::value(by))
        .col_expr(campaign_unit::Column::SignOffNote, Expr::value(note))
        .filter(campaign_unit::Column::Id.eq(cu_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Close a campaign if it is still open; false when someone closed it first.
pub async fn close_campaign(
    conn: &impl ConnectionTrait,
    id: i64,
    snapshot: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = campaign::Entity::update_many()
        .col_expr(campaign::Column::Status, Expr::value("closed"))
        .col_expr(campaign::Column::Snapshot, Expr::value(snapshot))
        .col_expr(campaign::Column::ClosedAt, Expr::value(now))
        .col_expr(campaign::Column::ClosedBy, Expr::value(by))
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .col_expr(campaign::Column::Version, Expr::col(campaign::Column::Version).add(1))
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::Status.eq("open"))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

// ------------------------------------------------------------------ rotation hints

/// A person who has held a high-risk post for a long time.
#[derive(Debug, Clone)]
pub struct RotationHint {
    pub person: person::Model,
    pub unit: unit::Model,
    pub since: NaiveDate,
    pub risks: usize,
}

/// People in scope holding, since before `cutoff`, a post that carries a high-level risk point
/// in their unit.
pub async fn rotation_hints(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cutoff: NaiveDate,
) -> Result<Vec<RotationHint>, DbErr> {
    let scope = &settle_scope(conn, scope).await?;
    let posts: HashMap<(i64, String), usize> = point::Entity::find()
        .select_only()
        .column(point::Column::UnitId)
        .column(point::Column::PostKey)
        .column_as(Expr::col((point::Entity, point::Column::Id)).count(), "n")
        .filter(point::Column::DeletedAt.is_null())
        .filter(point::Column::Level.eq(RiskLevel::High.code()))
        .filter(scope.unit_condition((point::Entity, point::Column::UnitId)))
        .group_by(point::Column::UnitId)
        .group_by(point::Column::PostKey)
        .into_tuple::<(i64, String, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(u, k, n)| ((u, k), n as usize))
        .collect();
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let unit_ids: Vec<i64> =
        posts.keys().map(|(u, _)| *u).collect::<std::collections::HashSet<_>>().into_iter().collect();
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(500) {
        let rows = person::Entity::find()
            .filter(person::Column::UnitId.is_in(chunk.to_vec()))
            .filter(person::Column::DeletedAt.is_null())
            .filter(person::Column::Status.eq("active"))
            .filter(person::Column::PostSince.lte(cutoff))
            .find_also_related(unit::Entity)
            .all(conn)
            .await?;
        for (p, u) in rows {
            let Some(u) = u else { continue };
            let key = (p.unit_id, post_key(&p.post));
            if let (Some(n), Some(since)) = (posts.get(&key), p.post_since) {
                out.push(RotationHint { since, risks: *n, unit: u, person: p });
            }
        }
    }
    out.sort_by(|a, b| a.since.cmp(&b.since).then(a.person.id.cmp(&b.person.id)));
    Ok(out)
}

/// Bulk insert (demo and imports of many points): points with their first planned review.
pub async fn insert_points_bulk(conn: &impl ConnectionTrait, rows: Vec<point::ActiveModel>) -> Result<(), DbErr> {
    for chunk in rows.chunks(300) {
        point::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Active points in scope, and how many of them are high-level.
pub async fn count_points(conn: &impl ConnectionTrait, scope: &Scope) -> Result<(u64, u64), DbErr> {
    let scope = &settle_scope(conn, scope).await?;
    let base = || {
        point::Entity::find()
            .filter(point::Column::DeletedAt.is_null())
            .filter(scope.unit_condition((point::Entity, point::Column::UnitId)))
    };
    let total = base().count(conn).await?;
    let high = base().filter(point::Column::Level.eq("high")).count(conn).await?;
    Ok((total, high))
}

pub async fn count_overdue(conn: &impl ConnectionTrait, scope: &Scope, today: NaiveDate) -> Result<u64, DbErr> {
    let scope = &settle_scope(conn, scope).await?;
    point::Entity::find()
        .filter(point::Column::DeletedAt.is_null())
        .filter(point::Column::NextReviewOn.lt(today))
        .filter(scope.unit_condition((point::Entity, point::Column::UnitId)))
        .count(conn)
        .await
}
