//! Fault tests on the real binary: `kill -9` in the middle of a stream of writes loses nothing
//! that was acknowledged and leaves an audit chain that verifies; PostgreSQL going away while
//! the server is serving gives clear 503 answers, and the server recovers by itself when the
//! database comes back.
//!
//! The database outage is made by a TCP relay between the server and PostgreSQL: dropping the
//! relay's connections and refusing new ones is what a restart looks like from the server's
//! side, without disturbing the PostgreSQL the other tests share.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::helpers::{Backend, drop_pg_db, fresh_pg_db, in_ci};

const BIN: &str = env!("CARGO_BIN_EXE_qinglian");

/// One HTTP/1.1 exchange on a fresh connection: (status, body). Errors are I/O errors (the
/// server is gone).
async fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&serde_json::Value>,
) -> std::io::Result<(u16, String)> {
    let mut s = tokio::time::timeout(Duration::from_secs(15), TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::other("connect timeout"))??;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .map_err(|_| std::io::Error::other("read timeout"))??;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

fn command(dir: &Path, db: Option<&str>) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir).arg("--data-dir").arg(dir.join("data")).env_remove("DATABASE_URL").env("QINGLIAN_LOG", "warn");
    if let Some(u) = db {
        c.env("DATABASE_URL", u);
    }
    c
}

/// A server process that is killed when the test ends, passing or failing (no orphans).
struct Server(Child);

impl Server {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Start `serve` on a free port; returns the process and its address once it listens.
fn serve(dir: &Path, db: Option<&str>) -> (Server, String) {
    let mut child = command(dir, db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://127.0.0.1:") {
                let addr: String =
                    line[i + 7..].chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
                let _ = tx.send(addr);
            }
        }
    });
    let server = Server(child);
    let addr = rx.recv_timeout(Duration::from_secs(60)).expect("server did not start");
    (server, addr)
}

/// A demo organisation with an API token for the 派驻组 login (its first password change done,
/// as an operator would have), and a person in its scope.
async fn prepare(dir: &Path, db: Option<&str>) -> (String, String) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let o = command(dir, db).args(["demo", "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let url = match db {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", dir.join("data/qinglian.db").display()),
    };
    let d = qinglian::db::Db::connect(&qinglian::config::Secret::new(url), &Default::default()).await.unwrap();
    let user = qinglian::auth::find_user_by_name(&d.read, "jjz").await.unwrap().unwrap();
    qinglian::auth::entity::user::Entity::update_many()
        .col_expr(qinglian::auth::entity::user::Column::MustChangePassword, Expr::value(false))
        .filter(qinglian::auth::entity::user::Column::Id.eq(user.id))
        .exec(&d.write)
        .await
        .unwrap();
    let tok =
        qinglian::auth::create_token(&d.write, qinglian::ids::UserId(user.id), "faults", None, chrono::Utc::now())
            .await
            .unwrap();
    let dh = qinglian::features::org::repo::find_unit_by_code(&d.read, "QY-DH").await.unwrap().unwrap();
    let person = qinglian::features::org::entity::person::Entity::find()
        .filter(qinglian::features::org::entity::person::Column::UnitId.eq(dh.id))
        .one(&d.read)
        .await
        .unwrap()
        .unwrap();
    d.close().await;
    (tok.token, person.uuid.to_string())
}

fn measure(person: &str, tag: &str) -> serde_json::Value {
    serde_json::json!({"person": person, "kind": "talk_reminder", "decided_on": "2026-01-05", "body": "驻局纪检监察组", "basis": tag})
}

