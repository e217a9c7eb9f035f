//! The recipient's enrollment bundle (`/pkg/keyward.js`): the home page and `/enroll/{token}`, what an emailed
//! link opens first. The recipient's other pages are in `src/bin/tools.rs`; the PKCS#12 code is in the packaging
//! module (`src/bin/package.rs`), which the packaging worker loads.

fn main() {
    keyward_frontend::recipient::start();
}
