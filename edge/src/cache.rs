//! The CA repository's answer cache (the Workers Cache API, `caches.default`): OCSP answers and the issuing CA's
//! CRL, so an anonymous flood of the same question neither reads D1 nor signs per request. One job: the keys, and
//! get, put and forget.
//!
//! Keys are synthetic GET URLs under the configured repository URL (`KEYWARD_REPOSITORY_URL`, never a request's
//! host, so every route to the Worker shares them): the CRL under its own URL, and an OCSP answer under
//! `…/ocsp/cached/<hex of the CertID, DER>`, so the POST and GET forms of one question share an entry. Only the
//! CertIDs a revocation can name (`shared::ocsp::Responder::cert_ids`: SHA-1 or SHA-256, parameters NULL or absent,
//! the serial minimal) are kept, so [`AnswerCache::forget_revoked`] forgets every answer about a serial.
//!
//! **Per data centre.** The Cache API keeps entries in the data centre that stored them and never replicates them;
//! a revocation forgets the entries of the data centre it ran in, right after its batch commits, so there the next
//! answer is read from D1 and states it. Elsewhere an answer stored before the revocation is served until its
//! entry expires: [`OCSP_ENTRY_SECONDS`] and [`CRL_ENTRY_SECONDS`] (five minutes) bound that staleness, far
//! inside the Baseline Requirements' 24 hours and shorter than the `Cache-Control` clients are given. The same
//! bound covers a race in one data centre: an answer read from D1 just before a revocation committed and stored
//! just after it forgot the entry. The Cache API does nothing on `*.workers.dev`; the repository needs a custom
//! domain for the cache to work (everything still answers without it, from D1).
//!
//! A cache failure never fails an answer: it is logged, and the answer is made from D1 as without a cache.

use worker::{Cache, Env, Response, console_error};

use crate::error::AppError;
use crate::locations::{OCSP_PATH, ca_locations, repository_url};

/// How long an OCSP answer is kept: five minutes, the staleness a revocation can have in another data centre.
/// Shorter than the `Cache-Control` the answer states (an hour) and its validity (four days).
pub const OCSP_ENTRY_SECONDS: i64 = 300;
/// How long the CRL is kept: five minutes, as OCSP answers; shorter than its `Cache-Control` (an hour) and its
/// seven days of validity.
pub const CRL_ENTRY_SECONDS: i64 = 300;
/// The response header that says whether an answer came from the cache: `hit`, `miss` (made from D1, and kept), or
/// `bypass` (made from D1, not kept: several certificates, another issuer, an error, a nonce kept for a
/// non-canonical question).
pub const HEADER: &str = "Keyward-Cache";

/// Where an answer came from, as [`HEADER`] states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// From the cache: no D1 read, no signature.
    Hit,
    /// Made from D1 and kept for the next request.
    Miss,
    /// Made from D1 and not kept.
    Bypass,
}

impl Outcome {
    /// The header's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Bypass => "bypass",
        }
    }
}

/// The cache, with the repository URL its keys hang from.
pub struct AnswerCache {
    repository: String,
}

impl AnswerCache {
    /// The cache of this deployment's repository (`KEYWARD_REPOSITORY_URL`).
    pub fn from_env(env: &Env) -> Result<Self, AppError> {
        Ok(Self { repository: repository_url(env)? })
    }

    /// The key of the answer to one OCSP question, a `CertID` (DER).
    pub fn ocsp_key(&self, cert_id_der: &[u8]) -> String {
        format!("{}{OCSP_PATH}/cached/{}", self.repository, shared::encoding::hex(cert_id_der))
    }

    /// The key of the issuing CA's CRL: its URL.
    pub fn crl_key(&self) -> String {
        ca_locations(&self.repository).crl_url
    }

    /// The kept body under `key`, if any.
    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let found: worker::Result<Option<Vec<u8>>> = async {
            match Cache::default().get(key, false).await? {
                Some(mut response) => Ok(Some(response.bytes().await?)),
                None => Ok(None),
            }
        }
        .await;
        found.unwrap_or_else(|error| log("looking up", key, error))
    }

    /// Keeps `body` under `key` for `seconds`.
    pub async fn put(&self, key: &str, body: &[u8], content_type: &str, seconds: i64) {
        let stored = async {
            let mut response = Response::from_bytes(body.to_vec())?;
            response.headers_mut().set("Content-Type", content_type)?;
            response.headers_mut().set("Cache-Control", &format!("public, max-age={seconds}"))?;
            Cache::default().put(key, response).await
        };
        if let Err(error) = stored.await {
            log::<()>("storing", key, error);
        }
    }

    /// Forgets every answer about the revoked certificates (each of `cert_ids`: the OCSP questions that name them,
    /// from `Responder::cert_ids`) and the CRL, after the revocation's batch committed.
    pub async fn forget_revoked(&self, cert_ids: &[Vec<u8>]) {
        for cert_id in cert_ids {
            self.forget(&self.ocsp_key(cert_id)).await;
        }
        self.forget_crl().await;
    }

    /// Forgets the CRL, after a new one was stored.
    pub async fn forget_crl(&self) {
        self.forget(&self.crl_key()).await;
    }

    async fn forget(&self, key: &str) {
        if let Err(error) = Cache::default().delete(key, false).await {
            log::<()>("forgetting", key, error);
        }
    }
}

/// Logs a cache failure (the answer goes on without the cache) and gives nothing.
fn log<T>(doing: &str, key: &str, error: worker::Error) -> Option<T> {
    console_error!("answer cache: {doing} {key} failed: {error}");
    None
}
