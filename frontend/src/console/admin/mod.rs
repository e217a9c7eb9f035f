//! The CA administrators' pages, under `/console/admin/...` (each in its own file; the Worker refuses their APIs to
//! everyone else with 403, and the navigation shows them only to CA administrators).

pub mod accounts;
pub mod audit;
pub mod billing;
pub mod certificates;
pub mod device_requests;
pub mod vetting;
