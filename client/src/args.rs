//! The command line: `keyward enroll | resume | status | test | subject` and their options, parsed by hand (no
//! parser crate: a handful of flags). Each refusal names the option and what to do.

use std::path::PathBuf;

use shared::device_request::{DeviceKind, RequestId};

/// A key type the client makes on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyChoice {
    /// ECDSA on P-256 (SHA-256).
    P256,
    /// ECDSA on P-384 (SHA-384).
    P384,
    /// Ed25519 (S/MIME profiles only).
    Ed25519,
    /// RSA 2048 (made with the `rsa` crate, signed through ring).
    Rsa2048,
    /// RSA 3072.
    Rsa3072,
    /// RSA 4096.
    Rsa4096,
}

impl KeyChoice {
    /// The choice named `text` on the command line.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "p256" => Self::P256,
            "p384" => Self::P384,
            "ed25519" => Self::Ed25519,
            "rsa2048" => Self::Rsa2048,
            "rsa3072" => Self::Rsa3072,
            "rsa4096" => Self::Rsa4096,
            _ => return None,
        })
    }

    /// The profile catalogue's key type.
    pub fn key_type(self) -> shared::profile::KeyType {
        use shared::profile::KeyType;
        match self {
            Self::P256 => KeyType::EcdsaP256,
            Self::P384 => KeyType::EcdsaP384,
            Self::Ed25519 => KeyType::Ed25519,
            Self::Rsa2048 => KeyType::Rsa2048,
            Self::Rsa3072 => KeyType::Rsa3072,
            Self::Rsa4096 => KeyType::Rsa4096,
        }
    }

    /// The client's choice for a profile's key type (it makes every one).
    pub fn of(key_type: shared::profile::KeyType) -> Self {
        use shared::profile::KeyType;
        match key_type {
            KeyType::EcdsaP256 => Self::P256,
            KeyType::EcdsaP384 => Self::P384,
            KeyType::Ed25519 => Self::Ed25519,
            KeyType::Rsa2048 => Self::Rsa2048,
            KeyType::Rsa3072 => Self::Rsa3072,
            KeyType::Rsa4096 => Self::Rsa4096,
        }
    }

    /// The RSA modulus size in bits, for an RSA choice.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            Self::Rsa2048 => Some(2048),
            Self::Rsa3072 => Some(3072),
            Self::Rsa4096 => Some(4096),
            Self::P256 | Self::P384 | Self::Ed25519 => None,
        }
    }
}

/// How `enroll` gets its certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An enrollment link (its URL or bare token): the recipient's API, as the browser uses it.
    Link(String),
    /// An API key and an order to place (a JSON file: the order form, its one recipient without a CSR).
    ApiKey {
        /// The `kw_…` key.
        key: String,
        /// The order request file.
        order: PathBuf,
    },
    /// An API key and a device request for this machine, with its CSR (the approver decides, then the client
    /// downloads the certificate).
    DeviceRequest {
        /// The `kw_…` key.
        key: String,
        /// The request form's fields from the command line.
        machine: Box<MachineForm>,
    },
}

/// The device request form's fields as given on the command line; what is absent is filled by
/// [`crate::device`] (the host name from the system, the kind and organization when the account has one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MachineForm {
    /// `--kind workstation|server`.
    pub kind: Option<DeviceKind>,
    /// `--organization ID`.
    pub organization: Option<String>,
    /// `--host-name NAME` (fully qualified).
    pub host_name: Option<String>,
    /// `--dns-name NAME`, repeated: more DNS names.
    pub dns_names: Vec<String>,
    /// `--machine-id ID`: a serial number or hardware UUID.
    pub machine_id: Option<String>,
    /// `--locality TOWN` (required).
    pub locality: String,
    /// `--region REGION`.
    pub region: String,
    /// `--phone NUMBER` (required): for the approver's questions.
    pub phone: String,
    /// `--description TEXT`: for the approver (the office, the purpose).
    pub description: Option<String>,
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The subcommand.
    pub command: Command,
    /// `--server URL`: Keyward's origin (taken from the link when absent).
    pub server: Option<String>,
    /// `--out DIR` (default `.`): where the key, certificate, chain and `keyward.json` are.
    pub out: PathBuf,
    /// `--json`: one JSON object on standard output, no progress lines.
    pub json: bool,
    /// `--api-key KEY`, else `KEYWARD_API_KEY`: for `status` and `resume` of an order or a device request.
    pub api_key: Option<String>,
}

