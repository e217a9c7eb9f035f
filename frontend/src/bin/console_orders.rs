//! A console bundle (`/pkg/console-orders.js`, picked by `public/boot.js` from the path): the orders (history, one
//! order's pipeline). Its page table lists only these pages, so the linker keeps only
//! their code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::ORDERS_BUNDLE);
}
