//! The route table. Every route is added through [`Routes`], which requires an [`Access`]
//! declaration and records it; `clippy.toml` forbids `Router::route` elsewhere. Tests walk the
//! table to prove that every route refuses the unauthenticated and the unauthorised.

use axum::{
    Router,
    extract::Request,
    handler::Handler,
    middleware::{Next, from_fn},
    response::{IntoResponse, Response},
    routing::{MethodRouter, delete, get, patch, post, put},
};

use crate::{
    audit::{self, Event, Outcome},
    authz::Access,
    error::AppError,
    startup::AppState,
    web::ctx::Ctx,
};

/// One registered route and who may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// A router that cannot take a route without its access declaration.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! method {
    ($name:ident, $verb:literal, $make:ident) => {
        pub fn $name<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add($verb, path, access, $make(handler))
        }
    };
}

impl Routes {
    pub fn new() -> Self {
        Routes { router: Router::new(), table: Vec::new() }
    }

    method!(get, "GET", get);
    method!(post, "POST", post);
    method!(put, "PUT", put);
    method!(patch, "PATCH", patch);
    method!(delete, "DELETE", delete);

    fn add(mut self, verb: &'static str, path: &'static str, access: Access, mr: MethodRouter<AppState>) -> Self {
        let guarded = mr.layer(from_fn(move |req: Request, next: Next| check_access(access, req, next)));
        #[expect(clippy::disallowed_methods, reason = "this is the one place routes are added")]
        {
            self.router = self.router.route(path, guarded);
        }
        self.table.push(RouteInfo { method: verb, path, access });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.table)
    }
}

/// The per-route gate: sign-in and permission. Data scope is checked by the handler's query.
async fn check_access(access: Access, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return AppError::Internal(anyhow::anyhow!("request context missing")).into_response();
    };
    match access {
        Access::Public => next.run(req).await,
        Access::Authenticated | Access::Perm(_) => {
            let Some(p) = ctx.principal.as_ref() else {
                return AppError::Unauthenticated.into_response();
            };
            if p.allows(access) {
                return next.run(req).await;
            }
            let state = req.extensions().get::<AppState>().cloned();
            if let (Some(state), Access::Perm(perm)) = (state, access) {
                // Refusals are security events (ASVS 16.3.2); a failure to log must not turn the
                // 403 into something else.
                let ev = Event::new("authz.denied", "route", format!("{} {}", req.method(), req.uri().path()))
                    .outcome(Outcome::Denied)
                    .detail(serde_json::json!({"perm": perm.code()}));
                if let Ok(txn) = state.db.begin().await
                    && audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, ctx.now).await.is_ok()
                {
                    let _ = txn.commit().await;
                }
            }
            AppError::forbidden("error.forbidden").into_response()
        }
    }
}
