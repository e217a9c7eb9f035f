//! A console bundle (`/pkg/console-devices.js`, picked by `public/boot.js` from the path): the device (server)
//! requests' lists, the organization's and the CA administrators'. Its page table lists only these pages, so the linker keeps
//! only their code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::DEVICES_BUNDLE);
}
