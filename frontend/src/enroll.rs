//! `/enroll/{token}`: the recipient's page. Shows the link (reading never spends it), generates the key pair
//! and the request here, sends only the request, then builds the password-protected `.p12` here.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::enrollment::{EnrollmentView, IssuedCertificate, SubmitCsr};
use shared::download::DownloadFormat;
use shared::encoding::{pem_decode, pem_encode};
use shared::link::{LinkStatus, Token};
use shared::pkcs12::Profile;
use shared::profile::KeyType;
use wasm_bindgen::JsValue;

use crate::api::{self, local_error};
use crate::password::{self, NewPassword};
use crate::vault::{self, PendingBundle};
use crate::{files, keys};

/// What the recipient has in hand after issuance: the key and the certificate, and whether they came back
/// from this browser's storage after the tab was closed.
struct Issued {
    pending: PendingBundle,
    resumed: bool,
    /// False when the browser refused to keep the key: then closing the tab loses it.
    kept: bool,
}

#[derive(Clone)]
enum Stage {
    Loading,
    /// The link cannot be shown at all (unknown, malformed, network).
    Unavailable(ApiError),
    /// Spent or expired: explain, offer nothing that spends.
    Closed(EnrollmentView),
    /// Open: choose a key type and start.
    Ready(EnrollmentView),
    /// Something is running; the text says what.
    Working(&'static str),
    /// Issued: ask for the bundle password.
    Issued(Rc<Issued>),
    /// The bundle is built and checked: offer the downloads, then the erasure of the kept key.
    Done(Rc<Downloads>),
    /// The recipient confirmed the file was saved; the kept key was erased from this browser.
    Finished,
}

fn format_instant(seconds: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(seconds as f64 * 1000.0));
    String::from(date.to_locale_string("default", &JsValue::UNDEFINED))
}

/// The files offered once the certificate is issued and the password chosen, as object URLs and file names.
struct Downloads {
    serial: String,
    /// The `.p12` bundle.
    bundle: (String, String),
    /// The private key, `ENCRYPTED PRIVATE KEY` PEM, under the bundle's password.
    key_pem: (String, String),
    /// The certificate then its chain, PEM.
    certificates_pem: (String, String),
}

