//! Foundation: settings, the organisation tree, people and their postings, accounts, roles,
//! sessions, API tokens, the audit log and the working-day calendar.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::util::{exec_on, fk, index, pk, timestamps};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

fn tz(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.timestamp_with_time_zone().not_null();
    c
}

fn tz_null(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.timestamp_with_time_zone().null();
    c
}

fn text(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.text().not_null();
    c
}

fn text_null(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.text().null();
    c
}

fn int(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.integer().not_null().default(0);
    c
}

fn bigint(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.big_integer().not_null();
    c
}

fn bigint_null(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.big_integer().null();
    c
}

fn boolean(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.boolean().not_null().default(false);
    c
}

fn uuid(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.uuid().not_null().unique_key();
    c
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // All or nothing on SQLite too: a crash mid-migration must not leave half a schema.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("meta")
                .col(ColumnDef::new("key").text().not_null().primary_key())
                .col(text("value"))
                .col(tz("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("settings")
                .col(ColumnDef::new("key").text().not_null().primary_key())
                .col(text("value"))
                .col(tz("updated_at"))
                .col(bigint_null("updated_by"))
                .to_owned(),
        )
        .await?;

        // Units: a tree stored as a materialised path ("/1/4/17/") so "this unit and below"
        // is one indexed range scan.
        let mut units = Table::create();
        units
            .table("units")
            .col(pk("id"))
            .col(uuid("uuid"))
            .col(bigint_null("parent_id"))
            .col(text("path"))
            .col(int("depth"))
            .col(ColumnDef::new("code").text().not_null().unique_key())
            .col(text("name"))
            .col(text("kind"))
            .col(int("sort_order"))
            .col(tz_null("deleted_at"))
            .col(int("version"))
            .foreign_key(&mut fk("fk_units_parent", ("units", "parent_id"), ("units", "id")));
        timestamps(&mut units);
        m.create_table(units).await?;
        // PostgreSQL compares text by locale by default; paths must compare byte-wise.
        exec_on(m, DbBackend::Postgres, r#"ALTER TABLE units ALTER COLUMN path TYPE text COLLATE "C""#).await?;
        index(m, "units", "ix_units_path", &["path"], false).await?;
        index(m, "units", "ix_units_parent", &["parent_id", "sort_order"], false).await?;

        let mut people = Table::create();
        people
            .table("people")
            .col(pk("id"))
            .col(uuid("uuid"))
            .col(ColumnDef::new("staff_no").text().null().unique_key())
            .col(text("name"))
            .col(text("gender"))
            .col(bigint("unit_id"))
            .col(text("post"))
            .col(text("rank"))
            .col(text("position"))
            .col(text("political_status"))
            .col(boolean("leading_cadre"))
            .col(text("status"))
            .col(ColumnDef::new("birth_date").date().null())
            .col(ColumnDef::new("post_since").date().null())
            .col(tz_null("deleted_at"))
            .col(int("version"))
            .foreign_key(&mut fk("fk_people_unit", ("people", "unit_id"), ("units", "id")));
        timestamps(&mut people);
        m.create_table(people).await?;
        index(m, "people", "ix_people_unit", &["unit_id", "status"], false).await?;
        index(m, "people", "ix_people_name", &["name"], false).await?;

        // Every change of unit, post, position or rank opens a new row and closes the last one.
        m.create_table(
            Table::create()
                .table("person_postings")
                .col(pk("id"))
                .col(bigint("person_id"))
                .col(bigint("unit_id"))
                .col(text("post"))
                .col(text("position"))
                .col(text("rank"))
                .col(ColumnDef::new("start_date").date().not_null())
                .col(ColumnDef::new("end_date").date().null())
                .col(text("reason"))
                .col(tz("created_at"))
                .col(bigint_null("created_by"))
                .foreign_key(&mut fk("fk_postings_person", ("person_postings", "person_id"), ("people", "id")))
                .foreign_key(&mut fk("fk_postings_unit", ("person_postings", "unit_id"), ("units", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "person_postings", "ix_postings_person", &["person_id", "start_date"], false).await?;

        let mut users = Table::create();
        users
            .table("users")
            .col(pk("id"))
            .col(uuid("uuid"))
            .col(ColumnDef::new("username").text().not_null().unique_key())
            .col(text("display_name"))
            .col(ColumnDef::new("person_id").big_integer().null().unique_key())
            .col(text("password_hash"))
            .col(tz("password_changed_at"))
            .col(boolean("must_change_password"))
            .col(tz_null("temp_password_expires_at"))
            .col(boolean("disabled"))
            .col(int("failed_count"))
            .col(tz_null("first_failed_at"))
            .col(tz_null("locked_until"))
            .col(tz_null("last_login_at"))
            .col(text_null("lang"))
            .col(int("version"))
            .foreign_key(&mut fk("fk_users_person", ("users", "person_id"), ("people", "id")));
        timestamps(&mut users);
        m.create_table(users).await?;

        m.create_table(
            Table::create()
                .table("role_assignments")
                .col(pk("id"))
                .col(bigint("user_id"))
                .col(text("role"))
                .col(bigint("unit_id"))
                .col(tz("created_at"))
                .col(bigint_null("created_by"))
                .foreign_key(&mut fk("fk_roles_user", ("role_assignments", "user_id"), ("users", "id")))
                .foreign_key(&mut fk("fk_roles_unit", ("role_assignments", "unit_id"), ("units", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "role_assignments", "ux_roles", &["user_id", "role", "unit_id"], true).await?;

        // Sessions: the cookie carries a random token; the table keeps only its SM3 hash.
        m.create_table(
            Table::create()
                .table("sessions")
                .col(ColumnDef::new("id").text().not_null().primary_key())
                .col(bigint("user_id"))
                .col(text("csrf"))
                .col(tz("created_at"))
                .col(tz("last_seen_at"))
                .col(tz("expires_at"))
                .col(text("ip"))
                .col(text("user_agent"))
                .foreign_key(&mut fk("fk_sessions_user", ("sessions", "user_id"), ("users", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "sessions", "ix_sessions_user", &["user_id"], false).await?;

        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(pk("id"))
                .col(uuid("uuid"))
                .col(bigint("user_id"))
                .col(text("name"))
                .col(text("prefix"))
                .col(ColumnDef::new("token_hash").text().not_null().unique_key())
                .col(tz("created_at"))
                .col(tz_null("last_used_at"))
                .col(tz_null("expires_at"))
                .col(tz_null("revoked_at"))
                .foreign_key(&mut fk("fk_tokens_user", ("api_tokens", "user_id"), ("users", "id")))
                .to_owned(),
        )
        .await?;
        index(m, "api_tokens", "ix_tokens_user", &["user_id"], false).await?;

        // The audit log: insert-only, each row chained to the previous one with HMAC-SM3.
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(ColumnDef::new("seq").big_integer().not_null().primary_key())
                .col(tz("ts"))
                .col(bigint_null("actor_user_id"))
                .col(text("actor_name"))
                .col(text("actor_roles"))
                .col(text("ip"))
                .col(text("session_ref"))
                .col(text("request_id"))
                .col(text("event"))
                .col(text("object_type"))
                .col(text("object_id"))
                .col(bigint_null("unit_id"))
                .col(text("result"))
                .col(text("detail"))
                .col(text("prev_mac"))
                .col(text("mac"))
                .to_owned(),
        )
        .await?;
        index(m, "audit_log", "ix_audit_ts", &["ts"], false).await?;
        index(m, "audit_log", "ix_audit_event", &["event", "ts"], false).await?;
        index(m, "audit_log", "ix_audit_actor", &["actor_user_id", "ts"], false).await?;
        index(m, "audit_log", "ix_audit_object", &["object_type", "object_id"], false).await?;
        m.create_table(
            Table::create()
                .table("audit_head")
                .col(ColumnDef::new("id").integer().not_null().primary_key())
                .col(bigint("last_seq"))
                .col(text("last_mac"))
                .col(text("head_mac"))
                .col(tz("updated_at"))
                .to_owned(),
        )
        .await?;
        // The chain starts from an empty MAC at sequence 0.
        m.exec_stmt(
            Query::insert()
                .into_table("audit_head")
                .columns(["id", "last_seq", "last_mac", "head_mac", "updated_at"])
                .values_panic([1.into(), 0i64.into(), "".into(), "".into(), chrono::Utc::now().into()])
                .to_owned(),
        )
        .await?;
        exec_on(
            m,
            DbBackend::Sqlite,
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        )
        .await?;
        exec_on(
            m,
            DbBackend::Sqlite,
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        )
        .await?;
        exec_on(
            m,
            DbBackend::Postgres,
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql",
        )
        .await?;
        exec_on(
            m,
            DbBackend::Postgres,
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        )
        .await?;
        exec_on(
            m,
            DbBackend::Postgres,
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
             FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
        )
        .await?;

        m.create_table(
            Table::create()
                .table("holidays")
                .col(ColumnDef::new("day").date().not_null().primary_key())
                .col(text("kind"))
                .col(text("name"))
                .col(tz("updated_at"))
                .col(bigint_null("updated_by"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("迁移只能前进，不能回退（append-only）".into()))
    }
}
