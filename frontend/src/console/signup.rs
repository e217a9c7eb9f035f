//! `/signup`: the public signup form (organization name, the first administrator's name and address); the answer
//! is the same whether or not the address has an account. `/signup/{token}`: the emailed link. Opening it only
//! reads its status (a mail scanner's visit spends nothing); the explicit submit spends it with the chosen
//! password's key (salted with the link's address, derived as the console's password pages do), then the page
//! logs in with the same password and lands on `/console`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::signup::{COMPLETE_SIGNUP, CompleteSignup, SHOW_SIGNUP, SIGN_UP, SignupLinkView, SignupRequest};
use shared::link::LinkStatus;

use super::form::{FieldError, FormError, go};
use super::login::log_in;
use super::password::{NEW_PASSWORD_FIELDS, check_chosen};
use super::secret::{TypedPassword, password_key};
use super::signup_texts::{confirming, expired_detail, open_until, signup_text, spent_detail};
use crate::api;
use crate::i18n::{format_instant, use_i18n};
use crate::password::NewPassword;

const ORGANIZATION_FIELDS: &[&str] = &["organization_name"];
const NAME_FIELDS: &[&str] = &["name"];
const EMAIL_FIELDS: &[&str] = &["email"];
const SIGNUP_FIELDS: &[&str] = &["organization_name", "name", "email"];
const LINK_FIELDS: &[&str] = NEW_PASSWORD_FIELDS;

