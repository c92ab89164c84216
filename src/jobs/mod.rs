//! Scheduled work that runs inside `serve`. Each job is idempotent, so running it on several
//! servers that share one database is harmless; jobs with side effects that must happen once
//! (notifications) claim a lease row first.

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
        }
    });
}
