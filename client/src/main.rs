//! `keyward`, the native enrollment client (issue 13.5): makes the key on this machine, builds the CSR, gets the
//! certificate through an enrollment link (the recipient's API, as the browser uses it) or an API key (a CSR order),
//! writes the key (0600 PEM, or PKCS#12), the certificate and the chain, reports Downloaded, and runs the test
//! enrollment (Installed). With an API key and no order, the machine asks through a device request with its CSR
//! and waits for the approver ([`device`]; `resume` takes up one left waiting by `--no-wait`).

mod args;
mod backoff;
mod device;
mod http;
mod keys;
mod state;

use std::process::ExitCode;

use serde_json::{Value, json};
use shared::api::enrollment::{EnrollmentView, IssuedCertificate, SubmitCsr};
use shared::api::installation::{Installation, InstallationChallenge, InstallationProof, InstalledBy};
use shared::api::inventory::CurrentCertificate;
use shared::api::order::OrderView;
use shared::api::revocation::CertificateStatus;
use shared::encoding::{base64url_encode, hex, pem_decode, utc_date_time};
use shared::installation::installation_message;
use shared::link::LinkStatus;

use args::{Command, KeyChoice, Options, Source};
use http::{Client, Failure};
use keys::MachineKey;
use state::Enrolled;

/// What a command reports: its JSON (for `--json`) and its last line for a person.
struct Report {
    json: Value,
    line: String,
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let options = match args::parse(&arguments, std::env::var("KEYWARD_API_KEY").ok()) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("keyward: {error}");
            return ExitCode::from(2);
        }
    };
    let progress = |line: &str| {
        if !options.json {
            eprintln!("{line}");
        }
    };
    let outcome = match &options.command {
        Command::Help => {
            println!("{}", args::HELP);
            return ExitCode::SUCCESS;
        }
        Command::Enroll { source, key, p12, no_wait } => enroll(&options, source, *key, *p12, *no_wait, &progress),
        Command::Resume { no_wait } => device::resume(&options, *no_wait, &progress),
        Command::Status(id) => status(&options, id.as_deref()),
        Command::Test => test(&options, &progress),
        Command::Subject => subject(&options),
    };
    match outcome {
        Ok(report) => {
            if options.json {
                println!("{}", report.json);
            } else {
                println!("{}", report.line);
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if options.json {
                println!("{}", json!({ "error": failure.json() }));
            } else {
                eprintln!("keyward: {failure}");
            }
            ExitCode::from(1)
        }
    }
}

/// The server's origin: `--server`, else the link's, else the enrolled state's.
fn server(options: &Options, fallback: Option<String>) -> Result<String, Failure> {
    options.server.clone().or(fallback).ok_or_else(|| Failure::local("--server", "needs Keyward's address"))
}

