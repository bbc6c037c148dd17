//! Holding a guard until a response body has been written to its end: a streamed response
//! (an SSE stream, the SSE answer to a POST) is only complete when its body ends, so what
//! counts it (in-flight requests, open streams, a busy session) must live as long as the body.

use axum::body::Body;
use axum::response::Response;

/// `response` with `guard` dropped only when its body ends (or is dropped unread).
pub fn keep_until_body_ends<G: Send + 'static>(response: Response, guard: G) -> Response {
    let (parts, body) = response.into_parts();
    let body = Body::from_stream(GuardedBody {
        inner: body.into_data_stream(),
        _guard: guard,
    });
    Response::from_parts(parts, body)
}

struct GuardedBody<S, G> {
    inner: S,
    _guard: G,
}

impl<S: futures::Stream + Unpin, G> futures::Stream for GuardedBody<S, G> {
    type Item = S::Item;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::pin::Pin::new(&mut self.inner).poll_next(cx)
    }
}

impl<S: Unpin, G> Unpin for GuardedBody<S, G> {}