/// The subcommands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `enroll`.
    Enroll {
        /// Link or API key.
        source: Source,
        /// `--key`; the profile's first type this client makes when absent.
        key: Option<KeyChoice>,
        /// `--p12`: a PKCS#12 file instead of a PEM key.
        p12: bool,
        /// `--no-wait`: return once the order is placed or the request submitted.
        no_wait: bool,
    },
    /// `resume`: waits for the order or device request an `enroll --no-wait` left in `--out`, then downloads.
    Resume {
        /// `--no-wait`: look once and return.
        no_wait: bool,
    },
    /// `status [ID]`: a serial, an order number or a device request (`DR-…`); the enrolled one when absent.
    Status(Option<String>),
    /// `test`: the test enrollment.
    Test,
    /// `subject`: the certificate's subject as RFC 4514 text.
    Subject,
    /// `help`.
    Help,
}

/// A command line refused: the option and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError {
    /// The option (or `command`).
    pub option: String,
    /// In plain words.
    pub message: String,
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {} (keyward help)", self.option, self.message)
    }
}

fn usage(option: &str, message: &str) -> UsageError {
    UsageError { option: option.to_owned(), message: message.to_owned() }
}

/// Parses the arguments after the program name; `api_key_env` is `KEYWARD_API_KEY` when set.
pub fn parse(arguments: &[String], api_key_env: Option<String>) -> Result<Options, UsageError> {
    let mut iterator = arguments.iter();
    let command = iterator.next().map(String::as_str).unwrap_or("help");
    let (mut server, mut out, mut json) = (None, PathBuf::from("."), false);
    let (mut link, mut api_key, mut order, mut key, mut p12, mut no_wait) =
        (None, api_key_env, None, None, false, false);
    let mut machine = MachineForm::default();
    let mut machine_flags: Vec<String> = Vec::new();
    let mut positional = Vec::new();
    while let Some(argument) = iterator.next() {
        let mut value = |name: &str| iterator.next().cloned().ok_or_else(|| usage(name, "needs a value"));
        match argument.as_str() {
            "--server" => server = Some(value("--server")?.trim_end_matches('/').to_owned()),
            "--out" => out = PathBuf::from(value("--out")?),
            "--json" => json = true,
            "--link" => link = Some(value("--link")?),
            "--api-key" => api_key = Some(value("--api-key")?),
            "--order" => order = Some(PathBuf::from(value("--order")?)),
            "--key" => {
                let text = value("--key")?;
                key = Some(KeyChoice::parse(&text).ok_or_else(|| {
                    usage("--key", &format!("`{text}` is not one of rsa2048, rsa3072, rsa4096, p256, p384, ed25519"))
                })?);
            }
            "--p12" => p12 = true,
            "--no-wait" => no_wait = true,
            "--kind" => {
                let text = value("--kind")?;
                machine.kind =
                    Some(DeviceKind::parse(&text).ok_or_else(|| usage("--kind", "is workstation or server"))?);
                machine_flags.push("--kind".to_owned());
            }
            flag @ ("--organization" | "--host-name" | "--dns-name" | "--machine-id" | "--locality" | "--region"
            | "--phone" | "--description") => {
                let text = value(flag)?;
                match flag {
                    "--organization" => machine.organization = Some(text),
                    "--host-name" => machine.host_name = Some(text),
                    "--dns-name" => machine.dns_names.push(text),
                    "--machine-id" => machine.machine_id = Some(text),
                    "--locality" => machine.locality = text,
                    "--region" => machine.region = text,
                    "--phone" => machine.phone = text,
                    _ => machine.description = Some(text),
                }
                machine_flags.push(flag.to_owned());
            }
            flag if flag.starts_with("--") => return Err(usage(flag, "is not an option of keyward")),
            other => positional.push(other.to_owned()),
        }
    }
    let command = match command {
        "enroll" => {
            let source = match (link, api_key.clone(), order) {
                (Some(link), _, None) => Source::Link(link),
                (None, Some(key), Some(order)) => Source::ApiKey { key, order },
                (None, Some(key), None) => Source::DeviceRequest { key, machine: Box::new(checked_machine(machine)?) },
                (None, None, Some(_)) => {
                    return Err(usage("--api-key", "an order needs an API key (or KEYWARD_API_KEY)"));
                }
                (None, None, None) => {
                    return Err(usage(
                        "--link",
                        "give --link URL, or --api-key KEY (a device request for this machine)",
                    ));
                }
                (Some(_), _, Some(_)) => return Err(usage("--order", "give --link or --order, not both")),
            };
            if let (false, Some(flag)) = (matches!(source, Source::DeviceRequest { .. }), machine_flags.first()) {
                return Err(usage(flag, "describes a device request: give --api-key without --link or --order"));
            }
            if server.is_none() && !matches!(&source, Source::Link(link) if link.starts_with("http")) {
                return Err(usage("--server", "needs Keyward's address (https://…)"));
            }
            if p12 && no_wait {
                // The key of a PKCS#12 file is written with the certificate: it would not outlive this run.
                return Err(usage("--no-wait", "cannot go with --p12 (the key would not be kept while it waits)"));
            }
            Command::Enroll { source, key, p12, no_wait }
        }
        "resume" => Command::Resume { no_wait },
        "status" => Command::Status(positional.pop()),
        "test" => Command::Test,
        "subject" => Command::Subject,
        "help" | "--help" | "-h" => Command::Help,
        other => {
            return Err(usage("command", &format!("`{other}` is not enroll, resume, status, test, subject or help")));
        }
    };
    Ok(Options { command, server, out, json, api_key })
}

