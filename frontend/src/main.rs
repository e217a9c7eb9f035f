//! The recipient's bundle (`/pkg/keyward.js`): enrollment, revocation, repackaging and the development mailbox.

fn main() {
    keyward_frontend::recipient::start();
}
