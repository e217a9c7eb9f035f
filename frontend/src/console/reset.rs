//! `/reset`: ask for a reset link by email; `/reset/{token}`: the emailed link. Opening the link only reads its
//! status (a mail scanner's visit spends nothing); the link is spent by the explicit submit. The open link's
//! status carries the account's address, which salts the new password's key; the page then logs in with it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::account::{REQUEST_RESET, RESET_PASSWORD, ResetLinkView, ResetPassword, ResetRequest, SHOW_RESET};
use shared::link::LinkStatus;

use super::form::{FieldError, FormError, go};
use super::login::log_in;
use super::password::{NEW_PASSWORD_FIELDS, check_chosen};
use super::secret::{TypedPassword, password_key};
use super::texts::{console_texts, reset_expired_detail, reset_open_until, reset_spent_detail, text};
use crate::api;
use crate::i18n::{Lang, field_error, format_instant, use_i18n};
use crate::password::NewPassword;

const EMAIL_FIELDS: &[&str] = &["email"];
const RESET_FIELDS: &[&str] =
    &["email", "password", "new_password", "new_password_key", "password_confirmation", "token"];

/// `/reset`: the address, and a link is emailed if it has an account (the answer is the same either way).
#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        sent.set(false);
        working.set(true);
        let request = ResetRequest { email: email.get_untracked() };
        spawn_local(async move {
            match api::call_with::<_, serde_json::Value>(&REQUEST_RESET, &[], &request).await {
                Ok(_) => sent.set(true),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    view! {
        <section class="reset">
            <h1>{text(t, |texts| texts.reset_request_title)}</h1>
            <p>{text(t, |texts| texts.reset_request_intro)}</p>
            <FormError error=error fields=EMAIL_FIELDS />
            {move || sent.get().then(|| view! { <p class="notice" data-testid="reset-sent">{text(t, |texts| texts.reset_sent)}</p> })}
            <form on:submit=submit data-testid="reset-request-form" novalidate>
                <label>{text(t, |texts| texts.email)}
                    <input type="email" autocomplete="username" data-testid="email" bind:value=email /></label>
                <FieldError error=error fields=EMAIL_FIELDS />
                <button type="submit" data-testid="reset-request-submit" disabled=move || working.get()>
                    {text(t, |texts| texts.reset_request_submit)}</button>
            </form>
            <p><a href="/login">{text(t, |texts| texts.to_login)}</a></p>
        </section>
    }
}

/// `/reset/{token}`: what the link's status allows.
#[component]
pub fn ResetLinkPage(
    /// The link's token, from the path.
    token: String,
) -> impl IntoView {
    let t = use_i18n();
    let read_token = token.clone();
    let status = LocalResource::new(move || {
        let token = read_token.clone();
        async move { api::call::<ResetLinkView>(&SHOW_RESET, &[&token]).await }
    });
    let token = StoredValue::new(token);
    move || match status.get() {
        None => view! { <p>{text(t, |texts| texts.loading)}</p> }.into_any(),
        Some(Ok(ResetLinkView { status: LinkStatus::Open { expires_at }, email })) => {
            let email = email.unwrap_or_default();
            view! { <ResetForm token=token.get_value() expires_at=expires_at email=email /> }.into_any()
        }
        Some(Ok(ResetLinkView { status: LinkStatus::Spent { spent_at }, .. })) => closed(
            text(t, |texts| texts.reset_spent_title),
            move || reset_spent_detail(t.lang(), &format_instant(t.lang(), spent_at)),
            "reset-spent",
        ),
        Some(Ok(ResetLinkView { status: LinkStatus::Expired { expired_at }, .. })) => closed(
            text(t, |texts| texts.reset_expired_title),
            move || reset_expired_detail(t.lang(), &format_instant(t.lang(), expired_at)),
            "reset-expired",
        ),
        Some(Err(problem)) => {
            let message = problem.message.clone();
            closed(text(t, |texts| texts.reset_unknown_title), move || message.clone(), "reset-unknown")
        }
    }
}

/// A link that cannot be used: what happened, and the way out.
fn closed(
    title: impl Fn() -> &'static str + Send + 'static,
    detail: impl Fn() -> String + Send + 'static,
    state: &'static str,
) -> AnyView {
    let t = use_i18n();
    view! {
        <section class="reset" data-testid=state>
            <h1>{title}</h1>
            <p>{detail}</p>
            <p><a class="button" href="/reset" data-testid="reset-again">{text(t, |texts| texts.reset_again)}</a></p>
        </section>
    }
    .into_any()
}

/// The open link's form: the account's address (shown, not editable: it salts the key), the new password twice.
#[component]
fn ResetForm(token: String, expires_at: i64, email: String) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let email = RwSignal::new(email);
    let new_password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let token = StoredValue::new(token);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let lang = t.lang_untracked();
        let chosen = new_password.get_untracked();
        if let Err(problem) = check_chosen(&chosen, &confirmation.get_untracked(), lang) {
            error.set(Some(problem));
            return;
        }
        let email = email.get_untracked();
        let token = token.get_value();
        working.set(true);
        spawn_local(async move {
            match reset(&token, &email, &chosen, lang).await {
                Ok(()) => go("/console"),
                Err(problem) => {
                    error.set(Some(problem));
                    working.set(false);
                }
            }
        });
    };
    view! {
        <section class="reset">
            <h1>{text(t, |texts| texts.reset_title)}</h1>
            <p class="hint" data-testid="reset-open">{move || reset_open_until(t.lang(), &format_instant(t.lang(), expires_at))}</p>
            <FormError error=error fields=RESET_FIELDS />
            <form on:submit=submit data-testid="reset-form" novalidate>
                <label>{text(t, |texts| texts.email)}
                    <input type="email" autocomplete="username" data-testid="email" readonly prop:value=move || email.get() /></label>
                <FieldError error=error fields=EMAIL_FIELDS />
                <NewPassword password=new_password confirmation=confirmation />
                <FieldError error=error fields=NEW_PASSWORD_FIELDS />
                <button type="submit" data-testid="reset-submit" disabled=move || working.get()>
                    {move || if working.get() { text(t, |texts| texts.working)() } else { text(t, |texts| texts.reset_submit)() }}
                </button>
            </form>
        </section>
    }
}

/// Spends the link with the new key, then logs in with it (the key is salted with the account's address, which
/// the link's status gave).
async fn reset(token: &str, email: &str, chosen: &str, lang: Lang) -> Result<(), ApiError> {
    let request = ResetPassword { new_password_key: password_key(email, chosen).await? };
    api::call_with::<_, ()>(&RESET_PASSWORD, &[token], &request).await?;
    match log_in(email, TypedPassword::Chosen(chosen.to_owned())).await {
        Ok(_) => Ok(()),
        Err(problem) if problem.code == "credentials_invalid" => {
            Err(field_error("reset_address_mismatch", "email", console_texts(lang).reset_wrong_address))
        }
        Err(problem) => Err(problem),
    }
}
