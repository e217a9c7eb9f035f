//! `/console/device-requests`: device requests (issue 13). The request form (the kinds the account allows; a
//! refused kind is named; what the certificate will say, read-only, from the organization and the profile), the
//! caller's requests with their identifiers and statuses (edit while waiting is `POST …/versions`; cancel), the
//! enrollment manager's queue of their organizations' workstation requests (approve, or reject with a reason), and,
//! for organization admins, who manages which organization and the kinds requesters may ask for. The CA
//! administrators' server queue is `admin/device_requests.rs`, with the same request card. English and French.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::account::Role;
use shared::api::ApiError;
use shared::api::account::{LIST_USERS, UserList};
use shared::api::device_requests::{
    CANCEL_DEVICE_REQUEST, CHANGE_DEVICE_SETTINGS, CREATE_DEVICE_REQUEST, DECIDE_DEVICE_REQUEST, Decision,
    DeviceDecision, DeviceRequestList, DeviceRequestView, DeviceSettings, EnrollmentManagerGrant,
    EnrollmentManagerList, GRANT_ENROLLMENT_MANAGER, LIST_DEVICE_REQUESTS, LIST_ENROLLMENT_MANAGERS,
    REMOVE_ENROLLMENT_MANAGER, SHOW_DEVICE_SETTINGS,
};
use shared::api::endpoint::{Access, Endpoint};
use shared::api::organization::{LIST_ORGANIZATIONS, OrganizationList};
use shared::device_request::{DeviceKind, DeviceStatus, preview};

use super::device_request_page::page_path;
use super::form::{FieldError, FormError};
use super::machine_fields::{MachineDraft, MachineFields};
use crate::api;
use crate::i18n::{I18n, Lang, error_line, format_instant, use_i18n};

/// A text in the page language.
fn words(t: I18n, english: &'static str, french: &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    move || t.lang().pick(english, french)
}

/// The navigation's label.
pub fn nav_label(lang: Lang) -> &'static str {
    lang.pick("Device requests", "Demandes d’équipement")
}

/// A kind as people read it.
pub fn kind_label(lang: Lang, kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Workstation => {
            lang.pick("Workstation (client authentication)", "Poste de travail (authentification client)")
        }
        DeviceKind::Server => {
            lang.pick("Server (TLS server authentication)", "Serveur (authentification de serveur TLS)")
        }
    }
}

/// A status as people read it.
pub fn status_label(lang: Lang, status: DeviceStatus) -> &'static str {
    match status {
        DeviceStatus::Requested => lang.pick("Requested", "Demandée"),
        DeviceStatus::Approved => lang.pick("Approved", "Approuvée"),
        DeviceStatus::Rejected => lang.pick("Rejected", "Refusée"),
        DeviceStatus::Cancelled => lang.pick("Cancelled", "Annulée"),
        DeviceStatus::Issued => lang.pick("Issued", "Émis"),
        DeviceStatus::Downloaded => lang.pick("Downloaded", "Téléchargé"),
        DeviceStatus::Installed => lang.pick("Installed", "Installé"),
        DeviceStatus::Revoked => lang.pick("Revoked", "Révoqué"),
    }
}

/// The form's fields, as the Worker names them.
const FIELDS: &[&str] = &[
    "kind",
    "organization_id",
    "host_name",
    "dns_names",
    "machine_id",
    "locality",
    "region",
    "phone",
    "description",
    "csr",
];

/// `/console/device-requests`.
#[component]
pub fn DeviceRequestsPage(
    /// The caller's role (organization admins also see the managers and the setting).
    role: Role,
) -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        api::call::<DeviceRequestList>(&LIST_DEVICE_REQUESTS, &[])
    });
    let changed = move || version.update(|version| *version += 1);
    view! {
        <h1>{words(t, "Device requests", "Demandes d’équipement")}</h1>
        <RequestForm changed=changed />
        {move || list.get().map(|result| match result {
            Ok(list) => {
                let queue: Vec<DeviceRequestView> = list.requests.iter().filter(|request| request.can_decide).cloned().collect();
                view! {
                    {(!list.managed_organizations.is_empty()).then(|| view! {
                        <h2>{words(t, "Waiting for your decision", "En attente de votre décision")}</h2>
                        {if queue.is_empty() {
                            view! { <p data-testid="queue-empty">{words(t, "No request is waiting.", "Aucune demande en attente.")}</p> }.into_any()
                        } else {
                            view! { <div data-testid="manager-queue">{queue.into_iter().map(|request| view! {
                                <RequestCard request=request decide=&DECIDE_DEVICE_REQUEST changed=changed />
                            }).collect_view()}</div> }.into_any()
                        }}
                    })}
                    <h2>{words(t, "Requests", "Demandes")}</h2>
                    <div data-testid="device-requests">{list.requests.into_iter().map(|request| view! {
                        <RequestCard request=request decide=&DECIDE_DEVICE_REQUEST changed=changed />
                    }).collect_view()}</div>
                }.into_any()
            }
            Err(problem) => error_line(problem, t).into_any(),
        })}
        {(role == Role::OrgAdmin).then(|| view! { <Managers /> <Settings changed=changed /> })}
    }
}