/// The device request's fields the API requires and that have no default here: the town and the phone.
fn checked_machine(machine: MachineForm) -> Result<MachineForm, UsageError> {
    if machine.locality.trim().is_empty() {
        return Err(usage("--locality", "a device request says the town where the machine is (--locality TOWN)"));
    }
    if machine.phone.trim().is_empty() {
        return Err(usage("--phone", "a device request gives a phone number the approver can call (--phone NUMBER)"));
    }
    Ok(machine)
}

/// Whether `text` names a device request (`DR-7K3F-Q2`, as typed) rather than a serial or an order.
pub fn is_request_id(text: &str) -> bool {
    text.trim().to_ascii_uppercase().starts_with("DR") && RequestId::parse(text).is_some()
}

/// The link's token and the server's origin it names: `https://host/enroll/TOKEN` → (`TOKEN`, `https://host`); a
/// bare token has no origin.
pub fn link_parts(link: &str) -> Result<(String, Option<String>), UsageError> {
    let token = link.trim().trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
    if token.len() < 16 || !token.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_') {
        return Err(usage("--link", "is not an enrollment link (https://…/enroll/TOKEN)"));
    }
    let origin = link.find("/enroll/").filter(|_| link.starts_with("http")).map(|at| link[..at].to_owned());
    Ok((token, origin))
}

/// The text of `keyward help`.
pub const HELP: &str = "\
keyward: enroll this machine for a Keyward certificate, the key made here.

  keyward enroll --server URL --api-key KEY --locality TOWN --phone NUMBER [--kind workstation|server]
                 [--host-name FQDN] [--dns-name NAME]... [--machine-id ID] [--region REGION]
                 [--description TEXT] [--organization ID] [--key KEY] [--out DIR] [--p12] [--no-wait] [--json]
                                           a device request with this machine's CSR; waits for its approver
  keyward enroll --link URL [--server URL] [--key KEY] [--out DIR] [--p12] [--json]
  keyward enroll --server URL --api-key KEY --order ORDER.json [--key KEY] [--out DIR] [--no-wait] [--json]
  keyward resume [--out DIR] [--api-key KEY] [--no-wait] [--json]
                                           after --no-wait: waits for the approval or issuance, then downloads
  keyward status [SERIAL|ORDER|DR-XXXX-XX] [--out DIR] [--server URL] [--api-key KEY] [--json]
  keyward test [--out DIR] [--json]        prove this machine holds the key: the certificate becomes Installed
  keyward subject [--out DIR]              the certificate's subject, RFC 4514

