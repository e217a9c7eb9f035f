//! A console bundle (`/pkg/console-validation.js`, picked by `public/boot.js` from the path): validation
//! (organizations, domains, mailboxes). Its page table lists only these pages, so the linker keeps only their code
//! (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::VALIDATION_BUNDLE);
}
