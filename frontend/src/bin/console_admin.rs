//! A console bundle (`/pkg/console-admin.js`, picked by `public/boot.js` from the path): the CA administrators' pages
//! (accounts, billing, vetting). Its page table lists only these pages, so the linker keeps only
//! their code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::ADMIN_BUNDLE);
}
