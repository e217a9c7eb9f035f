//! `/console/device-requests/{id}` and, for CA administrators, `/console/admin/device-requests/{id}`: one device
//! request's page (issue 13). Its identifier, large; its status and timeline ([`shared::device_request_history`]);
//! every version the requester submitted with what each changed from the one before; what the certificate will
//! say; the subject name in four forms once the certificate exists (`subject_name.rs`); the CSR's explanation when
//! one was given (`csr_explain.rs`); and the actions the caller may take, as the Worker tells them (`can_decide`:
//! approve, or reject with a reason; `can_edit`: edit, a new version, or cancel). A request the caller may not see
//! reads as not found, as the Worker answers it. English and French.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::device_requests::{
    ADMIN_DECIDE_DEVICE_REQUEST, ADMIN_SHOW_DEVICE_REQUEST, CANCEL_DEVICE_REQUEST, DECIDE_DEVICE_REQUEST, Decision,
    DeviceDecision, DeviceEventKind, DeviceRequestEvent, DeviceRequestView, EDIT_DEVICE_REQUEST, SHOW_DEVICE_REQUEST,
};
use shared::csr_explain::{Expectation, Mismatch, explain, read};
use shared::device_request_history::{Change, changes};
use shared::lang::Lang;

use super::csr_explain::CsrExplanations;
use super::device_requests::{kind_label, status_label};
use super::form::{FieldError, FormError};
use super::machine_fields::{MACHINE_FIELDS, MachineDraft, MachineFields};
use super::subject_name::SubjectNamePanel;
use crate::api;
use crate::i18n::{I18n, error_line, format_instant, use_i18n};

/// The request page's path, in the organizations' console or the CA administrators' (`admin`).
pub fn page_path(admin: bool, id: &str) -> String {
    if admin { format!("/console/admin/device-requests/{id}") } else { format!("/console/device-requests/{id}") }
}

/// The page for the current location: `admin` for the CA administrators' path, which only they open (and the
/// organizations' path only organization users: a CA administrator's view of a request is the admin one).
pub fn page(admin: bool, ca_administrator: bool) -> AnyView {
    let path = window().location().pathname().unwrap_or_default();
    let id = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
    if admin != ca_administrator {
        return view! { <NotFoundState /> }.into_any();
    }
    view! { <DeviceRequestPage id=id admin=admin /> }.into_any()
}

/// A text in the page language.
fn words(t: I18n, english: &'static str, french: &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    move || t.lang().pick(english, french)
}

/// The console's state for a request the caller may not see (unknown, another account's, not theirs).
#[component]
fn NotFoundState() -> impl IntoView {
    let t = use_i18n();
    view! {
        <h1 data-testid="request-not-found">{t.text(|texts| texts.not_found_title)}</h1>
        <p>{words(t, "No device request you can see has this identifier.", "Aucune demande que vous pouvez voir n’a cet identifiant.")}</p>
        <p><a href="/console/device-requests">{words(t, "Device requests", "Demandes d’équipement")}</a></p>
    }
}

/// One request's page.
#[component]
fn DeviceRequestPage(
    /// `DR-XXXX-XX`, as the path gives it.
    id: String,
    /// Whether this is the CA administrators' page.
    admin: bool,
) -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let read_id = id.clone();
    let request = LocalResource::new(move || {
        version.track();
        let endpoint = if admin { &ADMIN_SHOW_DEVICE_REQUEST } else { &SHOW_DEVICE_REQUEST };
        api::call::<DeviceRequestView>(endpoint, &[&read_id])
    });
    let changed = move || version.update(|version| *version += 1);
    move || {
        request.get().map(|result| match result {
            Ok(request) => view! { <RequestDetails request=request admin=admin changed=changed /> }.into_any(),
            Err(problem) if problem.code == "not_found" || problem.code == "forbidden" => {
                view! { <NotFoundState /> }.into_any()
            }
            Err(problem) => error_line(problem, t).into_any(),
        })
    }
}

