//! The CA administrators' pages of the console, under `/console/admin/...`, one file each.

pub mod certificates;
