//! The store: one module per table, the only place that table's SQL and row type live. A module holds the
//! table's one row type (columns as the migrations name them; a column with a vocabulary, such as a role, a
//! kind or a state, is read into its `shared` enum here, so an unknown value is refused at the row and never
//! compared as a string further in) and the functions that read it or return the statements that write it.
//! Writes are statements, not runs: callers put them in the one batch of their state change.

pub mod certificates;
pub mod crls;
pub mod enrollment_links;
pub mod key_holders;
pub mod ledger;
pub mod orders;
pub mod organizations;
pub mod recipients;
pub mod revocation_challenges;
pub mod validations;
