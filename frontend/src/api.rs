//! A typed client for the Worker's JSON API, over the `shared` request and response types: each call names the
//! endpoint it makes (`shared::api::…`), whose declaration gives the method and the path; no path is spelled
//! here or by the pages.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::order::FieldErrorsBody;
use shared::api::{ApiError, Endpoint, ErrorBody};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCredentials, RequestInit, Response};

/// Calls `endpoint` (its declared method, its path with `parameters` filled in order by [`Endpoint::url`]) with
/// no body, decoding the success body as `T` and any error body as [`ApiError`]. The URL is built now, so the
/// future borrows nothing.
pub fn call<T: DeserializeOwned>(
    endpoint: &Endpoint,
    parameters: &[&str],
) -> impl Future<Output = Result<T, ApiError>> + use<T> {
    let (method, url) = (endpoint.method.as_str(), endpoint.url(parameters));
    async move { send(&url, method, None).await }
}

/// [`call`] with a query string ([`Endpoint::url_with_query`]): a page of a list.
pub fn call_with_query<T: DeserializeOwned>(
    endpoint: &Endpoint,
    parameters: &[&str],
    query: &[(&str, &str)],
) -> impl Future<Output = Result<T, ApiError>> + use<T> {
    let (method, url) = (endpoint.method.as_str(), endpoint.url_with_query(parameters, query));
    async move { send(&url, method, None).await }
}

/// [`call`] with a JSON body.
pub fn call_with<B: Serialize, T: DeserializeOwned>(
    endpoint: &Endpoint,
    parameters: &[&str],
    body: &B,
) -> impl Future<Output = Result<T, ApiError>> + use<B, T> {
    let (method, url) = (endpoint.method.as_str(), endpoint.url(parameters));
    let body = serde_json::to_string(body).map_err(|error| local_error(&error.to_string()));
    async move { send(&url, method, Some(body?)).await }
}

/// [`call_with`], keeping every problem of a refusal: a `422` [`FieldErrorsBody`] gives its whole list (the order
/// form shows each beside its field); any other error is a list of one.
pub fn call_listing_errors<B: Serialize, T: DeserializeOwned>(
    endpoint: &Endpoint,
    parameters: &[&str],
    body: &B,
) -> impl Future<Output = Result<T, Vec<ApiError>>> + use<B, T> {
    let (method, url) = (endpoint.method.as_str(), endpoint.url(parameters));
    let body = serde_json::to_string(body).map_err(|error| vec![local_error(&error.to_string())]);
    async move {
        let (response, text) = exchange(&url, method, Some(body?)).await.map_err(|problem| vec![problem])?;
        if !response.ok()
            && let Ok(body) = serde_json::from_str::<FieldErrorsBody>(&text)
        {
            return Err(if body.errors.is_empty() { vec![body.error] } else { body.errors });
        }
        decode(&response, &text).map_err(|problem| vec![problem])
    }
}

/// Every request is a same-origin `fetch` that carries the session cookie (HttpOnly: the page never reads it).
async fn send<T: DeserializeOwned>(path: &str, method: &str, body: Option<String>) -> Result<T, ApiError> {
    let (response, text) = exchange(path, method, body).await?;
    decode(&response, &text)
}

/// Sends one request and reads its whole answer as text.
async fn exchange(path: &str, method: &str, body: Option<String>) -> Result<(Response, String), ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(&body));
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(js_error)?;
    request.headers().set("Content-Type", "application/json").map_err(js_error)?;
    request.headers().set("Accept", "application/json").map_err(js_error)?;
    let response =
        JsFuture::from(leptos::prelude::window().fetch_with_request(&request)).await.map_err(|_| network_error())?;
    let response: Response = response.dyn_into().map_err(js_error)?;
    let text = JsFuture::from(response.text().map_err(js_error)?).await.map_err(|_| network_error())?;
    Ok((response, text.as_string().unwrap_or_default()))
}

/// The success body as `T`, or the error body as an [`ApiError`].
fn decode<T: DeserializeOwned>(response: &Response, text: &str) -> Result<T, ApiError> {
    if response.ok() {
        // An empty answer (`204 No Content`) reads as JSON `null`, which is what `()` and `Option` decode from.
        let text = if text.is_empty() { "null" } else { text };
        serde_json::from_str(text).map_err(|error| local_error(&format!("unexpected answer: {error}")))
    } else {
        Err(serde_json::from_str::<ErrorBody>(text).map(|body| body.error).unwrap_or_else(|_| ApiError {
            code: format!("http_{}", response.status()),
            field: None,
            message: format!("The server answered {} {}.", response.status(), response.status_text()),
        }))
    }
}

fn network_error() -> ApiError {
    ApiError {
        code: "network".into(),
        field: None,
        message: "Keyward could not be reached. Check your connection and try again: nothing was lost.".into(),
    }
}

/// An error raised in the browser, in the API's shape so the page shows every failure the same way.
pub fn local_error(message: &str) -> ApiError {
    ApiError { code: "browser".into(), field: None, message: message.into() }
}

/// A JavaScript exception as an [`ApiError`].
pub fn js_error(error: JsValue) -> ApiError {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown browser error".into());
    local_error(&message)
}
