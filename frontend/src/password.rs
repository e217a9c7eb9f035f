//! Choosing a new password for a bundle: the two fields, the strength meter shown as the user types, and the
//! check both the enrollment and the repackaging pages run before building anything. The estimate itself is
//! `shared::password::strength`.

use leptos::prelude::*;
use shared::api::ApiError;
use shared::password::{self, MINIMUM_LENGTH};

use crate::i18n::{self, Lang, field_error, use_i18n};

/// Refuses a new password that is too short, too weak, or typed differently twice; the error, in `lang`, names
/// the field.
pub fn check(password: &str, confirmation: &str, lang: Lang) -> Result<(), ApiError> {
    let strength = password::strength(password);
    if password.chars().count() < MINIMUM_LENGTH {
        return Err(field_error("password_too_short", "password", i18n::password_too_short(lang, MINIMUM_LENGTH)));
    }
    if !strength.acceptable() {
        let advice: Vec<&str> = strength.weaknesses.iter().map(|weakness| weakness.advice(lang)).collect();
        let verdict = lower_first(strength.verdict(lang));
        let message = i18n::password_too_weak(lang, &verdict, &advice.join(" ")).replace("  ", " ");
        return Err(field_error("password_too_weak", "password", message));
    }
    if password != confirmation {
        return Err(field_error("password_mismatch", "password_confirmation", i18n::texts(lang).password_mismatch));
    }
    Ok(())
}

/// The text with its first letter in lower case (a verdict inside a sentence). The verdicts begin with an ASCII
/// letter in both languages, so ASCII lower-casing is enough, and it keeps the Unicode case table (about 12 KB)
/// out of the enrollment bundle.
fn lower_first(text: &str) -> String {
    let mut characters = text.chars();
    characters
        .next()
        .map(|first| std::iter::once(first.to_ascii_lowercase()).chain(characters).collect())
        .unwrap_or_default()
}

/// The new password typed twice, with a strength meter and advice under the first field.
#[component]
pub fn NewPassword(
    /// The password as typed.
    password: RwSignal<String>,
    /// The second copy.
    confirmation: RwSignal<String>,
) -> impl IntoView {
    let t = use_i18n();
    let strength = Memo::new(move |_| password.with(|typed| (!typed.is_empty()).then(|| password::strength(typed))));
    view! {
        <label>{t.text(|texts| texts.password)}<input type="password" name="password" data-testid="password" autocomplete="new-password"
            minlength=MINIMUM_LENGTH bind:value=password /></label>
        {move || strength.get().map(|strength| {
            let lang = t.lang();
            let advice = strength.weaknesses.iter()
                .map(|weakness| view! { <li>{weakness.advice(lang)}</li> })
                .collect_view();
            view! {
                <div class="strength" data-testid="password-strength" data-score=strength.score
                    data-acceptable=strength.acceptable().to_string() aria-live="polite">
                    <meter min="0" max="4" low="2" high="3" optimum="4" value=strength.score></meter>
                    " " <span data-testid="password-verdict">{strength.verdict(lang)}</span>
                    <ul class="hint">{advice}</ul>
                </div>
            }
        })}
        <label>{t.text(|texts| texts.password_again)}<input type="password" name="password_confirmation" data-testid="password-confirm" autocomplete="new-password"
            bind:value=confirmation /></label>
    }
}
