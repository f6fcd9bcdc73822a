//! Who the app is, and who else works, on a server: the account a token signs in as (the
//! app acts as that user in the server's labeling queues) and the users with a role in a
//! project (whom a queue may name), both kept in the cache for offline use.

use super::{blocking, Engine};
use crate::remote::Result;

impl Engine {
    /// Learns who the token signs in as (`GET /me`, once per engine: a new token or server
    /// makes a new engine) and records it for every project of this server that does not say
    /// so yet: the app acts as that user in the server's labeling queues.
    pub async fn ensure_account(&self) -> Result<()> {
        let server = self.remote.base().to_string();
        let known = self.account.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let name = match known {
            Some(name) => {
                let probe = server.clone();
                if !blocking(&self.store, move |s| s.account_missing(&probe)).await? {
                    return Ok(());
                }
                name
            }
            None => self.remote.me().await?.name,
        };
        *self.account.lock().unwrap_or_else(|p| p.into_inner()) = Some(name.clone());
        blocking(&self.store, move |s| s.set_account(&server, &name)).await
    }

    /// Fetches who has a role in the synced project `project` (whom its queues may name) and
    /// keeps the list in the cache; a local project, or one of another server, is left alone.
    pub async fn refresh_people(&self, project: i64) -> Result<()> {
        let all = blocking(&self.store, |s| s.synced_projects()).await?;
        let Some(synced) = all.into_iter().find(|s| s.project == project && s.server == self.remote.base()) else { return Ok(()) };
        let Some(info) = self.remote.projects().await?.into_iter().find(|p| p.uuid == synced.uuid) else { return Ok(()) };
        let names = self.remote.people(info.id).await?;
        blocking(&self.store, move |s| s.set_people(project, &names)).await
    }
}
