//! Passkeys in the console: the passkey step of a login (`register` for a CA administrator without one,
//! `confirm` once they have one: the browser's `navigator.credentials.get`, or a recovery code), the ten recovery
//! codes shown once at the first registration, and `/console/passkeys` (list, add, remove). The WebAuthn calls go
//! through `js_sys::Reflect` on `navigator.credentials`, so no `web-sys` feature is added; binary fields travel
//! as base64url, as the Worker's `shared::api::passkey` types say. English and French texts are here.

use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::account::SessionView;
use shared::api::passkey::{
    CONFIRM_WITH_PASSKEY, CONFIRM_WITH_RECOVERY_CODE, CreationOptions, LIST_PASSKEYS, NewPasskey,
    PASSKEY_LOGIN_OPTIONS, PASSKEY_REGISTRATION_OPTIONS, PasskeyAssertion, PasskeyList, PasskeyStep, REGISTER_PASSKEY,
    REMOVE_PASSKEY, RecoveryCodeEntry, RegisteredPasskey, RequestOptions,
};
use shared::encoding::{base64url_decode, base64url_encode};
use shared::lang::Lang;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::form::go;
use crate::api::{self, js_error, local_error};
use crate::i18n::{error_line, use_i18n};

/// The page's texts in one language.
struct Texts {
    register_title: &'static str,
    register_intro: &'static str,
    register_button: &'static str,
    confirm_title: &'static str,
    confirm_intro: &'static str,
    confirm_button: &'static str,
    recovery_label: &'static str,
    recovery_button: &'static str,
    codes_title: &'static str,
    codes_intro: &'static str,
    codes_done: &'static str,
    list_title: &'static str,
    add_button: &'static str,
    remove_button: &'static str,
    codes_left: &'static str,
    name_label: &'static str,
    default_name: &'static str,
    working: &'static str,
}

const ENGLISH: Texts = Texts {
    register_title: "Register a passkey",
    register_intro: "CA administrators log in with a password and a passkey. Register one now: your device asks you \
                     to confirm (fingerprint, face, PIN or security key).",
    register_button: "Register a passkey",
    confirm_title: "Confirm with your passkey",
    confirm_intro: "Your password was right. Confirm this login with your passkey.",
    confirm_button: "Use my passkey",
    recovery_label: "Or a recovery code",
    recovery_button: "Use the recovery code",
    codes_title: "Your recovery codes",
    codes_intro: "Each code confirms one login if you lose your passkey. Keep them somewhere safe: they are shown \
                  only now.",
    codes_done: "I have kept them",
    list_title: "Passkeys",
    add_button: "Add a passkey",
    remove_button: "Remove",
    codes_left: "Recovery codes left:",
    name_label: "Name",
    default_name: "My passkey",
    working: "Working…",
};

const FRENCH: Texts = Texts {
    register_title: "Enregistrer une clé d'accès",
    register_intro: "Les administrateurs de l'AC se connectent avec un mot de passe et une clé d'accès. Enregistrez-en \
                     une maintenant : votre appareil vous demande de confirmer (empreinte, visage, code ou clé de \
                     sécurité).",
    register_button: "Enregistrer une clé d'accès",
    confirm_title: "Confirmez avec votre clé d'accès",
    confirm_intro: "Votre mot de passe est correct. Confirmez cette connexion avec votre clé d'accès.",
    confirm_button: "Utiliser ma clé d'accès",
    recovery_label: "Ou un code de secours",
    recovery_button: "Utiliser le code de secours",
    codes_title: "Vos codes de secours",
    codes_intro: "Chaque code confirme une connexion si vous perdez votre clé d'accès. Gardez-les en lieu sûr : ils \
                  ne sont affichés que maintenant.",
    codes_done: "Je les ai conservés",
    list_title: "Clés d'accès",
    add_button: "Ajouter une clé d'accès",
    remove_button: "Supprimer",
    codes_left: "Codes de secours restants :",
    name_label: "Nom",
    default_name: "Ma clé d'accès",
    working: "En cours…",
};