/// A timeline entry's words.
fn event_label(lang: Lang, kind: DeviceEventKind) -> &'static str {
    match kind {
        DeviceEventKind::Requested => lang.pick("Requested", "Demandée"),
        DeviceEventKind::Edited => lang.pick("Edited", "Modifiée"),
        DeviceEventKind::Approved => lang.pick("Approved", "Approuvée"),
        DeviceEventKind::Rejected => lang.pick("Rejected", "Refusée"),
        DeviceEventKind::Cancelled => lang.pick("Cancelled", "Annulée"),
        DeviceEventKind::Issued => lang.pick("Certificate issued", "Certificat émis"),
        DeviceEventKind::Downloaded => lang.pick("Certificate downloaded", "Certificat téléchargé"),
        DeviceEventKind::Installed => {
            lang.pick("Test enrollment passed (installed)", "Test d’inscription réussi (installé)")
        }
        DeviceEventKind::Revoked => lang.pick("Certificate revoked", "Certificat révoqué"),
    }
}

/// How a test enrollment was made, in words.
fn method_label(lang: Lang, method: &str) -> String {
    match method {
        "browser" => lang.pick("in the browser", "dans le navigateur").to_owned(),
        "native_client" => lang.pick("by the native client", "par le client natif").to_owned(),
        "mtls" => lang
            .pick("by an mTLS handshake through Cloudflare", "par une poignée de main mTLS via Cloudflare")
            .to_owned(),
        other => other.to_owned(),
    }
}

/// One timeline entry's details: who, the version, the reason, the replacing request, the method.
fn event_details(lang: Lang, event: &DeviceRequestEvent) -> String {
    let mut parts = Vec::new();
    if let Some(version) = event.version {
        parts.push(format!("{} {version}", lang.pick("version", "version")));
    }
    if let Some(by) = &event.by {
        parts.push(format!("{} {by}", lang.pick("by", "par")));
    }
    if let Some(replacement) = &event.cancelled_by {
        parts.push(format!(
            "{} {replacement}",
            lang.pick("replaced by the newer request", "remplacée par la demande plus récente")
        ));
    }
    if let Some(method) = &event.method {
        parts.push(method_label(lang, method));
    }
    if let Some(reason) = &event.reason {
        parts.push(format!("{}\u{a0}« {reason} »", lang.pick("reason:", "raison\u{a0}:")));
    }
    parts.join(" · ")
}

/// A form field's name as people read it.
fn field_label(lang: Lang, field: &str) -> &'static str {
    match field {
        "host_name" => lang.pick("Host name", "Nom d’hôte"),
        "dns_names" => lang.pick("DNS names", "Noms DNS"),
        "machine_id" => lang.pick("Machine identifier", "Identifiant de la machine"),
        "locality" => lang.pick("Town", "Ville"),
        "region" => lang.pick("Region", "Région"),
        "phone" => lang.pick("Phone", "Téléphone"),
        "description" => lang.pick("For the approver", "Pour l’approbateur"),
        _ => lang.pick("CSR", "CSR"),
    }
}

