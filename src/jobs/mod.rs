//! Scheduled work that runs inside `serve`. Each job is idempotent, so running it on several
//! servers that share one database is harmless; jobs with side effects that must happen once
//! (notifications) claim a lease row first.

use std::time::Duration;

use crate::startup::AppState;

/// Start the background loops. They stop when the runtime shuts down.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
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
