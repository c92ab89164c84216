//! The test harness: a fresh database per test (a temp SQLite file, or a PostgreSQL database
//! copied from a migrated template), the real router, a manual clock, and a small cookie-aware
//! client that speaks forms and JSON.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use qinglian::{
    authz::Role,
    clock::ManualClock,
    config::{Secret, Settings},
    startup::{AppState, build_router},
};
use sea_orm::{ConnectionTrait, Database};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL tests connect (an admin URL on any database of the server).
pub fn pg_admin_url() -> Option<String> {
    std::env::var("QINGLIAN_TEST_PG").ok().filter(|s| !s.is_empty())
}

/// True under CI: skipping the PostgreSQL half is then a failure, not a shrug.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub fn start_time() -> DateTime<Utc> {
    // Monday 2 March 2026, 09:00 Beijing time.
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

pub const PASSWORD: &str = "Test-Pass#2026x";

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

fn with_db(url: &str, db: &str) -> String {
    // Replace the database name (the last path segment) of a postgres URL.
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let cut = base.rfind('/').filter(|i| *i > base.find("//").map(|j| j + 1).unwrap_or(0)).unwrap_or(base.len());
    let mut s = format!("{}/{db}", &base[..cut]);
    if let Some(q) = query {
        s.push('?');
        s.push_str(q);
    }
    s
}

/// A migrated template database, built once per test process.
async fn pg_template(admin: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let pid = std::process::id();
            let name = format!("qlt_tmpl_{pid}");
            let conn = Database::connect(admin).await.expect("connect to PostgreSQL admin URL");
            // Remove leftovers of earlier runs whose process is gone.
            let rows = conn
                .query_all_raw(sea_orm::Statement::from_string(
                    conn.get_database_backend(),
                    "SELECT datname FROM pg_database WHERE datname LIKE 'qlt_%'",
                ))
                .await
                .expect("list databases");
            for r in rows {
                let n: String = r.try_get("", "datname").unwrap();
                let owner_pid: Option<u32> =
                    n.split('_').nth(if n.starts_with("qlt_tmpl_") { 2 } else { 1 }).and_then(|p| p.parse().ok());
                if owner_pid.is_some_and(|p| p != pid && !std::path::Path::new(&format!("/proc/{p}")).exists()) {
                    let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)")).await;
                }
            }
            conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            conn.close().await.ok();
            let db = qinglian::db::Db::connect_and_migrate(&Secret::new(with_db(admin, &name)), &Default::default())
                .await
                .expect("migrate template");
            db.close().await;
            name
        })
        .await
        .clone()
}

