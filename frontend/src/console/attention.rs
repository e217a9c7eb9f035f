//! `/console` for organization users and administrators (issue 14.7): what needs the caller's attention
//! (`GET /api/v1/attention`), in four lists: orders waiting on validations, certificates ending within 30 days,
//! renewed certificates nobody picked up, emails the outbox gave up on. Each line says what it is and links to the
//! page where it is fixed (the answer's `fix_path`); with nothing to show, the page says so.

use leptos::prelude::*;
use shared::api::notices::{Attention, SHOW_ATTENTION};

use super::attention_texts::{
    AttentionTexts, attention_text, attention_texts, blocked_line, ending_line, failed_line, unpicked_line,
};
use crate::api;
use crate::i18n::{Lang, error_line, format_instant, use_i18n};

/// A text picked from the page's texts.
type Pick = fn(&'static AttentionTexts) -> &'static str;

/// One line of the page: its kind (`data-kind`), what identifies it (`data-key`), its text in a language, where it
/// is fixed and the link's words.
struct Line {
    kind: &'static str,
    key: String,
    words: Box<dyn Fn(Lang) -> String + Send + Sync>,
    fix_path: String,
    fix: Pick,
}

/// The navigation entry's label in `lang`.
pub fn nav_label(lang: Lang) -> &'static str {
    attention_texts(lang).title
}

/// The page.
#[component]
pub fn AttentionPage() -> impl IntoView {
    let t = use_i18n();
    let attention = LocalResource::new(|| api::call::<Attention>(&SHOW_ATTENTION, &[]));
    view! {
        <h1>{attention_text(t, |texts| texts.title)}</h1>
        <p class="hint">{attention_text(t, |texts| texts.intro)}</p>
        {move || attention.get().map(|result| match result {
            Ok(attention) => lists(attention).into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

/// The four lists, each with its heading, only those with lines; or the plain "nothing".
fn lists(attention: Attention) -> impl IntoView {
    let t = use_i18n();
    let Attention { blocked_orders, ending_soon, not_picked_up, failed_emails } = attention;
    let blocked = blocked_orders
        .into_iter()
        .map(|order| Line {
            kind: "blocked_order",
            key: order.order_id.clone(),
            words: Box::new(move |lang| blocked_line(lang, &order.order_id, &format_instant(lang, order.created_at))),
            fix_path: order.fix_path.clone(),
            fix: |texts| texts.blocked_fix,
        })
        .collect::<Vec<_>>();
    let ending = ending_soon
        .into_iter()
        .map(|certificate| Line {
            kind: "ending_soon",
            key: certificate.serial.clone(),
            fix_path: certificate.fix_path.clone(),
            words: Box::new(move |lang| {
                let ends = format_instant(lang, certificate.not_after);
                ending_line(lang, &certificate.serial, &certificate.recipient_email, &certificate.order_id, &ends)
            }),
            fix: |texts| texts.ending_fix,
        })
        .collect::<Vec<_>>();
    let unpicked = not_picked_up
        .into_iter()
        .map(|replacement| Line {
            kind: "not_picked_up",
            key: replacement.serial.clone(),
            fix_path: replacement.fix_path.clone(),
            words: Box::new(move |lang| {
                let ends = format_instant(lang, replacement.not_after);
                unpicked_line(lang, &replacement.serial, &replacement.replaced_by, &replacement.recipient_email, &ends)
            }),
            fix: |texts| texts.unpicked_fix,
        })
        .collect::<Vec<_>>();
    let failed = failed_emails
        .into_iter()
        .map(|email| Line {
            kind: "failed_email",
            key: email.id.clone(),
            fix_path: email.fix_path.clone(),
            words: Box::new(move |lang| failed_line(lang, &email.subject, &email.to, email.last_error.as_deref())),
            fix: |texts| texts.failed_fix,
        })
        .collect::<Vec<_>>();
    let groups: [(Pick, Vec<Line>); 4] = [
        (|texts| texts.blocked_heading, blocked),
        (|texts| texts.ending_heading, ending),
        (|texts| texts.unpicked_heading, unpicked),
        (|texts| texts.failed_heading, failed),
    ];
    if groups.iter().all(|(_, lines)| lines.is_empty()) {
        return view! { <p data-testid="attention-empty">{attention_text(t, |texts| texts.empty)}</p> }.into_any();
    }
    groups
        .into_iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(heading, lines)| {
            let kind = lines.first().map(|line| line.kind).unwrap_or_default();
            let items = lines
                .into_iter()
                .map(|line| {
                    let Line { kind, key, words, fix_path, fix } = line;
                    view! {
                        <li data-testid="attention-line" data-kind=kind data-key=key>
                            <span data-testid="attention-text">{move || words(t.lang())}</span> " "
                            <a href=fix_path data-testid="attention-fix">{move || fix(attention_texts(t.lang()))}</a>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section data-testid="attention-group" data-kind=kind>
                    <h2>{move || heading(attention_texts(t.lang()))}</h2>
                    <ul class="attention">{items}</ul>
                </section>
            }
        })
        .collect_view()
        .into_any()
}
