//! A console bundle (`/pkg/console-login.js`, picked by `public/boot.js` from the path): the visitors' pages (login,
//! password reset, signup, the emailed validation link). Its page table lists only these pages, so the linker keeps
//! only their code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::LOGIN_BUNDLE);
}