/// The request's details, versions, timeline and actions.
#[component]
fn RequestDetails(
    /// The request, with its versions and timeline.
    request: DeviceRequestView,
    /// Whether this is the CA administrators' page.
    admin: bool,
    /// Called after a change (the page reads the request again).
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let id = request.id.to_string();
    let status = request.status;
    let kind = request.kind;
    let latest = request.latest.clone();
    let preview = request.preview.clone();
    // The CSR, explained against what the certificate will say (the profile, the request's names, the organization).
    let mismatches: Option<Vec<Mismatch>> = request.csr.as_deref().and_then(|text| read(text).ok()).map(|contents| {
        let expectation = Expectation {
            profile: kind.profile().profile(),
            dns_names: &latest.dns_names,
            email: None,
            organization: Some(preview.organization.as_str()),
            country: Some(preview.country.as_str()),
        };
        explain(&contents, &expectation)
    });
    let versions = request.versions.clone();
    let version_rows = versions
        .iter()
        .enumerate()
        .map(|(index, version)| {
            let changed_fields: Vec<Change> =
                if index == 0 { Vec::new() } else { changes(&versions[index - 1], version) };
            let first = index == 0;
            let number = version.version;
            let at = version.created_at;
            let shown = version.clone();
            view! {
                <li data-testid="request-version" data-version=number.to_string()>
                    <strong>{move || format!("{} {number}", t.lang().pick("Version", "Version"))}</strong>" · "
                    {move || format_instant(t.lang(), at)}
                    {if first {
                        view! { <p class="hint">{shown.host_name.clone()}" · "{shown.dns_names.join(", ")}" · "
                            {shown.locality.clone()}" "{shown.region.clone()}" · "{shown.phone.clone()}</p>
                            <p class="hint">{shown.description.clone()}</p> }.into_any()
                    } else if changed_fields.is_empty() {
                        view! { <p class="hint">{words(t, "Nothing changed.", "Rien n’a changé.")}</p> }.into_any()
                    } else {
                        view! { <ul data-testid="version-changes">{changed_fields.into_iter().map(|change| {
                            let field = change.field;
                            view! { <li data-field=field>
                                <strong>{move || field_label(t.lang(), field)}</strong>" : "
                                <del>{change.before}</del>" → "<ins>{change.after}</ins>
                            </li> }
                        }).collect_view()}</ul> }.into_any()
                    }}
                </li>
            }
        })
        .collect_view();
    let timeline = request
        .timeline
        .iter()
        .map(|event| {
            let event = event.clone();
            let kind = event.kind;
            let at = event.at;
            view! {
                <li data-testid="timeline-event" data-kind=format!("{kind:?}").to_lowercase()>
                    <strong>{move || event_label(t.lang(), kind)}</strong>" · "{move || format_instant(t.lang(), at)}
                    " · "{move || event_details(t.lang(), &event)}
                </li>
            }
        })
        .collect_view();
    let serial = request.certificate_serial.clone();
    view! {
        <p><a href=if admin { "/console/admin/device-requests" } else { "/console/device-requests" }>
            {words(t, "All device requests", "Toutes les demandes d’équipement")}</a></p>
        <h1 class="request-id" data-testid="request-page-id">{id.clone()}</h1>
        <p class="lead"><strong data-testid="request-page-status" data-status=status.as_str()>{move || status_label(t.lang(), status)}</strong>
            " · "{move || kind_label(t.lang(), kind)}" · "{request.organization_name.clone()}</p>
        <p>{words(t, "Requested by ", "Demandée par ")}{request.requester_name.clone()}" <"{request.requester_email.clone()}">"</p>
        {request.reason.clone().map(|reason| view! {
            <p class="notice" data-testid="request-page-reason">{words(t, "The approver’s reason: ", "La raison de l’approbateur : ")}{reason}</p>
        })}
        {request.cancelled_by.clone().map(|by| {
            let href = page_path(admin, by.as_str());
            view! { <p data-testid="request-page-cancelled-by">{words(t, "Replaced by the newer request ", "Remplacée par la demande plus récente ")}
                <a href=href>{by.to_string()}</a></p> }
        })}
        <Actions request=request.clone() admin=admin changed=changed />
        <h2>{words(t, "The machine", "La machine")}</h2>
        <table class="list" data-testid="request-latest"><tbody>
            <tr><th>{words(t, "Host name", "Nom d’hôte")}</th><td>{latest.host_name.clone()}</td></tr>
            <tr><th>{words(t, "DNS names", "Noms DNS")}</th><td>{latest.dns_names.join(", ")}</td></tr>
            <tr><th>{words(t, "Machine identifier", "Identifiant de la machine")}</th><td>{latest.machine_id.clone().unwrap_or_default()}</td></tr>
            <tr><th>{words(t, "Where", "Où")}</th><td>{latest.locality.clone()}" "{latest.region.clone()}</td></tr>
            <tr><th>{words(t, "Phone", "Téléphone")}</th><td>{latest.phone.clone()}</td></tr>
            <tr><th>{words(t, "For the approver", "Pour l’approbateur")}</th><td>{latest.description.clone()}</td></tr>
        </tbody></table>
        <table class="list" data-testid="request-preview"><caption>{words(t, "What the certificate will say", "Ce que dira le certificat")}</caption><tbody>
            <tr><th>{words(t, "Organization", "Organisation")}</th><td>{preview.organization.clone()}</td></tr>
            <tr><th>{words(t, "Country", "Pays")}</th><td>{preview.country.clone()}</td></tr>
            <tr><th>{words(t, "Key usage (RSA key)", "Usage de la clé (clé RSA)")}</th><td>{preview.rsa_key_usage.join(", ")}</td></tr>
            <tr><th>{words(t, "Key usage (elliptic-curve key)", "Usage de la clé (clé à courbe elliptique)")}</th><td>{preview.ec_key_usage.join(", ")}</td></tr>
            <tr><th>{words(t, "Extended key usage", "Usage étendu de la clé")}</th><td data-testid="request-preview-eku">{preview.extended_key_usages.join(", ")}</td></tr>
        </tbody></table>
        {match serial {
            Some(serial) => view! { <SubjectNamePanel serial=serial /> }.into_any(),
            None => view! { <p class="hint">{words(t, "The subject name, with copy buttons, appears here once the certificate is issued.",
                "Le nom du sujet, avec ses boutons de copie, apparaît ici une fois le certificat émis.")}</p> }.into_any(),
        }}
        {mismatches.map(|mismatches| view! {
            <h2>{words(t, "The CSR given with the request", "Le CSR fourni avec la demande")}</h2>
            <CsrExplanations mismatches=Signal::derive(move || Some(mismatches.clone())) testid="request-csr-explanations".to_owned() />
        })}
        <h2>{words(t, "History", "Historique")}</h2>
        <ol data-testid="request-timeline">{timeline}</ol>
        <h2>{words(t, "Versions", "Versions")}</h2>
        <p class="hint">{words(t, "Each edit by the requester is a new version; each shows what it changed.",
            "Chaque modification du demandeur est une nouvelle version ; chacune montre ce qu’elle a changé.")}</p>
        <ol data-testid="request-versions">{version_rows}</ol>
    }
}

