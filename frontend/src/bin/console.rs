//! The organizations' console bundle (`/pkg/console.js`): login, passwords, users and API keys.

fn main() {
    keyward_frontend::console::start();
}
