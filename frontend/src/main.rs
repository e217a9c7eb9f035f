//! The Keyward web app: a Leptos single-page app, client-side rendered, served by the Worker from one origin.
//!
//! Architecture invariant: the private key is generated, used and packaged here, and never sent anywhere.
//! The only key material that leaves the page is the CSR (public key plus self-signature).

mod api;
#[cfg(feature = "bench")]
mod bench;
mod enroll;
mod files;
mod keys;
mod mailbox;
mod password;
mod repackage;
mod revoke;
mod vault;

use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(App);
}

/// Picks the page from the path. Six pages do not need a router crate.
#[component]
fn App() -> impl IntoView {
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
        <header class="bar"><a href="/" class="brand">"Keyward"</a></header>
        <main>{page}</main>
        <footer>"Keyward: your private key is made on this device and never leaves it."</footer>
    }
}

/// What Keyward is, for someone who lands on the root.
#[component]
fn Home() -> impl IntoView {
    view! {
        <h1>"Client certificates, with keys that stay yours"</h1>
        <p>
            "Keyward issues secure email (S/MIME) and client-authentication certificates. When your "
            "organization orders one for you, you receive an email with a single-use link. Open it here: "
            "your browser creates the key pair and the request, and only the request is sent."
        </p>
        <p><a href="/revoke" data-testid="revoke-link">"Revoke a certificate"</a>
            " (lost key, left the organization, no longer needed)."</p>
        <p><a href="/repackage" data-testid="repackage-link">"Change the format or password of a .p12 file"</a>
            " (for a system that only imports the older format), in this browser."</p>
    }
}

/// Unknown path.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <h1>"Page not found"</h1>
        <p>"If you followed a link from an email, copy the whole address into the browser."</p>
    }
}
