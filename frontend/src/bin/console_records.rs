//! A console bundle (`/pkg/console-records.js`, picked by `public/boot.js` from the path): the records, the
//! account's certificate inventory and activity and the CA administrators' certificate search and audit log. Its
//! page table lists only these pages, so the linker keeps only their code (`console::pages`).

fn main() {
    keyward_frontend::focus::install();
    keyward_frontend::console::start(keyward_frontend::console::pages::RECORDS_BUNDLE);
}
