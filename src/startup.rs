//! Application state, router assembly and the server itself. `Application::build` binds the
//! listener first, so tests (and `bench`) can use port 0 and ask which port they got.

use std::{
    net::SocketAddr,
    ops::Deref,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    middleware::{from_fn, from_fn_with_state},
    response::IntoResponse,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};

use crate::{
    audit::{self, Actor, Event},
    auth::{self, entity::api_token},
    authz::{Access, policy::SecurityPolicy},
    calendar::{self, Calendar},
    clock::{Clock, SystemClock},
    config::Settings,
    crypto::{self, CryptoProvider},
    db::{self, Db, PoolSettings},
    features,
    web::{self, RouteInfo, Routes, middleware},
};

pub struct Inner {
    pub db: Db,
    pub settings: Settings,
    pub crypto: Arc<dyn CryptoProvider>,
    pub clock: Arc<dyn Clock>,
    calendar: RwLock<Arc<Calendar>>,
    policy: RwLock<(Instant, SecurityPolicy)>,
    /// The key file was created at this start (the operator must back it up).
    pub key_created: bool,
}

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

const POLICY_TTL: Duration = Duration::from_secs(30);

impl AppState {
    /// Connect, migrate, check or create the keys, seed the calendar.
    pub async fn init(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
        let url = settings.database_url();
        if db::backend_of(url.expose())? == db::Backend::Sqlite && settings.database_url.is_none() {
            std::fs::create_dir_all(&settings.data_dir)
                .with_context(|| format!("无法创建数据目录 {}", settings.data_dir.display()))?;
        }
        let pools = PoolSettings {
            pg_pool_size: settings.pg_pool_size,
            acquire_timeout: Duration::from_secs(settings.db_acquire_timeout_secs),
            ..Default::default()
        };
        let db = Db::connect_and_migrate(&url, &pools).await?;
        db.quick_check().await?;
        let (crypto, key_created) = open_keys(&db, &settings, clock.now()).await?;
        calendar::repo::seed_if_empty(&db.write, clock.now()).await?;
        let cal = calendar::repo::load(&db.read).await?;
        let policy = SecurityPolicy::load(&db.read).await?;
        Ok(AppState(Arc::new(Inner {
            db,
            settings,
            crypto: Arc::new(crypto),
            clock,
            calendar: RwLock::new(Arc::new(cal)),
            policy: RwLock::new((Instant::now(), policy)),
            key_created,
        })))
    }

    /// The security policy, re-read from the database at most every 30 s (so several servers
    /// sharing one database converge).
    pub async fn policy(&self) -> SecurityPolicy {
        {
            let g = self.policy.read().unwrap_or_else(|p| p.into_inner());
            if g.0.elapsed() < POLICY_TTL {
                return g.1.clone();
            }
        }
        match SecurityPolicy::load(&self.db.read).await {
            Ok(p) => {
                *self.policy.write().unwrap_or_else(|p| p.into_inner()) = (Instant::now(), p.clone());
                p
            }
            Err(_) => self.policy.read().unwrap_or_else(|p| p.into_inner()).1.clone(),
        }
    }

    pub fn set_policy(&self, p: SecurityPolicy) {
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = (Instant::now(), p);
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub async fn reload_calendar(&self) -> Result<(), sea_orm::DbErr> {
        let cal = calendar::repo::load(&self.db.read).await?;
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(cal);
        Ok(())
    }

    pub async fn touch_token(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<(), sea_orm::DbErr> {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(id))
            .exec(&self.db.write)
            .await?;
        Ok(())
    }

    /// Delete a session and record why, in one transaction.
    pub async fn end_session(
        &self,
        session_id: &str,
        actor: &Actor,
        ev: Event,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), sea_orm::DbErr> {
        let txn = self.db.begin().await?;
        auth::delete_session(&txn, session_id).await?;
        audit::record(&txn, self.crypto.as_ref(), actor, ev, now).await?;
        txn.commit().await
    }

    /// Record an event in its own transaction (sensitive reads, exports, refusals).
    pub async fn audit(&self, actor: &Actor, ev: Event) -> Result<(), sea_orm::DbErr> {
        let txn = self.db.begin().await?;
        audit::record(&txn, self.crypto.as_ref(), actor, ev, self.clock.now()).await?;
        txn.commit().await
    }
}

/// Open the key file, or create it for a database that has never held data. A database that
/// has data but no matching key file stops the start (ARCHITECTURE: never overwrite, never start
/// a second audit chain).
async fn open_keys(
    db: &Db,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(crypto::SoftwareCrypto, bool)> {
    let path = settings.key_file();
    let stored = db::meta_get(&db.read, "key_check").await?;
    let has_data = audit::entity::Entity::find().count(&db.read).await? > 0
        || auth::entity::user::Entity::find().count(&db.read).await? > 0;
    let loaded = crypto::load_or_create(&path, stored.is_none() && !has_data)?;
    match stored {
        Some(check) if check != loaded.crypto.key_check() => bail!(
            "密钥文件 {} 与数据库不匹配（它不是这个数据库创建时生成的那一份）。服务器拒绝启动，以免审计链和加密数据无法校验。请找回正确的密钥文件。",
            path.display()
        ),
        Some(_) => {}
        None => db::meta_set(&db.write, "key_check", &loaded.crypto.key_check(), now).await?,
    }
    Ok((loaded.crypto, loaded.created))
}

/// All routes of all modules, with their access declarations.
pub fn routes() -> Routes {
    Routes::new()
        .get("/static/{name}", Access::Public, web::assets::serve)
        .get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
        .merge(features::accounts::routes())
        .merge(features::home::routes())
        .merge(features::org::routes())
        .merge(features::risk::routes())
        .merge(features::risk::api_routes())
        .merge(features::rectify::routes())
        .merge(features::rectify::api_routes())
        .merge(features::discipline::routes())
        .merge(features::discipline::api_routes())
        .merge(features::duty::routes())
        .merge(features::duty::api_routes())
        .merge(features::inbox::routes())
        .merge(features::admin::routes())
        .merge(features::api::routes())
}

/// The router with every layer in place.
pub fn build_router(state: AppState) -> Router {
    let (router, _) = routes().into_parts();
    let limit = (state.settings.max_upload_mb as usize) * 1024 * 1024 + 64 * 1024;
    router
        .fallback(middleware::not_found)
        .layer(from_fn_with_state(state.clone(), middleware::session_layer))
        .layer(from_fn(middleware::render_errors))
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误").into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The route table (for tests and for `qinglian routes`).
pub fn route_table() -> Vec<RouteInfo> {
    routes().into_parts().1
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.read.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// A bound server, ready to run.
pub struct Application {
    listener: tokio::net::TcpListener,
    pub state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        let bind = settings.bind;
        let state = AppState::init(settings, clock).await?;
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("无法监听 {bind}（端口被占用或无权限）"))?;
        Ok(Application { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serve until SIGINT/SIGTERM, then drain in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        if state.settings.jobs {
            crate::jobs::spawn(state.clone());
        }
        let app = build_router(state.clone());
        axum::serve(self.listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        state.db.clone().close().await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: draining requests");
}
