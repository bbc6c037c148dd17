//! Streamable HTTP sessions in the [`SessionTable`]: rmcp's `LocalSessionManager` whose
//! sessions take the slot the HTTP layer reserved for the request that creates them, and whose
//! transports carry the table entry and the session gauge.
//!
//! The transport lives exactly as long as the session's service task, whichever way the
//! session ends (DELETE, idle expiry, revocation, shutdown), so dropping it is the one reliable
//! place to count a session closed and remove its entry. The table closes a session by
//! cancelling its token: the transport then reports end of input and rmcp winds it down.
//!
//! [`SessionTable`]: super::sessions::SessionTable

use std::sync::Arc;

use futures::Stream;
use rmcp::RoleServer;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::transport::common::server_side_http::ServerSseMessage;
use rmcp::transport::streamable_http_server::session::EventStore;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::{RestoreOutcome, SessionId, SessionManager};
use tokio_util::sync::CancellationToken;

use super::sessions::{SessionEntry, take_slot};
use crate::telemetry::metrics::SessionGauge;

/// The transport of one Streamable HTTP session: counted by the gauge, registered in the
/// table, and ended when the table cancels it.
pub struct Counted<T> {
    inner: T,
    cancel: CancellationToken,
    _entry: SessionEntry,
    _gauge: SessionGauge,
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for Counted<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    fn receive(&mut self) -> impl Future<Output = Option<RxJsonRpcMessage<RoleServer>>> + Send {
        let cancel = self.cancel.clone();
        let next = self.inner.receive();
        async move {
            tokio::select! {
                m = next => m,
                // Closed by the table: end of input, so rmcp winds the session down.
                () = cancel.cancelled() => None,
            }
        }
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

/// Why a Streamable HTTP session could not be created.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// rmcp's own error.
    #[error(transparent)]
    Local(#[from] LocalSessionManagerError),
    /// The request had no reserved slot: sessions are only created through the HTTP layer
    /// that checks the caps (fail closed).
    #[error(
        "no session slot was reserved for this request; sessions are created only by initialize through the HTTP layer"
    )]
    NoSlot,
}

/// `LocalSessionManager`, with sessions registered in the [`SessionTable`].
pub struct CountingSessionManager {
    inner: LocalSessionManager,
}

impl CountingSessionManager {
    /// rmcp's local manager with its own idle timeout off: the table's sweep decides when a
    /// session is idle, counting open streams as activity (rmcp's timer does not).
    pub fn new() -> Self {
        let mut inner = LocalSessionManager::default();
        inner.session_config.keep_alive = None;
        CountingSessionManager { inner }
    }
}

impl Default for CountingSessionManager {
    fn default() -> Self {
        CountingSessionManager::new()
    }
}

impl SessionManager for CountingSessionManager {
    type Error = SessionError;
    type Transport = Counted<<LocalSessionManager as SessionManager>::Transport>;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let slot = take_slot().ok_or(SessionError::NoSlot)?;
        let (id, transport) = self.inner.create_session().await?;
        let cancel = CancellationToken::new();
        let entry = slot.bind(&id, cancel.clone(), 0);
        Ok((
            id,
            Counted {
                inner: transport,
                cancel,
                _entry: entry,
                _gauge: SessionGauge::open("streamable_http"),
            },
        ))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        Ok(self.inner.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        Ok(self.inner.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_stream(id, message).await?)
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_standalone_stream(id).await?)
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.resume(id, last_event_id).await?)
    }

    async fn restore_session(
        &self,
        _id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        // No session store is configured: a session unknown here is gone (404), never
        // recreated without its owner and slot.
        Ok(RestoreOutcome::NotSupported)
    }

    fn event_store(&self) -> Option<Arc<dyn EventStore>> {
        self.inner.event_store()
    }
}