/// `keyward enroll`.
fn enroll(
    options: &Options,
    source: &Source,
    key: Option<KeyChoice>,
    p12: bool,
    no_wait: bool,
    progress: &dyn Fn(&str),
) -> Result<Report, Failure> {
    std::fs::create_dir_all(&options.out).map_err(|error| Failure::io(&options.out, error))?;
    if options.out.join(state::STATE_FILE).exists() {
        return Err(Failure::local(
            "--out",
            &format!("{} already holds an enrollment: choose another --out directory", options.out.display()),
        ));
    }
    let password = if p12 { Some(state::p12_password(true)?) } else { None };
    match source {
        Source::DeviceRequest { key: api_key, machine } => {
            device::enroll(options, api_key, machine, key, password.as_deref(), no_wait, progress)
        }
        Source::Link(link) => {
            let (token, origin) =
                args::link_parts(link).map_err(|error| Failure::local(&error.option, &error.message))?;
            let client = Client::new(&server(options, origin)?, None);
            let view: EnrollmentView = client.get_json(&format!("/api/v1/enrollments/{token}"))?;
            if !matches!(view.status, LinkStatus::Open { .. }) {
                return Err(Failure::local("--link", "this enrollment link was used already or has expired"));
            }
            progress(&format!("Enrolling for order {} of {} ({:?})", view.order_id, view.organization, view.profile));
            let choice = choose_key(key, &view.key_types)?;
            let subject = view.dns_names.first().cloned().unwrap_or_else(|| view.recipient_email.clone());
            let machine_key = MachineKey::generate(choice).map_err(|message| Failure::local("--key", &message))?;
            let key_path = write_key(options, &machine_key, password.is_some())?;
            progress(&format!("Key made on this machine ({choice:?}); CSR sent"));
            let csr = machine_key.csr_pem(&subject).map_err(|message| Failure::local("csr", &message))?;
            let issued: IssuedCertificate =
                client.post_json(&format!("/api/v1/enrollments/{token}"), &SubmitCsr { csr })?;
            progress(&format!("Issued: serial {}", issued.serial));
            let chain = issued.chain.concat();
            let enrolled = Enrolled {
                server: client.origin().to_owned(),
                serial: issued.serial.clone(),
                not_after: issued.not_after,
                key: key_path,
                order_id: Some(view.order_id.clone()),
                position: None,
                request_id: None,
            };
            save(
                options,
                &enrolled,
                &machine_key,
                &issued.certificate,
                &chain,
                password.as_deref(),
                &issued.friendly_name,
            )?;
            client.post_empty(&format!("/api/v1/enrollments/{token}/saved"))?;
            progress("Downloaded: the server recorded that the certificate reached this machine");
            Ok(done(options, &enrolled, "downloaded"))
        }
        Source::ApiKey { key: api_key, order } => {
            let client = Client::new(&server(options, None)?, Some(api_key.clone()));
            let text = std::fs::read_to_string(order).map_err(|error| Failure::io(order, error))?;
            let mut request: Value = serde_json::from_str(&text)
                .map_err(|error| Failure::local("--order", &format!("{} is not JSON: {error}", order.display())))?;
            let recipients = request.get_mut("recipients").and_then(Value::as_array_mut);
            let Some([recipient]) = recipients.map(Vec::as_mut_slice) else {
                return Err(Failure::local("--order", "the order must name exactly one recipient (this machine)"));
            };
            let profile_key_types = [shared::profile::KeyType::EcdsaP256];
            let choice = match key {
                Some(choice) => choice,
                None => choose_key(None, &profile_key_types)?,
            };
            let subject = recipient
                .get("dns_names")
                .and_then(|names| names.get(0))
                .and_then(Value::as_str)
                .or_else(|| recipient.get("email").and_then(Value::as_str))
                .unwrap_or("keyward")
                .to_owned();
            let machine_key = MachineKey::generate(choice).map_err(|message| Failure::local("--key", &message))?;
            let key_path = write_key(options, &machine_key, password.is_some())?;
            recipient["csr"] =
                Value::from(machine_key.csr_pem(&subject).map_err(|message| Failure::local("csr", &message))?);
            if request.get("idempotency_key").is_none() {
                request["idempotency_key"] = Value::from(format!(
                    "keyward-{}",
                    hex(&keys::random::<12>().map_err(|m| Failure::local("random", &m))?)
                ));
            }
            let placed: OrderView = client.post_json("/api/v1/orders", &request)?;
            progress(&format!("Order {} placed; key made on this machine ({choice:?})", placed.id));
            let mut enrolled = Enrolled {
                server: client.origin().to_owned(),
                serial: String::new(),
                not_after: 0,
                key: key_path,
                order_id: Some(placed.id.clone()),
                position: Some(0),
                request_id: None,
            };
            if no_wait && placed.recipients[0].certificate_serial.is_none() {
                state::write(&options.out, &enrolled)?;
                return Ok(Report {
                    json: json!({ "state": "waiting", "order_id": placed.id }),
                    line: format!("Order {} placed; `keyward status {}` tells when it is issued", placed.id, placed.id),
                });
            }
            let order_id = placed.id.clone();
            wait_for_certificate(&client, &order_id, placed, progress)?;
            let current: CurrentCertificate = client.get_json_accept(&format!(
                "/api/v1/orders/{}/recipients/0/certificate/current",
                enrolled.order_id.as_deref().unwrap_or_default()
            ))?;
            enrolled.serial = current.serial.clone();
            enrolled.not_after = current.not_after;
            save(
                options,
                &enrolled,
                &machine_key,
                &current.certificate,
                &current.chain,
                password.as_deref(),
                &subject,
            )?;
            progress("Downloaded: fetched with the API key (the inventory shows the pickup)");
            Ok(done(options, &enrolled, "downloaded"))
        }
    }
}

