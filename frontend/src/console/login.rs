//! `/login`: the address and the password. A temporary password (`KWT-…`) is sent as typed; any other password
//! only as the key WebCrypto derives from it. After a login with a temporary password the page asks for a new
//! one at once (it still holds the temporary one, so it is not asked again).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::account::{LOG_IN, LoginRequest, SessionView};

use super::form::{FieldError, FormError, go};
use super::password::ChangePasswordForm;
use super::secret::{TypedPassword, password_key};
use super::signup_texts::signup_text;
use super::texts::text;
use crate::api;
use crate::i18n::use_i18n;

const EMAIL_FIELDS: &[&str] = &["email"];
const PASSWORD_FIELDS: &[&str] = &["password", "password_key", "temporary_password"];
const LOGIN_FIELDS: &[&str] = &["email", "password", "password_key", "temporary_password"];

#[derive(Clone)]
enum Stage {
    Form,
    /// Logged in with a temporary password: choose one now.
    ChangePassword {
        email: String,
        temporary: Option<String>,
    },
}

/// The login page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_i18n();
    let stage = RwSignal::new(Stage::Form);
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        working.set(true);
        let typed = TypedPassword::recognize(&password.get_untracked());
        let email = email.get_untracked();
        spawn_local(async move {
            let temporary = match &typed {
                TypedPassword::Temporary(temporary) => Some(temporary.clone()),
                TypedPassword::Chosen(_) => None,
            };
            match log_in(&email, typed).await {
                Ok(session) if session.user.must_change_password => {
                    stage.set(Stage::ChangePassword { email: session.user.email, temporary });
                }
                Ok(_) => go("/console"),
                Err(problem) => {
                    error.set(Some(problem));
                    working.set(false);
                }
            }
        });
    };

    move || {
        match stage.get() {
        Stage::ChangePassword { email, temporary } => {
            view! { <ChangePasswordForm email=email temporary=temporary must_change=true /> }.into_any()
        }
        Stage::Form => view! {
            <section class="login">
                <h1>{text(t, |texts| texts.login_title)}</h1>
                <FormError error=error fields=LOGIN_FIELDS />
                <form on:submit=submit data-testid="login-form" novalidate>
                    <label>{text(t, |texts| texts.email)}
                        <input type="email" autocomplete="username" data-testid="email" bind:value=email /></label>
                    <FieldError error=error fields=EMAIL_FIELDS />
                    <label>{text(t, |texts| texts.password)}
                        <input type="password" autocomplete="current-password" data-testid="password"
                            bind:value=password /></label>
                    <FieldError error=error fields=PASSWORD_FIELDS />
                    <p class="hint">{text(t, |texts| texts.login_hint)}</p>
                    <button type="submit" data-testid="login-submit" disabled=move || working.get()>
                        {move || if working.get() { text(t, |texts| texts.working)() } else { text(t, |texts| texts.login_submit)() }}
                    </button>
                </form>
                <p><a href="/reset" data-testid="forgot">{text(t, |texts| texts.forgot)}</a></p>
                <p><a href="/signup" data-testid="create-account">{signup_text(t, |texts| texts.create_account)}</a></p>
            </section>
        }
        .into_any(),
    }
    }
}

/// Sends the login: the temporary password as typed, or the derived key of a chosen one (none for an empty
/// field, which the Worker answers with `password_missing`).
pub async fn log_in(email: &str, typed: TypedPassword) -> Result<SessionView, ApiError> {
    let mut request = LoginRequest { email: email.to_owned(), password_key: None, temporary_password: None };
    match typed {
        TypedPassword::Temporary(typed) => request.temporary_password = Some(typed),
        TypedPassword::Chosen(text) if text.is_empty() => {}
        TypedPassword::Chosen(text) => request.password_key = Some(password_key(email, &text).await?),
    }
    api::call_with(&LOG_IN, &[], &request).await
}
