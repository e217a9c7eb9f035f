//! The enrollment page's other path (issue 16): "I have my own certificate request". The recipient pastes or
//! uploads a PKCS#10 request made elsewhere (`openssl req`, a server, a smart card's tool), which keeps its private
//! key; the page pre-checks it in the packaging worker (`crate::csr_precheck`, loaded only now), sends only the
//! request to the enrollment endpoint (the same pipeline and policy checks as a key made here), and offers the
//! certificate and its chain as PEM. No PKCS#12: the key never was in this page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::enrollment::{EnrollmentView, IssuedCertificate, SUBMIT_CSR, SubmitCsr};
use shared::lang::Lang;

use crate::i18n::{I18n, error_line, field_error, use_i18n};
use crate::{api, files, offload};

/// The largest request the page reads from a file: requests are a few kilobytes.
const MAX_REQUEST_BYTES: f64 = 64.0 * 1024.0;

/// Where the path stands.
#[derive(Clone)]
enum State {
    /// The form.
    Form,
    /// Checking, then sending.
    Working(&'static str, &'static str),
    /// Issued: the certificate, then the chain, PEM.
    Issued { serial: String, certificate: (String, String), chain: (String, String) },
}

/// The page's words, in `lang`.
fn words(lang: Lang, english: &'static str, french: &'static str) -> &'static str {
    lang.pick(english, french)
}