/// The enrollment page for one link token.
#[component]
pub fn EnrollPage(
    /// The token from the emailed link.
    token: String,
) -> impl IntoView {
    let stage = RwSignal::new_local(Stage::Loading);
    let error = RwSignal::new(None::<ApiError>);
    // Records in this browser's storage are named by the token's hash, never by the token.
    let record_id = Token::parse(&token).map(|token| token.hash_hex()).unwrap_or_default();
    // Between issuance and the download the key exists only in this tab: leaving would lose it.
    let unsaved = RwSignal::new(false);
    let _guard = window_event_listener(leptos::ev::beforeunload, move |event| {
        if unsaved.get_untracked() {
            event.prevent_default();
            event.set_return_value("Your key is not saved yet.");
        }
    });

    let load = {
        let token = token.clone();
        let record_id = record_id.clone();
        move || {
            let token = token.clone();
            let record_id = record_id.clone();
            spawn_local(async move {
                let next = match api::get::<EnrollmentView>(&format!("/api/v1/enrollments/{token}")).await {
                    Ok(view) if matches!(view.status, LinkStatus::Open { .. }) => Stage::Ready(view),
                    // Used, but this browser kept the key it was used with: resume at the password step.
                    Ok(view) => match vault::recall(&record_id).await {
                        Ok(Some(pending)) if Some(&pending.serial) == view.certificate_serial.as_ref() => {
                            Stage::Issued(Rc::new(Issued { pending, resumed: true, kept: true }))
                        }
                        _ => Stage::Closed(view),
                    },
                    Err(problem) => Stage::Unavailable(problem),
                };
                stage.set(next);
            });
        }
    };
    load();

    let enroll = {
        let token = token.clone();
        let record_id = record_id.clone();
        let load = load.clone();
        move |view: EnrollmentView, key_type: KeyType| {
            let token = token.clone();
            let record_id = record_id.clone();
            let load = load.clone();
            error.set(None);
            spawn_local(async move {
                match request_certificate(&token, &view, key_type, stage).await {
                    Ok(pending) => {
                        let kept = vault::keep(&record_id, &pending).await.is_ok();
                        unsaved.set(!kept);
                        stage.set(Stage::Issued(Rc::new(Issued { pending, resumed: false, kept })));
                    }
                    Err(problem) => {
                        let spent = problem.code == "link_spent" || problem.code == "link_expired";
                        error.set(Some(problem));
                        if spent { load() } else { stage.set(Stage::Ready(view)) }
                    }
                }
            });
        }
    };

    let build_bundle = move |issued: Rc<Issued>, password: String, confirmation: String, profile: Profile| {
        if let Err(problem) = password::check(&password, &confirmation) {
            error.set(Some(problem));
            return;
        }
        error.set(None);
        stage.set(Stage::Working("Building and checking your .p12 and PEM files…"));
        spawn_local(async move {
            next_tick().await;
            match package(&issued, &password, profile) {
                Ok(downloads) => stage.set(Stage::Done(Rc::new(downloads))),
                Err(problem) => {
                    error.set(Some(problem));
                    stage.set(Stage::Issued(issued));
                }
            }
        });
    };

    let forget = move |_| {
        let record_id = record_id.clone();
        spawn_local(async move {
            match vault::forget(&record_id).await {
                Ok(()) => stage.set(Stage::Finished),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };

    view! {
        <section class="enroll">
            {move || error.get().map(|problem| view! {
                <p class="error" role="alert" data-testid="error" data-code=problem.code.clone()
                    data-field=problem.field.clone()>{problem.message}</p>
            })}
            {move || match stage.get() {
                Stage::Loading => view! { <p>"Loading your enrollment…"</p> }.into_any(),
                Stage::Unavailable(problem) => view! {
                    <h1>"This link cannot be used"</h1>
                    <p data-testid="link-unavailable" data-code=problem.code.clone()>{problem.message}</p>
                }.into_any(),
                Stage::Closed(view) => closed(view).into_any(),
                Stage::Ready(view) => ready(view, enroll.clone()).into_any(),
                Stage::Working(what) => view! {
                    <p class="progress" data-testid="progress" aria-live="polite">{what}</p>
                }.into_any(),
                Stage::Issued(issued) => password_form(issued, build_bundle).into_any(),
                Stage::Done(downloads) => view! {
                    <h1>"Your certificate is ready"</h1>
                    <p>"Serial number " <code data-testid="serial">{downloads.serial.clone()}</code></p>
                    <p><a class="button" data-testid="download" href=downloads.bundle.0.clone()
                        download=downloads.bundle.1.clone()
                        on:click=move |_| unsaved.set(false)>"Download " {downloads.bundle.1.clone()}</a></p>
                    <p class="hint">
                        "For servers and tools that want separate PEM files: "
                        <a data-testid="download-key-pem" href=downloads.key_pem.0.clone()
                            download=downloads.key_pem.1.clone()
                            on:click=move |_| unsaved.set(false)>"the private key"</a>
                        " (encrypted with the same password) and "
                        <a data-testid="download-certificates-pem" href=downloads.certificates_pem.0.clone()
                            download=downloads.certificates_pem.1.clone()>"the certificate and its chain"</a>
                        "."
                    </p>
                    <p>
                        "Keep this file and its password safe: it holds your private key. Until you confirm below, "
                        "this browser also keeps the key (encrypted), so you can come back to this link and make "
                        "the file again."
                    </p>
                    <button data-testid="confirm-saved" on:click=forget.clone()>
                        "I have saved the file: erase the key from this browser"
                    </button>
                }.into_any(),
                Stage::Finished => view! {
                    <h1>"All done"</h1>
                    <p data-testid="forgotten">
                        "The key was erased from this browser. Your .p12 file is now its only copy: keep it and its "
                        "password safe."
                    </p>
                    <p>"If the file or its password is ever lost or exposed, " <a href="/revoke">"revoke the certificate"</a> "."</p>
                }.into_any(),
            }}
        </section>
    }
}

/// Key pair, request, submission: the three steps, with progress shown.
async fn request_certificate(
    token: &str,
    view: &EnrollmentView,
    key_type: KeyType,
    stage: RwSignal<Stage, LocalStorage>,
) -> Result<PendingBundle, ApiError> {
    stage.set(Stage::Working("Generating your key pair on this device…"));
    let key = keys::generate(key_type).await?;
    stage.set(Stage::Working("Creating the certificate request…"));
    let csr = keys::certificate_request(&key, &view.recipient_name).await?;
    stage.set(Stage::Working("Requesting your certificate…"));
    let issued: IssuedCertificate = api::post(&format!("/api/v1/enrollments/{token}"), &SubmitCsr { csr }).await?;
    let certificate_der =
        pem_decode("CERTIFICATE", &issued.certificate).ok_or_else(|| local_error("the certificate is not PEM"))?;
    let chain_der = issued
        .chain
        .iter()
        .map(|pem| pem_decode("CERTIFICATE", pem).ok_or_else(|| local_error("a chain certificate is not PEM")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PendingBundle {
        serial: issued.serial,
        private_key_pkcs8: key.private_key_pkcs8,
        certificate_der,
        chain_der,
        friendly_name: issued.friendly_name,
    })
}

/// Builds the bundle and the PEM files, each checked, and returns their download URLs and file names.
fn package(issued: &Issued, password: &str, profile: Profile) -> Result<Downloads, ApiError> {
    let pending = &issued.pending;
    let bundle = keys::bundle(
        &pending.private_key_pkcs8,
        &pending.certificate_der,
        &pending.chain_der,
        &pending.friendly_name,
        password,
        profile,
    )?;
    let key_pem = keys::encrypted_private_key_pem(&pending.private_key_pkcs8, password)?;
    let certificates_pem: String = std::iter::once(&pending.certificate_der)
        .chain(&pending.chain_der)
        .map(|der| pem_encode("CERTIFICATE", der))
        .collect();
    let stem = files::stem(&pending.friendly_name);
    Ok(Downloads {
        serial: pending.serial.clone(),
        bundle: (files::object_url(&bundle, "application/x-pkcs12")?, format!("{stem}.p12")),
        key_pem: (files::object_url(key_pem.as_bytes(), "application/x-pem-file")?, format!("{stem}.key.pem")),
        certificates_pem: (
            files::object_url(certificates_pem.as_bytes(), "application/x-pem-file")?,
            format!("{stem}.chain.pem"),
        ),
    })
}

/// Lets the browser paint (the progress text) before a long synchronous step.
pub async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = leptos::prelude::window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 30);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn closed(view: EnrollmentView) -> impl IntoView {
    let (title, detail, what_next) = match view.status {
        LinkStatus::Spent { spent_at } => (
            "This link was already used",
            format!(
                "It was used on {} to request your certificate, and a link works only once.",
                format_instant(spent_at)
            ),
            "If you downloaded the .p12 file then, you have everything you need. If the file or its password is \
             lost, ask your organization to request a reissue: a new key will be made, on your device again.",
        ),
        LinkStatus::Expired { expired_at } => (
            "This link has expired",
            format!("It stopped working on {} without being used.", format_instant(expired_at)),
            "Ask your organization to send a new enrollment email.",
        ),
        LinkStatus::Open { .. } => ("", String::new(), ""),
    };
    let downloads = view.certificate_serial.clone().map(|serial| {
        let links = DownloadFormat::ALL
            .into_iter()
            .map(|format| {
                let href = format!("/api/v1/certificates/{serial}/{}", format.as_str());
                view! { " " <a data-testid=format!("download-{}", format.as_str()) href=href>{format.as_str()}</a> }
            })
            .collect_view();
        view! { <p>"The certificate again (without the key, which never left your device):" {links}</p> }
    });
    view! {
        <h1 data-testid="link-closed">{title}</h1>
        <p data-testid="link-closed-detail">{detail}</p>
        <p>{what_next}</p>
        {downloads}
        <p class="hint">"Order " {view.order_id} " · " {view.organization} " · " {view.recipient_email}
            {view.certificate_serial.map(|serial| view! { " · certificate " <code>{serial}</code> })}
        </p>
    }
}

fn ready(view: EnrollmentView, enroll: impl Fn(EnrollmentView, KeyType) + Clone + 'static) -> impl IntoView {
    let choice = RwSignal::new(view.key_types.first().copied().unwrap_or(KeyType::Rsa2048));
    let expires = match view.status {
        LinkStatus::Open { expires_at } => format_instant(expires_at),
        _ => String::new(),
    };
    let options = view
        .key_types
        .iter()
        .map(|key_type| {
            let value = serde_json::to_value(key_type).ok().and_then(|value| value.as_str().map(str::to_owned));
            view! { <option value=value.unwrap_or_default()>{key_type.label()}</option> }
        })
        .collect_view();
    let start = {
        let view = view.clone();
        move |_| enroll(view.clone(), choice.get_untracked())
    };
    view! {
        <h1>"Create your key and certificate"</h1>
        <dl class="facts">
            <dt>"Certificate"</dt><dd data-testid="profile-name">{view.profile.profile().name}</dd>
            <dt>"Name"</dt><dd data-testid="recipient-name">{view.recipient_name.clone()}</dd>
            <dt>"Email"</dt><dd data-testid="recipient-email">{view.recipient_email.clone()}</dd>
            {(!view.dns_names.is_empty()).then(|| view! {
                <dt>"Host names"</dt><dd data-testid="dns-names">{view.dns_names.join(", ")}</dd>
            })}
            <dt>"Organization"</dt><dd>{view.organization.clone()}</dd>
            <dt>"Validity"</dt><dd>{view.validity_days} " days"</dd>
            <dt>"Link valid until"</dt><dd>{expires}</dd>
        </dl>
        <label>"Key type "
            <select data-testid="key-type" on:change=move |event| {
                if let Ok(key_type) = serde_json::from_value(serde_json::Value::String(event_target_value(&event))) {
                    choice.set(key_type);
                }
            }>{options}</select>
        </label>
        <p class="hint">
            "Your browser creates the key pair now; only the public part is sent. The certificate's name and "
            "address come from the order."
        </p>
        <button data-testid="generate" on:click=start>"Create my key and request the certificate"</button>
    }
}

/// The stable name of a bundle profile, as the form's option values carry it.
pub fn profile_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Compatible => "compatible",
        _ => "modern",
    }
}

/// The bundle profiles as `<option>`s, with who reads each.
pub fn profile_options(selected: Profile) -> impl IntoView {
    Profile::ALL
        .iter()
        .map(|choice| {
            let label = match choice {
                Profile::Compatible => "Compatible",
                _ => "Modern (recommended)",
            };
            view! {
                <option value=profile_name(*choice) selected=*choice == selected>{label} ": " {choice.description()}</option>
            }
        })
        .collect_view()
}

/// The profile an option value names.
pub fn profile_named(name: &str) -> Option<Profile> {
    Profile::ALL.iter().copied().find(|choice| profile_name(*choice) == name)
}

fn password_form(
    issued: Rc<Issued>,
    build: impl Fn(Rc<Issued>, String, String, Profile) + Copy + 'static,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let profile = RwSignal::new(Profile::ALL[0]);
    let serial = issued.pending.serial.clone();
    let notice =
        if issued.resumed {
            Some(view! {
            <p class="notice" data-testid="resumed">
                "Welcome back. This browser kept your key and certificate since you were here: create your .p12 "
                "file now."
            </p>
        }.into_any())
        } else if !issued.kept {
            Some(
                view! {
                    <p class="error" data-testid="not-kept">
                        "This browser could not keep a copy of your key: do not close this page before you have saved "
                        "your .p12 file."
                    </p>
                }
                .into_any(),
            )
        } else {
            None
        };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        build(issued.clone(), password.get_untracked(), confirmation.get_untracked(), profile.get_untracked());
    };
    view! {
        {notice}
        <h1>"Protect your key with a password"</h1>
        <p>"Certificate issued, serial " <code data-testid="serial">{serial}</code>
           ". Choose the password that will protect the .p12 file; it is needed to install it and is never sent."</p>
        <form on:submit=submit>
            <NewPassword password=password confirmation=confirmation />
            <label>"File format "
                <select data-testid="bundle-profile" on:change=move |event| {
                    if let Some(choice) = profile_named(&event_target_value(&event)) {
                        profile.set(choice);
                    }
                }>{profile_options(Profile::ALL[0])}</select>
            </label>
            <p class="hint">"Choose Compatible only if the file must open on an older system: it uses older encryption."</p>
            <button type="submit" data-testid="build-bundle">"Create my .p12 file"</button>
        </form>
    }
}
