//! `/dev/mailbox`: the development mailbox, showing the mail outbox (development environment only; the API
//! answers 404 elsewhere).

use leptos::prelude::*;
use shared::api::dev::{DEV_MAILBOX, MailMessage, Mailbox};

use crate::api;

/// Lists every queued email, newest first, with its links clickable.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let mailbox = LocalResource::new(|| api::call::<Mailbox>(&DEV_MAILBOX, &[]));
    view! {
        <h1>"Development mailbox"</h1>
        <p class="hint">"Emails Keyward would send. Only the development environment shows this page."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || mailbox.get().map(|result| match result {
                Ok(mailbox) if mailbox.messages.is_empty() => view! { <p>"No email yet."</p> }.into_any(),
                Ok(mailbox) => mailbox.messages.into_iter().map(message).collect_view().into_any(),
                Err(error) => view! { <p class="error" data-testid="error">{error.message}</p> }.into_any(),
            })}
        </Suspense>
    }
}

fn message(message: MailMessage) -> impl IntoView {
    let lines = message.body.lines().map(|line| {
        let line = line.to_owned();
        if line.starts_with("http://") || line.starts_with("https://") {
            view! { <a data-testid="mail-link" href=line.clone()>{line.clone()}</a><br/> }.into_any()
        } else {
            view! { {line}<br/> }.into_any()
        }
    });
    view! {
        <article class="mail" data-testid="mail">
            <p class="meta">"To: " <span data-testid="mail-to">{message.to}</span> " · " {message.status}</p>
            <h2>{message.subject}</h2>
            <p class="body">{lines.collect_view()}</p>
        </article>
    }
}
