//! `keyward enroll --api-key` without an order: a device request for this machine (issue 13.5). The key is made
//! here and the request carries its CSR; the client waits while the approver decides (a CA administrator for a
//! server, the organization's enrollment manager for a workstation), then downloads the certificate and chain with
//! the API key (the server records the pickup: Downloaded), checks that the certificate is this key's, and writes
//! them. `--no-wait` returns once the request is in, and `keyward resume` takes it up again from `--out`.

use der::{Decode, Encode};
use serde_json::json;
use shared::api::device_requests::{DeviceRequestForm, DeviceRequestView};
use shared::api::inventory::CurrentCertificate;
use shared::api::organization::OrganizationList;
use shared::device_request::{DeviceKind, DeviceStatus, RequestId};
use shared::encoding::pem_decode;

use crate::args::{KeyChoice, MachineForm, Options};
use crate::http::{Client, Failure};
use crate::keys::MachineKey;
use crate::state::{self, Enrolled};
use crate::{Report, backoff};

/// `keyward enroll --server URL --api-key KEY [machine flags]`: makes the key, submits the request with its CSR,
/// and unless `no_wait`, waits for the decision and downloads the certificate.
pub fn enroll(
    options: &Options,
    api_key: &str,
    machine: &MachineForm,
    key: Option<KeyChoice>,
    password: Option<&str>,
    no_wait: bool,
    progress: &dyn Fn(&str),
) -> Result<Report, Failure> {
    let client = Client::new(&crate::server(options, None)?, Some(api_key.to_owned()));
    let kind = match machine.kind {
        Some(kind) => kind,
        None => only_kind(&client)?,
    };
    let organization_id = match &machine.organization {
        Some(organization) => organization.clone(),
        None => only_organization(&client)?,
    };
    let host_name = machine.host_name.clone().or_else(system_host_name).ok_or_else(|| {
        Failure::local("--host-name", "this machine's host name could not be read: give --host-name FQDN")
    })?;
    let choice = key.unwrap_or(KeyChoice::P256);
    progress(&format!("Making a {choice:?} key on this machine for {host_name}"));
    let machine_key = MachineKey::generate(choice).map_err(|message| Failure::local("--key", &message))?;
    let csr = machine_key.csr_pem(&host_name).map_err(|message| Failure::local("csr", &message))?;
    let form = DeviceRequestForm {
        kind: Some(kind),
        organization_id,
        description: machine
            .description
            .clone()
            .unwrap_or_else(|| format!("Requested with the keyward client on {host_name}")),
        host_name,
        dns_names: machine.dns_names.clone(),
        machine_id: machine.machine_id.clone(),
        locality: machine.locality.clone(),
        region: machine.region.clone(),
        phone: machine.phone.clone(),
        csr: Some(csr),
    };
    let key_path = crate::write_key(options, &machine_key, password.is_some())?;
    let view: DeviceRequestView = client.post_json("/api/v1/device-requests", &form).map_err(with_flag)?;
    let enrolled = Enrolled {
        server: client.origin().to_owned(),
        serial: String::new(),
        not_after: 0,
        key: key_path,
        order_id: None,
        position: None,
        request_id: Some(view.id.to_string()),
    };
    state::write(&options.out, &enrolled)?;
    progress(&format!(
        "Request {} submitted for {} ({}): quote it to your approver",
        view.id,
        view.latest.host_name,
        kind.as_str()
    ));
    if no_wait {
        return Ok(submitted(options, &view));
    }
    finish(options, &client, enrolled, &machine_key, password, progress)
}

/// `keyward resume`: the request an `enroll --no-wait` left in `--out`, waited for (or looked at once, `no_wait`)
/// and downloaded.
pub fn resume(options: &Options, no_wait: bool, progress: &dyn Fn(&str)) -> Result<Report, Failure> {
    let enrolled = state::read(&options.out)?;
    let Some(request_id) = enrolled.request_id.clone() else {
        return Err(Failure::local("--out", "holds no device request: resume takes up an `enroll --no-wait`"));
    };
    if !enrolled.serial.is_empty() {
        return Err(Failure::local("--out", &format!("request {request_id} is downloaded already")));
    }
    let client = Client::new(&crate::server(options, Some(enrolled.server.clone()))?, Some(api_key(options)?));
    let path = options.out.join(&enrolled.key);
    let text = std::fs::read_to_string(&path).map_err(|error| Failure::io(&path, error))?;
    let machine_key = MachineKey::from_pem(&text).map_err(|message| Failure::local("key", &message))?;
    if no_wait {
        let view = request(&client, &request_id)?;
        if decided(&view)?.is_none() {
            return Ok(submitted(options, &view));
        }
    }
    finish(options, &client, enrolled, &machine_key, None, progress)
}

