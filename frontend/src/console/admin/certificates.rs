//! `/console/admin/certificates`: a CA administrator finds any account's certificate by serial or recipient's
//! address (`GET /api/v1/admin/certificates`), sees its state, account and order, and revokes it with any reason
//! (`POST /api/v1/certificates/{serial}/revocation`, which takes CA administrators). English and French.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::inventory::{ADMIN_SEARCH_CERTIFICATES, AdminCertificate, AdminCertificateList};
use shared::api::revocation::{CertificateStatus, REVOKE_CERTIFICATE, RevokeRequest};
use shared::revocation::RevocationReason;

use crate::api;
use crate::console::certificates::state_label;
use crate::i18n::{error_line, format_instant, use_i18n};

/// The CA administrators' certificate search.
#[component]
pub fn AdminCertificatesPage() -> impl IntoView {
    let t = use_i18n();
    let query = RwSignal::new(String::new());
    let applied = RwSignal::new(None::<String>);
    // Bumped after a revocation, so the results are read again.
    let version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<ApiError>);
    let results = LocalResource::new(move || {
        let applied = applied.get();
        version.track();
        async move {
            match applied {
                Some(search) => {
                    api::call_with_query::<AdminCertificateList>(&ADMIN_SEARCH_CERTIFICATES, &[], &[("q", &search)])
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        }
    });
    let search = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        applied.set(Some(query.get_untracked().trim().to_owned()));
    };
    let revoke = move |serial: String, reason: RevocationReason| {
        error.set(None);
        spawn_local(async move {
            let request = RevokeRequest { reason, proof: None };
            match api::call_with::<_, CertificateStatus>(&REVOKE_CERTIFICATE, &[&serial], &request).await {
                Ok(_) => version.update(|version| *version += 1),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <h1>{move || t.lang().pick("Find a certificate", "Trouver un certificat")}</h1>
        <form class="search" on:submit=search data-testid="admin-certificate-search" role="search">
            <label>{move || t.lang().pick("Serial or email address", "Numéro de série ou adresse électronique")}
                <input type="search" data-testid="search" bind:value=query required /></label>
            <button type="submit" data-testid="search-submit">{move || t.lang().pick("Search", "Rechercher")}</button>
        </form>
        {move || error.get().map(|problem| error_line(problem, t))}
        {move || results.get().map(|result| match result {
            Ok(Some(list)) => found(list.certificates, revoke).into_any(),
            Ok(None) => ().into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

fn found(
    certificates: Vec<AdminCertificate>,
    revoke: impl Fn(String, RevocationReason) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    if certificates.is_empty() {
        return view! { <p data-testid="no-certificates">
        {move || t.lang().pick("No certificate has this serial or address.",
            "Aucun certificat n'a ce numéro de série ou cette adresse.")}</p> }
        .into_any();
    }
    let rows = certificates
        .into_iter()
        .map(|found| {
            let entry = found.certificate;
            let (state, not_after, serial) = (entry.state, entry.not_after, entry.serial.clone());
            let revocation = match (entry.revoked_at, entry.revocation_reason) {
                (Some(at), Some(reason)) => view! {
                    <span data-testid="revoked" data-reason=reason.as_str()>
                        {move || format_instant(t.lang(), at)} " (" {move || reason.name(t.lang())} ")"</span>
                }
                .into_any(),
                _ => view! { <AdminRevoke serial=serial.clone() revoke /> }.into_any(),
            };
            view! {
                <tr data-testid="admin-certificate-row" data-serial=serial.clone() data-state=state.as_str()>
                    <td><code>{serial.clone()}</code></td>
                    <td>{entry.subject}</td>
                    <td data-testid="account">{found.account_name} " (" {found.account_id} ")"</td>
                    <td data-testid="order">{entry.order_id} " #" {entry.recipient_position}</td>
                    <td>{move || format_instant(t.lang(), not_after)}</td>
                    <td data-testid="state">{move || state_label(t.lang(), state)}</td>
                    <td>{revocation}</td>
                </tr>
            }
        })
        .collect_view();
    let heading =
        |english: &'static str, french: &'static str| view! { <th>{move || t.lang().pick(english, french)}</th> };
    view! {
        <table class="list" data-testid="admin-certificates">
            <thead><tr>
                {heading("Serial", "Numéro de série")} {heading("Subject", "Sujet")} {heading("Account", "Compte")}
                {heading("Order", "Commande")} {heading("Ends", "Fin de validité")} {heading("State", "État")}
                {heading("Revocation", "Révocation")}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Revoking as a CA administrator: any RFC 5280 reason, `privilegeWithdrawn` included, after a confirmation.
#[component]
fn AdminRevoke(
    /// The certificate's serial.
    serial: String,
    /// Sends the revocation.
    revoke: impl Fn(String, RevocationReason) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(RevocationReason::Unspecified);
    let serial = StoredValue::new(serial);
    let options = move || {
        RevocationReason::ALL
            .into_iter()
            .map(|option| view! { <option value=option.as_str()>{move || option.name(t.lang())}</option> })
            .collect_view()
    };
    move || {
        if !open.get() {
            return view! {
                <button type="button" class="secondary" data-testid="revoke"
                    on:click=move |_| open.set(true)>{move || t.lang().pick("Revoke", "Révoquer")}</button>
            }
            .into_any();
        }
        view! {
            <div class="revoke" data-testid="revoke-form">
                <label>{move || t.lang().pick("Reason", "Motif")} " "
                    <select data-testid="revoke-reason" on:change=move |event| {
                        if let Some(chosen) = RevocationReason::parse(&event_target_value(&event)) {
                            reason.set(chosen);
                        }
                    }>{options}</select></label>
                <p class="hint">{move || t.lang().pick("Revocation is final: relying parties will refuse the certificate.",
                    "La révocation est définitive : le certificat sera refusé partout.")}</p>
                <button type="button" class="danger" data-testid="revoke-confirm"
                    on:click=move |_| revoke(serial.get_value(), reason.get_untracked())>
                    {move || t.lang().pick("Revoke now", "Révoquer maintenant")}</button> " "
                <button type="button" class="secondary" on:click=move |_| open.set(false)>
                    {move || t.lang().pick("Keep it", "Le garder")}</button>
            </div>
        }
        .into_any()
    }
}