async fn kill_nine_story(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match fresh_pg_db("kill9").await {
            Some(x) => Some(x),
            None => return,
        },
    };
    let db = pg.as_ref().map(|(u, _)| u.as_str());
    let (token, person) = prepare(dir.path(), db).await;
    let (mut child, addr) = serve(dir.path(), db);
    // Four writers stream measures; each remembers what the server acknowledged.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (addr, token, person, acked, stop) =
            (addr.clone(), token.clone(), person.clone(), acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut k = 0;
            while !stop.load(Ordering::SeqCst) {
                let body = measure(&person, &format!("kill9-{w}-{k}"));
                match http(&addr, "POST", "/api/v1/discipline/measures", &token, Some(&body)).await {
                    Ok((201, b)) => {
                        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
                        acked.lock().unwrap().push(v["id"].as_str().unwrap().to_string());
                    }
                    Ok((s, b)) => panic!("writer {w}: {s} {b}"),
                    Err(_) => break,
                }
                k += 1;
            }
        }));
    }
    let start = Instant::now();
    while acked.lock().unwrap().len() < 60 && start.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGKILL while writes are in flight.
    child.kill();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 60, "only {} writes acknowledged", acked.len());
    // After a restart every acknowledged write is there.
    let (mut child, addr) = serve(dir.path(), db);
    for id in &acked {
        let (s, b) = http(&addr, "GET", &format!("/api/v1/discipline/measures/{id}"), &token, None).await.unwrap();
        assert_eq!(s, 200, "acknowledged measure {id} lost: {b}");
    }
    child.kill();
    let o = command(dir.path(), db).args(["audit", "verify"]).output().unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    if let Some((_, name)) = pg {
        drop_pg_db(&name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_during_writes_loses_nothing_acknowledged_sqlite() {
    kill_nine_story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_during_writes_loses_nothing_acknowledged_postgres() {
    kill_nine_story(Backend::Postgres).await;
}

/// A TCP relay to PostgreSQL that can be taken down (existing connections cut, new ones
/// refused) and brought back on the same port.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (u, g) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { continue };
                if !u.load(Ordering::SeqCst) {
                    // Down: refuse by closing at once (like a server that is not there).
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let my_gen = g.load(Ordering::SeqCst);
                let g2 = g.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else { return };
                    let (mut ri, mut wi) = inbound.split();
                    let (mut ro, mut wo) = outbound.split();
                    let cut = async {
                        while g2.load(Ordering::SeqCst) == my_gen {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy(&mut ri, &mut wo) => {}
                        _ = tokio::io::copy(&mut ro, &mut wi) => {}
                        _ = cut => {}
                    }
                });
            }
        });
        Relay { port, up, generation }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_gives_503_and_the_server_recovers() {
    let Some((url, name)) = fresh_pg_db("outage").await else {
        assert!(!in_ci(), "PostgreSQL is required in CI");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (token, person) = prepare(dir.path(), Some(&url)).await;
    // The server reaches PostgreSQL through the relay.
    let target = url.split('@').nth(1).and_then(|s| s.split('/').next()).unwrap_or("127.0.0.1:5432").to_string();
    let relay = Relay::start(target.clone()).await;
    let relayed = url.replacen(&target, &format!("127.0.0.1:{}", relay.port), 1);
    let (mut child, addr) = serve(dir.path(), Some(&relayed));
    let (s, _) =
        http(&addr, "POST", "/api/v1/discipline/measures", &token, Some(&measure(&person, "before"))).await.unwrap();
    assert_eq!(s, 201);
    // Down: every request answers quickly and clearly, never hangs, never a 500.
    relay.down();
    // Let the relay cut the connections the pool holds.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut saw_503 = 0;
    let mut seen = Vec::new();
    for k in 0..4 {
        let started = Instant::now();
        let (s, b) = if k % 2 == 0 {
            http(&addr, "GET", "/api/v1/discipline/measures", &token, None).await.unwrap()
        } else {
            http(&addr, "POST", "/api/v1/discipline/measures", &token, Some(&measure(&person, "during"))).await.unwrap()
        };
        assert!(started.elapsed() < Duration::from_secs(12), "request hung {:?}", started.elapsed());
        assert_ne!(s, 500, "{b}");
        seen.push((s, b.chars().take(120).collect::<String>()));
        if s == 503 {
            saw_503 += 1;
            let v: serde_json::Value = serde_json::from_str(&b).unwrap();
            assert_eq!(v["code"], "unavailable", "{b}");
            assert!(v["message"].as_str().unwrap().contains("数据库"), "{b}");
        }
    }
    assert_eq!(saw_503, 4, "every request answers 503 while the database is away: {seen:?}");
    // Back: the same server recovers without a restart.
    relay.up();
    let started = Instant::now();
    let mut ok = false;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok((201, _)) =
            http(&addr, "POST", "/api/v1/discipline/measures", &token, Some(&measure(&person, "after"))).await
        {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ok, "the server did not recover");
    let (s, b) = http(&addr, "GET", "/api/v1/discipline/measures?q=during", &token, None).await.unwrap();
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&b).unwrap()["total"],
        0,
        "a refused write left nothing behind"
    );
    child.kill();
    let o = command(dir.path(), Some(&url)).args(["audit", "verify"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    drop_pg_db(&name).await;
}