/// The texts in `lang`.
fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &ENGLISH,
        Lang::Fr => &FRENCH,
    }
}

/// A JavaScript property set, for building the options objects.
fn set(object: &Object, name: &str, value: &JsValue) -> Result<(), ApiError> {
    Reflect::set(object, &JsValue::from_str(name), value).map(drop).map_err(js_error)
}

/// A JavaScript property read.
fn get(object: &JsValue, name: &str) -> Result<JsValue, ApiError> {
    Reflect::get(object, &JsValue::from_str(name)).map_err(js_error)
}

/// Base64url text as a `Uint8Array`.
fn bytes(text: &str) -> Result<JsValue, ApiError> {
    let decoded =
        base64url_decode(text).ok_or_else(|| local_error("The server sent a value that is not base64url."))?;
    Ok(Uint8Array::from(decoded.as_slice()).into())
}

/// An `ArrayBuffer` property as base64url.
fn encoded(object: &JsValue, name: &str) -> Result<String, ApiError> {
    Ok(base64url_encode(&Uint8Array::new(&get(object, name)?).to_vec()))
}

/// Calls `navigator.credentials.<method>({ publicKey })` and waits for the credential.
async fn credentials(method: &str, public_key: Object) -> Result<JsValue, ApiError> {
    let navigator = leptos::prelude::window().navigator();
    let container = get(&navigator, "credentials")?;
    let function: js_sys::Function = get(&container, method)?.dyn_into().map_err(js_error)?;
    let options = Object::new();
    set(&options, "publicKey", &public_key)?;
    let promise: js_sys::Promise =
        function.call1(&container, &options).map_err(js_error)?.dyn_into().map_err(js_error)?;
    JsFuture::from(promise).await.map_err(|error| {
        let mut problem = js_error(error);
        problem.code = "passkey_cancelled".into();
        problem.field = Some("passkey".into());
        problem
    })
}

/// A list of `{ type: "public-key", id }` descriptors.
fn descriptors(ids: &[String]) -> Result<JsValue, ApiError> {
    let list = Array::new();
    for id in ids {
        let descriptor = Object::new();
        set(&descriptor, "type", &JsValue::from_str("public-key"))?;
        set(&descriptor, "id", &bytes(id)?)?;
        list.push(&descriptor);
    }
    Ok(list.into())
}

/// Registers a passkey named `name` with this browser's authenticator: options, `create`, the Worker's check.
pub async fn register(name: String) -> Result<RegisteredPasskey, ApiError> {
    let options: CreationOptions = api::call(&PASSKEY_REGISTRATION_OPTIONS, &[]).await?;
    let public_key = Object::new();
    set(&public_key, "challenge", &bytes(&options.challenge)?)?;
    let rp = Object::new();
    set(&rp, "id", &JsValue::from_str(&options.rp_id))?;
    set(&rp, "name", &JsValue::from_str(&options.rp_name))?;
    set(&public_key, "rp", &rp)?;
    let user = Object::new();
    set(&user, "id", &bytes(&options.user_id)?)?;
    set(&user, "name", &JsValue::from_str(&options.user_name))?;
    set(&user, "displayName", &JsValue::from_str(&options.user_display_name))?;
    set(&public_key, "user", &user)?;
    let parameters = Array::new();
    for algorithm in &options.algorithms {
        let parameter = Object::new();
        set(&parameter, "type", &JsValue::from_str("public-key"))?;
        set(&parameter, "alg", &JsValue::from_f64(*algorithm as f64))?;
        parameters.push(&parameter);
    }
    set(&public_key, "pubKeyCredParams", &parameters)?;
    set(&public_key, "excludeCredentials", &descriptors(&options.exclude_credentials)?)?;
    set(&public_key, "timeout", &JsValue::from_f64(f64::from(options.timeout_ms)))?;
    set(&public_key, "attestation", &JsValue::from_str("none"))?;
    let credential = credentials("create", public_key).await?;
    let response = get(&credential, "response")?;
    let body = NewPasskey {
        name,
        challenge: options.challenge,
        credential_id: encoded(&credential, "rawId")?,
        client_data_json: encoded(&response, "clientDataJSON")?,
        attestation_object: encoded(&response, "attestationObject")?,
    };
    api::call_with(&REGISTER_PASSKEY, &[], &body).await
}