/// `keyward status DR-…`: where the request stands, with the approver's reason when rejected.
pub fn status(options: &Options, server: &str, id: &str) -> Result<Report, Failure> {
    let view = request(&Client::new(server, Some(api_key(options)?)), id)?;
    let mut line = format!("Request {} ({}, {}): {}", view.id, view.latest.host_name, view.kind.as_str(), title(&view));
    if let Some(reason) = &view.reason {
        line.push_str(&format!("; reason: {reason}"));
    }
    if let Some(newer) = &view.cancelled_by {
        line.push_str(&format!("; replaced by {newer}"));
    }
    if let Some(serial) = &view.certificate_serial {
        line.push_str(&format!("; certificate {serial}"));
    }
    Ok(Report {
        json: json!({
            "request_id": view.id, "status": view.status, "kind": view.kind, "host_name": view.latest.host_name,
            "reason": view.reason, "cancelled_by": view.cancelled_by, "order_id": view.order_id,
            "certificate_serial": view.certificate_serial,
        }),
        line,
    })
}

/// The API key: `--api-key` or `KEYWARD_API_KEY` (never kept in `--out`).
fn api_key(options: &Options) -> Result<String, Failure> {
    options
        .api_key
        .clone()
        .ok_or_else(|| Failure::local("--api-key", "a device request is read with the API key that made it"))
}

/// The report of a request that is not decided yet.
fn submitted(options: &Options, view: &DeviceRequestView) -> Report {
    let resume = format!("keyward resume --out {}", options.out.display());
    Report {
        json: json!({ "state": view.status, "request_id": view.id, "resume": resume }),
        line: format!(
            "Request {} is {}: `keyward status {}` shows where it stands; once approved, `{resume}` downloads the \
             certificate",
            view.id,
            title(view),
            view.id
        ),
    }
}

/// Waits for the decision, downloads the certificate and chain, checks they are this key's, writes them.
fn finish(
    options: &Options,
    client: &Client,
    mut enrolled: Enrolled,
    machine_key: &MachineKey,
    password: Option<&str>,
    progress: &dyn Fn(&str),
) -> Result<Report, Failure> {
    let request_id = enrolled.request_id.clone().unwrap_or_default();
    let view = wait(client, &request_id, progress)?;
    let order_id = view.order_id.clone().ok_or_else(|| {
        Failure::local("request", &format!("request {request_id} is {} but names no order", title(&view)))
    })?;
    let current: CurrentCertificate =
        client.get_json_accept(&format!("/api/v1/orders/{order_id}/recipients/0/certificate/current"))?;
    if view.certificate_serial.as_deref().is_some_and(|serial| serial != current.serial) {
        return Err(Failure::local("certificate", "the order's certificate is not the request's: run resume again"));
    }
    check_key(machine_key, &current.certificate)?;
    enrolled.serial = current.serial.clone();
    enrolled.not_after = current.not_after;
    enrolled.order_id = Some(order_id);
    crate::save(
        options,
        &enrolled,
        machine_key,
        &current.certificate,
        &current.chain,
        password,
        &view.latest.host_name,
    )?;
    let after = request(client, &request_id)?;
    progress(&format!("Downloaded: request {request_id} is {} on the server", title(&after)));
    let mut report = crate::done(options, &enrolled, "downloaded");
    report.json["request_id"] = json!(request_id);
    report.json["request_status"] = json!(after.status);
    Ok(report)
}

/// Polls the request until it is decided (backing off from 1 to 30 seconds, at most 15 minutes): its view once
/// the certificate is issued; a rejection (with the approver's reason), a cancellation or a revocation ends it.
fn wait(client: &Client, id: &str, progress: &dyn Fn(&str)) -> Result<DeviceRequestView, Failure> {
    let started = std::time::Instant::now();
    let mut said = None;
    for delay in backoff::delays() {
        let view = request(client, id)?;
        if decided(&view)?.is_some() {
            return Ok(view);
        }
        if said != Some(view.status) {
            said = Some(view.status);
            progress(&match view.status {
                DeviceStatus::Requested => format!(
                    "Waiting for the approver of {id} ({}): quote {id} to them",
                    match view.kind {
                        DeviceKind::Server => "a CA administrator decides server requests",
                        DeviceKind::Workstation => "the organization's enrollment manager decides workstation requests",
                    }
                ),
                _ => format!("Request {id} is approved: waiting for its certificate"),
            });
        }
        if started.elapsed().as_secs() > backoff::LIMIT_SECONDS {
            return Err(Failure::local(
                "request",
                &format!("request {id} is still {}: run `keyward resume` later", title(&view)),
            ));
        }
        std::thread::sleep(delay);
    }
    Err(Failure::local("request", "gave up waiting"))
}

/// `Some(())` once the request has its certificate, `None` while it waits; the end of a refused one.
fn decided(view: &DeviceRequestView) -> Result<Option<()>, Failure> {
    let id = &view.id;
    match view.status {
        DeviceStatus::Requested | DeviceStatus::Approved => Ok(None),
        DeviceStatus::Issued | DeviceStatus::Downloaded | DeviceStatus::Installed => Ok(Some(())),
        DeviceStatus::Rejected => Err(Failure::outcome(
            "device_request_rejected",
            "reason",
            &format!("request {id} was rejected: {}", view.reason.as_deref().unwrap_or("no reason given")),
        )),
        DeviceStatus::Cancelled => Err(Failure::outcome(
            "device_request_cancelled",
            "request",
            &match &view.cancelled_by {
                Some(newer) => format!("request {id} was cancelled: your newer request {newer} replaced it"),
                None => format!("request {id} was cancelled by its requester"),
            },
        )),
        DeviceStatus::Revoked => Err(Failure::outcome(
            "certificate_revoked",
            "request",
            &format!("the certificate of request {id} is revoked: make a new request"),
        )),
    }
}

