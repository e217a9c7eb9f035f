//! `/enroll/{token}`: the recipient's page. Shows the link (reading never spends it), generates the key pair
//! and the request here, sends only the request, then builds the password-protected `.p12` here.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::enrollment::{EnrollmentView, IssuedCertificate, SHOW_ENROLLMENT, SUBMIT_CSR, SubmitCsr};
use shared::api::inventory::CONFIRM_SAVED;
use shared::api::reissue::{REQUEST_REISSUE, ReissueRequested};
use shared::api::revocation::DOWNLOAD_CERTIFICATE;
use shared::download::DownloadFormat;
use shared::encoding::{pem_decode, pem_encode};
use shared::link::{LinkStatus, Token};
use shared::pkcs12::Profile;
use shared::profile::{KeyType, ProfileId};

use crate::api::{self, local_error};
use crate::i18n::{self, I18n, Lang, Unit, count, error_line, format_instant, problem_message, use_i18n};
use crate::install::{self, Installable};
use crate::password::{self, NewPassword};
use crate::vault::{self, PendingBundle};
use crate::{files, keys, offload};

/// What the recipient has in hand after issuance: the key and the certificate, and whether they came back
/// from this browser's storage after the tab was closed.
struct Issued {
    pending: PendingBundle,
    resumed: bool,
    /// False when the browser refused to keep the key: then closing the tab loses it.
    kept: bool,
    /// The certificate's profile and host names, for the install guidance.
    profile: ProfileId,
    dns_names: Vec<String>,
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
    /// Something is running; the step says what.
    Working(Step),
    /// Issued: ask for the bundle password.
    Issued(Rc<Issued>),
    /// The bundle is built and checked: offer the downloads, then the erasure of the kept key.
    Done(Rc<Downloads>),
    /// The recipient confirmed the file was saved; the kept key was erased from this browser.
    Finished,
}

/// What the page is doing while it works.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// WebCrypto generates the key pair: the recipient may cancel.
    KeyPair,
    /// The request is built and signed: the recipient may still cancel, nothing is sent yet.
    Request,
    /// The request is sent: too late to cancel.
    Submit,
    /// The bundle and the PEM files are built and checked.
    Bundle,
}

impl Step {
    fn text(self, lang: Lang) -> &'static str {
        let t = i18n::texts(lang);
        match self {
            Self::KeyPair => t.step_key_pair,
            Self::Request => t.step_request,
            Self::Submit => t.step_submit,
            Self::Bundle => t.step_bundle,
        }
    }

    fn cancellable(self) -> bool {
        matches!(self, Self::KeyPair | Self::Request)
    }
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
    /// What the install guidance needs.
    install: Arc<Installable>,
}

