//! `/revoke`: the holder revokes their own certificate without an account, by proving they hold its private
//! key. The `.p12` is opened here with its password; the key signs the Worker's single-use challenge in
//! WebCrypto; only the signature and the reason are sent. The file, its password and the key stay in the page.

use der::{Decode, Encode};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::revocation::{CertificateStatus, PossessionProof, RevocationChallenge, RevokeRequest};
use shared::encoding::{base64url_encode, hex};
use shared::pkcs12;
use shared::revocation::{RevocationReason, possession_message};
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, js_error, local_error};
use crate::keys;

#[derive(Clone)]
enum Stage {
    Form,
    Working,
    Revoked(CertificateStatus),
}

/// The revocation page.
#[component]
pub fn RevokePage() -> impl IntoView {
    let stage = RwSignal::new(Stage::Form);
    let error = RwSignal::new(None::<ApiError>);
    let password = RwSignal::new(String::new());
    let reason = RwSignal::new(RevocationReason::KeyCompromise);
    let confirmed = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let file = file_input.get().and_then(|input| input.files()).and_then(|files| files.get(0));
        let Some(file) = file else {
            error.set(Some(field_error(
                "file_missing",
                "file",
                "Choose the .p12 or .pfx file that holds the certificate.",
            )));
            return;
        };
        if !confirmed.get_untracked() {
            error.set(Some(field_error(
                "confirmation_missing",
                "confirm",
                "Tick the box: revocation cannot be undone.",
            )));
            return;
        }
        stage.set(Stage::Working);
        let password = password.get_untracked();
        let reason = reason.get_untracked();
        spawn_local(async move {
            match revoke(file, &password, reason).await {
                Ok(status) => stage.set(Stage::Revoked(status)),
                Err(problem) => {
                    error.set(Some(problem));
                    stage.set(Stage::Form);
                }
            }
        });
    };

    let reasons = RevocationReason::ALL
        .into_iter()
        .filter(|reason| reason.holder_may_give())
        .map(|option| view! { <option value=option.as_str() selected=option == RevocationReason::KeyCompromise>{option.description()}</option> })
        .collect_view();

    view! {
        <section class="revoke">
            <h1>"Revoke a certificate"</h1>
            {move || error.get().map(|problem| view! {
                <p class="error" role="alert" data-testid="error" data-code=problem.code.clone()>{problem.message}</p>
            })}
            {move || match stage.get() {
                Stage::Revoked(status) => view! {
                    <p data-testid="revoked">
                        "Certificate " <code data-testid="revoked-serial">{status.serial.clone()}</code>
                        " is revoked: relying parties that check the CRL or OCSP now refuse it. Remove the .p12 "
                        "file from your devices; if you still need a certificate, ask your organization for a new one."
                    </p>
                }.into_any(),
                stage => view! {
                    <p>
                        "Lost the key, left the organization, or no longer need the certificate? Open your .p12 file "
                        "here with its password: this page proves to Keyward that you hold the key by signing a "
                        "one-time challenge. The file, its password and the key never leave this page."
                    </p>
                    <form on:submit=submit>
                        <label>"Certificate file (.p12 or .pfx) "
                            <input type="file" accept=".p12,.pfx,application/x-pkcs12" node_ref=file_input
                                data-testid="revoke-file" />
                        </label>
                        <label>"Its password "
                            <input type="password" autocomplete="current-password" data-testid="revoke-password"
                                on:input=move |event| password.set(event_target_value(&event)) />
                        </label>
                        <label>"Reason "
                            <select data-testid="revoke-reason" on:change=move |event| {
                                if let Some(chosen) = RevocationReason::parse(&event_target_value(&event)) {
                                    reason.set(chosen);
                                }
                            }>{reasons.clone()}</select>
                        </label>
                        <label>
                            <input type="checkbox" data-testid="revoke-confirm"
                                on:change=move |event| confirmed.set(event_target_checked(&event)) />
                            " I understand that revocation is permanent."
                        </label>
                        <button type="submit" data-testid="revoke-submit"
                            disabled=matches!(stage, Stage::Working)>"Revoke the certificate"</button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

fn field_error(code: &str, field: &str, message: &str) -> ApiError {
    ApiError { code: code.into(), field: Some(field.into()), message: message.into() }
}

/// Opens the bundle, gets a challenge, signs it with the bundle's key and asks for the revocation.
async fn revoke(file: web_sys::File, password: &str, reason: RevocationReason) -> Result<CertificateStatus, ApiError> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(js_error)?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let opened = pkcs12::open(&bytes, password).map_err(|error| {
        field_error(
            "bundle_unreadable",
            "password",
            &format!("The file could not be opened with this password: {error}"),
        )
    })?;
    let certificate_der =
        opened.certificates_der.first().ok_or_else(|| local_error("the file holds no certificate"))?.clone();
    let certificate = x509_cert::Certificate::from_der(&certificate_der)
        .map_err(|error| local_error(&format!("the certificate cannot be read: {error}")))?;
    let serial = hex(certificate.tbs_certificate().serial_number().as_bytes());
    let key_type =
        keys::key_type_of_certificate(&certificate.to_der().map_err(|error| local_error(&error.to_string()))?)?;
    let challenge: RevocationChallenge =
        api::post(&format!("/api/v1/certificates/{serial}/revocation-challenge"), &serde_json::json!({})).await?;
    let message = possession_message(&serial, reason, &challenge.challenge);
    let signature = keys::sign_with_private_key(&opened.private_key_pkcs8_der, key_type, &message).await?;
    let request = RevokeRequest {
        reason,
        proof: Some(PossessionProof { challenge: challenge.challenge, signature: base64url_encode(&signature) }),
    };
    api::post(&format!("/api/v1/certificates/{serial}/revocation"), &request).await
}
