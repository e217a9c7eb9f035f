//! A request pasted or uploaded on the order form, read off the page's thread (issue 16).
//!
//! Reading a request takes the DER decoder, `x509-cert` and the key decoders: that weighed on the order form's
//! bundle (its first load) and, run as the user typed, on its main thread. So the packaging worker reads it
//! ([`crate::offload::read_order_csr`], the operation `read_order_csr`): [`OrderCsrReading::of`] runs there and
//! sends back the key the request asks for and what it carries ([`shared::csr_explain::CsrContents`]). What
//! depends on the rest of the form stays in the page and follows it as it changes, without asking the worker
//! again: the key against the chosen profile ([`verdict`], [`shared::api::policy::Policy::precheck`]), the
//! prefill and the explanation ([`super::csr_explain`]).
//!
//! Each recipient row has a [`CsrReader`]: a text is read after a short pause in typing, and an answer is kept
//! only for the text it was read from, so a late answer for an older text never shows beside a newer one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use shared::api::ApiError;
use shared::api::policy::Policy;
use shared::csr::PublicKey;
use shared::csr_explain::CsrContents;
use shared::profile::ProfileId;

use super::order_texts::csr_refused;
use crate::i18n::Lang;

/// How long typing pauses before a text is read: a paste is one change, typing is many.
const PAUSE_MILLISECONDS: i32 = 250;

/// What the packaging worker read from one request text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCsrReading {
    /// The key the request asks for ([`shared::csr::requested_key`]), or why it cannot be used, in its words.
    pub key: Result<PublicKey, String>,
    /// What the request carries ([`shared::csr_explain::read`]), when it can be read.
    pub contents: Option<CsrContents>,
}

impl OrderCsrReading {
    /// Reads `text` (in the packaging worker: the page does not link this). The signature is not verified here,
    /// as before: the Worker verifies it when the order is placed.
    pub fn of(text: &str) -> Self {
        Self {
            key: shared::csr::requested_key(text).map_err(|error| error.to_string()),
            contents: shared::csr_explain::read(text).ok(),
        }
    }
}

/// A key as people read it.
fn key_name(key: &PublicKey) -> String {
    match key {
        PublicKey::Rsa { modulus_bits, .. } => format!("RSA {modulus_bits}"),
        PublicKey::EcP256 => "ECDSA P-256".into(),
        PublicKey::EcP384 => "ECDSA P-384".into(),
        PublicKey::Ed25519 => "Ed25519".into(),
    }
}

/// The page's pre-check of a read request: the key it asks for, accepted by the profile, or the reason it is
/// refused (the form's `csr_refused`).
///
/// # Errors
///
/// The sentence to show at `recipients[i].csr`.
pub fn verdict(policy: &Policy, profile: ProfileId, reading: &OrderCsrReading, lang: Lang) -> Result<String, String> {
    let key = reading.key.as_ref().map_err(|reason| csr_refused(lang, reason))?;
    policy.precheck(profile, key).map_err(|error| csr_refused(lang, &error.to_string()))?;
    Ok(key_name(key))
}

/// What a row knows of its request: the worker's answer, or why the worker could not answer.
pub type Answer = Result<OrderCsrReading, ApiError>;

/// One row's request reading: the last answer, keyed by the text it was read from.
#[derive(Clone, Copy)]
pub struct CsrReader {
    /// The last answer kept, with its text.
    answer: RwSignal<Option<(String, Answer)>>,
    /// The latest text asked for: only its answer is kept.
    latest: StoredValue<Option<String>>,
}

impl CsrReader {
    /// A reader for a new row; `text` is its request while one is to come now (`None` otherwise), read each time
    /// it changes.
    pub fn new(text: impl Fn() -> Option<String> + 'static) -> Self {
        let reader = Self { answer: RwSignal::new(None), latest: StoredValue::new(None) };
        Effect::new(move |_| {
            if let Some(text) = text().filter(|text| !text.trim().is_empty()) {
                reader.ask_after_pause(text);
            }
        });
        reader
    }

    /// The answer for `text`, once it has come (reactive); `None` while it is being read.
    pub fn answer(&self, text: &str) -> Option<Answer> {
        self.answer.with(|answer| answer.as_ref().filter(|(read, _)| read == text).map(|(_, answer)| answer.clone()))
    }

    /// [`Self::answer`], not tracked.
    pub fn answer_untracked(&self, text: &str) -> Option<Answer> {
        untrack(|| self.answer(text))
    }

    /// Reads `text` after a pause in typing, unless another text comes first or its answer is already kept.
    fn ask_after_pause(self, text: String) {
        if self.answer.with_untracked(|answer| answer.as_ref().is_some_and(|(read, _)| *read == text)) {
            self.latest.set_value(Some(text));
            return;
        }
        self.latest.set_value(Some(text.clone()));
        spawn_local(async move {
            pause(PAUSE_MILLISECONDS).await;
            if self.latest.with_value(|latest| latest.as_deref() == Some(text.as_str())) {
                self.read(text).await;
            }
        });
    }

    /// Reads `text` now, unless its answer is kept: what the submit waits for. The answer is kept, unless
    /// another text came meanwhile (the submit then reads that one).
    pub async fn read_now(self, text: String) {
        if self.answer_untracked(&text).is_none() {
            self.latest.set_value(Some(text.clone()));
            self.read(text).await;
        }
    }

    /// Has the worker read `text`; keeps the answer only if `text` is still the latest one asked for.
    async fn read(self, text: String) {
        let answer = crate::offload::read_order_csr(&text).await;
        if self.latest.try_with_value(|latest| latest.as_deref() == Some(text.as_str())) == Some(true) {
            self.answer.try_set(Some((text, answer)));
        }
    }
}

/// Waits `milliseconds` without blocking the page.
async fn pause(milliseconds: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
