//! The engine's outbox step: a filled-in form saved durably at once, and delivered exactly once
//! whatever the network does.

use super::{Deliver, Engine, Summary, SyncError, refused_for_good, retry_delay};
use crate::net::ClientError;
use crate::store;
use std::time::Duration;

impl Engine {
    /// Saves a submission to the outbox (sealed, durable) and asks for prompt delivery. The
    /// receipt is valid from this moment, whether or not the network is up.
    pub async fn submit(
        &self,
        form_id: protocol::ContentId,
        form_version: u32,
        answers: protocol::submission::FormAnswers,
    ) -> Result<crate::store::Saved, SyncError> {
        let saved = store::blocking(&self.store, move |s| {
            s.enqueue(&form_id, form_version, &answers)
        })
        .await?;
        self.outbox_changed.notify_one();
        Ok(saved)
    }

    /// Sends every due submission, oldest first. A submission leaves the outbox only when the
    /// server confirms it; a resend of one the server already stored is confirmed too, so each
    /// is stored exactly once whatever the network does. Stops at the first network failure.
    pub async fn deliver_outbox(
        &self,
        deliver: Deliver,
        summary: &mut Summary,
    ) -> Result<(), SyncError> {
        let due = store::blocking(&self.store, move |s| match deliver {
            Deliver::Due => s.due(),
            Deliver::All => s.all_pending(),
        })
        .await?;
        let mut pending = due.into_iter();
        for item in pending.by_ref() {
            match self.client.submit(&item.upload).await {
                Ok(_) => {
                    let id = item.upload.id.clone();
                    store::blocking(&self.store, move |s| s.delivered(&id)).await?;
                    summary.delivered += 1;
                }
                Err(e) if e.code().is_some_and(refused_for_good) => {
                    let code = e.code().expect("matched on a code");
                    tracing::warn!(receipt = %item.upload.receipt, error = %e, "submission refused for good; kept");
                    let (id, message) = (item.upload.id.clone(), e.to_string());
                    store::blocking(&self.store, move |s| s.refuse(&id, code, &message)).await?;
                    summary.refused += 1;
                }
                Err(e) => {
                    summary.undelivered += 1;
                    let e = SyncError::from(e);
                    let retry = retry_delay(
                        &e,
                        item.attempts + 1,
                        Duration::from_secs(2),
                        self.config.max_backoff,
                    );
                    let (id, message) = (item.upload.id.clone(), e.to_string());
                    store::blocking(&self.store, move |s| s.failed(&id, &message, retry)).await?;
                    // A busy server (503, 429) is sent nothing more now, like an unreachable one.
                    if let SyncError::Client(c @ ClientError::Server { .. }) = &e
                        && !c.is_busy()
                    {
                        // Refused for now (e.g. the server is failing); the others may still go.
                        tracing::warn!(receipt = %item.upload.receipt, error = %e, "submission refused; retrying later");
                        continue;
                    }
                    summary.undelivered += pending.len();
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}
