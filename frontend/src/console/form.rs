//! What every console form shares: errors shown next to the field the API's `error.field` names (or the page's
//! own check names), the rest above the form; and moving to another page.

use leptos::prelude::*;
use shared::api::ApiError;

use crate::i18n::{problem_message, use_i18n};

/// Shows the error under a field when it names one of `fields` (the form field and the request fields it
/// becomes, e.g. `password` and `password_key`).
#[component]
pub fn FieldError(
    /// The form's last error.
    error: RwSignal<Option<ApiError>>,
    /// The names this field answers to; the first one names the element (`data-testid="error-{first}"`).
    fields: &'static [&'static str],
) -> impl IntoView {
    let t = use_i18n();
    let testid = format!("error-{}", fields.first().copied().unwrap_or("field"));
    move || {
        error.get().filter(|problem| names_one_of(problem, fields)).map(|problem| {
            crate::focus::error_shown();
            view! {
                <p class="error field-error" role="alert" data-testid=testid.clone() data-code=problem.code.clone()
                    data-field=problem.field.clone()>{problem_message(&problem, t.lang())}</p>
            }
        })
    }
}

/// Shows the error above the form when it names none of the form's fields (`data-testid="error"`).
#[component]
pub fn FormError(
    /// The form's last error.
    error: RwSignal<Option<ApiError>>,
    /// Every name the form's [`FieldError`]s answer to.
    fields: &'static [&'static str],
) -> impl IntoView {
    let t = use_i18n();
    move || {
        error.get().filter(|problem| !names_one_of(problem, fields)).map(|problem| {
            crate::focus::error_shown();
            view! {
                <p class="error" role="alert" data-testid="error" data-code=problem.code.clone()
                    data-field=problem.field.clone()>{problem_message(&problem, t.lang())}</p>
            }
        })
    }
}

fn names_one_of(problem: &ApiError, fields: &[&str]) -> bool {
    problem.field.as_deref().is_some_and(|field| fields.contains(&field))
}

/// Loads another page of the console (a full load: each page reads the session afresh).
pub fn go(path: &str) {
    let _ = window().location().set_href(path);
}
