//! 廉政风险防控: risk points per post and unit, prevention measures, reviews, and the yearly
//! screening campaigns (排查) with their units.

use sea_orm_migration::prelude::*;

use super::util::{fk, index, pk, timestamps};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_risk"
    }
}

fn col(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut t = Table::create();
        t.table("risk_points")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("unit_id").big_integer().not_null())
            .col(col("post").text().not_null())
            .col(col("post_key").text().not_null())
            .col(col("title").text().not_null())
            .col(col("description").text().not_null())
            .col(col("category").text().not_null())
            .col(col("area").text().not_null())
            .col(col("likelihood").small_integer().null())
            .col(col("impact").small_integer().null())
            .col(col("level").text().not_null())
            .col(col("responsible_person_id").big_integer().null())
            .col(col("status").text().not_null())
            .col(col("next_review_on").date().null())
            .col(col("last_review_on").date().null())
            .col(col("created_by").big_integer().null())
            .col(col("deleted_at").timestamp_with_time_zone().null())
            .col(col("deleted_by").big_integer().null())
            .col(col("delete_reason").text().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_risk_unit", ("risk_points", "unit_id"), ("units", "id")))
            .foreign_key(&mut fk("fk_risk_person", ("risk_points", "responsible_person_id"), ("people", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "risk_points", "ix_risk_unit_level", &["unit_id", "level"], false).await?;
        index(m, "risk_points", "ix_risk_level_category", &["level", "category"], false).await?;
        index(m, "risk_points", "ix_risk_next_review", &["next_review_on"], false).await?;
        index(m, "risk_points", "ix_risk_unit_post", &["unit_id", "post_key"], false).await?;

        let mut t = Table::create();
        t.table("risk_measures")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("risk_id").big_integer().not_null())
            .col(col("content").text().not_null())
            .col(col("owner_person_id").big_integer().null())
            .col(col("due_date").date().null())
            .col(col("status").text().not_null())
            .col(col("created_by").big_integer().null())
            .foreign_key(&mut fk("fk_measure_risk", ("risk_measures", "risk_id"), ("risk_points", "id")))
            .foreign_key(&mut fk("fk_measure_owner", ("risk_measures", "owner_person_id"), ("people", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "risk_measures", "ix_measure_risk", &["risk_id"], false).await?;

        let mut t = Table::create();
        t.table("risk_campaigns")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("year").integer().not_null())
            .col(col("title").text().not_null())
            .col(col("started_on").date().not_null())
            .col(col("deadline").date().not_null())
            .col(col("deadline_rule").text().not_null())
            .col(col("status").text().not_null())
            .col(col("created_by").big_integer().null())
            .col(col("closed_at").timestamp_with_time_zone().null())
            .col(col("closed_by").big_integer().null())
            .col(col("snapshot").text().null())
            .col(col("version").integer().not_null().default(1));
        timestamps(&mut t);
        m.create_table(t).await?;

        m.create_table(
            Table::create()
                .table("risk_campaign_units")
                .col(pk("id"))
                .col(col("campaign_id").big_integer().not_null())
                .col(col("unit_id").big_integer().not_null())
                .col(col("signed_off_at").timestamp_with_time_zone().null())
                .col(col("signed_off_by").big_integer().null())
                .col(col("sign_off_note").text().not_null())
                .foreign_key(&mut fk(
                    "fk_cu_campaign",
                    ("risk_campaign_units", "campaign_id"),
                    ("risk_campaigns", "id"),
                ))
                .foreign_key(&mut fk("fk_cu_unit", ("risk_campaign_units", "unit_id"), ("units", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "risk_campaign_units", "ux_campaign_unit", &["campaign_id", "unit_id"], true).await?;

        let mut t = Table::create();
        t.table("risk_reviews")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("risk_id").big_integer().not_null())
            .col(col("planned_on").date().not_null())
            .col(col("reviewed_on").date().null())
            .col(col("reviewer_user_id").big_integer().null())
            .col(col("conclusion").text().null())
            .col(col("notes").text().not_null())
            .col(col("measure_changes").text().not_null())
            .col(col("campaign_id").big_integer().null())
            .foreign_key(&mut fk("fk_review_risk", ("risk_reviews", "risk_id"), ("risk_points", "id")))
            .foreign_key(&mut fk("fk_review_campaign", ("risk_reviews", "campaign_id"), ("risk_campaigns", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "risk_reviews", "ix_review_risk", &["risk_id", "reviewed_on"], false).await?;
        index(m, "risk_reviews", "ix_review_campaign", &["campaign_id", "risk_id"], false).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("迁移只能前进，不能回退（append-only）".into()))
    }
}
