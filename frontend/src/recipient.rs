//! The recipient's two apps, each its own bundle, picked by path in `public/boot.js`: the enrollment app
//! ([`start`], `src/main.rs`, `/pkg/keyward*`: the home page and `/enroll/{token}`, what an emailed link opens, kept
//! to the 250 KB first-load budget of issue 16), and the recipient's tools ([`start_tools`], `src/bin/tools.rs`,
//! `/pkg/tools*`: `/revoke`, `/repackage`, `/test-enrollment` and the development mailbox). Pages link to each
//! other with plain links (full page loads), so neither app needs the other's code.

use leptos::prelude::*;

use crate::i18n::{I18n, LanguageSwitch, use_i18n};

/// Mounts the enrollment app (the home page and `/enroll/{token}`) on the page.
pub fn start() {
    mount(Enrollment);
}

/// Mounts the recipient's tools (`/revoke`, `/repackage`, `/test-enrollment`, `/dev/mailbox`) on the page.
pub fn start_tools() {
    mount(Tools);
}

fn mount<V: IntoView + 'static>(app: fn() -> V) {
    // There is no page to mount on outside a window (a worker).
    if web_sys::window().is_none() {
        return;
    }
    crate::focus::install();
    leptos::mount::mount_to_body(app);
}

/// The header, the page, the footer: the same frame for both apps.
fn frame(i18n: I18n, page: AnyView) -> impl IntoView {
    view! {
        <header class="bar"><a href="/" class="brand">"Keyward"</a><LanguageSwitch /></header>
        <main>{page}</main>
        <footer>{i18n.text(|texts| texts.footer)}</footer>
    }
}

/// The enrollment app: picks the page from the path. Two pages do not need a router crate.
#[component]
fn Enrollment() -> impl IntoView {
    let i18n = I18n::provide();
    let path = window().location().pathname().unwrap_or_default();
    let page = if let Some(token) = path.strip_prefix("/enroll/") {
        let token = token.to_owned();
        view! { <crate::enroll::EnrollPage token=token /> }.into_any()
    } else if path == "/" {
        view! { <Home /> }.into_any()
    } else {
        view! { <NotFound /> }.into_any()
    };
    frame(i18n, page)
}

/// The development mailbox page (feature `development` only).
#[cfg(feature = "development")]
fn mailbox_page() -> AnyView {
    view! { <crate::mailbox::MailboxPage /> }.into_any()
}

/// Without the feature the path is not a page (`Tools` checks the feature first).
#[cfg(not(feature = "development"))]
fn mailbox_page() -> AnyView {
    view! { <NotFound /> }.into_any()
}

/// The recipient's tools: picks the page from the path.
#[component]
fn Tools() -> impl IntoView {
    let i18n = I18n::provide();
    let path = window().location().pathname().unwrap_or_default();
    let page = if path == "/repackage" {
        view! { <crate::repackage::RepackagePage /> }.into_any()
    } else if path == "/revoke" {
        view! { <crate::revoke::RevokePage /> }.into_any()
    } else if path == "/test-enrollment" {
        view! { <crate::test_enrollment::TestEnrollmentPage /> }.into_any()
    } else if cfg!(feature = "development") && path == "/dev/mailbox" {
        mailbox_page()
    } else {
        view! { <NotFound /> }.into_any()
    };
    frame(i18n, page)
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