/// Polls the order until its recipient's certificate is issued, backing off from 1 to 30 seconds, at most 15
/// minutes; a refusal recorded on the recipient or a cancelled order ends it.
fn wait_for_certificate(
    client: &Client,
    order_id: &str,
    mut order: OrderView,
    progress: &dyn Fn(&str),
) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    for (attempt, delay) in backoff::delays().enumerate() {
        let recipient = &order.recipients[0];
        if recipient.certificate_serial.is_some() {
            return Ok(());
        }
        if let Some(refusal) = &recipient.issuance_refusal {
            return Err(Failure::server(422, "issuance_refused", refusal.code.clone(), &refusal.message));
        }
        if started.elapsed().as_secs() > backoff::LIMIT_SECONDS {
            return Err(Failure::local(
                "order",
                &format!("order {order_id} is still not issued: run `keyward status {order_id}` later"),
            ));
        }
        if attempt == 0 {
            progress(&format!("Waiting for issuance of order {order_id} ({:?})", order.state));
        }
        std::thread::sleep(delay);
        order = client.get_json(&format!("/api/v1/orders/{order_id}"))?;
    }
    Err(Failure::local("order", "gave up waiting"))
}

/// The key type: the one asked (if the profile takes it), else the profile's first this client makes.
fn choose_key(asked: Option<KeyChoice>, offered: &[shared::profile::KeyType]) -> Result<KeyChoice, Failure> {
    match asked {
        Some(choice) if offered.contains(&choice.key_type()) => Ok(choice),
        Some(choice) => {
            Err(Failure::local("--key", &format!("the profile does not take {choice:?} keys; it takes {offered:?}")))
        }
        // P-256 when the profile takes it (fast to make, small), else the profile's first.
        None => offered
            .iter()
            .map(|key_type| KeyChoice::of(*key_type))
            .min_by_key(|choice| *choice != KeyChoice::P256)
            .ok_or_else(|| Failure::local("--key", "the profile names no key type")),
    }
}

/// Writes the PEM key (0600) unless a PKCS#12 file will hold it; the path written.
fn write_key(options: &Options, key: &MachineKey, in_bundle: bool) -> Result<String, Failure> {
    if in_bundle {
        return Ok(state::P12_FILE.to_owned());
    }
    state::write_private(&options.out.join(state::KEY_FILE), key.pem().as_bytes())?;
    Ok(state::KEY_FILE.to_owned())
}

/// Writes the certificate, the chain, the PKCS#12 file when asked, and the state.
fn save(
    options: &Options,
    enrolled: &Enrolled,
    key: &MachineKey,
    certificate: &str,
    chain: &str,
    password: Option<&str>,
    name: &str,
) -> Result<(), Failure> {
    state::write_public(&options.out.join(state::CERTIFICATE_FILE), certificate.as_bytes())?;
    state::write_public(&options.out.join(state::CHAIN_FILE), chain.as_bytes())?;
    if let Some(password) = password {
        let certificate_der =
            pem_decode("CERTIFICATE", certificate).ok_or_else(|| Failure::local("certificate", "not PEM"))?;
        let chain_der: Vec<Vec<u8>> = chain
            .split_inclusive("-----END CERTIFICATE-----")
            .filter_map(|pem| pem_decode("CERTIFICATE", pem))
            .collect();
        let bytes = keys::bundle(key, &certificate_der, &chain_der, name, password, shared::pkcs12::DEFAULT_ITERATIONS)
            .map_err(|m| Failure::local("--p12", &m))?;
        state::write_private(&options.out.join(state::P12_FILE), &bytes)?;
    }
    state::write(&options.out, enrolled)
}

/// The enrollment's report.
fn done(options: &Options, enrolled: &Enrolled, state: &str) -> Report {
    Report {
        json: json!({
            "state": state, "serial": enrolled.serial, "not_after": enrolled.not_after, "order_id": enrolled.order_id,
            "key": options.out.join(&enrolled.key), "certificate": options.out.join(state::CERTIFICATE_FILE),
            "chain": options.out.join(state::CHAIN_FILE),
        }),
        line: format!(
            "Downloaded: certificate {} (valid until {}) in {}",
            enrolled.serial,
            utc_date_time(enrolled.not_after),
            options.out.display()
        ),
    }
}

