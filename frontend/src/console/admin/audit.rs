//! `/console/admin/audit` (CA administrators): the audit log of every account and of the CA, filtered by account,
//! actor, object, action and dates, and the export of one chain (an account's or `ca`), through the same browser
//! as the organizations' activity page.

use leptos::prelude::*;
use shared::api::audit::{ADMIN_EXPORT_AUDIT, ADMIN_LIST_AUDIT};

use crate::console::activity::{AuditBrowser, activity_texts};
use crate::i18n::use_i18n;

/// The CA administrators' audit log.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let t = use_i18n();
    view! {
        <h1>{move || activity_texts(t.lang()).admin_title}</h1>
        <p class="hint">{move || activity_texts(t.lang()).admin_intro}</p>
        <AuditBrowser list=&ADMIN_LIST_AUDIT export=&ADMIN_EXPORT_AUDIT with_account=true />
    }
}
