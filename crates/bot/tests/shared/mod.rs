//! What the Slack and Discord test support share: an HTTP client for the server under test and a
//! fake question engine that records what it was asked. Each support module includes this file
//! and adds its platform's requests (signed like Slack or like Discord) and canned answers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use backline_answer::{Answer, Query};
use backline_bot::engine::{Ask, EngineError, QuestionEngine};
use futures_util::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A plain HTTP/1.1 client for talking to the server under test.
pub struct HttpClient {
    client: Client<HttpConnector, Full<Bytes>>,
    pub base: String,
}

pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl HttpResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl HttpClient {
    pub fn new(addr: SocketAddr) -> HttpClient {
        HttpClient { client: Client::builder(TokioExecutor::new()).build_http(), base: format!("http://{addr}") }
    }

    /// POSTs `body` to `path` with a content type and headers.
    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
    ) -> HttpResponse {
        let mut builder = hyper::Request::post(format!("{}{path}", self.base)).header("content-type", content_type);
        for (k, v) in headers {
            builder = builder.header(*k, v.as_str());
        }
        self.request(builder.body(Full::new(Bytes::from(body))).unwrap()).await
    }

    pub async fn get(&self, path: &str) -> HttpResponse {
        let req = hyper::Request::get(format!("{}{path}", self.base)).body(Full::new(Bytes::new())).unwrap();
        self.request(req).await
    }

    pub async fn request(&self, req: hyper::Request<Full<Bytes>>) -> HttpResponse {
        let resp = self.client.request(req).await.expect("request failed");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        HttpResponse { status, headers, body }
    }
}

/// Records what was asked and answers with `answer`; answers after `delay`, except searches
/// (autocomplete), which must stay fast.
pub struct FakeEngine {
    pub asked: Mutex<Vec<Ask>>,
    pub delay: Duration,
    answer: fn(&Ask) -> Answer,
    /// The catalog version it reports; `None` (the default): answers are never reused.
    pub version: Mutex<Option<u64>>,
}

impl FakeEngine {
    pub fn answering(answer: fn(&Ask) -> Answer, delay: Duration) -> Arc<FakeEngine> {
        Arc::new(FakeEngine { asked: Mutex::new(Vec::new()), delay, answer, version: Mutex::new(None) })
    }

    pub fn asked(&self) -> Vec<Ask> {
        self.asked.lock().unwrap().clone()
    }
}

impl QuestionEngine for FakeEngine {
    fn answer<'a>(&'a self, ask: &'a Ask) -> BoxFuture<'a, Result<Answer, EngineError>> {
        self.asked.lock().unwrap().push(ask.clone());
        Box::pin(async move {
            let searching = matches!(ask, Ask::Query(Query::Search { .. }));
            if !self.delay.is_zero() && !searching {
                tokio::time::sleep(self.delay).await;
            }
            Ok((self.answer)(ask))
        })
    }

    fn version(&self) -> BoxFuture<'_, Option<u64>> {
        let version = *self.version.lock().unwrap();
        Box::pin(async move { version })
    }
}
