//! The Keyward web app: a Leptos single-page app, client-side rendered, served by the Worker from one origin.
//!
//! Architecture invariant: the private key is generated, used and packaged here, and never sent anywhere.
//! The only key material that leaves the page is the CSR (public key plus self-signature).

mod api;
#[cfg(feature = "bench")]
mod bench;
mod enroll;
mod files;
mod i18n;
mod keys;
mod mailbox;
mod offload;
mod password;
mod repackage;
mod revoke;
mod vault;

use leptos::prelude::*;

use crate::i18n::{I18n, LanguageSwitch, use_i18n};

fn main() {
    // The packaging worker (`offload`) loads this module too: there is no page to mount there.
    if web_sys::window().is_none() {
        return;
    }
    leptos::mount::mount_to_body(App);
}

/// Picks the page from the path. Six pages do not need a router crate.
#[component]
fn App() -> impl IntoView {
    let i18n = I18n::provide();
    let path = window().location().pathname().unwrap_or_default();
    let page = if let Some(token) = path.strip_prefix("/enroll/") {
        let token = token.to_owned();
        view! { <enroll::EnrollPage token=token /> }.into_any()
    } else if path == "/repackage" {
        view! { <repackage::RepackagePage /> }.into_any()
    } else if path == "/revoke" {
        view! { <revoke::RevokePage /> }.into_any()
    } else if path == "/dev/mailbox" {
        view! { <mailbox::MailboxPage /> }.into_any()
    } else if path == "/" {
        view! { <Home /> }.into_any()
    } else {
        view! { <NotFound /> }.into_any()
    };
    view! {
        <header class="bar"><a href="/" class="brand">"Keyward"</a><LanguageSwitch /></header>
        <main>{page}</main>
        <footer>{i18n.text(|texts| texts.footer)}</footer>
    }
}

/// What Keyward is, for someone who lands on the root.
#[component]
fn Home() -> impl IntoView {
    let t = use_i18n();
    view! {
        <h1>{t.text(|texts| texts.home_title)}</h1>
        <p>{t.text(|texts| texts.home_intro)}</p>
        <p><a href="/revoke" data-testid="revoke-link">{t.text(|texts| texts.home_revoke_link)}</a>
            {t.text(|texts| texts.home_revoke_rest)}</p>
        <p><a href="/repackage" data-testid="repackage-link">{t.text(|texts| texts.home_repackage_link)}</a>
            {t.text(|texts| texts.home_repackage_rest)}</p>
    }
}

/// Unknown path.
#[component]
fn NotFound() -> impl IntoView {
    let t = use_i18n();
    view! {
        <h1>{t.text(|texts| texts.not_found_title)}</h1>
        <p>{t.text(|texts| texts.not_found_hint)}</p>
    }
}
