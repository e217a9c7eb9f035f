//! The command line: `keyward enroll | status | test | subject` and their options, parsed by hand (no parser
//! crate: a handful of flags). Each refusal names the option and what to do.

use std::path::PathBuf;

/// A key type the client makes on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyChoice {
    /// ECDSA on P-256 (SHA-256).
    P256,
    /// ECDSA on P-384 (SHA-384).
    P384,
    /// Ed25519 (S/MIME profiles only).
    Ed25519,
    /// RSA 2048: refused with advice (ring, the client's crypto, does not generate RSA keys).
    Rsa2048,
    /// RSA 3072: as RSA 2048.
    Rsa3072,
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
        }
    }

    /// The client's choice for a profile's key type, when it can make it.
    pub fn of(key_type: shared::profile::KeyType) -> Option<Self> {
        use shared::profile::KeyType;
        match key_type {
            KeyType::EcdsaP256 => Some(Self::P256),
            KeyType::EcdsaP384 => Some(Self::P384),
            KeyType::Ed25519 => Some(Self::Ed25519),
            KeyType::Rsa2048 => Some(Self::Rsa2048),
            KeyType::Rsa3072 => Some(Self::Rsa3072),
            KeyType::Rsa4096 => None,
        }
    }

    /// Whether this client can generate it.
    pub fn can_generate(self) -> bool {
        matches!(self, Self::P256 | Self::P384 | Self::Ed25519)
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
        /// `--no-wait`: return once the order is placed.
        no_wait: bool,
    },
    /// `status [ID]`: a serial or an order number; the enrolled certificate when absent.
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
                    usage("--key", &format!("`{text}` is not one of rsa2048, rsa3072, p256, p384, ed25519"))
                })?);
            }
            "--p12" => p12 = true,
            "--no-wait" => no_wait = true,
            flag if flag.starts_with("--") => return Err(usage(flag, "is not an option of keyward")),
            other => positional.push(other.to_owned()),
        }
    }
    let command = match command {
        "enroll" => {
            let source = match (link, api_key, order) {
                (Some(link), _, None) => Source::Link(link),
                (None, Some(key), Some(order)) => Source::ApiKey { key, order },
                (None, None, Some(_)) => {
                    return Err(usage("--api-key", "an order needs an API key (or KEYWARD_API_KEY)"));
                }
                (None, _, None) => return Err(usage("--link", "give --link URL, or --api-key KEY --order FILE")),
                (Some(_), _, Some(_)) => return Err(usage("--order", "give --link or --order, not both")),
            };
            if server.is_none() && !matches!(&source, Source::Link(link) if link.starts_with("http")) {
                return Err(usage("--server", "needs Keyward's address (https://…)"));
            }
            Command::Enroll { source, key, p12, no_wait }
        }
        "status" => Command::Status(positional.pop()),
        "test" => Command::Test,
        "subject" => Command::Subject,
        "help" | "--help" | "-h" => Command::Help,
        other => return Err(usage("command", &format!("`{other}` is not enroll, status, test, subject or help"))),
    };
    Ok(Options { command, server, out, json })
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

  keyward enroll --link URL [--server URL] [--key p256|p384|ed25519] [--out DIR] [--p12] [--json]
  keyward enroll --server URL --api-key KEY --order ORDER.json [--key …] [--out DIR] [--no-wait] [--json]
  keyward status [SERIAL|ORDER] [--out DIR] [--server URL] [--json]
  keyward test [--out DIR] [--json]        prove this machine holds the key: the certificate becomes Installed
  keyward subject [--out DIR]              the certificate's subject, RFC 4514

The key is written at mode 0600 (key.pem), or with --p12 into a PKCS#12 file (cert.p12) under a password read
without echo (or from KEYWARD_P12_PASSWORD). The API key may come from KEYWARD_API_KEY.";

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