/// The request `id` as the API key sees it.
fn request(client: &Client, id: &str) -> Result<DeviceRequestView, Failure> {
    let id = RequestId::parse(id).ok_or_else(|| Failure::local("request", &format!("`{id}` is not a DR-XXXX-XX")))?;
    client.get_json(&format!("/api/v1/device-requests/{id}"))
}

/// The status as the API names it (`requested`, `rejected`, …).
fn title(view: &DeviceRequestView) -> &'static str {
    view.status.as_str()
}

/// Refuses a certificate whose public key is not this machine's key (nothing is written then).
fn check_key(machine_key: &MachineKey, certificate_pem: &str) -> Result<(), Failure> {
    let unreadable = || Failure::local("certificate", "the server's certificate is not a readable PEM certificate");
    let der = pem_decode("CERTIFICATE", certificate_pem).ok_or_else(unreadable)?;
    let certificate = x509_cert::Certificate::from_der(&der).map_err(|_| unreadable())?;
    let certified = certificate.tbs_certificate().subject_public_key_info().to_der().map_err(|_| unreadable())?;
    let ours = machine_key.subject_public_key_info().map_err(|message| Failure::local("key", &message))?;
    if certified != ours {
        return Err(Failure::local(
            "certificate",
            "the certificate is not for this machine's key: nothing was written",
        ));
    }
    Ok(())
}

/// The account's one organization, or a refusal naming `--organization` and the choices.
fn only_organization(client: &Client) -> Result<String, Failure> {
    let list: OrganizationList = client.get_json("/api/v1/organizations")?;
    match list.organizations.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(Failure::local("--organization", "your account has no organization yet")),
        several => {
            let names: Vec<String> = several.iter().map(|one| format!("{} ({})", one.id, one.name)).collect();
            Err(Failure::local("--organization", &format!("say which: {}", names.join(", "))))
        }
    }
}

/// The one kind the account lets its requesters ask for, or a refusal naming `--kind`.
fn only_kind(client: &Client) -> Result<DeviceKind, Failure> {
    let settings: shared::api::device_requests::DeviceSettings = client.get_json("/api/v1/device-settings")?;
    match settings.kinds.as_slice() {
        [only] => Ok(*only),
        [] => Err(Failure::local("--kind", "your account lets its requesters ask for no device certificates")),
        _ => Err(Failure::local("--kind", "say whether this machine is a workstation or a server")),
    }
}

/// A refusal of the form with its field named as the flag that sets it (`host_name` → `--host-name`).
fn with_flag(mut failure: Failure) -> Failure {
    if let Some(field) = &failure.field {
        let base = field.split('[').next().unwrap_or(field);
        let flag = match base {
            "organization_id" => Some("--organization"),
            "dns_names" => Some("--dns-name"),
            "csr" => Some("--key"),
            "kind" | "host_name" | "machine_id" | "locality" | "region" | "phone" | "description" => None,
            _ => return failure,
        };
        let flag = flag.map(str::to_owned).unwrap_or_else(|| format!("--{}", base.replace('_', "-")));
        failure.field = Some(flag);
    }
    failure
}

/// This machine's host name as the system knows it (`gethostname`; `COMPUTERNAME` and `USERDNSDOMAIN` on
/// Windows), lower-cased; the server refuses one that is not fully qualified, naming `--host-name`.
fn system_host_name() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buffer = [0u8; 256];
        // SAFETY: the buffer is writable for its length; gethostname writes at most that many bytes.
        let written = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
        if written != 0 {
            return None;
        }
        let end = buffer.iter().position(|byte| *byte == 0).unwrap_or(buffer.len());
        let name = std::str::from_utf8(&buffer[..end]).ok()?.trim().to_ascii_lowercase();
        (!name.is_empty()).then_some(name)
    }
    #[cfg(not(unix))]
    {
        let name = std::env::var("COMPUTERNAME").ok()?;
        let domain = std::env::var("USERDNSDOMAIN").ok().map(|domain| format!(".{domain}")).unwrap_or_default();
        Some(format!("{name}{domain}").to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(field: &str, expect: &str) {
        let failure = with_flag(Failure::server(422, "x", Some(field.to_owned()), "m"));
        assert_eq!(failure.field.as_deref(), Some(expect), "{field}");
    }

    #[test]
    fn the_forms_fields_are_named_as_their_flags() {
        for (field, flag) in [
            ("host_name", "--host-name"),
            ("dns_names[2]", "--dns-name"),
            ("organization_id", "--organization"),
            ("machine_id", "--machine-id"),
            ("locality", "--locality"),
            ("phone", "--phone"),
            ("kind", "--kind"),
            ("csr", "--key"),
            ("authorization", "authorization"),
        ] {
            check(field, flag);
        }
    }
}
