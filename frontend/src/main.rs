//! The recipient's bundle (`/pkg/keyward.js`): enrollment, revocation, repackaging and the development mailbox.
//! The PKCS#12 code is in the packaging module (`src/bin/package.rs`), which the packaging worker loads.

fn main() {
    keyward_frontend::recipient::start();
}
