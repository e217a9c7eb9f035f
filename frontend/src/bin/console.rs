//! The organizations' console bundle (`/pkg/console.js`): login, passwords, users and API keys.

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start();
}
