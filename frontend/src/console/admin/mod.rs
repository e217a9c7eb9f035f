//! The CA administrators' pages, under `/console/admin/...` (the Worker refuses their APIs to anyone else).

pub mod vetting;
