//! Scheduled work that runs inside `serve`. Each job is idempotent, so running it on several
//! servers that share one database is harmless; jobs whose effect must happen once
//! (notifications) claim a lease row first and deliver under unique keys.

pub mod deadlines;
pub mod lease;

use std::time::Duration;

use crate::startup::AppState;

/// Start the background loops. They stop when the runtime shuts down.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        let mut analyzed: Option<tokio::time::Instant> = None;
        loop {
            tick.tick().await;
            // Planner statistics once a day (PostgreSQL's autovacuum also does it; SQLite has
            // nothing of the kind). The first tick fires at start, so a restarted server plans
            // well at once.
            if analyzed.is_none_or(|t| t.elapsed() >= Duration::from_secs(24 * 3600)) {
                match state.db.analyze().await {
                    Ok(()) => analyzed = Some(tokio::time::Instant::now()),
                    Err(e) => tracing::warn!(error = %e, "ANALYZE failed"),
                }
            }
            let now = state.clock.now();
            let policy = state.policy().await;
            match crate::auth::purge_expired_sessions(&state.db.write, now, &policy).await {
                Ok(n) if n > 0 => tracing::info!(sessions.purged = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session purge failed"),
            }
            match deadlines::run_daily(&state, false).await {
                Ok(Some(r)) => tracing::info!(
                    items = r.items,
                    delivered = r.delivered,
                    digests = r.digests,
                    millis = r.millis,
                    "deadline check done"
                ),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "deadline check failed"),
            }
        }
    });
}