/// The request form.
#[component]
fn RequestForm(
    /// Called after a request was made.
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let settings = LocalResource::new(|| api::call::<DeviceSettings>(&SHOW_DEVICE_SETTINGS, &[]));
    let organizations = LocalResource::new(|| api::call::<OrganizationList>(&LIST_ORGANIZATIONS, &[]));
    let kind = RwSignal::new(String::from("workstation"));
    let organization = RwSignal::new(String::new());
    let draft = MachineDraft::empty();
    let error = RwSignal::new(None::<ApiError>);
    let made = RwSignal::new(None::<String>);
    let allowed = move || settings.get().and_then(Result::ok).map(|settings| settings.kinds).unwrap_or_default();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = draft.form(DeviceKind::parse(&kind.get_untracked()), organization.get_untracked());
        spawn_local(async move {
            match api::call_with::<_, DeviceRequestView>(&CREATE_DEVICE_REQUEST, &[], &form).await {
                Ok(request) => {
                    error.set(None);
                    made.set(Some(request.id.to_string()));
                    changed();
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let preview_view = move || {
        let kind = DeviceKind::parse(&kind.get())?;
        let list = organizations.get()?.ok()?;
        let chosen = organization.get();
        let organization = list.organizations.iter().find(|organization| organization.id == chosen)?;
        let shown = preview(kind, &organization.name, &organization.country);
        Some(view! {
            <table class="list" data-testid="certificate-preview"><caption>{words(t, "What the certificate will say", "Ce que dira le certificat")}</caption><tbody>
                <tr><th>{words(t, "Organization", "Organisation")}</th><td data-testid="preview-organization">{shown.organization}</td></tr>
                <tr><th>{words(t, "Country", "Pays")}</th><td data-testid="preview-country">{shown.country}</td></tr>
                <tr><th>{words(t, "Key usage (RSA key)", "Usage de la clé (clé RSA)")}</th><td>{shown.rsa_key_usage.join(", ")}</td></tr>
                <tr><th>{words(t, "Key usage (elliptic-curve key)", "Usage de la clé (clé à courbe elliptique)")}</th><td>{shown.ec_key_usage.join(", ")}</td></tr>
                <tr><th>{words(t, "Extended key usage", "Usage étendu de la clé")}</th><td data-testid="preview-eku">{shown.extended_key_usages.join(", ")}</td></tr>
            </tbody></table>
        })
    };
    view! {
        <form class="card" data-testid="device-request-form" on:submit=submit novalidate>
            <h2>{words(t, "New request", "Nouvelle demande")}</h2>
            <FormError error=error fields=FIELDS />
            <label>{words(t, "Kind", "Type")}
                <select name="kind" data-testid="device-kind" bind:value=kind>
                    {move || DeviceKind::ALL.into_iter().map(|option| {
                        let refused = !allowed().contains(&option);
                        view! { <option value=option.as_str() disabled=refused>{kind_label(t.lang(), option)}</option> }
                    }).collect_view()}
                </select></label>
            {move || DeviceKind::ALL.into_iter().filter(|option| settings.get().is_some() && !allowed().contains(option)).map(|option| view! {
                <p class="hint" data-testid="kind-refused" data-kind=option.as_str()>{move || match t.lang() {
                    Lang::En => format!("Your account does not let you ask for this kind: {}.", kind_label(Lang::En, option)),
                    Lang::Fr => format!("Votre compte ne vous permet pas de demander ce type\u{a0}: {}.", kind_label(Lang::Fr, option)),
                }}</p>
            }).collect_view()}
            <FieldError error=error fields=&["kind"] />
            <label>{words(t, "Organization", "Organisation")}
                <select name="organization_id" data-testid="device-organization" bind:value=organization>
                    <option value="">{words(t, "Choose", "Choisir")}</option>
                    {move || organizations.get().and_then(Result::ok).map(|list| list.organizations.into_iter().map(|organization| view! {
                        <option value=organization.id.clone()>{organization.name.clone()}</option>
                    }).collect_view())}
                </select></label>
            <FieldError error=error fields=&["organization_id"] />
            <MachineFields draft=draft error=error prefix="device" />
            {preview_view}
            <button type="submit" data-testid="device-submit">{words(t, "Send the request", "Envoyer la demande")}</button>
            {move || made.get().map(|id| view! {
                <p class="notice" data-testid="device-made">{words(t, "Request made: ", "Demande faite : ")}<strong>{id}</strong></p>
            })}
        </form>
    }
}

/// One request: its identifier, status, machine, reason, and the actions the caller may take.
#[component]
pub fn RequestCard(
    /// The request.
    request: DeviceRequestView,
    /// Where a decision goes (the enrollment managers' or the CA administrators' endpoint).
    decide: &'static Endpoint,
    /// Called after a change.
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let id = request.id.to_string();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let send = move |decision: Decision, id: String| {
        let body = DeviceDecision { decision, reason: reason.get_untracked() };
        spawn_local(async move {
            match api::call_with::<_, DeviceRequestView>(decide, &[&id], &body).await {
                Ok(_) => changed(),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let cancel = move |id: String| {
        spawn_local(async move {
            match api::call::<DeviceRequestView>(&CANCEL_DEVICE_REQUEST, &[&id]).await {
                Ok(_) => changed(),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let (approve_id, reject_id, cancel_id) = (id.clone(), id.clone(), id.clone());
    let status = request.status;
    let created = request.created_at;
    view! {
        <section class="card" data-testid="device-request" data-id=id.clone() data-status=status.as_str()>
            <h3><a data-testid="request-id" href=page_path(decide.access == Access::CaAdmin, &id)>{id.clone()}</a>" · "{request.latest.host_name.clone()}</h3>
            <p><strong data-testid="request-status">{move || status_label(t.lang(), status)}</strong>" · "
                {move || kind_label(t.lang(), request.kind)}" · "{request.organization_name.clone()}" · "
                {request.requester_email.clone()}" · "{move || format_instant(t.lang(), created)}</p>
            <p>{request.latest.dns_names.join(", ")}" · "{request.latest.locality.clone()}" "{request.latest.region.clone()}
                " · "{request.latest.phone.clone()}</p>
            <p class="hint">{request.latest.description.clone()}</p>
            {request.reason.clone().map(|reason| view! {
                <p data-testid="request-reason">{words(t, "Reason: ", "Raison : ")}{reason}</p>
            })}
            {request.cancelled_by.clone().map(|by| view! {
                <p data-testid="request-cancelled-by">{words(t, "Replaced by ", "Remplacée par ")}{by.to_string()}</p>
            })}
            <FormError error=error fields=&[] />
            {request.can_decide.then(|| view! {
                <label>{words(t, "Reason (required to reject)", "Raison (obligatoire pour refuser)")}
                    <input type="text" name="reason" data-testid="decision-reason" bind:value=reason /></label>
                <button type="button" data-testid="approve" on:click=move |_| send(Decision::Approve, approve_id.clone())>
                    {words(t, "Approve", "Approuver")}</button>" "
                <button type="button" data-testid="reject" on:click=move |_| send(Decision::Reject, reject_id.clone())>
                    {words(t, "Reject", "Refuser")}</button>
            })}
            {request.can_edit.then(|| view! {
                <button type="button" data-testid="cancel-request" on:click=move |_| cancel(cancel_id.clone())>
                    {words(t, "Cancel the request", "Annuler la demande")}</button>
            })}
        </section>
    }
}

/// The account's enrollment managers, and the form to name one (organization admins).
#[component]
fn Managers() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let managers = LocalResource::new(move || {
        version.track();
        api::call::<EnrollmentManagerList>(&LIST_ENROLLMENT_MANAGERS, &[])
    });
    let users = LocalResource::new(|| api::call::<UserList>(&LIST_USERS, &[]));
    let organizations = LocalResource::new(|| api::call::<OrganizationList>(&LIST_ORGANIZATIONS, &[]));
    let user = RwSignal::new(String::new());
    let organization = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let grant =
            EnrollmentManagerGrant { user_id: user.get_untracked(), organization_id: organization.get_untracked() };
        spawn_local(async move {
            match api::call_with::<_, EnrollmentManagerList>(&GRANT_ENROLLMENT_MANAGER, &[], &grant).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    // Ends the role after a confirmation; the list is read again from the answer.
    let remove = move |(user_id, organization_id): (String, String), label: String| {
        let question = match t.lang_untracked() {
            Lang::En => format!(
                "Remove {label} as enrollment manager? They will no longer see or decide its workstation requests."
            ),
            Lang::Fr => format!(
                "Retirer {label} des gestionnaires d’inscription\u{a0}? Cette personne ne verra ni ne décidera plus ses demandes de postes de travail."
            ),
        };
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        spawn_local(async move {
            match api::call::<EnrollmentManagerList>(&REMOVE_ENROLLMENT_MANAGER, &[&user_id, &organization_id]).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <h2>{words(t, "Enrollment managers", "Gestionnaires d’inscription")}</h2>
        <p class="hint">{words(t, "They decide the workstation requests of their organizations; the CA administrators decide server requests.",
            "Ils décident des demandes de postes de travail de leurs organisations ; les administrateurs de l’AC décident des demandes de serveurs.")}</p>
        {move || managers.get().map(|result| match result {
            Ok(list) => view! { <ul data-testid="enrollment-managers">{list.managers.into_iter().map(|manager| {
                let removal = (manager.user_id.clone(), manager.organization_id.clone());
                let label = format!("{} · {}", manager.email, manager.organization_name);
                let confirm_label = label.clone();
                view! {
                    <li data-testid="enrollment-manager" data-user=manager.user_id.clone() data-organization=manager.organization_id.clone()>
                        {label}" "
                        <button type="button" data-testid="remove-manager"
                            on:click=move |_| remove(removal.clone(), confirm_label.clone())>
                            {words(t, "Remove", "Retirer")}</button>
                    </li>
                }
            }).collect_view()}</ul> }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
        <form class="card" data-testid="manager-form" on:submit=submit novalidate>
            <FormError error=error fields=&[] />
            <label>{words(t, "User", "Utilisateur")}<select name="user_id" data-testid="manager-user" bind:value=user>
                <option value="">{words(t, "Choose", "Choisir")}</option>
                {move || users.get().and_then(Result::ok).map(|list| list.users.into_iter().map(|user| view! {
                    <option value=user.id.clone()>{user.email.clone()}</option>
                }).collect_view())}
            </select></label>
            <label>{words(t, "Organization", "Organisation")}<select name="organization_id" data-testid="manager-organization" bind:value=organization>
                <option value="">{words(t, "Choose", "Choisir")}</option>
                {move || organizations.get().and_then(Result::ok).map(|list| list.organizations.into_iter().map(|organization| view! {
                    <option value=organization.id.clone()>{organization.name.clone()}</option>
                }).collect_view())}
            </select></label>
            <button type="submit" data-testid="manager-submit">{words(t, "Make enrollment manager", "Nommer gestionnaire")}</button>
        </form>
    }
}

/// The kinds the account's requesters may ask for (organization admins).
#[component]
fn Settings(
    /// Called after a change (the form reads the setting again).
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let set = move |kinds: Vec<DeviceKind>| {
        spawn_local(async move {
            match api::call_with::<_, DeviceSettings>(&CHANGE_DEVICE_SETTINGS, &[], &DeviceSettings { kinds }).await {
                Ok(_) => {
                    error.set(None);
                    changed();
                    // The form reads the setting on load.
                    let _ = window().location().reload();
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <h2>{words(t, "What requesters may ask for", "Ce que les demandeurs peuvent demander")}</h2>
        <FormError error=error fields=&[] />
        <button type="button" data-testid="kinds-both" on:click=move |_| set(DeviceKind::ALL.to_vec())>
            {words(t, "Workstations and servers", "Postes de travail et serveurs")}</button>" "
        <button type="button" data-testid="kinds-workstation" on:click=move |_| set(vec![DeviceKind::Workstation])>
            {words(t, "Workstations only", "Postes de travail seulement")}</button>" "
        <button type="button" data-testid="kinds-server" on:click=move |_| set(vec![DeviceKind::Server])>
            {words(t, "Servers only", "Serveurs seulement")}</button>
    }
}