/// A new, empty PostgreSQL database for a test that runs the binary itself. Returns its URL and
/// a closure-free handle to drop it later (`drop_pg_db`). `None` outside CI without PostgreSQL.
pub async fn fresh_pg_db(tag: &str) -> Option<(String, String)> {
    let Some(admin) = pg_admin_url() else {
        assert!(!in_ci(), "CI=true but QINGLIAN_TEST_PG is not set");
        eprintln!("SKIPPED (PostgreSQL): set QINGLIAN_TEST_PG to run");
        return None;
    };
    let name = format!("qlt_{}_{tag}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let conn = Database::connect(&admin).await.unwrap();
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    conn.close().await.ok();
    Some((with_db(&admin, &name), name))
}

pub async fn drop_pg_db(name: &str) {
    if let Some(admin) = pg_admin_url()
        && let Ok(conn) = Database::connect(&admin).await
    {
        let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
        conn.close().await.ok();
    }
}

/// A running application for one test.
pub struct TestApp {
    pub backend: Backend,
    pub state: AppState,
    pub router: Router,
    pub clock: ManualClock,
    pub _dir: tempfile::TempDir,
    pg_db: Option<(String, String)>,
}

impl TestApp {
    /// Start on the given backend. `None` when PostgreSQL is not configured (outside CI).
    pub async fn start(backend: Backend) -> Option<TestApp> {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg_db) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/q.db", dir.path().display()), None),
            Backend::Postgres => {
                let Some(admin) = pg_admin_url() else {
                    assert!(!in_ci(), "CI=true but QINGLIAN_TEST_PG is not set: PostgreSQL tests must run in CI");
                    eprintln!("SKIPPED (PostgreSQL): set QINGLIAN_TEST_PG to run");
                    return None;
                };
                let tmpl = pg_template(&admin).await;
                let name = format!("qlt_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
                let conn = Database::connect(&admin).await.unwrap();
                let mut tries = 0;
                loop {
                    match conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{tmpl}\"")).await {
                        Ok(_) => break,
                        Err(e) if tries < 20 => {
                            tries += 1;
                            let _ = e;
                            tokio::time::sleep(std::time::Duration::from_millis(50 * tries)).await;
                        }
                        Err(e) => panic!("create test database: {e}"),
                    }
                }
                conn.close().await.ok();
                (with_db(&admin, &name), Some((admin, name)))
            }
        };
        let settings = Settings {
            data_dir: dir.path().join("data"),
            database_url: Some(Secret::new(url)),
            jobs: false,
            pg_pool_size: 4,
            ..Default::default()
        };
        std::fs::create_dir_all(&settings.data_dir).unwrap();
        let clock = ManualClock::new(start_time());
        let state = AppState::init(settings, Arc::new(clock.clone())).await.expect("app state");
        let router = build_router(state.clone());
        Some(TestApp { backend, state, router, clock, _dir: dir, pg_db })
    }

    /// Close pools and drop the PostgreSQL database.
    pub async fn finish(self) {
        let TestApp { state, pg_db, .. } = self;
        state.db.clone().close().await;
        if let Some((admin, name)) = pg_db
            && let Ok(conn) = Database::connect(&admin).await
        {
            let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            conn.close().await.ok();
        }
    }

    /// A second server process on the same database (exactly-once and lease tests): its own
    /// pools, the same settings and the same clock.
    pub async fn second_state(&self) -> AppState {
        AppState::init(self.state.settings.clone(), Arc::new(self.clock.clone())).await.expect("second state")
    }

    pub fn client(&self) -> Client {
        Client { router: self.router.clone(), cookies: HashMap::new(), csrf: None, bearer: None }
    }

    /// Log in through the real form and return the client holding the session.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let mut c = self.client();
        let r = c.login(username, password).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {username}: {}", r.text);
        c
    }
}

/// Run a test body on both backends:
/// `dual_test!(name, |app: &TestApp| async move { … });`
#[macro_export]
macro_rules! dual_test {
    ($name:ident, |$app:ident: &TestApp| async move $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: &$crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::start($crate::helpers::Backend::Sqlite).await.unwrap();
                run(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = $crate::helpers::TestApp::start($crate::helpers::Backend::Postgres).await else { return };
                run(&app).await;
                app.finish().await;
            }
        }
    };
}

/// A response, body read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }

    /// The value of a hidden `_csrf` input in the page.
    pub fn csrf(&self) -> Option<String> {
        let i = self.text.find("name=\"_csrf\" value=\"")?;
        let rest = &self.text[i + 20..];
        Some(rest[..rest.find('"')?].to_string())
    }
}

