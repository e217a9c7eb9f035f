//! "Get subject name": a certificate's subject in the four forms other services expect (RFC 4514, OpenSSL, nginx's
//! `$ssl_client_s_dn`, Windows/IIS), each with a copy button (the Clipboard API). The certificate is fetched from
//! its public download (`GET /api/v1/certificates/{serial}/pem`) when the reader opens the panel, and read with
//! [`shared::subject_name`]. English and French.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::revocation::DOWNLOAD_CERTIFICATE;
use shared::lang::Lang;
use shared::subject_name::{SubjectNames, from_certificate_pem};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::use_i18n;

/// The four forms' labels, in `lang`.
fn forms(names: &SubjectNames, lang: Lang) -> [(&'static str, String, String); 4] {
    [
        ("rfc4514", lang.pick("RFC 4514", "RFC 4514").to_owned(), names.rfc4514.clone()),
        ("openssl", lang.pick("OpenSSL (x509 -subject)", "OpenSSL (x509 -subject)").to_owned(), names.openssl.clone()),
        ("nginx", lang.pick("nginx ($ssl_client_s_dn)", "nginx ($ssl_client_s_dn)").to_owned(), names.nginx.clone()),
        ("windows", lang.pick("Windows / IIS", "Windows / IIS").to_owned(), names.windows.clone()),
    ]
}

/// Fetches a certificate's PEM (a public download) and reads its subject.
async fn fetch_names(serial: String) -> Result<SubjectNames, String> {
    let url = DOWNLOAD_CERTIFICATE.url(&[&serial, "pem"]);
    let response = JsFuture::from(window().fetch_with_str(&url)).await.map_err(|_| "network".to_owned())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "response".to_owned())?;
    if !response.ok() {
        return Err(format!("{}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|_| "text".to_owned())?).await.map_err(|_| "text".to_owned())?;
    from_certificate_pem(&text.as_string().unwrap_or_default()).map_err(|error| error.to_string())
}

/// A "Subject name" disclosure for one certificate: the four forms and a copy button each.
#[component]
pub fn SubjectNamePanel(
    /// The certificate's serial (hex), as the download path takes it.
    serial: String,
) -> impl IntoView {
    let t = use_i18n();
    let names = RwSignal::new(None::<Result<SubjectNames, String>>);
    let copied = RwSignal::new(None::<&'static str>);
    let serial_for_fetch = serial.clone();
    let open = move |_| {
        if names.get_untracked().is_some() {
            return;
        }
        let serial = serial_for_fetch.clone();
        spawn_local(async move { names.set(Some(fetch_names(serial).await)) });
    };
    let copy = move |form: &'static str, value: String| {
        spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            if JsFuture::from(clipboard.write_text(&value)).await.is_ok() {
                copied.set(Some(form));
            }
        });
    };
    view! {
        <details class="subject-name" data-testid=format!("subject-name-{serial}") on:toggle=open>
            <summary>{move || t.lang().pick("Subject name", "Nom du sujet")}</summary>
            {move || names.get().map(|result| match result {
                Ok(names) => {
                    let lang = t.lang();
                    view! { <dl>{forms(&names, lang).into_iter().map(|(form, label, value)| {
                        let shown = value.clone();
                        view! {
                            <dt>{label}</dt>
                            <dd><code data-testid=format!("subject-{form}")>{shown}</code> " "
                                <button type="button" data-testid=format!("copy-subject-{form}")
                                    on:click=move |_| copy(form, value.clone())>
                                    {move || if copied.get() == Some(form) { t.lang().pick("Copied", "Copié") }
                                        else { t.lang().pick("Copy", "Copier") }}</button></dd>
                        }
                    }).collect_view()}</dl>
                    <p class="visually-hidden" aria-live="polite">{move || copied.get().map(|_| t.lang().pick("Copied to the clipboard.", "Copié dans le presse-papiers."))}</p>
                    }.into_any()
                }
                Err(reason) => view! { <p class="error" data-testid="subject-name-error">
                    {move || t.lang().pick("The certificate could not be read: ", "Le certificat n’a pas pu être lu : ")}
                    {reason.clone()}</p> }.into_any(),
            })}
        </details>
    }
}