/// Confirms the login with this browser's passkey: options, `get`, the Worker's check.
pub async fn confirm() -> Result<SessionView, ApiError> {
    let options: RequestOptions = api::call(&PASSKEY_LOGIN_OPTIONS, &[]).await?;
    let public_key = Object::new();
    set(&public_key, "challenge", &bytes(&options.challenge)?)?;
    set(&public_key, "rpId", &JsValue::from_str(&options.rp_id))?;
    set(&public_key, "allowCredentials", &descriptors(&options.allow_credentials)?)?;
    set(&public_key, "timeout", &JsValue::from_f64(f64::from(options.timeout_ms)))?;
    set(&public_key, "userVerification", &JsValue::from_str("preferred"))?;
    let credential = credentials("get", public_key).await?;
    let response = get(&credential, "response")?;
    let body = PasskeyAssertion {
        challenge: options.challenge,
        credential_id: encoded(&credential, "rawId")?,
        client_data_json: encoded(&response, "clientDataJSON")?,
        authenticator_data: encoded(&response, "authenticatorData")?,
        signature: encoded(&response, "signature")?,
    };
    api::call_with(&CONFIRM_WITH_PASSKEY, &[], &body).await
}

/// The ten recovery codes, shown once, and the way on.
#[component]
fn RecoveryCodes(codes: Vec<String>, then: &'static str) -> impl IntoView {
    let t = use_i18n();
    view! {
        <section class="recovery-codes" data-testid="recovery-codes">
            <h2>{move || texts(t.lang()).codes_title}</h2>
            <p>{move || texts(t.lang()).codes_intro}</p>
            <ul>{codes.into_iter().map(|code| view! { <li><code data-testid="recovery-code">{code}</code></li> }).collect_view()}</ul>
            <button type="button" data-testid="recovery-codes-done" on:click=move |_| go(then)>
                {move || texts(t.lang()).codes_done}</button>
        </section>
    }
}

