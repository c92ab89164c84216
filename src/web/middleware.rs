//! Request layers, outermost first:
//! 1. `security_headers` — CSP, nosniff, no-referrer, frame denial, no-store, HSTS over https.
//! 2. `render_errors` — turns an `AppError` into the user's language: HTML page or JSON.
//! 3. `session_layer` — who is calling (session cookie or API token), timeouts, CSRF, and the
//!    forced password change; builds the [`Ctx`].
//!
//! The per-route permission gate is in `web::routes`.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use subtle::ConstantTimeEq;

use crate::{
    audit::{self, Event, Outcome},
    auth::{self, SessionEnd},
    authz::{Principal, repo::load_grants},
    error::{AppError, ErrorInfo},
    i18n::Lang,
    ids::{PersonId, UserId},
    startup::AppState,
    web::{
        ctx::{Ctx, SessionRef},
        pages,
    },
};

pub const LANG_COOKIE: &str = "qinglian_lang";
pub const PRE_CSRF_COOKIE: &str = "qinglian_pre";
pub const FLASH_COOKIE: &str = "qinglian_flash";
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Every response, errors and assets included, carries these headers.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    } else {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.settings.secure_cookies() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    resp
}

/// Parse the `Cookie` header into a map (first occurrence wins).
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for v in headers.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for pair in s.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                out.entry(k.trim().to_string()).or_insert_with(|| v.trim().to_string());
            }
        }
    }
    out
}

/// A `Set-Cookie` value. HttpOnly and SameSite=Lax always; Secure over https.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    c
}

pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", secure, Some(0))
}

fn lang_from(headers: &HeaderMap) -> Lang {
    cookies(headers).get(LANG_COOKIE).and_then(|v| Lang::parse(v)).unwrap_or_default()
}

/// Render an error carried in the response extensions, in the user's language.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let lang = lang_from(req.headers());
    let here = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let is_get = req.method() == Method::GET;
    let resp = next.run(req).await;
    let Some(info) = resp.extensions().get::<ErrorInfo>().cloned() else {
        return resp;
    };
    let t = lang.t();
    let request_id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mut message = info.message.render(t);
    if let Some(label) = info.label {
        message = t.labeled(label, &message);
    }
    let mut out = if is_api {
        let mut body = serde_json::json!({ "code": info.code, "message": message, "field": info.field });
        if !info.rows.is_empty() {
            body["rows"] = serde_json::to_value(&info.rows).unwrap_or_default();
        }
        if info.status.is_server_error() {
            body["request_id"] = request_id.clone().into();
        }
        (info.status, axum::Json(body)).into_response()
    } else if info.code == "unauthenticated" {
        let next = if is_get && here != "/" { format!("?next={}", urlencode(&here)) } else { String::new() };
        Redirect::to(&format!("/login{next}")).into_response()
    } else if info.code == "password_change_required" {
        Redirect::to("/account/password").into_response()
    } else {
        pages::error_page(lang, info.status, &message, &request_id, &info.rows).into_response()
    };
    for name in [header::SET_COOKIE, header::RETRY_AFTER, header::HeaderName::from_static("x-request-id")] {
        for v in resp.headers().get_all(&name) {
            out.headers_mut().append(name.clone(), v.clone());
        }
    }
    if let Some(s) = info.retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    out
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The client address: the peer, or — only when the peer is a trusted proxy — the rightmost
/// untrusted address in `X-Forwarded-For` (ASVS 15.3.4: spoofed headers are ignored).
fn client_ip(req: &Request, state: &AppState) -> String {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let Some(peer) = peer else { return "local".into() };
    if state.settings.trusted_proxies.contains(&peer)
        && let Some(xff) = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
    {
        for hop in xff.split(',').rev() {
            if let Ok(ip) = hop.trim().parse::<std::net::IpAddr>()
                && !state.settings.trusted_proxies.contains(&ip)
            {
                return ip.to_string();
            }
        }
    }
    peer.to_string()
}

/// Build the principal for a user row: grants with their units resolved.
pub async fn principal_for(state: &AppState, user: &auth::entity::user::Model) -> Result<Principal, sea_orm::DbErr> {
    let grants = load_grants(&state.db.read, UserId(user.id)).await?;
    Ok(Principal {
        user_id: UserId(user.id),
        user_uuid: user.uuid,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        person_id: user.person_id.map(PersonId),
        grants,
        must_change_password: user.must_change_password,
    })
}

/// Paths a user who must change their password may still reach.
fn allowed_before_password_change(path: &str) -> bool {
    path == "/account/password" || path == "/logout" || path == "/lang" || path.starts_with("/static/")
}

