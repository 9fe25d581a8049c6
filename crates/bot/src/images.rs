//! Images `backline serve` serves itself, for a platform that shows an image only by URL: Slack's
//! image block, when the bot may not upload files (no `files:write`).
//!
//! Each image gets its own unguessable path: a token of 128 random bits from the operating
//! system, so nobody can list or guess the images, which show catalog data. An image expires
//! after [`ImageStore::ttl`] (Slack fetches it when the message is posted and keeps its own copy
//! for a while) and the cache is bounded in count and bytes, oldest out first, so a burst of
//! questions cannot grow the process. An unknown, expired or malformed token is a plain 404.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ring::rand::{SecureRandom, SystemRandom};

/// Random bytes in a token (128 bits), written as 32 lower-case hex digits.
const TOKEN_BYTES: usize = 16;

/// Served images, by token.
pub struct ImageStore {
    inner: Mutex<Inner>,
    ttl: Duration,
    max_images: usize,
    max_bytes: usize,
    random: SystemRandom,
}

#[derive(Default)]
struct Inner {
    images: HashMap<String, (Bytes, Instant)>,
    /// Tokens oldest first; every image lives as long, so this is also expiry order.
    order: VecDeque<String>,
    bytes: usize,
}

impl Inner {
    fn evict_oldest(&mut self) {
        if let Some(token) = self.order.pop_front()
            && let Some((png, _)) = self.images.remove(&token)
        {
            self.bytes -= png.len();
        }
    }
}

impl ImageStore {
    /// A day: long past Slack's first fetch of an image block, short enough that old links die.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);
    pub const DEFAULT_MAX_IMAGES: usize = 512;
    pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

    pub fn new(ttl: Duration, max_images: usize, max_bytes: usize) -> ImageStore {
        ImageStore {
            inner: Mutex::new(Inner::default()),
            ttl,
            max_images: max_images.max(1),
            max_bytes,
            random: SystemRandom::new(),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Keeps `png` and returns its token; `None` when it is larger than the whole cache or the
    /// operating system gave no random bytes.
    pub fn put(&self, png: Vec<u8>) -> Option<String> {
        if png.len() > self.max_bytes {
            return None;
        }
        let mut raw = [0u8; TOKEN_BYTES];
        self.random.fill(&mut raw).ok()?;
        let token = hex::encode(raw);
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some(oldest) = inner.order.front() {
            let expired = inner.images.get(oldest).is_none_or(|(_, until)| *until <= now);
            if !expired {
                break;
            }
            inner.evict_oldest();
        }
        while !inner.order.is_empty()
            && (inner.order.len() >= self.max_images || inner.bytes + png.len() > self.max_bytes)
        {
            inner.evict_oldest();
        }
        inner.bytes += png.len();
        inner.images.insert(token.clone(), (Bytes::from(png), now + self.ttl));
        inner.order.push_back(token.clone());
        Some(token)
    }

    /// The image of `token`, while it has not expired.
    pub fn get(&self, token: &str) -> Option<Bytes> {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (png, until) = inner.images.get(token)?;
        (*until > Instant::now()).then(|| png.clone())
    }

    /// Images held now (expired ones included until a new image pushes them out).
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for ImageStore {
    fn default() -> Self {
        ImageStore::new(Self::DEFAULT_TTL, Self::DEFAULT_MAX_IMAGES, Self::DEFAULT_MAX_BYTES)
    }
}

/// The path an image is served at under `prefix`: `{prefix}/{token}.png`.
pub fn path(prefix: &str, token: &str) -> String {
    format!("{prefix}/{token}.png")
}

/// `GET {prefix}/{token}.png` for every image of `store`. `prefix` is the platform's own
/// (`/slack/charts`).
pub fn router(prefix: &str, store: Arc<ImageStore>) -> Router {
    Router::new().route(&format!("{prefix}/{{file}}"), get(image)).with_state(store)
}

async fn image(State(store): State<Arc<ImageStore>>, Path(file): Path<String>) -> Response {
    let token = file.strip_suffix(".png").unwrap_or_default();
    let well_formed = token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    match well_formed.then(|| store.get(token)).flatten() {
        Some(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "private, max-age=3600"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            png,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_128_bits() {
        let store = ImageStore::default();
        let a = store.put(vec![1]).unwrap();
        let b = store.put(vec![2]).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(store.get(&a).as_deref(), Some(&[1u8][..]));
        assert_eq!(store.get("0".repeat(32).as_str()), None);
    }

    #[test]
    fn the_cache_is_bounded_in_count_and_bytes_oldest_out_first() {
        let store = ImageStore::new(Duration::from_secs(60), 2, 10);
        let a = store.put(vec![0; 4]).unwrap();
        let b = store.put(vec![0; 4]).unwrap();
        let c = store.put(vec![0; 4]).unwrap();
        assert_eq!((store.get(&a), store.len()), (None, 2), "count bound");
        let d = store.put(vec![0; 6]).unwrap();
        assert!(store.get(&b).is_none() && store.get(&c).is_some() && store.get(&d).is_some(), "byte bound");
        assert!(store.put(vec![0; 11]).is_none(), "larger than the cache");
    }

    #[test]
    fn images_expire() {
        let store = ImageStore::new(Duration::ZERO, 8, 1024);
        let a = store.put(vec![1, 2, 3]).unwrap();
        assert_eq!(store.get(&a), None);
        store.put(vec![4]).unwrap();
        assert_eq!(store.len(), 1, "expired images make room first");
    }
}