/// A browser-like client: keeps cookies, finds the CSRF token in pages.
#[derive(Clone)]
pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let pair = s.split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                if s.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        let bytes = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let r = Resp { status, headers, text, bytes };
        if let Some(t) = r.csrf() {
            self.csrf = Some(t);
        }
        r
    }

    fn builder(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path).header(header::HOST, "localhost");
        if !self.cookies.is_empty() {
            let c = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            b = b.header(header::COOKIE, c);
        }
        if let Some(t) = &self.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        b
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = self.builder(Method::GET, path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    /// GET a page first when no token is known yet, so forms carry a valid `_csrf`.
    async fn ensure_csrf(&mut self) {
        if self.csrf.is_none() && self.bearer.is_none() {
            let _ = self.get("/login").await;
            if self.csrf.is_none() {
                let _ = self.get("/account").await;
            }
        }
    }

    /// POST a url-encoded form; `_csrf` is added from the last page seen.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.ensure_csrf().await;
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        if !fields.iter().any(|(k, _)| *k == "_csrf") {
            pairs.push(("_csrf", &token));
        }
        let body = serde_urlencoded::to_string(&pairs).unwrap();
        let req = self
            .builder(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// POST a form without adding any token (CSRF tests).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)], extra: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let mut b = self.builder(Method::POST, path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// A JSON request; the CSRF header is added for cookie sessions.
    pub async fn json(&mut self, method: Method, path: &str, body: &serde_json::Value) -> Resp {
        if self.bearer.is_none() {
            self.ensure_csrf().await;
        }
        let mut b = self.builder(method, path).header(header::CONTENT_TYPE, "application/json");
        if self.bearer.is_none() {
            b = b.header("x-csrf-token", self.csrf.clone().unwrap_or_default());
        }
        self.send(b.body(Body::from(body.to_string())).unwrap()).await
    }

    /// Upload a file as multipart `file`, token in the query string like the HTML form.
    pub async fn upload(&mut self, path: &str, filename: &str, bytes: &[u8]) -> Resp {
        self.multipart(path, &[], &[("file", filename, bytes)]).await
    }

    /// POST a multipart form: text fields and (field, file name, bytes) parts; the CSRF token
    /// goes in the query string like the HTML forms (or the header, for API calls).
    pub async fn multipart(&mut self, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Resp {
        self.ensure_csrf().await;
        let boundary = "qinglianTESTboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        for (field, filename, bytes) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let token = self.csrf.clone().unwrap_or_default();
        let uri = if self.bearer.is_some() { path.to_string() } else { format!("{path}{sep}_csrf={token}") };
        let mut b = self
            .builder(Method::POST, &uri)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        if self.bearer.is_none() && path.starts_with("/api/") {
            b = b.header("x-csrf-token", token);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Log in through the form. On success the landing page is fetched, so the client holds
    /// the session's CSRF token (not the pre-login one).
    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        let _ = self.get("/login").await;
        let r = self.post_form("/login", &[("username", username), ("password", password)]).await;
        if r.status == StatusCode::SEE_OTHER {
            self.csrf = None;
            let loc = r.location();
            let _ = self.get(&loc).await;
        }
        r
    }
}

/// The organisation used by most tests (security-bar.md §6 fixture, scaled down):
/// city C1 → 办公室, county A (→ 司法所 A1), county B; city C2 → county D.
pub struct Fixture {
    pub units: HashMap<&'static str, qinglian::features::org::entity::unit::Model>,
    pub people: HashMap<&'static str, qinglian::features::org::entity::person::Model>,
}

impl Fixture {
    pub fn unit(&self, k: &str) -> &qinglian::features::org::entity::unit::Model {
        &self.units[k]
    }
    pub fn person(&self, k: &str) -> &qinglian::features::org::entity::person::Model {
        &self.people[k]
    }
}

/// Build the fixture directly through the repositories (fast), with one account per role, all
/// with the password [`PASSWORD`] and no forced change.
pub async fn fixture(app: &TestApp) -> Fixture {
    use qinglian::{
        authz::repo::insert_grant,
        features::{
            accounts::repo::{NewUser, insert_user},
            org::{
                domain::{Gender, NewPerson, NewUnit, PersonStatus, PoliticalStatus, Rank, UnitKind},
                repo,
            },
        },
        ids::{UnitId, UserId},
    };
    let now = app.clock.now_utc();
    let today = qinglian::clock::beijing_date(now);
    let db = &app.state.db;
    let txn = db.begin().await.unwrap();
    let mut units = HashMap::new();
    let mk = |code: &str, name: &str, kind: UnitKind| NewUnit {
        code: code.into(),
        name: name.into(),
        kind,
        parent: None,
        sort_order: 0,
    };
    let c1 = repo::insert_unit(&txn, &mk("C1", "清源市司法局", UnitKind::City), None, now).await.unwrap();
    let office = repo::insert_unit(&txn, &mk("C1-BGS", "办公室", UnitKind::Department), Some(&c1), now).await.unwrap();
    let a = repo::insert_unit(&txn, &mk("A", "东湖区司法局", UnitKind::County), Some(&c1), now).await.unwrap();
    let a1 = repo::insert_unit(&txn, &mk("A-1", "城东司法所", UnitKind::JusticeOffice), Some(&a), now).await.unwrap();
    let b = repo::insert_unit(&txn, &mk("B", "西山区司法局", UnitKind::County), Some(&c1), now).await.unwrap();
    let c2 = repo::insert_unit(&txn, &mk("C2", "临川市司法局", UnitKind::City), None, now).await.unwrap();
    let d = repo::insert_unit(&txn, &mk("D", "南溪县司法局", UnitKind::County), Some(&c2), now).await.unwrap();
    for (k, u) in [("c1", c1), ("office", office), ("a", a), ("a1", a1), ("b", b), ("c2", c2), ("d", d)] {
        units.insert(k, u);
    }
    let mut people = HashMap::new();
    let specs: &[(&str, &str, &str, Rank)] = &[
        ("boss", "c1", "王局长", Rank::ZhengChu),
        ("clerk", "office", "李文书", Rank::Keyuan),
        ("a_head", "a", "张局长", Rank::ZhengKe),
        ("a_staff", "a", "赵干部", Rank::Keyuan),
        ("a1_staff", "a1", "周所员", Rank::Keyuan),
        ("b_head", "b", "陈局长", Rank::ZhengKe),
        ("b_staff", "b", "CANARY-B-钱", Rank::Keyuan),
        ("d_staff", "d", "孙干部", Rank::Keyuan),
        ("a_spare", "a", "冯干部", Rank::Keyuan),
    ];
    for (i, (k, u, name, rank)) in specs.iter().enumerate() {
        let unit = &units[u];
        let np = NewPerson {
            staff_no: Some(format!("P{:03}", i + 1)),
            name: name.to_string(),
            gender: Gender::Male,
            unit: unit.uuid,
            post: "综合岗".into(),
            rank: *rank,
            position: "科员".into(),
            political_status: PoliticalStatus::Cpc,
            leading_cadre: false,
            status: PersonStatus::Active,
            birth_date: None,
            post_since: None,
        };
        let p = repo::insert_person(&txn, &np, unit.id, None, today, now).await.unwrap();
        people.insert(*k, p);
    }
    let hash = qinglian::auth::password::hash(PASSWORD);
    type Account<'a> = (&'a str, Option<&'a str>, Option<(Role, &'a str)>);
    let accounts: &[Account] = &[
        ("sysadmin", None, Some((Role::SysAdmin, "c1"))),
        ("secadmin", None, Some((Role::SecAdmin, "c1"))),
        ("auditadmin", None, Some((Role::AuditAdmin, "c1"))),
        ("jjz", Some("boss"), Some((Role::Discipline, "c1"))),
        ("office", Some("clerk"), Some((Role::Office, "c1"))),
        ("leader_a", Some("a_head"), Some((Role::Leader, "a"))),
        ("liaison_a", Some("a_staff"), Some((Role::Liaison, "a"))),
        ("liaison_b", Some("b_head"), Some((Role::Liaison, "b"))),
        ("cadre_a", Some("a1_staff"), Some((Role::Cadre, "a1"))),
        ("nobody", Some("d_staff"), None),
    ];
    for (name, person, grant) in accounts {
        let u = insert_user(
            &txn,
            NewUser {
                username: name.to_string(),
                display_name: name.to_string(),
                person_id: person.map(|p| people[p].id),
                password_hash: hash.clone(),
                must_change_password: false,
                temp_password_expires_at: None,
            },
            now,
        )
        .await
        .unwrap();
        if let Some((role, unit)) = grant {
            insert_grant(&txn, UserId(u.id), *role, UnitId(units[unit].id), None, now).await.unwrap();
        }
    }
    txn.commit().await.unwrap();
    Fixture { units, people }
}

/// Small extension so tests can read the manual clock.
pub trait ClockExt {
    fn now_utc(&self) -> DateTime<Utc>;
}

impl ClockExt for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        use qinglian::clock::Clock;
        self.now()
    }
}

/// Count audit rows with this event name.
pub async fn audit_count(app: &TestApp, event: &str) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    qinglian::audit::entity::Entity::find()
        .filter(qinglian::audit::entity::Column::Event.eq(event))
        .count(&app.state.db.read)
        .await
        .unwrap()
}