/// The passkey step of a login: register a passkey (CA administrators without one) or confirm with one (or a
/// recovery code). Shown by the console instead of any page while the session is at that step.
#[component]
pub fn PasskeyStepPage(step: PasskeyStep) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let codes = RwSignal::new(None::<Vec<String>>);
    let recovery = RwSignal::new(String::new());
    let then = "/console";

    let register_now = move |_| {
        error.set(None);
        working.set(true);
        let name = texts(t.lang_untracked()).default_name.to_owned();
        spawn_local(async move {
            match register(name).await {
                Ok(registered) if !registered.recovery_codes.is_empty() => codes.set(Some(registered.recovery_codes)),
                Ok(_) => go(then),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let confirm_now = move |_| {
        error.set(None);
        working.set(true);
        spawn_local(async move {
            match confirm().await {
                Ok(_) => go(then),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let use_code = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        working.set(true);
        let entry = RecoveryCodeEntry { code: recovery.get_untracked() };
        spawn_local(async move {
            match api::call_with::<_, SessionView>(&CONFIRM_WITH_RECOVERY_CODE, &[], &entry).await {
                Ok(_) => go(then),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let label = move |text: fn(&Texts) -> &'static str| {
        move || if working.get() { texts(t.lang()).working } else { text(texts(t.lang())) }
    };

    move || {
        if let Some(list) = codes.get() {
            return view! { <RecoveryCodes codes=list then=then /> }.into_any();
        }
        let problem = move || error.get().map(|problem| error_line(problem, t));
        match step {
            PasskeyStep::Register | PasskeyStep::Done => view! {
                <section class="passkey-step" data-testid="passkey-register">
                    <h1>{move || texts(t.lang()).register_title}</h1>
                    <p>{move || texts(t.lang()).register_intro}</p>
                    {problem}
                    <button type="button" data-testid="passkey-register-button" on:click=register_now
                        disabled=move || working.get()>{label(|texts| texts.register_button)}</button>
                </section>
            }
            .into_any(),
            PasskeyStep::Confirm => view! {
                <section class="passkey-step" data-testid="passkey-confirm">
                    <h1>{move || texts(t.lang()).confirm_title}</h1>
                    <p>{move || texts(t.lang()).confirm_intro}</p>
                    {problem}
                    <button type="button" data-testid="passkey-confirm-button" on:click=confirm_now
                        disabled=move || working.get()>{label(|texts| texts.confirm_button)}</button>
                    <form on:submit=use_code data-testid="recovery-form" novalidate>
                        <label>{move || texts(t.lang()).recovery_label}
                            <input type="text" autocomplete="one-time-code" data-testid="recovery-code-input"
                                bind:value=recovery /></label>
                        <button type="submit" disabled=move || working.get()>
                            {label(|texts| texts.recovery_button)}</button>
                    </form>
                </section>
            }
            .into_any(),
        }
    }
}

/// `/console/passkeys`: the caller's passkeys, how many recovery codes are left, adding and removing one.
#[component]
pub fn PasskeysPage() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.get();
        api::call::<PasskeyList>(&LIST_PASSKEYS, &[])
    });
    let error = RwSignal::new(None::<ApiError>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let name = RwSignal::new(String::new());
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let typed = name.get_untracked();
        let chosen = if typed.trim().is_empty() { texts(t.lang_untracked()).default_name.to_owned() } else { typed };
        spawn_local(async move {
            match register(chosen).await {
                Ok(registered) => {
                    if !registered.recovery_codes.is_empty() {
                        codes.set(Some(registered.recovery_codes));
                    }
                    version.update(|value| *value += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let remove = move |id: String| {
        error.set(None);
        spawn_local(async move {
            match api::call::<()>(&REMOVE_PASSKEY, &[&id]).await {
                Ok(()) => version.update(|value| *value += 1),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <section class="passkeys" data-testid="passkeys">
            <h1>{move || texts(t.lang()).list_title}</h1>
            {move || error.get().map(|problem| error_line(problem, t))}
            {move || codes.get().map(|list| view! { <RecoveryCodes codes=list then="/console/passkeys" /> })}
            {move || match list.get() {
                None => ().into_any(),
                Some(Err(problem)) => error_line(problem, t).into_any(),
                Some(Ok(list)) => view! {
                    <ul data-testid="passkey-list">
                        {list.passkeys.into_iter().map(|passkey| {
                            let id = passkey.id.clone();
                            view! { <li data-testid="passkey">{passkey.name} " "
                                <button type="button" on:click=move |_| remove(id.clone())>
                                    {move || texts(t.lang()).remove_button}</button></li> }
                        }).collect_view()}
                    </ul>
                    <p>{move || texts(t.lang()).codes_left} " " {list.recovery_codes_left}</p>
                }
                .into_any(),
            }}
            <form on:submit=add data-testid="passkey-add" novalidate>
                <label>{move || texts(t.lang()).name_label}
                    <input type="text" data-testid="passkey-name" bind:value=name /></label>
                <button type="submit">{move || texts(t.lang()).add_button}</button>
            </form>
        </section>
    }
}

/// The navigation's label of `/console/passkeys`.
pub fn nav_label(lang: Lang) -> &'static str {
    texts(lang).list_title
}
