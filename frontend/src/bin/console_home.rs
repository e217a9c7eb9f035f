//! A console bundle (`/pkg/console-home.js`, picked by `public/boot.js` from the path): an organization's everyday
//! pages (attention, account, users, API keys, password, passkeys). Its page table lists only
//! these pages, so the linker keeps only their code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::HOME_BUNDLE);
}
