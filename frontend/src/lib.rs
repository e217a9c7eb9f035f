//! The Keyward web apps: Leptos single-page apps, client-side rendered, served by the Worker from one origin.
//! One library, two WebAssembly bundles: the recipient's pages (`src/main.rs`: enrollment, revocation,
//! repackaging; kept small, it is what a recipient loads first) and the organizations' console
//! (`src/bin/console_*.rs`, one bundle per group of pages: `console::pages`). Each binary mounts one app; the
//! linker keeps only what that app reaches, so the console's code does not weigh on the recipient's first load.
//!
//! Architecture invariant: the private key is generated, used and packaged here, and never sent anywhere.
//! The only key material that leaves the page is the CSR (public key plus self-signature). The console's
//! passwords do not leave the page either: only the PBKDF2 key derived from them does.

mod api;
#[cfg(feature = "bench")]
mod bench;
pub mod console;
mod csr_precheck;
mod enroll;
mod files;
pub mod focus;
mod i18n;
mod install;
mod keys;
#[cfg(feature = "development")]
mod mailbox;
pub mod offload;
mod own_csr;
mod password;
mod possession;
pub mod recipient;
mod repackage;
mod revoke;
mod test_enrollment;
mod vault;
