//! `/test-enrollment`: the holder proves, in this browser, that they hold a certificate's private key and that the
//! certificate is valid now, and the certificate becomes *installed* (issue 13.4). As `/revoke` does, the `.p12` is
//! opened here with its password and its key signs the Worker's single-use challenge in WebCrypto; only the
//! signature is sent. No account is needed: possession is the credential.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::installation::{
    INSTALLATION_CHALLENGE, Installation, InstallationChallenge, InstallationProof, InstalledBy, RECORD_INSTALLATION,
};
use shared::encoding::{base64url_encode, utc_date_time};
use shared::installation::installation_message;

use crate::api;
use crate::i18n::{error_line, field_error, use_i18n};
use crate::possession::Held;

#[derive(Clone)]
enum Stage {
    Form,
    Working,
    Installed(Installation),
}

/// The test enrollment page.
#[component]
pub fn TestEnrollmentPage() -> impl IntoView {
    let t = use_i18n();
    let stage = RwSignal::new(Stage::Form);
    let error = RwSignal::new(None::<ApiError>);
    let password = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let text = move |english: &'static str, french: &'static str| move || t.lang().pick(english, french);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let lang = t.lang_untracked();
        let Some(file) = file_input.get().and_then(|input| input.files()).and_then(|files| files.get(0)) else {
            let message = lang.pick("Choose your .p12 file.", "Choisissez votre fichier .p12.");
            error.set(Some(field_error("file_missing", "file", message)));
            return;
        };
        stage.set(Stage::Working);
        let password = password.get_untracked();
        spawn_local(async move {
            match test(file, &password, lang).await {
                Ok(installation) => stage.set(Stage::Installed(installation)),
                Err(problem) => {
                    error.set(Some(problem));
                    stage.set(Stage::Form);
                }
            }
        });
    };

    view! {
        <section class="revoke">
            <h1>{text("Test enrollment", "Tester l’installation")}</h1>
            {move || error.get().map(|problem| error_line(problem, t))}
            {move || match stage.get() {
                Stage::Installed(installation) => Some(view! {
                    <p data-testid="installed">
                        {move || t.lang().pick("Installed on ", "Installé le ")}
                        <time data-testid="installed-at">{utc_date_time(installation.installed_at)}</time>
                        {move || t.lang().pick(" by this browser: certificate ", " par ce navigateur : certificat ")}
                        <code data-testid="installed-serial">{installation.serial.clone()}</code>"."
                    </p>
                }),
                _ => None,
            }}
            // Rendered once while the test is not done, not at each stage: a refused try keeps the chosen file.
            <Show when=move || !matches!(stage.get(), Stage::Installed(_))>
                <p>{text(
                    "Open the .p12 file you saved: the page signs a single-use challenge with its key, and Keyward \
                     checks the signature, that the certificate is valid now and not revoked. The file, its password \
                     and the key stay in this page.",
                    "Ouvrez le fichier .p12 enregistré : la page signe un défi à usage unique avec sa clé, et Keyward \
                     vérifie la signature, la validité du certificat et qu’il n’est pas révoqué. Le fichier, son mot \
                     de passe et la clé restent dans cette page.",
                )}</p>
                <form on:submit=submit>
                    <label>{text("Certificate file (.p12)", "Fichier du certificat (.p12)")}
                        <input type="file" name="file" accept=".p12,.pfx,application/x-pkcs12" node_ref=file_input
                            data-testid="test-file" />
                    </label>
                    <label>{text("Its password", "Son mot de passe")}
                        <input type="password" name="password" autocomplete="current-password" data-testid="test-password"
                            on:input=move |event| password.set(event_target_value(&event)) />
                    </label>
                    <button type="submit" data-testid="test-submit"
                        disabled=move || matches!(stage.get(), Stage::Working)>{text("Test", "Tester")}</button>
                </form>
            </Show>
        </section>
    }
}

/// Opens the bundle, gets a challenge, signs it with the bundle's key and records the installation.
async fn test(file: web_sys::File, password: &str, lang: shared::lang::Lang) -> Result<Installation, ApiError> {
    let held = Held::open(file, password, lang).await?;
    let serial = held.serial.clone();
    let challenge: InstallationChallenge =
        api::call_with(&INSTALLATION_CHALLENGE, &[&serial], &serde_json::json!({})).await?;
    let signature = held.sign(&installation_message(&serial, &challenge.challenge)).await?;
    let proof = InstallationProof {
        challenge: challenge.challenge,
        signature: base64url_encode(&signature),
        by: InstalledBy::Browser,
    };
    api::call_with(&RECORD_INSTALLATION, &[&serial], &proof).await
}