/// What the caller may do: approve or reject (the approver), edit or cancel (the requester, while it waits).
#[component]
fn Actions(
    /// The request.
    request: DeviceRequestView,
    /// Whether this is the CA administrators' page (their decision endpoint).
    admin: bool,
    /// Called after a change.
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let id = StoredValue::new(request.id.to_string());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let decide = move |decision: Decision| {
        let body = DeviceDecision { decision, reason: reason.get_untracked() };
        let endpoint = if admin { &ADMIN_DECIDE_DEVICE_REQUEST } else { &DECIDE_DEVICE_REQUEST };
        let id = id.get_value();
        spawn_local(async move {
            match api::call_with::<_, DeviceRequestView>(endpoint, &[&id], &body).await {
                Ok(_) => changed(),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let cancel = move |_| {
        let id = id.get_value();
        spawn_local(async move {
            match api::call::<DeviceRequestView>(&CANCEL_DEVICE_REQUEST, &[&id]).await {
                Ok(_) => changed(),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <FormError error=error fields=&["reason"] />
        {request.can_decide.then(|| view! {
            <section class="card" data-testid="request-decision">
                <h2>{words(t, "Your decision", "Votre décision")}</h2>
                <label>{words(t, "Reason (required to reject; the requester reads it)", "Raison (obligatoire pour refuser ; le demandeur la lit)")}
                    <input type="text" name="reason" data-testid="page-decision-reason" bind:value=reason /></label>
                <FieldError error=error fields=&["reason"] />
                <button type="button" data-testid="page-approve" on:click=move |_| decide(Decision::Approve)>
                    {words(t, "Approve", "Approuver")}</button>" "
                <button type="button" data-testid="page-reject" on:click=move |_| decide(Decision::Reject)>
                    {words(t, "Reject", "Refuser")}</button>
            </section>
        })}
        {request.can_edit.then(|| view! {
            <EditForm request=request.clone() changed=changed />
            <button type="button" data-testid="page-cancel" on:click=cancel>{words(t, "Cancel the request", "Annuler la demande")}</button>
        })}
    }
}

/// The requester's edit of their waiting request, prefilled with its latest version: a new version.
#[component]
fn EditForm(
    /// The request.
    request: DeviceRequestView,
    /// Called after the edit.
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let id = StoredValue::new(request.id.to_string());
    let draft = MachineDraft::of_version(&request.latest, request.csr.clone());
    let error = RwSignal::new(None::<ApiError>);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = draft.form(None, String::new());
        let id = id.get_value();
        spawn_local(async move {
            match api::call_with::<_, DeviceRequestView>(&EDIT_DEVICE_REQUEST, &[&id], &form).await {
                Ok(_) => changed(),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <details class="card" data-testid="request-edit">
            <summary>{words(t, "Edit the request (a new version the approver sees)", "Modifier la demande (une nouvelle version que l’approbateur voit)")}</summary>
            <form on:submit=submit novalidate>
                <FormError error=error fields=&MACHINE_FIELDS />
                <MachineFields draft=draft error=error prefix="edit" />
                <button type="submit" data-testid="edit-submit">{words(t, "Save the new version", "Enregistrer la nouvelle version")}</button>
            </form>
        </details>
    }
}
