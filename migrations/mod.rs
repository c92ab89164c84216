//! The one migration set, for SQLite and PostgreSQL alike. Append-only: a migration that has
//! shipped is never edited; changes come as new files. Applied at start and by `qinglian migrate`.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_risk;
mod m0003_risk_scope_index;
mod m0004_rectify;
mod m0005_discipline;
mod m0006_duty;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_risk::Migration),
            Box::new(m0003_risk_scope_index::Migration),
            Box::new(m0004_rectify::Migration),
            Box::new(m0005_discipline::Migration),
            Box::new(m0006_duty::Migration),
        ]
    }
}

/// Helpers shared by the migrations.
pub(crate) mod util {
    use sea_orm::{ConnectionTrait, DbBackend};
    use sea_orm_migration::prelude::*;

    /// Standard audit columns every business table carries.
    pub fn timestamps(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
        t.col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
            .col(ColumnDef::new("updated_at").timestamp_with_time_zone().not_null())
    }

    pub fn pk(name: &'static str) -> ColumnDef {
        let mut c = ColumnDef::new(name);
        c.big_integer().not_null().auto_increment().primary_key();
        c
    }

    pub fn fk(
        name: &'static str,
        from: (&'static str, &'static str),
        to: (&'static str, &'static str),
    ) -> ForeignKeyCreateStatement {
        let mut f = ForeignKey::create();
        f.name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict);
        f
    }

    pub async fn index(
        m: &SchemaManager<'_>,
        table: &'static str,
        name: &'static str,
        cols: &[&'static str],
        unique: bool,
    ) -> Result<(), DbErr> {
        let mut i = Index::create();
        i.name(name).table(table);
        for c in cols {
            i.col(*c);
        }
        if unique {
            i.unique();
        }
        m.create_index(i).await
    }

    /// Run a statement on one backend only (triggers, collations).
    pub async fn exec_on(m: &SchemaManager<'_>, backend: DbBackend, sql: &str) -> Result<(), DbErr> {
        if m.get_database_backend() == backend {
            m.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
