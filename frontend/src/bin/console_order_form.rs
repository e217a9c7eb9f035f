//! A console bundle (`/pkg/console-order-form.js`, picked by `public/boot.js` from the path): the order form, with
//! its request checks. Its page table lists only this page, so the linker keeps only its code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::ORDER_FORM_BUNDLE);
}
