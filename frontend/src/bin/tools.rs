//! The recipient's tools bundle (`/pkg/tools.js`): `/revoke`, `/repackage`, `/test-enrollment` and the development
//! mailbox, kept out of the enrollment page's first load (issue 16). `public/boot.js` picks it by path.

fn main() {
    keyward_frontend::recipient::start_tools();
}
