//! The CA administrators' console pages, under `/console/admin/...`, one file each.

pub mod audit;
