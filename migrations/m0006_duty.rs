//! 主体责任: yearly responsibility lists (责任清单) per publishing unit, their items, the units
//! and leaders they are cascaded to, amendments after publishing, the dated task instances each
//! item generates (and their per-unit, per-month counts for the matrix), 履责纪实 records with their review, 述职述廉 reports, and leaders' contact
//! units (联系点) with their visit log.

use sea_orm_migration::prelude::*;

use super::util::{fk, index, pk, timestamps};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_duty"
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
        t.table("duty_lists")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("unit_id").big_integer().not_null())
            .col(col("year").integer().not_null())
            .col(col("title").text().not_null())
            .col(col("status").text().not_null())
            .col(col("starts_on").date().not_null())
            .col(col("copied_from").big_integer().null())
            .col(col("published_at").timestamp_with_time_zone().null())
            .col(col("published_by").big_integer().null())
            .col(col("created_by").big_integer().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_dl_unit", ("duty_lists", "unit_id"), ("units", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "duty_lists", "ux_duty_list_unit_year", &["unit_id", "year"], true).await?;
        index(m, "duty_lists", "ix_duty_list_year", &["year"], false).await?;

        let mut t = Table::create();
        t.table("duty_items")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("list_id").big_integer().not_null())
            .col(col("seq").integer().not_null())
            .col(col("category").text().not_null())
            .col(col("content").text().not_null())
            .col(col("cadence").text().not_null())
            .col(col("once_on").date().null())
            .col(col("rule_kind").text().not_null())
            .col(col("rule_days").integer().not_null())
            .col(col("evidence").text().not_null())
            .col(col("weight").integer().not_null())
            .col(col("target").text().not_null())
            .col(col("withdrawn_at").timestamp_with_time_zone().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_di_list", ("duty_items", "list_id"), ("duty_lists", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "duty_items", "ix_duty_item_list", &["list_id", "seq"], false).await?;

        m.create_table(
            Table::create()
                .table("duty_targets")
                .col(pk("id"))
                .col(col("list_id").big_integer().not_null())
                .col(col("unit_id").big_integer().not_null())
                // NULL: the unit itself; set: a named leader (posted in that unit).
                .col(col("person_id").big_integer().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("fk_dt_list", ("duty_targets", "list_id"), ("duty_lists", "id")))
                .foreign_key(&mut fk("fk_dt_unit", ("duty_targets", "unit_id"), ("units", "id")))
                .foreign_key(&mut fk("fk_dt_person", ("duty_targets", "person_id"), ("people", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "duty_targets", "ix_duty_target_list", &["list_id", "unit_id"], false).await?;
        // One target per (list, unit, leader); NULL (the unit itself) counts as a value.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_duty_target ON duty_targets (list_id, unit_id, COALESCE(person_id, 0))",
            )
            .await?;

        m.create_table(
            Table::create()
                .table("duty_amendments")
                .col(pk("id"))
                .col(col("list_id").big_integer().not_null())
                .col(col("item_id").big_integer().null())
                .col(col("action").text().not_null())
                .col(col("reason").text().not_null())
                .col(col("detail").text().not_null())
                .col(col("by_user").big_integer().null())
                .col(col("by_name").text().not_null())
                .col(col("at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("fk_da_list", ("duty_amendments", "list_id"), ("duty_lists", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "duty_amendments", "ix_duty_amend_list", &["list_id", "at"], false).await?;

        let mut t = Table::create();
        t.table("duty_tasks")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("list_id").big_integer().not_null())
            .col(col("item_id").big_integer().not_null())
            .col(col("unit_id").big_integer().not_null())
            .col(col("person_id").big_integer().null())
            // The assigning level (the list's unit): it accepts or returns the records.
            .col(col("publisher_unit_id").big_integer().not_null())
            .col(col("year").integer().not_null())
            // Month the period ends in (the matrix column).
            .col(col("month").integer().not_null())
            .col(col("period").text().not_null())
            .col(col("period_start").date().not_null())
            .col(col("period_end").date().not_null())
            .col(col("due_on").date().not_null())
            .col(col("status").text().not_null())
            .col(col("submitted_on").date().null())
            .col(col("accepted_on").date().null())
            .col(col("days_late").integer().null())
            .col(col("rating").integer().null())
            .col(col("cycle").integer().not_null().default(1))
            .col(col("cancelled_at").timestamp_with_time_zone().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_dtk_list", ("duty_tasks", "list_id"), ("duty_lists", "id")))
            .foreign_key(&mut fk("fk_dtk_item", ("duty_tasks", "item_id"), ("duty_items", "id")))
            .foreign_key(&mut fk("fk_dtk_unit", ("duty_tasks", "unit_id"), ("units", "id")))
            .foreign_key(&mut fk("fk_dtk_person", ("duty_tasks", "person_id"), ("people", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        // Covers the matrix (grouped by unit and month, in index order) and the score tallies
        // (by unit or leader, item, state, lateness and rating): neither reads the table.
        index(
            m,
            "duty_tasks",
            "ix_duty_task_matrix",
            &[
                "year",
                "person_id",
                "unit_id",
                "month",
                "item_id",
                "status",
                "due_on",
                "days_late",
                "rating",
                "cancelled_at",
            ],
            false,
        )
        .await?;
        index(m, "duty_tasks", "ix_duty_task_unit_due", &["unit_id", "due_on"], false).await?;
        index(m, "duty_tasks", "ix_duty_task_person", &["person_id", "due_on"], false).await?;
        index(m, "duty_tasks", "ix_duty_task_status_due", &["status", "due_on"], false).await?;
        index(m, "duty_tasks", "ix_duty_task_list", &["list_id", "unit_id"], false).await?;
        // One task per (item, unit, leader, period).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_duty_task_period ON duty_tasks (item_id, unit_id, COALESCE(person_id, 0), period)",
            )
            .await?;

        // Per list, unit and month: the unit tasks' counts and earliest open deadline, kept on
        // every write, so the city-wide matrix reads hundreds of rows instead of every task.
        m.create_table(
            Table::create()
                .table("duty_cells")
                .col(pk("id"))
                .col(col("list_id").big_integer().not_null())
                .col(col("unit_id").big_integer().not_null())
                .col(col("year").integer().not_null())
                .col(col("month").integer().not_null())
                .col(col("total").integer().not_null())
                .col(col("accepted").integer().not_null())
                .col(col("submitted").integer().not_null())
                .col(col("late").integer().not_null())
                .col(col("open_due").date().null())
                .foreign_key(&mut fk("fk_dcl_list", ("duty_cells", "list_id"), ("duty_lists", "id")))
                .foreign_key(&mut fk("fk_dcl_unit", ("duty_cells", "unit_id"), ("units", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "duty_cells", "ux_duty_cell", &["list_id", "unit_id", "month"], true).await?;
        index(m, "duty_cells", "ix_duty_cell_year", &["year", "unit_id", "month"], false).await?;

        m.create_table(
            Table::create()
                .table("duty_records")
                .col(pk("id"))
                .col(col("uuid").uuid().not_null().unique_key())
                .col(col("task_id").big_integer().not_null())
                .col(col("done_on").date().not_null())
                .col(col("place").text().not_null())
                .col(col("participants").text().not_null())
                .col(col("content").text().not_null())
                .col(col("submitted_by").big_integer().null())
                .col(col("submitter_person").big_integer().null())
                .col(col("submitter_name").text().not_null())
                .col(col("submitted_at").timestamp_with_time_zone().not_null())
                .col(col("submitted_on").date().not_null())
                .col(col("days_late").integer().not_null())
                .col(col("outcome").text().not_null())
                .col(col("review_note").text().not_null())
                .col(col("reviewed_by").big_integer().null())
                .col(col("reviewer_name").text().not_null())
                .col(col("reviewed_at").timestamp_with_time_zone().null())
                .col(col("rating").integer().null())
                .foreign_key(&mut fk("fk_dr_task", ("duty_records", "task_id"), ("duty_tasks", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "duty_records", "ix_duty_record_task", &["task_id", "id"], false).await?;

        let mut t = Table::create();
        t.table("duty_reports")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("year").integer().not_null())
            .col(col("person_id").big_integer().not_null())
            .col(col("unit_id").big_integer().not_null())
            .col(col("title").text().not_null())
            .col(col("body").text().not_null())
            .col(col("status").text().not_null())
            .col(col("submitted_at").timestamp_with_time_zone().null())
            .col(col("created_by").big_integer().null())
            .col(col("version").integer().not_null().default(1))
            .foreign_key(&mut fk("fk_drp_person", ("duty_reports", "person_id"), ("people", "id")))
            .foreign_key(&mut fk("fk_drp_unit", ("duty_reports", "unit_id"), ("units", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "duty_reports", "ux_duty_report_person", &["year", "person_id"], true).await?;
        index(m, "duty_reports", "ix_duty_report_unit", &["unit_id", "year"], false).await?;

        m.create_table(
            Table::create()
                .table("duty_contacts")
                .col(pk("id"))
                .col(col("uuid").uuid().not_null().unique_key())
                .col(col("year").integer().not_null())
                .col(col("person_id").big_integer().not_null())
                .col(col("unit_id").big_integer().not_null())
                .col(col("created_by").big_integer().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("fk_dc_person", ("duty_contacts", "person_id"), ("people", "id")))
                .foreign_key(&mut fk("fk_dc_unit", ("duty_contacts", "unit_id"), ("units", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "duty_contacts", "ux_duty_contact", &["year", "person_id", "unit_id"], true).await?;
        index(m, "duty_contacts", "ix_duty_contact_unit", &["unit_id", "year"], false).await?;

        let mut t = Table::create();
        t.table("duty_visits")
            .col(pk("id"))
            .col(col("uuid").uuid().not_null().unique_key())
            .col(col("contact_id").big_integer().not_null())
            .col(col("visited_on").date().not_null())
            .col(col("content").text().not_null())
            .col(col("problems").text().not_null())
            .col(col("rect_problem_id").big_integer().null())
            .col(col("created_by").big_integer().null())
            .foreign_key(&mut fk("fk_dv_contact", ("duty_visits", "contact_id"), ("duty_contacts", "id")))
            .foreign_key(&mut fk("fk_dv_problem", ("duty_visits", "rect_problem_id"), ("rect_problems", "id")));
        timestamps(&mut t);
        m.create_table(t).await?;
        index(m, "duty_visits", "ix_duty_visit_contact", &["contact_id", "visited_on"], false).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("迁移只能前进，不能回退（append-only）".into()))
    }
}