KEY is p256 (the default), p384, ed25519, rsa2048, rsa3072 or rsa4096. The host name defaults to this machine's;
the kind and organization to the account's only one. The key is written at mode 0600 (key.pem), or with --p12
into a PKCS#12 file (cert.p12) under a password read without echo (or from KEYWARD_P12_PASSWORD). The API key
may come from KEYWARD_API_KEY.";

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expect: Result<Command, &str>) {
        let arguments: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        let outcome = parse(&arguments, None).map(|options| options.command).map_err(|error| error.option);
        assert_eq!(outcome, expect.map_err(str::to_owned), "{line}");
    }

    #[test]
    fn command_lines_parse_or_name_the_option() {
        let link = "https://k.example/enroll/AAAAAAAAAAAAAAAAAAAAAA";
        let cases: Vec<(String, Result<Command, &str>)> = vec![
            (
                format!("enroll --link {link}"),
                Ok(Command::Enroll { source: Source::Link(link.into()), key: None, p12: false, no_wait: false }),
            ),
            (
                "enroll --server https://k --api-key kw_x --order o.json --key p384 --no-wait".into(),
                Ok(Command::Enroll {
                    source: Source::ApiKey { key: "kw_x".into(), order: "o.json".into() },
                    key: Some(KeyChoice::P384),
                    p12: false,
                    no_wait: true,
                }),
            ),
            ("enroll --link AAAAAAAAAAAAAAAAAAAAAA".into(), Err("--server")),
            ("enroll --server https://k --order o.json".into(), Err("--api-key")),
            ("enroll --server https://k".into(), Err("--link")),
            (
                "enroll --server https://k --api-key kw_x --kind server --host-name www.example.com --dns-name \
                 a.example.com --dns-name b.example.com --machine-id SN-42 --locality Lyon --region ARA --phone \
                 +33472000000 --description Office --organization org-1 --key rsa2048 --no-wait"
                    .into(),
                Ok(Command::Enroll {
                    source: Source::DeviceRequest {
                        key: "kw_x".into(),
                        machine: Box::new(MachineForm {
                            kind: Some(DeviceKind::Server),
                            organization: Some("org-1".into()),
                            host_name: Some("www.example.com".into()),
                            dns_names: vec!["a.example.com".into(), "b.example.com".into()],
                            machine_id: Some("SN-42".into()),
                            locality: "Lyon".into(),
                            region: "ARA".into(),
                            phone: "+33472000000".into(),
                            description: Some("Office".into()),
                        }),
                    },
                    key: Some(KeyChoice::Rsa2048),
                    p12: false,
                    no_wait: true,
                }),
            ),
            (
                "enroll --server https://k --api-key kw_x --locality Lyon --phone 0472000000".into(),
                Ok(Command::Enroll {
                    source: Source::DeviceRequest {
                        key: "kw_x".into(),
                        machine: Box::new(MachineForm {
                            locality: "Lyon".into(),
                            phone: "0472000000".into(),
                            ..MachineForm::default()
                        }),
                    },
                    key: None,
                    p12: false,
                    no_wait: false,
                }),
            ),
            ("enroll --server https://k --api-key kw_x --phone 0472000000".into(), Err("--locality")),
            ("enroll --server https://k --api-key kw_x --locality Lyon".into(), Err("--phone")),
            ("enroll --server https://k --api-key kw_x --locality Lyon --phone 1 --kind laptop".into(), Err("--kind")),
            (
                "enroll --server https://k --api-key kw_x --locality Lyon --phone 1 --host-name".into(),
                Err("--host-name"),
            ),
            (format!("enroll --link {link} --locality Lyon"), Err("--locality")),
            ("enroll --server https://k --api-key kw_x --order o.json --kind server".into(), Err("--kind")),
            ("enroll --api-key kw_x --locality Lyon --phone 0472000000".into(), Err("--server")),
            (
                "enroll --server https://k --api-key kw_x --locality L --phone 0472000000 --p12 --no-wait".into(),
                Err("--no-wait"),
            ),
            ("resume --no-wait".into(), Ok(Command::Resume { no_wait: true })),
            ("status dr-7k3f-q2".into(), Ok(Command::Status(Some("dr-7k3f-q2".into())))),
            (format!("enroll --link {link} --key dsa"), Err("--key")),
            (format!("enroll --link {link} --frobnicate"), Err("--frobnicate")),
            ("enroll --link".into(), Err("--link")),
            ("status 4c0ffee".into(), Ok(Command::Status(Some("4c0ffee".into())))),
            ("status".into(), Ok(Command::Status(None))),
            ("test --out /tmp/x".into(), Ok(Command::Test)),
            ("subject".into(), Ok(Command::Subject)),
            ("".into(), Ok(Command::Help)),
            ("install".into(), Err("command")),
        ];
        for (line, expect) in cases {
            check(&line, expect);
        }
    }

    #[test]
    fn request_identifiers_are_told_from_serials_and_orders() {
        let cases: &[(&str, bool)] = &[
            ("DR-7K3F-Q2", true),
            ("dr7k3fq2", true),
            ("DR-7K3F-QU", false),
            ("4c0ffee0000000000000000000000000", false),
            ("7K3FQ2", false),
            ("ord_123", false),
        ];
        for (text, expect) in cases {
            assert_eq!(is_request_id(text), *expect, "{text}");
        }
    }

    #[test]
    fn links_give_their_token_and_origin() {
        type Expected = Result<(&'static str, Option<&'static str>), ()>;
        let cases: &[(&str, Expected)] = &[
            ("https://k.example/enroll/abcdefghijklmnop_-12", Ok(("abcdefghijklmnop_-12", Some("https://k.example")))),
            (
                "http://127.0.0.1:8787/enroll/abcdefghijklmnopqrst/",
                Ok(("abcdefghijklmnopqrst", Some("http://127.0.0.1:8787"))),
            ),
            ("abcdefghijklmnopqrst", Ok(("abcdefghijklmnopqrst", None))),
            ("https://k.example/enroll/short", Err(())),
            ("https://k.example/enroll/abcdefghijklmnop%2F", Err(())),
        ];
        for (link, expect) in cases {
            let outcome = link_parts(link).map_err(drop);
            let expect = expect.map(|(token, origin)| (token.to_owned(), origin.map(str::to_owned)));
            assert_eq!(outcome, expect, "{link}");
        }
    }
}
