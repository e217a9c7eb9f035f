//! `/repackage`: a `.p12`/`.pfx` the user already has, opened with its password and written again in the other
//! profile (modern or compatible) under a new password, keeping the key, the certificate, the chain and the
//! friendly name. Everything happens in this page: it sends no request at all.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::pkcs12::{Pkcs12Error, Profile};

use crate::enroll::{next_tick, profile_name, profile_select};
use crate::i18n::{self, Lang, error_line, field_error, use_i18n};
use crate::password::{self, NewPassword};
use crate::{files, offload};

#[derive(Clone)]
enum Stage {
    Form,
    Working,
    /// The new bundle, re-opened and checked: its object URL and file name.
    Done {
        url: String,
        filename: String,
    },
}

/// The repackaging page.
#[component]
pub fn RepackagePage() -> impl IntoView {
    let t = use_i18n();
    let stage = RwSignal::new(Stage::Form);
    let error = RwSignal::new(None::<ApiError>);
    let current_password = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let profile = RwSignal::new(Profile::Compatible);
    let file_input = NodeRef::<leptos::html::Input>::new();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        // A file offered before is withdrawn: what is shown always answers the last submission.
        stage.set(Stage::Form);
        let file = file_input.get().and_then(|input| input.files()).and_then(|files| files.get(0));
        let lang = t.lang_untracked();
        let Some(file) = file else {
            error.set(Some(field_error("file_missing", "file", i18n::texts(lang).repackage_file_missing)));
            return;
        };
        let new_password = password.get_untracked();
        if let Err(problem) = password::check(&new_password, &confirmation.get_untracked(), lang) {
            error.set(Some(problem));
            return;
        }
        let current_password = current_password.get_untracked();
        let profile = profile.get_untracked();
        stage.set(Stage::Working);
        spawn_local(async move {
            next_tick().await;
            match repackage(&file, &current_password, &new_password, profile, lang).await {
                Ok((url, filename)) => stage.set(Stage::Done { url, filename }),
                Err(problem) => {
                    error.set(Some(problem));
                    stage.set(Stage::Form);
                }
            }
        });
    };

    view! {
        <section class="repackage">
            <h1>{t.text(|texts| texts.repackage_title)}</h1>
            {move || error.get().map(|problem| error_line(problem, t))}
            <p>{t.text(|texts| texts.repackage_intro)}</p>
            <form on:submit=submit>
                <label>{t.text(|texts| texts.certificate_file)}
                    <input type="file" name="file" accept=".p12,.pfx,application/x-pkcs12" node_ref=file_input
                        data-testid="repackage-file" on:change=move |_| stage.set(Stage::Form) />
                </label>
                <label>{t.text(|texts| texts.current_password)}
                    <input type="password" name="current_password" autocomplete="current-password" data-testid="current-password"
                        bind:value=current_password />
                </label>
                <label>{t.text(|texts| texts.new_format)}
                    {profile_select(profile, t)}
                </label>
                <p class="hint">{t.text(|texts| texts.compatible_hint)}</p>
                <NewPassword password=password confirmation=confirmation />
                <button type="submit" data-testid="repackage-submit"
                    disabled=move || matches!(stage.get(), Stage::Working)>{t.text(|texts| texts.repackage_submit)}</button>
            </form>
            {move || match stage.get() {
                Stage::Form => ().into_any(),
                Stage::Working => view! {
                    <p class="progress" data-testid="progress" aria-live="polite">{t.text(|texts| texts.repackage_working)}</p>
                }.into_any(),
                Stage::Done { url, filename } => view! {
                    <p><a class="button" data-testid="download" href=url download=filename.clone()>
                        {t.text(|texts| texts.download)} {filename.clone()}</a></p>
                    <p class="hint">{t.text(|texts| texts.repackage_done_hint)}</p>
                }.into_any(),
            }}
        </section>
    }
}

/// Opens the chosen bundle, builds it again in `profile` under `new_password` (re-opened and compared before it
/// is offered), and returns its object URL and file name.
async fn repackage(
    file: &web_sys::File,
    current_password: &str,
    new_password: &str,
    profile: Profile,
    lang: Lang,
) -> Result<(String, String), ApiError> {
    let bytes = files::read(file).await?;
    let opened = offload::open(&bytes, current_password).await?.map_err(|error| unreadable(error, lang))?;
    let (certificate, chain) =
        opened.certificates_der.split_first().ok_or_else(|| unreadable(Pkcs12Error::KeyCertificateMismatch, lang))?;
    let friendly_name = opened.friendly_name.as_deref().unwrap_or_default();
    let bundle = offload::package(&offload::Package {
        private_key_pkcs8: &opened.private_key_pkcs8_der,
        certificate_der: certificate,
        chain_der: chain,
        friendly_name,
        password: new_password,
        profile,
        with_key_pem: false,
    })
    .await?
    .bundle;
    let name = file.name();
    let original = name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem);
    let filename = format!("{}-{}.p12", files::stem(original), profile_name(profile));
    Ok((files::object_url(&bundle, "application/x-pkcs12")?, filename))
}

/// Why the chosen file could not be opened, naming the field to fix or the algorithm not read.
fn unreadable(error: Pkcs12Error, lang: Lang) -> ApiError {
    match error {
        Pkcs12Error::BadPassword => {
            field_error("bundle_bad_password", "current_password", i18n::texts(lang).bundle_bad_password)
        }
        Pkcs12Error::Unsupported { detail } => {
            field_error("bundle_unsupported", "file", i18n::bundle_unsupported(lang, &detail, detail.contains("RC2")))
        }
        other => field_error("bundle_unreadable", "file", i18n::bundle_unreadable(lang, &other.to_string())),
    }
}