/// `/signup`: the form; every refusal is shown beside the field it names.
#[component]
pub fn SignupPage() -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let organization_name = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        sent.set(false);
        working.set(true);
        let request = SignupRequest {
            organization_name: organization_name.get_untracked(),
            name: name.get_untracked(),
            email: email.get_untracked(),
            lang: Some(t.lang_untracked().tag().to_owned()),
        };
        spawn_local(async move {
            match api::call_with::<_, serde_json::Value>(&SIGN_UP, &[], &request).await {
                Ok(_) => sent.set(true),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    view! {
        <section class="signup">
            <h1>{signup_text(t, |texts| texts.title)}</h1>
            <p>{signup_text(t, |texts| texts.intro)}</p>
            <FormError error=error fields=SIGNUP_FIELDS />
            {move || sent.get().then(|| view! { <p class="notice" role="status" data-testid="signup-sent">{signup_text(t, |texts| texts.sent)}</p> })}
            <form on:submit=submit data-testid="signup-form" novalidate>
                <label>{signup_text(t, |texts| texts.organization_name)}
                    <input type="text" autocomplete="organization" data-testid="organization-name"
                        bind:value=organization_name /></label>
                <FieldError error=error fields=ORGANIZATION_FIELDS />
                <label>{signup_text(t, |texts| texts.name)}
                    <input type="text" autocomplete="name" data-testid="name" bind:value=name /></label>
                <FieldError error=error fields=NAME_FIELDS />
                <label>{signup_text(t, |texts| texts.email)}
                    <input type="email" autocomplete="email" data-testid="email" bind:value=email /></label>
                <FieldError error=error fields=EMAIL_FIELDS />
                <button type="submit" data-testid="signup-submit" disabled=move || working.get()>
                    {move || if working.get() { signup_text(t, |texts| texts.working)() } else { signup_text(t, |texts| texts.submit)() }}
                </button>
            </form>
            <p><a href="/login">{signup_text(t, |texts| texts.to_login)}</a></p>
        </section>
    }
}

/// `/signup/{token}`: what the link's status allows.
#[component]
pub fn SignupLinkPage(
    /// The link's token, from the path.
    token: String,
) -> impl IntoView {
    let t = use_i18n();
    let read_token = token.clone();
    let status = LocalResource::new(move || {
        let token = read_token.clone();
        async move { api::call::<SignupLinkView>(&SHOW_SIGNUP, &[&token]).await }
    });
    let token = StoredValue::new(token);
    move || match status.get() {
        None => view! { <p>{signup_text(t, |texts| texts.loading)}</p> }.into_any(),
        Some(Ok(SignupLinkView { status: LinkStatus::Open { expires_at }, email, organization_name, name })) => view! {
            <SignupLinkForm token=token.get_value() expires_at=expires_at email=email.unwrap_or_default()
                organization_name=organization_name.unwrap_or_default() name=name.unwrap_or_default() />
        }
        .into_any(),
        Some(Ok(SignupLinkView { status: LinkStatus::Spent { spent_at }, .. })) => closed(
            signup_text(t, |texts| texts.spent_title),
            move || spent_detail(t.lang(), &format_instant(t.lang(), spent_at)),
            "signup-spent",
            "/login",
        ),
        Some(Ok(SignupLinkView { status: LinkStatus::Expired { expired_at }, .. })) => closed(
            signup_text(t, |texts| texts.expired_title),
            move || expired_detail(t.lang(), &format_instant(t.lang(), expired_at)),
            "signup-expired",
            "/signup",
        ),
        Some(Err(problem)) => {
            let message = problem.message.clone();
            closed(signup_text(t, |texts| texts.unknown_title), move || message.clone(), "signup-unknown", "/signup")
        }
    }
}

/// A link that cannot be used: what happened, and the way out.
fn closed(
    title: impl Fn() -> &'static str + Send + 'static,
    detail: impl Fn() -> String + Send + 'static,
    state: &'static str,
    way_out: &'static str,
) -> AnyView {
    let t = use_i18n();
    let label = move || {
        if way_out == "/login" {
            signup_text(t, |texts| texts.to_login)()
        } else {
            signup_text(t, |texts| texts.again)()
        }
    };
    view! {
        <section class="signup" data-testid=state>
            <h1>{title}</h1>
            <p>{detail}</p>
            <p><a class="button" href=way_out data-testid="signup-way-out">{label}</a></p>
        </section>
    }
    .into_any()
}

/// The open link's form: what the signup said, and the password twice.
#[component]
fn SignupLinkForm(
    token: String,
    expires_at: i64,
    email: String,
    organization_name: String,
    name: String,
) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let new_password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let token = StoredValue::new(token);
    let shown_email = email.clone();
    let email = StoredValue::new(email);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let lang = t.lang_untracked();
        let chosen = new_password.get_untracked();
        if let Err(problem) = check_chosen(&chosen, &confirmation.get_untracked(), lang) {
            error.set(Some(problem));
            return;
        }
        let (token, email) = (token.get_value(), email.get_value());
        working.set(true);
        spawn_local(async move {
            match complete(&token, &email, &chosen).await {
                Ok(()) => go("/console"),
                Err(problem) => {
                    error.set(Some(problem));
                    working.set(false);
                }
            }
        });
    };
    view! {
        <section class="signup">
            <h1>{signup_text(t, |texts| texts.link_title)}</h1>
            <p data-testid="signup-summary">{move || confirming(t.lang(), &organization_name, &name, &shown_email)}</p>
            <p class="hint" data-testid="signup-open">{move || open_until(t.lang(), &format_instant(t.lang(), expires_at))}</p>
            <FormError error=error fields=LINK_FIELDS />
            <form on:submit=submit data-testid="signup-link-form" novalidate>
                <input type="email" autocomplete="username" hidden readonly prop:value=move || email.get_value() />
                <NewPassword password=new_password confirmation=confirmation />
                <FieldError error=error fields=NEW_PASSWORD_FIELDS />
                <button type="submit" data-testid="signup-link-submit" disabled=move || working.get()>
                    {move || if working.get() { signup_text(t, |texts| texts.working)() } else { signup_text(t, |texts| texts.link_submit)() }}
                </button>
            </form>
        </section>
    }
}

/// Spends the link with the new key, then logs in with the same password (the key is salted with the link's
/// address).
async fn complete(token: &str, email: &str, chosen: &str) -> Result<(), ApiError> {
    let request = CompleteSignup { password_key: password_key(email, chosen).await? };
    api::call_with::<_, ()>(&COMPLETE_SIGNUP, &[token], &request).await?;
    log_in(email, TypedPassword::Chosen(chosen.to_owned())).await.map(|_| ())
}
