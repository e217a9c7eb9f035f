//! The recipient's app: the home page, enrollment, revocation, repackaging and the development mailbox, picked
//! by path.

use leptos::prelude::*;

use crate::i18n::{I18n, LanguageSwitch, use_i18n};
pub use crate::offload::package_in_worker;

/// Mounts the recipient's app on the page.
pub fn start() {
    // The packaging worker (`offload`) loads this module too: there is no page to mount there.
    if web_sys::window().is_none() {
        return;
    }
    crate::focus::install();
    leptos::mount::mount_to_body(App);
}

/// The development mailbox page (feature `development` only).
#[cfg(feature = "development")]
fn mailbox_page() -> AnyView {
    view! { <crate::mailbox::MailboxPage /> }.into_any()
}

/// Without the feature the path is not a page (`App` checks the feature first).
#[cfg(not(feature = "development"))]
fn mailbox_page() -> AnyView {
    view! { <NotFound /> }.into_any()
}

/// Picks the page from the path. Six pages do not need a router crate.
#[component]
fn App() -> impl IntoView {
    let i18n = I18n::provide();
    let path = window().location().pathname().unwrap_or_default();
    let page = if let Some(token) = path.strip_prefix("/enroll/") {
        let token = token.to_owned();
        view! { <crate::enroll::EnrollPage token=token /> }.into_any()
    } else if path == "/repackage" {
        view! { <crate::repackage::RepackagePage /> }.into_any()
    } else if path == "/revoke" {
        view! { <crate::revoke::RevokePage /> }.into_any()
    } else if path == "/test-enrollment" {
        view! { <crate::test_enrollment::TestEnrollmentPage /> }.into_any()
    } else if cfg!(feature = "development") && path == "/dev/mailbox" {
        mailbox_page()
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
        <p>{t.text(|texts| texts.home_console_before)}
            <a href="/login" data-testid="console-link">{t.text(|texts| texts.home_console_link)}</a></p>
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