/// Identify the caller, enforce timeouts and CSRF, and install the [`Ctx`].
pub async fn session_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let now = state.clock.now();
    let secure = state.settings.secure_cookies();
    let jar = cookies(req.headers());
    let policy = state.policy().await;
    let mut set: Vec<String> = Vec::new();
    let mut ctx = Ctx {
        request_id: hex::encode(crate::crypto::random_bytes::<6>()),
        ip: client_ip(&req, &state),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
        lang: jar.get(LANG_COOKIE).and_then(|v| Lang::parse(v)).unwrap_or_default(),
        now,
        today: crate::clock::beijing_date(now),
        principal: None,
        session: None,
        via_token: false,
        pre_csrf: String::new(),
        flash: None,
        path: req.uri().path().to_string(),
        session_expired: false,
        unread: 0,
    };
    let sid_name = auth::session_cookie_name(secure);

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_string());
    if let Some(token) = bearer {
        let found = match auth::find_token(&state.db.read, &token, now).await {
            Ok(t) => t,
            Err(e) => return with_id(AppError::from(e).into_response(), &ctx.request_id),
        };
        let user = match &found {
            Some(t) => auth::find_user(&state.db.read, UserId(t.user_id)).await.ok().flatten(),
            None => None,
        };
        match (found, user) {
            (Some(t), Some(u)) if !u.disabled => {
                match principal_for(&state, &u).await {
                    Ok(p) => ctx.principal = Some(Arc::new(p)),
                    Err(e) => return with_id(AppError::from(e).into_response(), &ctx.request_id),
                }
                ctx.via_token = true;
                if t.last_used_at.is_none_or(|l| now - l >= chrono::Duration::seconds(60)) {
                    let _ = state.touch_token(t.id, now).await;
                }
            }
            _ => return with_id(AppError::Unauthenticated.into_response(), &ctx.request_id),
        }
    } else if let Some(token) = jar.get(sid_name) {
        match auth::find_session(&state.db.read, token, now, &policy).await {
            Err(e) => return with_id(AppError::from(e).into_response(), &ctx.request_id),
            Ok(None) => set.push(clear_cookie(sid_name, secure)),
            Ok(Some(Err((s, why)))) => {
                set.push(clear_cookie(sid_name, secure));
                ctx.session_expired = true;
                let ev = Event::new(
                    match why {
                        SessionEnd::Idle => "session.idle_timeout",
                        SessionEnd::Absolute => "session.lifetime_end",
                    },
                    "user",
                    s.user_id,
                );
                let actor = crate::audit::Actor {
                    user_id: Some(s.user_id),
                    ip: ctx.ip.clone(),
                    request_id: ctx.request_id.clone(),
                    ..Default::default()
                };
                let _ = state.end_session(&s.id, &actor, ev, now).await;
            }
            Ok(Some(Ok(s))) => {
                let user = match auth::find_user(&state.db.read, UserId(s.user_id)).await {
                    Ok(u) => u,
                    Err(e) => return with_id(AppError::from(e).into_response(), &ctx.request_id),
                };
                match user {
                    Some(u) if !u.disabled => {
                        match principal_for(&state, &u).await {
                            Ok(p) => ctx.principal = Some(Arc::new(p)),
                            Err(e) => return with_id(AppError::from(e).into_response(), &ctx.request_id),
                        }
                        if ctx.principal.is_some() {
                            if !jar.contains_key(LANG_COOKIE)
                                && let Some(l) = u.lang.as_deref().and_then(Lang::parse)
                            {
                                ctx.lang = l;
                            }
                            let _ = auth::touch_session(&state.db.write, &s, now).await;
                            ctx.session = Some(SessionRef { id: s.id.clone(), csrf: s.csrf.clone() });
                            // The top bar's unread count, for pages (one indexed count).
                            if let (true, Some(pid)) =
                                (req.method() == axum::http::Method::GET && !ctx.path.starts_with("/api/"), u.person_id)
                            {
                                ctx.unread =
                                    crate::features::inbox::repo::unread_count(&state.db.read, pid).await.unwrap_or(0);
                            }
                        }
                    }
                    _ => {
                        let _ = auth::delete_user_sessions(&state.db.write, UserId(s.user_id), None).await;
                        set.push(clear_cookie(sid_name, secure));
                    }
                }
            }
        }
    }

    if ctx.session.is_none() && !ctx.via_token {
        match jar.get(PRE_CSRF_COOKIE).filter(|v| v.len() >= 32 && v.len() <= 64) {
            Some(v) => ctx.pre_csrf = v.clone(),
            None => {
                ctx.pre_csrf = crate::crypto::random_token(24);
                set.push(set_cookie(PRE_CSRF_COOKIE, &ctx.pre_csrf, secure, None));
            }
        }
    }
    if let Some(f) = jar.get(FLASH_COOKIE) {
        if ctx.lang.t().has(f) && f.starts_with("flash.") {
            ctx.flash = Some(f.clone());
        }
        set.push(clear_cookie(FLASH_COOKIE, secure));
    }

    let unsafe_method = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if unsafe_method && !ctx.via_token {
        let (checked, reason) = match check_csrf(req, &ctx, state.settings.max_upload_mb).await {
            Ok(r) => (Some(r), None),
            Err(reason) => (None, Some(reason)),
        };
        match checked {
            Some(r) => req = r,
            None => {
                let reason = reason.unwrap_or("csrf");
                if reason == "too_large" {
                    return finish(
                        AppError::TooLarge { max_mb: state.settings.max_upload_mb }.into_response(),
                        set,
                        &ctx,
                    );
                }
                let ev = Event::new("csrf.rejected", "route", ctx.path.clone())
                    .outcome(Outcome::Denied)
                    .detail(serde_json::json!({"reason": reason}));
                if let Ok(txn) = state.db.begin().await
                    && audit::record(&txn, state.crypto.as_ref(), &ctx.actor(), ev, now).await.is_ok()
                {
                    let _ = txn.commit().await;
                }
                return finish(AppError::forbidden("error.csrf").into_response(), set, &ctx);
            }
        }
    }

    if let Some(p) = &ctx.principal
        && p.must_change_password
        && !ctx.via_token
        && !allowed_before_password_change(&ctx.path)
    {
        return finish(AppError::PasswordChangeRequired.into_response(), set, &ctx);
    }

    req.extensions_mut().insert(state.clone());
    req.extensions_mut().insert(ctx.clone());
    let resp = next.run(req).await;
    finish(resp, set, &ctx)
}

