//! Choosing a password in the console: the new password typed twice with the strength meter (the recipient
//! pages' `NewPassword`), checked in the browser before any key is derived; and the change-password form.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::account::check_new_password;
use shared::api::ApiError;
use shared::api::account::{CHANGE_PASSWORD, ChangePassword};

use super::form::{FieldError, FormError, go};
use super::secret::{TypedPassword, password_key};
use super::texts::{new_password_refused, text};
use crate::api;
use crate::i18n::{Lang, field_error, use_i18n};
use crate::password::{self, NewPassword};

/// The names a new password's errors come under: the form's fields and the request's.
pub const NEW_PASSWORD_FIELDS: &[&str] = &["password", "new_password", "new_password_key", "password_confirmation"];

/// The current password's names.
const CURRENT_PASSWORD_FIELDS: &[&str] = &["current_password", "current_password_key", "current_temporary_password"];

const CHANGE_FIELDS: &[&str] = &[
    "password",
    "new_password",
    "new_password_key",
    "password_confirmation",
    "current_password",
    "current_password_key",
    "current_temporary_password",
];

/// Refuses a new password the account rules refuse (`check_new_password`: 12 to 256 characters, not of the
/// temporary form), one the strength estimate finds too weak, or one typed differently twice; in `lang`.
pub fn check_chosen(password: &str, confirmation: &str, lang: Lang) -> Result<(), ApiError> {
    if let Err(refusal) = check_new_password(password) {
        let message = new_password_refused(lang, refusal).unwrap_or_else(|| refusal.to_string());
        return Err(field_error(refusal.code(), "password", message));
    }
    password::check(password, confirmation, lang)
}

/// The change-password form. `temporary` is the temporary password the person just logged in with, when the
/// page still holds it: then it is not asked again. On success the console's account page opens.
#[component]
pub fn ChangePasswordForm(
    /// The account's address (the password key's salt).
    email: String,
    /// The temporary password of this login, when known.
    temporary: Option<String>,
    /// Whether the account still has a temporary password (changes the introduction).
    must_change: bool,
) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let current = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let ask_current = temporary.is_none();
    let temporary = StoredValue::new(temporary);
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
        let current = match temporary.get_value() {
            Some(temporary) => TypedPassword::Temporary(temporary),
            None => TypedPassword::recognize(&current.get_untracked()),
        };
        let email = email.get_value();
        working.set(true);
        spawn_local(async move {
            match change(&email, current, &chosen).await {
                Ok(()) => go("/console"),
                Err(problem) => {
                    error.set(Some(problem));
                    working.set(false);
                }
            }
        });
    };

    view! {
        <section class="change-password">
            <h1>{text(t, |texts| texts.change_title)}</h1>
            <p>{move || if must_change { text(t, |texts| texts.change_intro_temporary)() } else { text(t, |texts| texts.change_intro)() }}</p>
            <FormError error=error fields=CHANGE_FIELDS />
            <form on:submit=submit data-testid="change-password-form">
                {ask_current.then(|| view! {
                    <label>{text(t, |texts| texts.current_password)}
                        <input type="password" autocomplete="current-password" data-testid="current-password"
                            bind:value=current /></label>
                    <FieldError error=error fields=CURRENT_PASSWORD_FIELDS />
                })}
                <NewPassword password=new_password confirmation=confirmation />
                <FieldError error=error fields=NEW_PASSWORD_FIELDS />
                <button type="submit" data-testid="change-password-submit" disabled=move || working.get()>
                    {move || if working.get() { text(t, |texts| texts.working)() } else { text(t, |texts| texts.change_submit)() }}
                </button>
            </form>
        </section>
    }
}

/// Derives the keys and asks the Worker to change the password.
async fn change(email: &str, current: TypedPassword, chosen: &str) -> Result<(), ApiError> {
    let mut request = ChangePassword {
        current_password_key: None,
        current_temporary_password: None,
        new_password_key: String::new(),
    };
    match current {
        TypedPassword::Temporary(typed) => request.current_temporary_password = Some(typed),
        TypedPassword::Chosen(text) if text.is_empty() => {}
        TypedPassword::Chosen(text) => request.current_password_key = Some(password_key(email, &text).await?),
    }
    request.new_password_key = password_key(email, chosen).await?;
    api::call_with(&CHANGE_PASSWORD, &[], &request).await
}