/// The "I have my own certificate request" path of an open link. `chosen` is true while the recipient follows
/// it (the enrollment page then hides its key generation).
#[component]
pub fn OwnCsr(
    /// The link's token.
    token: String,
    /// The link, as the page showed it.
    view: EnrollmentView,
    /// Whether the recipient chose this path.
    chosen: RwSignal<bool>,
) -> impl IntoView {
    let t = use_i18n();
    let state = RwSignal::new(State::Form);
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let view = StoredValue::new(view);
    let token = StoredValue::new(token);

    let on_file = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        let Some(file) = input.files().and_then(|list| list.get(0)) else { return };
        if file.size() > MAX_REQUEST_BYTES {
            error.set(Some(field_error(
                "csr_too_large",
                "csr",
                words(
                    t.lang_untracked(),
                    "This file is too large to be a certificate request.",
                    "Ce fichier est trop grand pour être une demande de certificat.",
                ),
            )));
            return;
        }
        spawn_local(async move {
            match files::read(&file).await {
                Ok(bytes) => {
                    error.set(None);
                    text.set(String::from_utf8_lossy(&bytes).into_owned());
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let csr = text.get_untracked();
        let lang = t.lang_untracked();
        if csr.trim().is_empty() {
            error.set(Some(field_error(
                "csr_missing",
                "csr",
                words(
                    lang,
                    "Paste your certificate request or choose its file.",
                    "Collez votre demande de certificat ou choisissez son fichier.",
                ),
            )));
            return;
        }
        error.set(None);
        state.set(State::Working("Checking your request…", "Vérification de votre demande…"));
        spawn_local(async move {
            match send(&token.get_value(), &view.get_value(), &csr, lang, state).await {
                Ok(issued) => state.set(issued),
                Err(problem) => {
                    error.set(Some(problem));
                    state.set(State::Form);
                }
            }
        });
    };

    view! {
        {move || (!chosen.get()).then(|| view! {
            <p class="hint">
                <button type="button" class="link" data-testid="own-csr-open" on:click=move |_| chosen.set(true)>
                    {move || words(t.lang(), "I have my own certificate request", "J’ai ma propre demande de certificat")}
                </button>
            </p>
        })}
        {move || chosen.get().then(|| view! {
            <section class="own-csr" data-testid="own-csr">
                {move || error.get().map(|problem| error_line(problem, t))}
                {move || match state.get() {
                    State::Form => form(text, on_file, submit, chosen, t).into_any(),
                    State::Working(english, french) => view! {
                        <h1>{move || words(t.lang(), "Your certificate request", "Votre demande de certificat")}</h1>
                        <p class="progress" data-testid="progress" aria-live="polite">{move || words(t.lang(), english, french)}</p>
                    }.into_any(),
                    State::Issued { serial, certificate, chain } => view! {
                        <h1>{move || words(t.lang(), "Your certificate is ready", "Votre certificat est prêt")}</h1>
                        <p>{move || words(t.lang(), "Serial number", "Numéro de série")} " "
                            <code data-testid="serial">{serial}</code></p>
                        <p><a class="button" data-testid="own-csr-certificate" href=certificate.0 download=certificate.1.clone()>
                            {move || words(t.lang(), "Download the certificate", "Télécharger le certificat")} " " {certificate.1.clone()}</a></p>
                        <p><a data-testid="own-csr-chain" href=chain.0 download=chain.1.clone()>
                            {move || words(t.lang(), "Download the certificate and its chain", "Télécharger le certificat et sa chaîne")} " " {chain.1.clone()}</a></p>
                        <p class="hint">{move || words(t.lang(),
                            "Both files are PEM. Install the certificate where your private key is: the key never came here.",
                            "Les deux fichiers sont en PEM. Installez le certificat là où se trouve votre clé privée : elle n’est jamais venue ici.")}</p>
                    }.into_any(),
                }}
            </section>
        })}
    }
}

/// The form: a text area, a file chooser, the submit button and the way back to a key made here.
fn form(
    text: RwSignal<String>,
    on_file: impl Fn(leptos::ev::Event) + 'static,
    submit: impl Fn(leptos::ev::SubmitEvent) + 'static,
    chosen: RwSignal<bool>,
    t: I18n,
) -> impl IntoView {
    view! {
        <h1>{move || words(t.lang(), "Your certificate request", "Votre demande de certificat")}</h1>
        <p class="hint">{move || words(t.lang(),
            "Paste a PKCS#10 request (PEM, “BEGIN CERTIFICATE REQUEST”), or choose its file. Only the request is sent; your private key stays where you made it.",
            "Collez une demande PKCS#10 (PEM, « BEGIN CERTIFICATE REQUEST »), ou choisissez son fichier. Seule la demande est envoyée ; votre clé privée reste là où vous l’avez créée.")}</p>
        <form on:submit=submit novalidate>
            <label>{move || words(t.lang(), "Certificate request (PEM)", "Demande de certificat (PEM)")}
                <textarea name="csr" rows="10" spellcheck="false" data-testid="own-csr-text"
                    prop:value=move || text.get() on:input=move |event| text.set(event_target_value(&event))></textarea>
            </label>
            <label>{move || words(t.lang(), "Or its file", "Ou son fichier")}
                <input type="file" name="csr-file" accept=".csr,.pem,.req,.p10" data-testid="own-csr-file" on:change=on_file />
            </label>
            <button type="submit" data-testid="own-csr-submit">
                {move || words(t.lang(), "Check and send the request", "Vérifier et envoyer la demande")}</button>
            " "
            <button type="button" data-testid="own-csr-back" on:click=move |_| chosen.set(false)>
                {move || words(t.lang(), "Make a key in this browser instead", "Créer plutôt une clé dans ce navigateur")}</button>
        </form>
    }
}

/// Pre-checks the request in the packaging worker, sends it, and makes the PEM downloads.
async fn send(
    token: &str,
    view: &EnrollmentView,
    csr: &str,
    lang: Lang,
    state: RwSignal<State>,
) -> Result<State, ApiError> {
    offload::precheck(csr, &view.key_types, &view.recipient_name, lang).await??;
    state.set(State::Working("Sending the request…", "Envoi de la demande…"));
    let issued: IssuedCertificate = api::call_with(&SUBMIT_CSR, &[token], &SubmitCsr { csr: csr.to_owned() }).await?;
    let stem = files::stem(&issued.friendly_name);
    let mut chain = issued.certificate.clone();
    for certificate in &issued.chain {
        chain.push_str(certificate);
    }
    let certificate_file = format!("{stem}.crt.pem");
    let chain_file = format!("{stem}.chain.pem");
    Ok(State::Issued {
        serial: issued.serial,
        certificate: (files::object_url(issued.certificate.as_bytes(), "application/x-pem-file")?, certificate_file),
        chain: (files::object_url(chain.as_bytes(), "application/x-pem-file")?, chain_file),
    })
}
