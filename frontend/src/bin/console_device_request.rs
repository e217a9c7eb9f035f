//! A console bundle (`/pkg/console-device-request.js`, picked by `public/boot.js` from the path): one device
//! request's page, with its request read and explained. Its page table lists only this page, so the linker keeps
//! only its code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::DEVICE_REQUEST_BUNDLE);
}
