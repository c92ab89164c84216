//! 整改台账 and the shared deadline machinery: feedback batches (反馈批次) with their units,
//! problems with links and an event history, evidence attachments (bytes kept in the database,
//! so one backup holds everything and several servers can share one PostgreSQL), in-app
//! notifications with a unique delivery key (exactly-once delivery), job leases, and each
//! unit's principal leader (主要负责人, the last step of an escalation).

use sea_orm_migration::prelude::*;

use super::util::{fk, index, pk, timestamps};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_rectify"
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
        // SQLite cannot add a foreign key to an existing table; the service checks the person.
        m.alter_table(
            Table::alter().table("units").add_column(col("principal_person_id").big_integer().null()).to_owned(),
        )
        .await?;

        let mut t = Table::create();
        t.table("rect_batches")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("title").text().not_null())
            .col(col("source").text().not_null())
            .col(col("issuer").text().not_null())
            .col(col("feedback_on").date().not_null())
            .col(col("report_due_on").date().not_null())
            .col(col("notes").text().not_null())
            .col(col("completed_at").timestamp_with_time_zone().null())
            .col(col("created_by").big_integer().null())
            .col(col("deleted_at").timestamp_with_time_zone().null())
            .col(col("version").integer().not_null().default(1));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "rect_batches", "ix_rect_batch_feedback", &["feedback_on"], false).await?;

        m.create_table(
            Table::create()
                .table("rect_batch_units")
                .col(pk("id"))
                .col(col("batch_id").big_integer().not_null())
                .col(col("unit_id").big_integer().not_null())
                .foreign_key(&mut fk("fk_rbu_batch", ("rect_batch_units", "batch_id"), ("rect_batches", "id")))
                .foreign_key(&mut fk("fk_rbu_unit", ("rect_batch_units", "unit_id"), ("units", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "rect_batch_units", "ux_rect_batch_unit", &["batch_id", "unit_id"], true).await?;
        index(m, "rect_batch_units", "ix_rect_batch_unit_unit", &["unit_id"], false).await?;

        let mut t = Table::create();
        t.table("rect_problems")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("batch_id").big_integer().not_null())
            .col(col("seq").integer().not_null())
            .col(col("description").text().not_null())
            .col(col("kind").text().not_null())
            .col(col("unit_id").big_integer().not_null())
            .col(col("owner_person_id").big_integer().not_null())
            .col(col("leader_person_id").big_integer().null())
            .col(col("due_on").date().not_null())
            .col(col("measures").text().not_null())
            .col(col("status").text().not_null())
            .col(col("cycle").integer().not_null().default(0))
            .col(col("progress_count").integer().not_null().default(0))
            .col(col("last_progress").text().not_null())
            .col(col("assessment").text().not_null())
            .col(col("submitted_at").timestamp_with_time_zone().null())
            .col(col("submitted_by").big_integer().null())
            .col(col("closed_on").date().null())
            .col(col("closed_by").big_integer().null())
            .col(col("conclusion").text().not_null())
            .col(col("created_by").big_integer().null())
            .col(col("deleted_at").timestamp_with_time_zone().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_rp_batch", ("rect_problems", "batch_id"), ("rect_batches", "id")))
            .foreign_key(&mut fk("fk_rp_unit", ("rect_problems", "unit_id"), ("units", "id")))
            .foreign_key(&mut fk("fk_rp_owner", ("rect_problems", "owner_person_id"), ("people", "id")))
            .foreign_key(&mut fk("fk_rp_leader", ("rect_problems", "leader_person_id"), ("people", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "rect_problems", "ix_rp_batch_seq", &["batch_id", "seq"], false).await?;
        // Scope questions (counts by status, colour ranges over due dates) from the index alone.
        index(m, "rect_problems", "ix_rp_scope", &["unit_id", "deleted_at", "status", "due_on"], false).await?;
        // The daily deadline check: open problems by due date.
        index(m, "rect_problems", "ix_rp_status_due", &["status", "due_on"], false).await?;
        // "Mine" (as owner, as leader) with the open statuses and the deadline window.
        index(m, "rect_problems", "ix_rp_owner", &["owner_person_id", "status", "due_on"], false).await?;
        index(m, "rect_problems", "ix_rp_leader", &["leader_person_id", "status", "due_on"], false).await?;

        m.create_table(
            Table::create()
                .table("rect_problem_links")
                .col(pk("id"))
                .col(col("problem_id").big_integer().not_null())
                .col(col("kind").text().not_null())
                .col(col("target_id").big_integer().not_null())
                .foreign_key(&mut fk("fk_rpl_problem", ("rect_problem_links", "problem_id"), ("rect_problems", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "rect_problem_links", "ux_rpl", &["problem_id", "kind", "target_id"], true).await?;
        index(m, "rect_problem_links", "ix_rpl_target", &["kind", "target_id"], false).await?;

        m.create_table(
            Table::create()
                .table("rect_events")
                .col(pk("id"))
                .col(col("uuid").uuid().not_null().unique_key())
                .col(col("problem_id").big_integer().not_null())
                .col(col("kind").text().not_null())
                .col(col("from_status").text().not_null())
                .col(col("to_status").text().not_null())
                .col(col("text").text().not_null())
                .col(col("detail").text().not_null())
                .col(col("actor_user_id").big_integer().null())
                .col(col("actor_name").text().not_null())
                .col(col("at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("fk_re_problem", ("rect_events", "problem_id"), ("rect_problems", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "rect_events", "ix_re_problem", &["problem_id", "id"], false).await?;

        m.create_table(
            Table::create()
                .table("attachments")
                .col(pk("id"))
                .col(col("uuid").uuid().not_null().unique_key())
                .col(col("owner_kind").text().not_null())
                .col(col("owner_id").big_integer().not_null())
                .col(col("filename").text().not_null())
                .col(col("content_type").text().not_null())
                .col(col("size").big_integer().not_null())
                .col(col("sm3").text().not_null())
                .col(col("uploaded_by").big_integer().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        index(m, "attachments", "ix_att_owner", &["owner_kind", "owner_id"], false).await?;
        m.create_table(
            Table::create()
                .table("attachment_blobs")
                .col(col("attachment_id").big_integer().not_null().primary_key())
                .col(col("bytes").blob().not_null())
                .foreign_key(&mut fk("fk_ab_att", ("attachment_blobs", "attachment_id"), ("attachments", "id")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("notifications")
                .col(pk("id"))
                .col(col("uuid").uuid().not_null().unique_key())
                .col(col("person_id").big_integer().not_null())
                .col(col("kind").text().not_null())
                .col(col("level").text().not_null())
                .col(col("msg_key").text().not_null())
                .col(col("args").text().not_null())
                .col(col("link").text().not_null())
                .col(col("dedup_key").text().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("read_at").timestamp_with_time_zone().null())
                .foreign_key(&mut fk("fk_notif_person", ("notifications", "person_id"), ("people", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "notifications", "ux_notif_dedup", &["dedup_key"], true).await?;
        index(m, "notifications", "ix_notif_inbox", &["person_id", "read_at", "id"], false).await?;

        m.create_table(
            Table::create()
                .table("job_runs")
                .col(col("name").text().not_null().primary_key())
                .col(col("last_run_on").date().null())
                .col(col("lease_holder").text().null())
                .col(col("lease_until").timestamp_with_time_zone().null())
                .col(col("last_report").text().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("迁移只能前进，不能回退（append-only）".into()))
    }
}