/// `keyward status [ID]`.
fn status(options: &Options, id: Option<&str>) -> Result<Report, Failure> {
    let enrolled = state::read(&options.out).ok();
    let server = server(options, enrolled.as_ref().map(|enrolled| enrolled.server.clone()))?;
    let request = match id {
        Some(id) => args::is_request_id(id).then(|| id.to_owned()),
        None => enrolled.as_ref().and_then(|enrolled| enrolled.request_id.clone()),
    };
    if let Some(request) = request {
        return device::status(options, &server, &request);
    }
    let id = id
        .map(str::to_owned)
        .or_else(|| {
            enrolled
                .as_ref()
                .map(|e| if e.serial.is_empty() { e.order_id.clone().unwrap_or_default() } else { e.serial.clone() })
        })
        .unwrap_or_default();
    if id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        let status: CertificateStatus =
            Client::new(&server, None).get_json(&format!("/api/v1/certificates/{id}/status"))?;
        let state = if status.revoked_at.is_some() { "revoked" } else { "valid" };
        return Ok(Report {
            json: json!({ "serial": status.serial, "state": state, "not_after": status.not_after, "revoked_at": status.revoked_at }),
            line: format!("Certificate {}: {state}, valid until {}", status.serial, utc_date_time(status.not_after)),
        });
    }
    let key =
        options.api_key.clone().ok_or_else(|| Failure::local("--api-key", "an order's status needs the API key"))?;
    let order: OrderView = Client::new(&server, Some(key)).get_json(&format!("/api/v1/orders/{id}"))?;
    let serial = order.recipients.first().and_then(|recipient| recipient.certificate_serial.clone());
    Ok(Report {
        json: json!({ "order_id": order.id, "order_state": order.state, "serial": serial }),
        line: format!(
            "Order {}: {:?}; certificate {}",
            order.id,
            order.state,
            serial.as_deref().unwrap_or("not issued yet")
        ),
    })
}

/// `keyward test`: asks a challenge, signs it with the key, and the server records the installation.
fn test(options: &Options, progress: &dyn Fn(&str)) -> Result<Report, Failure> {
    let enrolled = state::read(&options.out)?;
    let key = if enrolled.key == state::P12_FILE {
        let path = options.out.join(state::P12_FILE);
        let bytes = std::fs::read(&path).map_err(|error| Failure::io(&path, error))?;
        keys::open_bundle(&bytes, &state::p12_password(false)?).map_err(|m| Failure::local("--p12", &m))?.0
    } else {
        let path = options.out.join(&enrolled.key);
        let text = std::fs::read_to_string(&path).map_err(|error| Failure::io(&path, error))?;
        MachineKey::from_pem(&text).map_err(|m| Failure::local("key", &m))?
    };
    let client = Client::new(&server(options, Some(enrolled.server.clone()))?, None);
    let serial = &enrolled.serial;
    let challenge: InstallationChallenge =
        client.post_json(&format!("/api/v1/certificates/{serial}/installation-challenge"), &json!({}))?;
    progress("Challenge received; signing it with this machine's key");
    let signature =
        key.sign(&installation_message(serial, &challenge.challenge)).map_err(|m| Failure::local("key", &m))?;
    let proof = InstallationProof {
        challenge: challenge.challenge,
        signature: base64url_encode(&signature),
        by: InstalledBy::NativeClient,
    };
    let installed: Installation = client.post_json(&format!("/api/v1/certificates/{serial}/installation"), &proof)?;
    Ok(Report {
        json: json!({ "state": "installed", "serial": installed.serial, "installed_at": installed.installed_at, "by": installed.by }),
        line: format!(
            "Installed: certificate {} on {} by this machine (native client)",
            installed.serial,
            utc_date_time(installed.installed_at)
        ),
    })
}

/// `keyward subject`.
fn subject(options: &Options) -> Result<Report, Failure> {
    let path = options.out.join(state::CERTIFICATE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|error| Failure::io(&path, error))?;
    let der = pem_decode("CERTIFICATE", &text)
        .ok_or_else(|| Failure::local("certificate", "cert.pem is not a PEM certificate"))?;
    let subject = keys::subject_rfc4514(&der).map_err(|m| Failure::local("certificate", &m))?;
    Ok(Report { json: json!({ "subject": subject }), line: subject })
}
