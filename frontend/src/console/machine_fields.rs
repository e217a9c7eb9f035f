//! The machine's fields of a device request, shared by the request form (`device_requests.rs`) and the
//! requester's edit of a waiting request (`device_request_page.rs`): host name, more DNS names, machine
//! identifier, town, region, phone, the note for the approver and an optional CSR, each with its label and its
//! field error. [`MachineDraft`] holds what is typed; [`MachineDraft::form`] makes the request the Worker reads.

use leptos::prelude::*;
use shared::api::ApiError;
use shared::api::device_requests::DeviceRequestForm;
use shared::device_request::DeviceKind;
use shared::device_request_history::DeviceRequestVersion;

use super::form::FieldError;
use crate::i18n::use_i18n;

/// The machine's fields being typed, one signal each. `Copy`: signals are handles.
#[derive(Clone, Copy)]
pub struct MachineDraft {
    host_name: RwSignal<String>,
    /// The DNS names beside the host name, one per line.
    dns_names: RwSignal<String>,
    machine_id: RwSignal<String>,
    locality: RwSignal<String>,
    region: RwSignal<String>,
    phone: RwSignal<String>,
    description: RwSignal<String>,
    csr: RwSignal<String>,
}

impl MachineDraft {
    /// Empty fields, for a new request.
    pub fn empty() -> Self {
        Self::from_values(Default::default())
    }

    /// The fields of a request's latest version, for its edit; `csr` is the request's CSR if it has one.
    pub fn of_version(latest: &DeviceRequestVersion, csr: Option<String>) -> Self {
        let extra: Vec<&str> =
            latest.dns_names.iter().filter(|name| **name != latest.host_name).map(String::as_str).collect();
        Self::from_values([
            latest.host_name.clone(),
            extra.join("\n"),
            latest.machine_id.clone().unwrap_or_default(),
            latest.locality.clone(),
            latest.region.clone(),
            latest.phone.clone(),
            latest.description.clone(),
            csr.unwrap_or_default(),
        ])
    }

    /// The fields holding `values`, in [`MACHINE_FIELDS`]' order.
    fn from_values([host_name, dns_names, machine_id, locality, region, phone, description, csr]: [String; 8]) -> Self {
        Self {
            host_name: RwSignal::new(host_name),
            dns_names: RwSignal::new(dns_names),
            machine_id: RwSignal::new(machine_id),
            locality: RwSignal::new(locality),
            region: RwSignal::new(region),
            phone: RwSignal::new(phone),
            description: RwSignal::new(description),
            csr: RwSignal::new(csr),
        }
    }

    /// The request as the Worker reads it, with the kind and organization the caller chose (none for an edit).
    pub fn form(&self, kind: Option<DeviceKind>, organization_id: String) -> DeviceRequestForm {
        DeviceRequestForm {
            kind,
            organization_id,
            host_name: self.host_name.get_untracked(),
            dns_names: self.dns_names.get_untracked().split_whitespace().map(str::to_owned).collect(),
            machine_id: Some(self.machine_id.get_untracked()),
            locality: self.locality.get_untracked(),
            region: self.region.get_untracked(),
            phone: self.phone.get_untracked(),
            description: self.description.get_untracked(),
            csr: Some(self.csr.get_untracked()),
        }
    }
}

/// The machine's fields as the Worker names them, in the form's order.
pub const MACHINE_FIELDS: [&str; 8] =
    ["host_name", "dns_names", "machine_id", "locality", "region", "phone", "description", "csr"];

/// The eight labelled fields with their errors; each control's `data-testid` is `{prefix}-{field}` (`host`,
/// `dns-names`, `machine-id`, `locality`, `region`, `phone`, `description`, `csr`).
#[component]
pub fn MachineFields(
    /// What is typed.
    draft: MachineDraft,
    /// The Worker's refusal, shown by field.
    error: RwSignal<Option<ApiError>>,
    /// The prefix of the controls' test identifiers.
    prefix: &'static str,
) -> impl IntoView {
    let t = use_i18n();
    let words = move |english: &'static str, french: &'static str| move || t.lang().pick(english, french);
    let id = move |field: &str| format!("{prefix}-{field}");
    view! {
        <label>{words("Host name (fully qualified)", "Nom d’hôte (complet)")}
            <input type="text" name="host_name" data-testid=id("host") autocomplete="off" bind:value=draft.host_name /></label>
        <FieldError error=error fields=&["host_name"] />
        <label>{words("More DNS names (one per line)", "Autres noms DNS (un par ligne)")}
            <textarea name="dns_names" data-testid=id("dns-names") bind:value=draft.dns_names></textarea></label>
        <FieldError error=error fields=&["dns_names"] />
        <label>{words("Machine identifier (optional: serial number, hardware UUID)", "Identifiant de la machine (facultatif : numéro de série, UUID matériel)")}
            <input type="text" name="machine_id" data-testid=id("machine-id") autocomplete="off" bind:value=draft.machine_id /></label>
        <FieldError error=error fields=&["machine_id"] />
        <label>{words("Town", "Ville")}
            <input type="text" name="locality" data-testid=id("locality") bind:value=draft.locality /></label>
        <FieldError error=error fields=&["locality"] />
        <label>{words("Region (optional)", "Région (facultatif)")}
            <input type="text" name="region" data-testid=id("region") bind:value=draft.region /></label>
        <FieldError error=error fields=&["region"] />
        <label>{words("Your phone number", "Votre numéro de téléphone")}
            <input type="tel" name="phone" data-testid=id("phone") autocomplete="tel" bind:value=draft.phone /></label>
        <FieldError error=error fields=&["phone"] />
        <label>{words("For the approver: office, purpose", "Pour l’approbateur : bureau, usage")}
            <textarea name="description" data-testid=id("description") bind:value=draft.description></textarea></label>
        <FieldError error=error fields=&["description"] />
        <label>{words("A CSR made on the machine (optional; otherwise an enrollment link after approval)", "Un CSR fait sur la machine (facultatif ; sinon un lien d’inscription après approbation)")}
            <textarea name="csr" data-testid=id("csr") bind:value=draft.csr></textarea></label>
        <FieldError error=error fields=&["csr"] />
    }
}