fn with_id(mut resp: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

fn finish(mut resp: Response, set: Vec<String>, ctx: &Ctx) -> Response {
    for c in set {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    with_id(resp, &ctx.request_id)
}

/// Browsers mark where a request came from. `Sec-Fetch-Site` is set by the browser itself and
/// cannot be forged by page scripts; `Origin` must name this host. Under our
/// `Referrer-Policy: no-referrer`, Chromium sends `Origin: null` on same-origin form posts, so
/// `null` is accepted only together with `Sec-Fetch-Site: same-origin`.
fn same_origin(req: &Request) -> bool {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let fetch_site = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return false;
    }
    match req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some("null") => fetch_site == Some("same-origin"),
        Some(origin) => {
            let o = origin.split("://").nth(1).unwrap_or("");
            !host.is_empty() && o == host
        }
    }
}

/// CSRF for cookie-authenticated (and anonymous) state changes: same origin, plus the
/// synchroniser token from the `X-CSRF-Token` header, the `_csrf` query parameter (multipart
/// forms) or the `_csrf` field of a url-encoded form. Returns the request, body restored.
async fn check_csrf(req: Request, ctx: &Ctx, max_mb: u64) -> Result<Request, &'static str> {
    if !same_origin(&req) {
        return Err("cross_origin");
    }
    let expected = ctx.csrf().to_string();
    if expected.is_empty() {
        return Err("no_token");
    }
    let matches = |got: &str| bool::from(got.as_bytes().ct_eq(expected.as_bytes()));
    if let Some(h) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return if matches(h) { Ok(req) } else { Err("bad_token") };
    }
    if let Some(q) = req.uri().query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        && let Some((_, v)) = pairs.iter().find(|(k, _)| k == "_csrf")
    {
        return if matches(v) { Ok(req) } else { Err("bad_token") };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err("no_token");
    }
    let (parts, body) = req.into_parts();
    let limit = (max_mb as usize) * 1024 * 1024;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| "too_large")?;
    let ok = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| matches(&v)))
        .unwrap_or(false);
    if !ok {
        return Err("bad_token");
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A 303 to `to` that leaves a one-shot message for the next page.
pub fn redirect_with_flash(to: &str, flash_key: &'static str, secure: bool) -> Response {
    let mut r = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(FLASH_COOKIE, flash_key, secure, Some(60))) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Fallback for unknown paths: the usual 404.
pub async fn not_found() -> Response {
    AppError::NotFound.into_response()
}

/// Status code helper for tests and handlers.
pub fn status_of(r: &Response) -> StatusCode {
    r.status()
}