/// The enrollment page for one link token.
#[component]
pub fn EnrollPage(
    /// The token from the emailed link.
    token: String,
) -> impl IntoView {
    let t = use_i18n();
    let stage = RwSignal::new_local(Stage::Loading);
    // Each start of key generation takes the next number; a cancel moves it on, so a late result (WebCrypto's
    // `generateKey` cannot be aborted) sees it is no longer current and is dropped: nothing is sent.
    let generation = StoredValue::new(0_u64);
    // The key type chosen, kept across a cancel.
    let choice = RwSignal::new(None::<KeyType>);
    // The link's view while the key is made, to return to on cancel.
    let cancel_target = StoredValue::new(None::<EnrollmentView>);
    let error = RwSignal::new(None::<ApiError>);
    // The recipient brings their own request (`own_csr`): the key generation is hidden meanwhile.
    let (own_csr, own_csr_token) = (RwSignal::new(false), token.clone());
    // Records in this browser's storage are named by the token's hash, never by the token.
    let record_id = Token::parse(&token).map(|token| token.hash_hex()).unwrap_or_default();
    // Between issuance and the download the key exists only in this tab: leaving would lose it.
    let unsaved = RwSignal::new(false);
    let _guard = window_event_listener(leptos::ev::beforeunload, move |event| {
        if unsaved.get_untracked() {
            event.prevent_default();
            event.set_return_value(t.get_untracked().key_not_saved);
        }
    });

    let load = {
        let token = token.clone();
        let record_id = record_id.clone();
        move || {
            let token = token.clone();
            let record_id = record_id.clone();
            spawn_local(async move {
                let next = match api::call::<EnrollmentView>(&SHOW_ENROLLMENT, &[&token]).await {
                    Ok(view) if matches!(view.status, LinkStatus::Open { .. }) => Stage::Ready(view),
                    // Used, but this browser kept the key it was used with: resume at the password step.
                    Ok(view) => match vault::recall(&record_id).await {
                        Ok(Some(pending)) if Some(&pending.serial) == view.certificate_serial.as_ref() => {
                            let (profile, dns_names) = (view.profile, view.dns_names);
                            Stage::Issued(Rc::new(Issued { pending, resumed: true, kept: true, profile, dns_names }))
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
            cancel_target.set_value(Some(view.clone()));
            let run = generation.get_value() + 1;
            generation.set_value(run);
            let current = move || generation.get_value() == run;
            spawn_local(async move {
                match request_certificate(&token, &view, key_type, stage, current).await {
                    // Cancelled: the page is back at the key choice already.
                    Ok(None) => {}
                    Ok(Some(pending)) => {
                        let kept = vault::keep(&record_id, &pending).await.is_ok();
                        unsaved.set(!kept);
                        let (profile, dns_names) = (view.profile, view.dns_names.clone());
                        let issued = Issued { pending, resumed: false, kept, profile, dns_names };
                        stage.set(Stage::Issued(Rc::new(issued)));
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

    let cancel = move |view: EnrollmentView| {
        generation.update_value(|run| *run += 1);
        error.set(None);
        stage.set(Stage::Ready(view));
    };

    let build_bundle = move |issued: Rc<Issued>, password: String, confirmation: String, profile: Profile| {
        if let Err(problem) = password::check(&password, &confirmation, t.lang_untracked()) {
            error.set(Some(problem));
            return;
        }
        error.set(None);
        stage.set(Stage::Working(Step::Bundle));
        spawn_local(async move {
            next_tick().await;
            match package(&issued, &password, profile).await {
                Ok(downloads) => stage.set(Stage::Done(Rc::new(downloads))),
                Err(problem) => {
                    error.set(Some(problem));
                    stage.set(Stage::Issued(issued));
                }
            }
        });
    };

    let reissue_token = token.clone();
    let forget = move |_| {
        let record_id = record_id.clone();
        let token = token.clone();
        spawn_local(async move {
            // The account's inventory shows the certificate as downloaded. A failed confirmation (offline) only
            // leaves it "issued" there: the key is forgotten from this browser all the same, as the user asked.
            let _ = api::call::<()>(&CONFIRM_SAVED, &[&token]).await;
            match vault::forget(&record_id).await {
                Ok(()) => stage.set(Stage::Finished),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };

    view! {
        <section class="enroll">
            {move || error.get().map(|problem| error_line(problem, t))}
            {move || match stage.get() {
                Stage::Loading => view! { <p>{t.text(|texts| texts.loading)}</p> }.into_any(),
                Stage::Unavailable(problem) => {
                    let code = problem.code.clone();
                    view! {
                        <h1>{t.text(|texts| texts.unavailable_title)}</h1>
                        <p data-testid="link-unavailable" data-code=code>
                            {move || problem_message(&problem, t.lang())}</p>
                    }.into_any()
                }
                Stage::Closed(view) => closed(view, reissue_token.clone(), t).into_any(),
                Stage::Ready(view) => view! {
                    <div hidden=move || own_csr.get()>{ready(view.clone(), enroll.clone(), choice, t)}</div>
                    <crate::own_csr::OwnCsr token=own_csr_token.clone() view=view chosen=own_csr />
                }.into_any(),
                Stage::Working(step) => {
                    // The view to return to on cancel: the one the key choice was made on.
                    let back = step.cancellable().then(|| cancel_target.get_value()).flatten();
                    // The page keeps its heading while it works (one level-one heading on every state).
                    let title = move || {
                        let texts = i18n::texts(t.lang());
                        if step == Step::Bundle { texts.protect_title } else { texts.ready_title }
                    };
                    view! {
                        <h1>{title}</h1>
                        <p class="progress" data-testid="progress" aria-live="polite">{move || step.text(t.lang())}</p>
                        {back.map(|view| view! {
                            <button type="button" data-testid="cancel" on:click=move |_| cancel(view.clone())>
                                {t.text(|texts| texts.cancel)}</button>
                        })}
                    }.into_any()
                }
                Stage::Issued(issued) => password_form(issued, build_bundle, t).into_any(),
                Stage::Done(downloads) => {
                    // The focus goes to the new state's heading: the button that built the bundle is gone, and
                    // where the browser's next Tab would start from then depends on how the page swapped its
                    // nodes; from the heading, Tab reaches the download first.
                    let heading = NodeRef::<leptos::html::H1>::new();
                    Effect::new(move || {
                        if let Some(element) = heading.get() {
                            let _ = element.focus();
                        }
                    });
                    view! {
                    <h1 node_ref=heading tabindex="-1">{t.text(|texts| texts.done_title)}</h1>
                    <p>{t.text(|texts| texts.serial_number)} <code data-testid="serial">{downloads.serial.clone()}</code></p>
                    <p><a class="button" data-testid="download" href=downloads.bundle.0.clone()
                        download=downloads.bundle.1.clone()
                        on:click=move |_| unsaved.set(false)>{t.text(|texts| texts.download)} {downloads.bundle.1.clone()}</a></p>
                    <p class="hint">
                        {t.text(|texts| texts.pem_intro)}
                        <a data-testid="download-key-pem" href=downloads.key_pem.0.clone()
                            download=downloads.key_pem.1.clone()
                            on:click=move |_| unsaved.set(false)>{t.text(|texts| texts.pem_key)}</a>
                        {t.text(|texts| texts.pem_key_then)}
                        <a data-testid="download-certificates-pem" href=downloads.certificates_pem.0.clone()
                            download=downloads.certificates_pem.1.clone()>{t.text(|texts| texts.pem_chain)}</a>
                        "."
                    </p>
                    {install::install_guide(downloads.install.clone(), t)}
                    <p>{t.text(|texts| texts.keep_safe)}</p>
                    <button data-testid="confirm-saved" on:click=forget.clone()>
                        {t.text(|texts| texts.confirm_saved)}
                    </button>
                    }.into_any()
                }
                Stage::Finished => view! {
                    <h1>{t.text(|texts| texts.finished_title)}</h1>
                    <p data-testid="forgotten">{t.text(|texts| texts.forgotten)}</p>
                    <p>{t.text(|texts| texts.finished_revoke_before)}
                        <a href="/revoke">{t.text(|texts| texts.finished_revoke_link)}</a> "."</p>
                    <p><a href="/test-enrollment" data-testid="test-enrollment-link">
                        {move || t.lang().pick("Test the enrollment", "Tester l’installation")}</a>
                        {move || t.lang().pick(
                            ": prove this device holds the key; the certificate shows as installed.",
                            " : prouvez que cet appareil détient la clé ; le certificat apparaît comme installé.",
                        )}</p>
                }.into_any(),
            }}
        </section>
    }
}

/// Key pair, request, submission: the three steps, with progress shown. `None` when the recipient cancelled
/// (`current` turned false) before the request was sent: then nothing was sent and the stage is left alone.
async fn request_certificate(
    token: &str,
    view: &EnrollmentView,
    key_type: KeyType,
    stage: RwSignal<Stage, LocalStorage>,
    current: impl Fn() -> bool,
) -> Result<Option<PendingBundle>, ApiError> {
    stage.set(Stage::Working(Step::KeyPair));
    let key = keys::generate(key_type).await;
    if !current() {
        return Ok(None);
    }
    let key = key?;
    stage.set(Stage::Working(Step::Request));
    let csr = keys::certificate_request(&key, &view.recipient_name).await;
    if !current() {
        return Ok(None);
    }
    let csr = csr?;
    stage.set(Stage::Working(Step::Submit));
    let issued: IssuedCertificate = api::call_with(&SUBMIT_CSR, &[token], &SubmitCsr { csr }).await?;
    let certificate_der =
        pem_decode("CERTIFICATE", &issued.certificate).ok_or_else(|| local_error("the certificate is not PEM"))?;
    let chain_der = issued
        .chain
        .iter()
        .map(|pem| pem_decode("CERTIFICATE", pem).ok_or_else(|| local_error("a chain certificate is not PEM")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(PendingBundle {
        serial: issued.serial,
        private_key_pkcs8: key.private_key_pkcs8,
        certificate_der,
        chain_der,
        friendly_name: issued.friendly_name,
    }))
}

/// Builds the bundle and the PEM files, each checked (in the packaging worker), and returns their download URLs
/// and file names.
async fn package(issued: &Issued, password: &str, profile: Profile) -> Result<Downloads, ApiError> {
    let pending = &issued.pending;
    let packaged = offload::package(&offload::Package {
        private_key_pkcs8: &pending.private_key_pkcs8,
        certificate_der: &pending.certificate_der,
        chain_der: &pending.chain_der,
        friendly_name: &pending.friendly_name,
        password,
        profile,
        with_key_pem: true,
    })
    .await?;
    let bundle = packaged.bundle;
    let key_pem = packaged.key_pem.ok_or_else(|| local_error("the encrypted key was not made"))?;
    let certificates_pem: String = std::iter::once(&pending.certificate_der)
        .chain(&pending.chain_der)
        .map(|der| pem_encode("CERTIFICATE", der))
        .collect();
    let stem = files::stem(&pending.friendly_name);
    let install = Installable {
        certificate_profile: issued.profile,
        bundle_profile: profile,
        password: password.to_owned(),
        chain_der: pending.chain_der.clone(),
        friendly_name: pending.friendly_name.clone(),
        serial: pending.serial.clone(),
        bundle_file: format!("{stem}.p12"),
        key_file: format!("{stem}.key.pem"),
        chain_file: format!("{stem}.chain.pem"),
        dns_names: issued.dns_names.clone(),
        stem,
        bundle,
    };
    Ok(Downloads {
        serial: pending.serial.clone(),
        bundle: (files::object_url(&install.bundle, "application/x-pkcs12")?, install.bundle_file.clone()),
        key_pem: (files::object_url(key_pem.as_bytes(), "application/x-pem-file")?, install.key_file.clone()),
        certificates_pem: (
            files::object_url(certificates_pem.as_bytes(), "application/x-pem-file")?,
            install.chain_file.clone(),
        ),
        install: Arc::new(install),
    })
}

/// Lets the browser paint (the progress text) before a long synchronous step.
pub async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = leptos::prelude::window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 30);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn closed(view: EnrollmentView, token: String, t: I18n) -> impl IntoView {
    let status = view.status;
    let texts = move || {
        let lang = t.lang();
        let texts = i18n::texts(lang);
        match status {
            LinkStatus::Spent { spent_at } => {
                (texts.spent_title, i18n::spent_detail(lang, &format_instant(lang, spent_at)), texts.spent_next)
            }
            LinkStatus::Expired { expired_at } => {
                (texts.expired_title, i18n::expired_detail(lang, &format_instant(lang, expired_at)), texts.expired_next)
            }
            LinkStatus::Open { .. } => ("", String::new(), ""),
        }
    };
    let downloads = view.certificate_serial.clone().map(|serial| {
        let links = DownloadFormat::ALL
            .into_iter()
            .map(|format| {
                let href = DOWNLOAD_CERTIFICATE.url(&[&serial, format.as_str()]);
                view! { " " <a data-testid=format!("download-{}", format.as_str()) href=href>{format.as_str()}</a> }
            })
            .collect_view();
        view! { <p>{t.text(|texts| texts.certificate_again)} {links}</p> }
    });
    // A spent link that issued a certificate offers a reissue: the new link goes to the recipient's address only.
    let reissue = (matches!(status, LinkStatus::Spent { .. }) && view.certificate_serial.is_some())
        .then(|| reissue_request(token, view.recipient_email.clone(), t));
    view! {
        <h1 data-testid="link-closed">{move || texts().0}</h1>
        <p data-testid="link-closed-detail">{move || texts().1}</p>
        <p>{move || texts().2}</p>
        {downloads}
        {reissue}
        <p class="hint">{t.text(|texts| texts.order)} {view.order_id} " · " {view.organization} " · " {view.recipient_email}
            {view.certificate_serial.map(|serial| view! { {t.text(|texts| texts.certificate_lower)} <code>{serial}</code> })}
        </p>
    }
}

/// "Lost the key? Reissue": asks for a new link, emailed to the recipient's address (never shown here: whoever
/// holds this spent link proves nothing more than that).
fn reissue_request(token: String, address: String, t: I18n) -> impl IntoView {
    let outcome: RwSignal<Option<Result<String, ApiError>>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let ask = move |_| {
        let token = token.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer: Result<ReissueRequested, ApiError> = api::call(&REQUEST_REISSUE, &[&token]).await;
            outcome.set(Some(answer.map(|requested| requested.sent_to)));
            busy.set(false);
        });
    };
    view! {
        <section data-testid="reissue">
            <h2>{move || t.lang().pick("Lost the key? Reissue", "Clé perdue ? Réémettre")}</h2>
            <p>{move || t.lang().pick(
                "A new single-use link is emailed to the address below. The new certificate keeps this one's name and \
                 end date; this one is revoked as superseded once the new one is saved.",
                "Un nouveau lien à usage unique est envoyé à l’adresse ci-dessous. Le nouveau certificat garde le nom \
                 et la date de fin de celui-ci ; celui-ci est révoqué comme remplacé dès que le nouveau est enregistré.",
            )} " " <strong>{address}</strong></p>
            <button type="button" data-testid="reissue-request" disabled=move || busy.get() on:click=ask>
                {move || t.lang().pick("Email me a new link", "M’envoyer un nouveau lien")}
            </button>
            <p data-testid="reissue-outcome" role="status">{move || match outcome.get() {
                Some(Ok(sent_to)) => t.lang().pick("A new link was sent to ", "Un nouveau lien a été envoyé à ").to_owned() + &sent_to,
                Some(Err(problem)) => problem.message,
                None => String::new(),
            }}</p>
        </section>
    }
}

fn ready(
    view: EnrollmentView,
    enroll: impl Fn(EnrollmentView, KeyType) + Clone + 'static,
    choice: RwSignal<Option<KeyType>>,
    t: I18n,
) -> impl IntoView {
    // The key type chosen before a cancel, else the profile's default.
    let default = view.key_types.first().copied().unwrap_or(KeyType::Rsa2048);
    let chosen = move || choice.get_untracked().unwrap_or(default);
    let expires_at = match view.status {
        LinkStatus::Open { expires_at } => Some(expires_at),
        _ => None,
    };
    let key_types = view.key_types.clone();
    let options = move || {
        let lang = t.lang();
        let selected = chosen();
        key_types
            .iter()
            .map(|key_type| {
                view! {
                    <option value=key_type.as_str() selected=*key_type == selected>{key_type.label(lang)}</option>
                }
            })
            .collect_view()
    };
    let start = {
        let view = view.clone();
        move |_| enroll(view.clone(), chosen())
    };
    let profile = view.profile.profile();
    let renews = view.renews.clone().map(|renewed| {
        let serial = renewed.serial.clone();
        view! {
            <p class="notice" data-testid="renewal-of" data-serial=serial>
                {move || crate::i18n::renewal_of(t.lang(), &renewed.serial, &format_instant(t.lang(), renewed.not_after))}
            </p>
        }
    });
    let reissue_of = view.reissue_of.clone().map(|of| {
        view! {
            <p data-testid="reissue-of">{move || t.lang().pick("Reissue of certificate ", "Réémission du certificat ")}
                <code>{of.serial.clone()}</code>{move || t.lang().pick(", ending ", ", qui se termine le ")}
                {move || format_instant(t.lang(), of.not_after)}</p>
        }
    });
    view! {
        <h1>{t.text(|texts| texts.ready_title)}</h1>
        {renews}
        {reissue_of}
        <dl class="facts">
            <dt>{t.text(|texts| texts.fact_certificate)}</dt>
            <dd data-testid="profile-name">{move || profile.display_name(t.lang())}</dd>
            <dt>{t.text(|texts| texts.fact_name)}</dt><dd data-testid="recipient-name">{view.recipient_name.clone()}</dd>
            <dt>{t.text(|texts| texts.fact_email)}</dt><dd data-testid="recipient-email">{view.recipient_email.clone()}</dd>
            {(!view.dns_names.is_empty()).then(|| view! {
                <dt>{t.text(|texts| texts.fact_host_names)}</dt><dd data-testid="dns-names">{view.dns_names.join(", ")}</dd>
            })}
            <dt>{t.text(|texts| texts.fact_organization)}</dt><dd>{view.organization.clone()}</dd>
            <dt>{t.text(|texts| texts.fact_validity)}</dt><dd>{move || count(t.lang(), view.validity_days, Unit::Day)}</dd>
            <dt>{t.text(|texts| texts.fact_link_until)}</dt>
            <dd>{move || expires_at.map(|instant| format_instant(t.lang(), instant))}</dd>
        </dl>
        <label>{t.text(|texts| texts.key_type)}
            <select data-testid="key-type" on:change=move |event| {
                if let Some(key_type) = KeyType::parse(&event_target_value(&event)) {
                    choice.set(Some(key_type));
                }
            }>{options}</select>
        </label>
        {(!view.key_types.contains(&KeyType::Ed25519)).then(|| view! {
            <p class="hint" data-testid="key-types-why">{t.text(|texts| texts.key_types_why)}</p>
        })}
        <p class="hint">{t.text(|texts| texts.ready_hint)}</p>
        <button data-testid="generate" on:click=start>{t.text(|texts| texts.generate)}</button>
    }
}

/// The bundle profile `<select>` of the enrollment and repackaging pages, bound to `profile`.
pub fn profile_select(profile: RwSignal<Profile>, t: I18n) -> impl IntoView {
    view! {
        <select data-testid="bundle-profile" on:change=move |event| {
            if let Some(choice) = profile_named(&event_target_value(&event)) {
                profile.set(choice);
            }
        }>{move || profile_options(profile.get_untracked(), t.lang())}</select>
    }
}

/// The stable name of a bundle profile, as the form's option values carry it.
pub fn profile_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Compatible => "compatible",
        _ => "modern",
    }
}

/// The bundle profiles as `<option>`s in `lang`, with who reads each.
pub fn profile_options(selected: Profile, lang: Lang) -> impl IntoView {
    let texts = i18n::texts(lang);
    let separator = lang.pick(": ", "\u{a0}: ");
    Profile::ALL
        .iter()
        .map(|choice| {
            let label = match choice {
                Profile::Compatible => texts.profile_compatible,
                _ => texts.profile_modern,
            };
            view! {
                <option value=profile_name(*choice) selected=*choice == selected>
                    {label} {separator} {choice.description(lang)}
                </option>
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
    t: I18n,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    // Compatible first on iPhone and iPad, which do not read Modern bundles.
    let profile = RwSignal::new(install::preferred_bundle_profile(install::this_device()));
    let serial = issued.pending.serial.clone();
    let notice = if issued.resumed {
        Some(
            view! {
                <p class="notice" data-testid="resumed">{t.text(|texts| texts.resumed)}</p>
            }
            .into_any(),
        )
    } else if !issued.kept {
        Some(
            view! {
                <p class="error" data-testid="not-kept">{t.text(|texts| texts.not_kept)}</p>
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
        <h1>{t.text(|texts| texts.protect_title)}</h1>
        <p>{t.text(|texts| texts.issued_serial)} <code data-testid="serial">{serial}</code> {t.text(|texts| texts.issued_rest)}</p>
        <form on:submit=submit>
            <NewPassword password=password confirmation=confirmation />
            <label>{t.text(|texts| texts.file_format)}
                {profile_select(profile, t)}
            </label>
            <p class="hint">{t.text(|texts| texts.compatible_hint)}</p>
            <button type="submit" data-testid="build-bundle">{t.text(|texts| texts.build_bundle)}</button>
        </form>
    }
}
