//! 监督执纪: clues (问题线索) with the people they concern, measures taken on people (every
//! measure, from a 谈话提醒 to a transfer for criminal responsibility) with the rule that set
//! their influence period, and integrity-opinion requests (廉政意见回复) with one answer per
//! person and the basis it relied on.

use sea_orm_migration::prelude::*;

use super::util::{fk, index, pk, timestamps};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_discipline"
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
        t.table("clues")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("code").text().not_null().unique_key())
            .col(col("source").text().not_null())
            .col(col("summary").text().not_null())
            .col(col("received_on").date().not_null())
            .col(col("working_days").integer().not_null())
            .col(col("deadline").date().not_null())
            .col(col("disposal").text().null())
            .col(col("disposed_on").date().null())
            .col(col("result").text().not_null())
            .col(col("status").text().not_null())
            .col(col("created_by").big_integer().null())
            .col(col("deleted_at").timestamp_with_time_zone().null())
            .col(col("version").integer().not_null().default(1));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "clues", "ix_clue_status_deadline", &["status", "deadline"], false).await?;
        index(m, "clues", "ix_clue_received", &["received_on"], false).await?;

        m.create_table(
            Table::create()
                .table("clue_people")
                .col(pk("id"))
                .col(col("clue_id").big_integer().not_null())
                .col(col("person_id").big_integer().not_null())
                .col(col("unit_id").big_integer().not_null())
                .foreign_key(&mut fk("fk_cp_clue", ("clue_people", "clue_id"), ("clues", "id")))
                .foreign_key(&mut fk("fk_cp_person", ("clue_people", "person_id"), ("people", "id")))
                .foreign_key(&mut fk("fk_cp_unit", ("clue_people", "unit_id"), ("units", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "clue_people", "ux_clue_person", &["clue_id", "person_id"], true).await?;
        index(m, "clue_people", "ix_clue_people_person", &["person_id"], false).await?;
        index(m, "clue_people", "ix_clue_people_unit", &["unit_id", "clue_id"], false).await?;

        let mut t = Table::create();
        t.table("disc_measures")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("person_id").big_integer().not_null())
            // The person's unit when the measure was recorded (statistics by subtree and year).
            .col(col("unit_id").big_integer().not_null())
            .col(col("kind").text().not_null())
            .col(col("category").text().not_null())
            .col(col("decided_on").date().not_null())
            .col(col("year").integer().not_null())
            .col(col("body").text().not_null())
            .col(col("basis").text().not_null())
            .col(col("doc_no").text().not_null())
            .col(col("term_years").small_integer().null())
            .col(col("clue_id").big_integer().null())
            .col(col("rule_id").text().not_null())
            .col(col("lifted_on").date().null())
            .col(col("lift_reason").text().not_null())
            .col(col("created_by").big_integer().null())
            .col(col("deleted_at").timestamp_with_time_zone().null())
            .col(col("delete_reason").text().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_dm_person", ("disc_measures", "person_id"), ("people", "id")))
            .foreign_key(&mut fk("fk_dm_unit", ("disc_measures", "unit_id"), ("units", "id")))
            .foreign_key(&mut fk("fk_dm_clue", ("disc_measures", "clue_id"), ("clues", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "disc_measures", "ix_dm_person", &["person_id", "decided_on"], false).await?;
        // Statistics: by unit subtree and year, counted by kind and person.
        index(m, "disc_measures", "ix_dm_stats", &["unit_id", "deleted_at", "year", "kind", "person_id"], false)
            .await?;
        index(m, "disc_measures", "ix_dm_clue", &["clue_id"], false).await?;
        // The list's order: a broad scope's first page walks this index and stops after a page.
        index(m, "disc_measures", "ix_dm_order", &["decided_on", "id"], false).await?;
        index(m, "disc_measures", "ix_dm_year_order", &["year", "decided_on", "id"], false).await?;

        let mut t = Table::create();
        t.table("opinion_requests")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("title").text().not_null())
            .col(col("purpose").text().not_null())
            .col(col("request_doc_no").text().not_null())
            .col(col("requested_on").date().not_null())
            .col(col("needed_by").date().not_null())
            .col(col("requested_by").big_integer().null())
            .col(col("requester_unit_id").big_integer().not_null())
            .col(col("status").text().not_null())
            .col(col("reply_doc_no").text().not_null())
            .col(col("answered_on").date().null())
            .col(col("answered_by").big_integer().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_or_unit", ("opinion_requests", "requester_unit_id"), ("units", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "opinion_requests", "ix_or_status_needed", &["status", "needed_by"], false).await?;

        m.create_table(
            Table::create()
                .table("opinion_items")
                .col(pk("id"))
                .col(col("request_id").big_integer().not_null())
                .col(col("person_id").big_integer().not_null())
                .col(col("seq").integer().not_null())
                .col(col("suggested").text().null())
                .col(col("conclusion").text().null())
                .col(col("override_reason").text().not_null())
                .col(col("basis").text().not_null())
                .col(col("basis_digest").text().not_null())
                .col(col("answered_at").timestamp_with_time_zone().null())
                .foreign_key(&mut fk("fk_oi_request", ("opinion_items", "request_id"), ("opinion_requests", "id")))
                .foreign_key(&mut fk("fk_oi_person", ("opinion_items", "person_id"), ("people", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "opinion_items", "ux_oi_person", &["request_id", "person_id"], true).await?;
        index(m, "opinion_items", "ix_oi_person", &["person_id"], false).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("迁移只能前进，不能回退（append-only）".into()))
    }
}
