//! `qinglian admin …`: recovery from the server console, for when no administrator can log in.
//! Every action is audited with the actor `cli:admin`.

use std::sync::Arc;

use crate::{
    audit::{self, Actor, Event},
    auth::{self, password},
    clock::SystemClock,
    config::Settings,
    startup::AppState,
};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Give a user a new one-time password (printed once); they must change it at login.
    ResetPassword { username: String },
    /// Lift a login lock before it expires.
    Unlock { username: String },
}

pub async fn run(settings: Settings, cmd: Command) -> anyhow::Result<()> {
    let state = AppState::init(settings, Arc::new(SystemClock)).await?;
    let now = state.clock.now();
    let policy = state.policy().await;
    let name = match &cmd {
        Command::ResetPassword { username } | Command::Unlock { username } => username.clone(),
    };
    let Some(user) = auth::find_user_by_name(&state.db.read, &name).await? else {
        anyhow::bail!("找不到用户 {name}");
    };
    let actor = Actor::cli("admin");
    let txn = state.db.begin().await?;
    match cmd {
        Command::ResetPassword { .. } => {
            let pw = crate::crypto::one_time_password();
            let hash = password::hash_async(pw.clone()).await;
            crate::features::accounts::repo::set_password(
                &txn,
                user.id,
                &hash,
                true,
                Some(now + chrono::Duration::hours(policy.temp_password_hours.into())),
                now,
            )
            .await?;
            auth::delete_user_sessions(&txn, crate::ids::UserId(user.id), None).await?;
            audit::record(
                &txn,
                state.crypto.as_ref(),
                &actor,
                Event::new("user.password_reset", "user", user.uuid),
                now,
            )
            .await?;
            txn.commit().await?;
            println!("用户 {} 的一次性密码：{pw}", user.username);
            println!("（{} 小时内有效，首次登录须修改；该用户原有会话已全部结束）", policy.temp_password_hours);
        }
        Command::Unlock { .. } => {
            crate::features::accounts::repo::clear_lock(&txn, user.id).await?;
            audit::record(&txn, state.crypto.as_ref(), &actor, Event::new("user.unlock", "user", user.uuid), now)
                .await?;
            txn.commit().await?;
            println!("已解除用户 {} 的登录锁定。", user.username);
        }
    }
    Ok(())
}
