//! `/revoke`: the holder revokes their own certificate without an account, by proving they hold its private
//! key. The `.p12` is opened here with its password; the key signs the Worker's single-use challenge in
//! WebCrypto; only the signature and the reason are sent. The file, its password and the key stay in the page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::revocation::{
    CertificateStatus, PossessionProof, REVOCATION_CHALLENGE, REVOKE_CERTIFICATE, RevocationChallenge, RevokeRequest,
};
use shared::encoding::base64url_encode;
use shared::revocation::{RevocationReason, possession_message};

use crate::api;
use crate::i18n::{self, Lang, error_line, field_error, use_i18n};
use crate::possession::Held;

#[derive(Clone)]
enum Stage {
    Form,
    Working,
    Revoked(CertificateStatus),
}

/// The revocation page.
#[component]
pub fn RevokePage() -> impl IntoView {
    let t = use_i18n();
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
        let lang = t.lang_untracked();
        let Some(file) = file else {
            error.set(Some(field_error("file_missing", "file", i18n::texts(lang).revoke_file_missing)));
            return;
        };
        if !confirmed.get_untracked() {
            error.set(Some(field_error(
                "confirmation_missing",
                "confirm",
                i18n::texts(lang).revoke_confirmation_missing,
            )));
            return;
        }
        stage.set(Stage::Working);
        let password = password.get_untracked();
        let reason = reason.get_untracked();
        spawn_local(async move {
            match revoke(file, &password, reason, lang).await {
                Ok(status) => stage.set(Stage::Revoked(status)),
                Err(problem) => {
                    error.set(Some(problem));
                    stage.set(Stage::Form);
                }
            }
        });
    };

    let reasons = move || {
        let lang = t.lang();
        let chosen = reason.get_untracked();
        RevocationReason::ALL
            .into_iter()
            .filter(|reason| reason.subscriber_may_give())
            .map(|option| view! { <option value=option.as_str() selected=option == chosen>{option.description(lang)}</option> })
            .collect_view()
    };

    view! {
        <section class="revoke">
            <h1>{t.text(|texts| texts.revoke_title)}</h1>
            {move || error.get().map(|problem| error_line(problem, t))}
            {move || match stage.get() {
                Stage::Revoked(status) => Some(view! {
                    <p data-testid="revoked">
                        {t.text(|texts| texts.revoked_before)} <code data-testid="revoked-serial">{status.serial.clone()}</code>
                        {t.text(|texts| texts.revoked_after)}
                    </p>
                }),
                _ => None,
            }}
            // Rendered once while nothing is revoked, not at each stage: a refused try keeps the chosen file.
            <Show when=move || !matches!(stage.get(), Stage::Revoked(_))>
                <p>{t.text(|texts| texts.revoke_intro)}</p>
                <form on:submit=submit>
                    <label>{t.text(|texts| texts.certificate_file)}
                        <input type="file" name="file" accept=".p12,.pfx,application/x-pkcs12" node_ref=file_input
                            data-testid="revoke-file" />
                    </label>
                    <label>{t.text(|texts| texts.its_password)}
                        <input type="password" name="password" autocomplete="current-password" data-testid="revoke-password"
                            on:input=move |event| password.set(event_target_value(&event)) />
                    </label>
                    <label>{t.text(|texts| texts.reason)}
                        <select data-testid="revoke-reason" on:change=move |event| {
                            if let Some(chosen) = RevocationReason::parse(&event_target_value(&event)) {
                                reason.set(chosen);
                            }
                        }>{reasons}</select>
                    </label>
                    <label>
                        <input type="checkbox" name="confirm" data-testid="revoke-confirm"
                            on:change=move |event| confirmed.set(event_target_checked(&event)) />
                        {t.text(|texts| texts.revoke_understand)}
                    </label>
                    <button type="submit" data-testid="revoke-submit"
                        disabled=move || matches!(stage.get(), Stage::Working)>{t.text(|texts| texts.revoke_submit)}</button>
                </form>
            </Show>
        </section>
    }
}

/// Opens the bundle, gets a challenge, signs it with the bundle's key and asks for the revocation.
async fn revoke(
    file: web_sys::File,
    password: &str,
    reason: RevocationReason,
    lang: Lang,
) -> Result<CertificateStatus, ApiError> {
    let held = Held::open(file, password, lang).await?;
    let serial = held.serial.clone();
    let challenge: RevocationChallenge =
        api::call_with(&REVOCATION_CHALLENGE, &[&serial], &serde_json::json!({})).await?;
    let signature = held.sign(&possession_message(&serial, reason, &challenge.challenge)).await?;
    let request = RevokeRequest {
        reason,
        proof: Some(PossessionProof { challenge: challenge.challenge, signature: base64url_encode(&signature) }),
    };
    api::call_with(&REVOKE_CERTIFICATE, &[&serial], &request).await
}
