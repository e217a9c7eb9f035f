//! Choosing a new password for a bundle: the two fields, the strength meter shown as the user types, and the
//! check both the enrollment and the repackaging pages run before building anything. The estimate itself is
//! `shared::password::strength`.

use leptos::prelude::*;
use shared::api::ApiError;
use shared::password::{self, MINIMUM_LENGTH};

/// Refuses a new password that is too short, too weak, or typed differently twice; the error names the field.
pub fn check(password: &str, confirmation: &str) -> Result<(), ApiError> {
    let strength = password::strength(password);
    if password.chars().count() < MINIMUM_LENGTH {
        return Err(ApiError {
            code: "password_too_short".into(),
            field: Some("password".into()),
            message: format!("Password: choose one of at least {MINIMUM_LENGTH} characters."),
        });
    }
    if !strength.acceptable() {
        let advice: Vec<&str> = strength.weaknesses.iter().map(|weakness| weakness.advice()).collect();
        return Err(ApiError {
            code: "password_too_weak".into(),
            field: Some("password".into()),
            message: format!(
                "Password: too weak ({}). {} A few unrelated words make a strong password that is easy to remember.",
                strength.verdict().to_ascii_lowercase(),
                advice.join(" ")
            )
            .replace("  ", " "),
        });
    }
    if password != confirmation {
        return Err(ApiError {
            code: "password_mismatch".into(),
            field: Some("password_confirmation".into()),
            message: "The two passwords differ. Type the same password twice.".into(),
        });
    }
    Ok(())
}

/// The new password typed twice, with a strength meter and advice under the first field.
#[component]
pub fn NewPassword(
    /// The password as typed.
    password: RwSignal<String>,
    /// The second copy.
    confirmation: RwSignal<String>,
) -> impl IntoView {
    let strength = Memo::new(move |_| password.with(|typed| (!typed.is_empty()).then(|| password::strength(typed))));
    view! {
        <label>"Password "<input type="password" data-testid="password" autocomplete="new-password"
            minlength=MINIMUM_LENGTH bind:value=password /></label>
        {move || strength.get().map(|strength| {
            let advice = strength.weaknesses.iter()
                .map(|weakness| view! { <li>{weakness.advice()}</li> })
                .collect_view();
            view! {
                <div class="strength" data-testid="password-strength" data-score=strength.score
                    data-acceptable=strength.acceptable().to_string() aria-live="polite">
                    <meter min="0" max="4" low="2" high="3" optimum="4" value=strength.score></meter>
                    " " <span data-testid="password-verdict">{strength.verdict()}</span>
                    <ul class="hint">{advice}</ul>
                </div>
            }
        })}
        <label>"Password again "<input type="password" data-testid="password-confirm" autocomplete="new-password"
            bind:value=confirmation /></label>
    }
}
