//! The CA administrators' pages of the console (`/console/admin/...`), each in its own file; the Worker refuses
//! their endpoints to everyone else (403), and the navigation shows them only to CA administrators.

pub mod billing;
