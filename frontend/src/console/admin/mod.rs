//! The CA administrators' pages of the console, under `/console/admin/...`, one file each.

pub mod audit;
pub mod certificates;
