//! `shared::pkcs12` against other implementations: bundles of both profiles this module builds must open in
//! `openssl pkcs12` without `-legacy`, import into NSS (`pk12util`) and Java (`keytool`), and load in
//! Python's `cryptography`; bundles `openssl pkcs12 -export` writes must open here.
//!
//! Keys and certificates (a root CA, an issuing CA and a leaf, per algorithm) are generated once per test
//! process with the `openssl` CLI in a temporary directory. A missing tool fails the test that needs it,
//! saying how to install it; no check is skipped.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use der::Decode;
use der::asn1::OctetStringRef;
use pkcs12::Pfx;
use pkcs12::cms::content_info::ContentInfo;
use pkcs12::cms::encrypted_data::EncryptedData;
use sha2::{Digest, Sha256};
use shared::lang::Lang;
use shared::pkcs12::{
    BundleContents, BundleSalts, COMPATIBLE_ITERATIONS, DEFAULT_ITERATIONS, MAX_ITERATIONS, OpenedBundle, Pkcs12Error,
    Profile, build, decrypt_private_key, encrypt_private_key, open,
};

const PASSWORD: &str = "correct horse battery staple";
const FRIENDLY_NAME: &str = "Ada Lovelace (Example Org)";
/// Modest, so that the tests run fast, and unlike either profile's recommended count, so that a profile
/// that ignored it would be noticed; one test uses the recommended counts.
const ITERATIONS: u32 = 1000;

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("keyward-pkcs12-{}-{unique}-{label}", std::process::id()));
        fs::create_dir_all(&path).expect("create the temporary directory");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, contents).expect("write a temporary file");
        path
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.0.join(name)).expect("read a temporary file")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs `openssl` in `directory` with the words of `command`, then the `extra` arguments (those that
/// contain spaces), without asserting anything about the result.
fn run_openssl(directory: &Path, command: &str, extra: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(directory)
        .args(command.split_whitespace())
        .args(extra)
        .output()
        .expect("run the openssl command line (OpenSSL 3)")
}

/// Runs `openssl` like [`run_openssl`], asserts that it succeeds, and returns what it printed (stdout, then
/// stderr: `pkcs12 -info` prints the MAC details on stderr).
fn openssl(directory: &Path, command: &str, extra: &[&str]) -> String {
    let output = run_openssl(directory, command, extra);
    let printed = printed(&output);
    assert!(output.status.success(), "openssl {command} {extra:?} failed:\n{printed}");
    printed
}

/// What a command printed: stdout, then stderr.
fn printed(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Runs `program` with `arguments` in `directory` and asserts that it succeeds. A program that is not
/// installed fails the test, naming the Debian package that provides it (`cargo xtask test` installs them).
fn run_tool(directory: &Path, program: &str, arguments: &[&str]) -> Output {
    let package = match program {
        "certutil" | "pk12util" => "libnss3-tools",
        "keytool" => "openjdk-17-jdk-headless",
        _ => "the one that provides it",
    };
    let output = Command::new(program).current_dir(directory).args(arguments).output().unwrap_or_else(|error| {
        panic!("cannot run `{program}` ({error}): install the Debian package {package}, or run `cargo xtask test`")
    });
    assert!(output.status.success(), "{program} {arguments:?} failed:\n{}", printed(&output));
    output
}

/// Runs `program` like [`run_tool`] and returns what it printed.
fn tool(directory: &Path, program: &str, arguments: &[&str]) -> String {
    printed(&run_tool(directory, program, arguments))
}

#[derive(Clone, Copy, Debug)]
enum Algorithm {
    Rsa2048,
    EcP256,
    Ed25519,
}

impl Algorithm {
    fn new_key_arguments(self) -> &'static str {
        match self {
            Self::Rsa2048 => "-newkey rsa:2048",
            Self::EcP256 => "-newkey ec -pkeyopt ec_paramgen_curve:P-256",
            Self::Ed25519 => "-newkey ed25519",
        }
    }
}

/// A root CA, an issuing CA and a leaf certificate the issuing CA signed, all with keys of one algorithm.
struct Pki {
    /// The leaf's key, PEM as `openssl req` wrote it.
    leaf_key_pem: String,
    /// The leaf's key, PKCS#8 DER.
    leaf_key_pkcs8: Vec<u8>,
    /// The leaf's public key, PEM as `openssl pkey -pubout` writes it.
    leaf_public_key_pem: String,
    leaf_certificate_pem: String,
    leaf_certificate: Vec<u8>,
    /// The issuing CA's key, PKCS#8 DER: same algorithm as the leaf's, another key.
    issuing_key_pkcs8: Vec<u8>,
    issuing_certificate_pem: String,
    root_certificate_pem: String,
    /// Issuing CA, then root (DER).
    chain: Vec<Vec<u8>>,
    /// The leaf's key without the public key in its ECPrivateKey (EC only).
    leaf_key_pkcs8_without_public_key: Option<Vec<u8>>,
}

impl Pki {
    fn generate(algorithm: Algorithm) -> Self {
        let directory = TempDir::new("pki");
        let dir = directory.path();
        directory.write("ca.ext", "basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n");
        directory.write(
            "leaf.ext",
            "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\
             extendedKeyUsage = clientAuth\n",
        );
        let new_key = algorithm.new_key_arguments();
        openssl(
            dir,
            &format!("req -x509 {new_key} -nodes -keyout root.key -out root.pem -days 2"),
            &["-subj", "/CN=Keyward Test Root CA"],
        );
        for (name, subject) in [("issuing", "/CN=Keyward Test Issuing CA"), ("leaf", "/CN=Ada Lovelace/O=Example Org")]
        {
            openssl(dir, &format!("req -new {new_key} -nodes -keyout {name}.key -out {name}.csr"), &["-subj", subject]);
        }
        openssl(
            dir,
            "x509 -req -in issuing.csr -CA root.pem -CAkey root.key -set_serial 2 -days 2 \
             -extfile ca.ext -out issuing.pem",
            &[],
        );
        openssl(
            dir,
            "x509 -req -in leaf.csr -CA issuing.pem -CAkey issuing.key -set_serial 3 -days 2 \
             -extfile leaf.ext -out leaf.pem",
            &[],
        );

        let pkcs8_der = |key: &str| {
            let command = format!("pkcs8 -topk8 -nocrypt -in {key} -outform DER -out {key}.pk8");
            openssl(dir, &command, &[]);
            directory.read(&format!("{key}.pk8"))
        };
        let certificate_der = |name: &str| {
            openssl(dir, &format!("x509 -in {name} -outform DER -out {name}.der"), &[]);
            directory.read(&format!("{name}.der"))
        };
        let text = |name: &str| String::from_utf8(directory.read(name)).expect("PEM is text");

        let leaf_key_pkcs8_without_public_key = match algorithm {
            Algorithm::Rsa2048 | Algorithm::Ed25519 => None,
            Algorithm::EcP256 => {
                openssl(dir, "ec -in leaf.key -no_public -out leaf-no-public.key", &[]);
                Some(pkcs8_der("leaf-no-public.key"))
            }
        };

        Self {
            leaf_key_pem: text("leaf.key"),
            leaf_key_pkcs8: pkcs8_der("leaf.key"),
            leaf_public_key_pem: openssl(dir, "pkey -in leaf.key -pubout", &[]),
            leaf_certificate_pem: text("leaf.pem"),
            leaf_certificate: certificate_der("leaf.pem"),
            issuing_key_pkcs8: pkcs8_der("issuing.key"),
            issuing_certificate_pem: text("issuing.pem"),
            root_certificate_pem: text("root.pem"),
            chain: vec![certificate_der("issuing.pem"), certificate_der("root.pem")],
            leaf_key_pkcs8_without_public_key,
        }
    }

    fn contents(&self) -> BundleContents<'_> {
        BundleContents {
            private_key_pkcs8_der: &self.leaf_key_pkcs8,
            certificate_der: &self.leaf_certificate,
            chain_der: &self.chain,
            friendly_name: FRIENDLY_NAME,
        }
    }

    /// What opening a bundle of [`Pki::contents`] must give.
    fn expected_opened(&self) -> OpenedBundle {
        let mut certificates_der = vec![self.leaf_certificate.clone()];
        certificates_der.extend(self.chain.iter().cloned());
        OpenedBundle {
            private_key_pkcs8_der: self.leaf_key_pkcs8.clone(),
            certificates_der,
            friendly_name: Some(FRIENDLY_NAME.to_owned()),
        }
    }

    /// Writes the leaf's key and certificate and the chain as PEM files for `openssl pkcs12 -export`.
    fn write_pem_files(&self, directory: &TempDir) {
        directory.write("leaf.key", &self.leaf_key_pem);
        directory.write("leaf.pem", &self.leaf_certificate_pem);
        directory.write("chain.pem", format!("{}{}", self.issuing_certificate_pem, self.root_certificate_pem));
    }
}

fn pki(algorithm: Algorithm) -> &'static Pki {
    static RSA: OnceLock<Pki> = OnceLock::new();
    static EC: OnceLock<Pki> = OnceLock::new();
    static ED25519: OnceLock<Pki> = OnceLock::new();
    match algorithm {
        Algorithm::Rsa2048 => RSA.get_or_init(|| Pki::generate(algorithm)),
        Algorithm::EcP256 => EC.get_or_init(|| Pki::generate(algorithm)),
        Algorithm::Ed25519 => ED25519.get_or_init(|| Pki::generate(algorithm)),
    }
}

/// Distinct, fixed salts and IVs (a real caller draws them at random).
fn salts() -> BundleSalts {
    BundleSalts {
        key_salt: [0x11; 16],
        key_iv: [0x22; 16],
        certificates_salt: [0x33; 16],
        certificates_iv: [0x44; 16],
        mac_salt: [0x55; 16],
    }
}

fn build_bundle(pki: &Pki, profile: Profile, iterations: u32) -> Vec<u8> {
    build(&pki.contents(), PASSWORD, profile, iterations, &salts()).expect("build the bundle")
}

/// Builds a modern bundle with the modest test iteration count and the fixed salts.
fn build_with(contents: &BundleContents<'_>, password: &str) -> Result<Vec<u8>, Pkcs12Error> {
    build_with_profile(contents, password, Profile::Modern)
}

/// Builds with the modest test iteration count and the fixed salts.
fn build_with_profile(contents: &BundleContents<'_>, password: &str, profile: Profile) -> Result<Vec<u8>, Pkcs12Error> {
    build(contents, password, profile, ITERATIONS, &salts())
}

/// The ciphertext of the bundle's `encryptedData` content (the certificates), located in the bundle.
fn encrypted_certificates_range(bundle: &[u8]) -> std::ops::Range<usize> {
    let pfx = Pfx::from_der(bundle).expect("a PFX");
    let authenticated_safe = pfx.auth_safe.content.decode_as::<&OctetStringRef>().expect("data");
    let contents = Vec::<ContentInfo>::from_der(authenticated_safe.as_bytes()).expect("contents");
    let encrypted_data = contents[0].content.decode_as::<EncryptedData>().expect("encryptedData");
    let ciphertext = encrypted_data.enc_content_info.encrypted_content.expect("content");
    let ciphertext = ciphertext.as_bytes();
    let start = bundle
        .windows(ciphertext.len())
        .position(|window| window == ciphertext)
        .expect("the ciphertext is in the bundle");
    start..start + ciphertext.len()
}

/// `localKeyID` as `openssl pkcs12` prints it: uppercase hex bytes, each followed by a space.
fn openssl_local_key_id(certificate_der: &[u8]) -> String {
    Sha256::digest(certificate_der).iter().map(|byte| format!("{byte:02X} ")).collect()
}

/// The lines `openssl pkcs12 -info` prints about the algorithms of a bundle of `profile`.
fn openssl_info_lines(profile: Profile, iterations: u32) -> Vec<String> {
    match profile {
        Profile::Modern => vec![
            format!("MAC: sha256, Iteration {iterations}"),
            "MAC length: 32, salt length: 16".to_owned(),
            format!("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration {iterations}, PRF hmacWithSHA256"),
            format!("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration {iterations}, PRF hmacWithSHA256"),
        ],
        Profile::Compatible => vec![
            format!("MAC: sha1, Iteration {iterations}"),
            "MAC length: 20, salt length: 16".to_owned(),
            format!("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration {iterations}"),
            format!("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration {iterations}"),
        ],
        other => panic!("no expectations for {other:?}"),
    }
}

/// `openssl pkcs12` (OpenSSL 3, default provider only: no `-legacy`) extracts the key, the leaf and the
/// chain with their attributes, reports the profile's algorithms, and checks the MAC.
fn assert_openssl_reads_built_bundle(algorithm: Algorithm, profile: Profile, iterations: u32) {
    let pki = pki(algorithm);
    let bundle = build_bundle(pki, profile, iterations);
    let directory = TempDir::new("openssl-reads");
    let dir = directory.path();
    directory.write("bundle.p12", &bundle);
    let passin = format!("pass:{PASSWORD}");

    let extracted = openssl(dir, "pkcs12 -in bundle.p12 -nodes -out extracted.pem", &["-passin", &passin]);
    assert!(!extracted.contains("error"), "{extracted}");
    let extracted = String::from_utf8(directory.read("extracted.pem")).expect("PEM is text");

    let key_public = openssl(dir, "pkey -in extracted.pem -pubout", &[]);
    assert_eq!(key_public, pki.leaf_public_key_pem, "the extracted key is the leaf's");
    let certificate_public = openssl(dir, "x509 -in extracted.pem -pubkey -noout", &[]);
    assert_eq!(certificate_public, pki.leaf_public_key_pem, "the first extracted certificate is the leaf");

    let positions: Vec<usize> = [&pki.leaf_certificate_pem, &pki.issuing_certificate_pem, &pki.root_certificate_pem]
        .iter()
        .map(|pem| extracted.find(pem.as_str()).expect("every certificate is extracted"))
        .collect();
    assert!(positions.is_sorted(), "leaf, issuing CA, root: {positions:?}");
    assert_eq!(extracted.matches("-----BEGIN CERTIFICATE-----").count(), 3);

    let name = format!("friendlyName: {FRIENDLY_NAME}");
    assert_eq!(extracted.matches(&name).count(), 2, "key and leaf are named:\n{extracted}");
    let local_key_id = format!("localKeyID: {}", openssl_local_key_id(&pki.leaf_certificate));
    assert_eq!(
        extracted.matches(local_key_id.trim_end()).count(),
        2,
        "key and leaf share the localKeyID:\n{extracted}"
    );
    assert_eq!(extracted.matches("localKeyID").count(), 2, "CA certificates have none");

    let info = openssl(dir, "pkcs12 -info -nokeys -in bundle.p12", &["-passin", &passin]);
    for line in openssl_info_lines(profile, iterations) {
        assert!(info.contains(&line), "`{line}` missing from:\n{info}");
    }

    let wrong = run_openssl(dir, "pkcs12 -in bundle.p12 -passin pass:wrong -nodes -out wrong.pem", &[]);
    assert!(!wrong.status.success(), "openssl checks the MAC");
}

#[test]
fn openssl_reads_built_rsa_bundle() {
    assert_openssl_reads_built_bundle(Algorithm::Rsa2048, Profile::Modern, ITERATIONS);
}

#[test]
fn openssl_reads_built_ec_bundle() {
    assert_openssl_reads_built_bundle(Algorithm::EcP256, Profile::Modern, ITERATIONS);
}

#[test]
fn openssl_reads_compatible_rsa_bundle() {
    assert_openssl_reads_built_bundle(Algorithm::Rsa2048, Profile::Compatible, ITERATIONS);
}

#[test]
fn openssl_reads_compatible_ec_bundle() {
    assert_openssl_reads_built_bundle(Algorithm::EcP256, Profile::Compatible, ITERATIONS);
}

#[test]
fn recommended_iterations_bundles_open_in_openssl_and_here() {
    assert_eq!(Profile::Modern.recommended_iterations(), DEFAULT_ITERATIONS);
    assert_eq!(Profile::Compatible.recommended_iterations(), COMPATIBLE_ITERATIONS);
    let pki = pki(Algorithm::Rsa2048);
    for profile in Profile::ALL.iter().copied() {
        let iterations = profile.recommended_iterations();
        assert_openssl_reads_built_bundle(Algorithm::Rsa2048, profile, iterations);
        let bundle = build_bundle(pki, profile, iterations);
        assert_eq!(open(&bundle, PASSWORD), Ok(pki.expected_opened()), "{profile:?}");
    }
}

#[test]
fn profiles_are_listed_and_described() {
    assert_eq!(Profile::ALL, [Profile::Modern, Profile::Compatible]);
    assert_eq!(Profile::default(), Profile::Modern);
    let modern = "Windows 10 1709+/Server 2019+, macOS 14+, Java 11+, Android 14+";
    assert_eq!(Profile::Modern.description(Lang::En), modern);
    assert_eq!(Profile::Modern.description(Lang::Fr), modern);
    assert_eq!(Profile::Compatible.description(Lang::En), "older Windows, macOS, Java 8, Android");
    assert_eq!(
        Profile::Compatible.description(Lang::Fr),
        "versions plus anciennes de Windows, macOS et Android, Java 8"
    );
}

fn assert_round_trip(algorithm: Algorithm, profile: Profile) {
    let pki = pki(algorithm);
    let bundle = build_bundle(pki, profile, ITERATIONS);
    assert_eq!(open(&bundle, PASSWORD), Ok(pki.expected_opened()));
    assert_eq!(build_bundle(pki, profile, ITERATIONS), bundle, "same inputs and salts, same bytes");

    let wrong = open(&bundle, "correct horse battery stapler").unwrap_err();
    assert_eq!(wrong, Pkcs12Error::BadPassword);
    assert_eq!(wrong.code(), "pkcs12_bad_password");

    for length in [0, 1, 10, bundle.len() / 2, bundle.len() - 1] {
        let error = open(&bundle[..length], PASSWORD).unwrap_err();
        assert_eq!(error.code(), "pkcs12_malformed", "truncated to {length}: {error}");
    }
    let mut extended = bundle.clone();
    extended.push(0);
    assert_eq!(open(&extended, PASSWORD).unwrap_err().code(), "pkcs12_malformed");

    let ciphertext = encrypted_certificates_range(&bundle);
    for position in [ciphertext.start, ciphertext.start + ciphertext.len() / 2, ciphertext.end - 1] {
        let mut altered = bundle.clone();
        altered[position] ^= 0x01;
        assert_eq!(
            open(&altered, PASSWORD),
            Err(Pkcs12Error::BadPassword),
            "byte {position} of the encrypted certificates flipped"
        );
    }
}

#[test]
fn rsa_bundle_round_trips() {
    assert_round_trip(Algorithm::Rsa2048, Profile::Modern);
}

#[test]
fn openssl_reads_built_ed25519_bundles() {
    assert_openssl_reads_built_bundle(Algorithm::Ed25519, Profile::Modern, ITERATIONS);
    assert_openssl_reads_built_bundle(Algorithm::Ed25519, Profile::Compatible, ITERATIONS);
}

#[test]
fn ed25519_bundles_round_trip() {
    assert_round_trip(Algorithm::Ed25519, Profile::Modern);
    assert_round_trip(Algorithm::Ed25519, Profile::Compatible);
}

#[test]
fn ec_bundle_round_trips() {
    assert_round_trip(Algorithm::EcP256, Profile::Modern);
}

#[test]
fn compatible_rsa_bundle_round_trips() {
    assert_round_trip(Algorithm::Rsa2048, Profile::Compatible);
}

#[test]
fn compatible_ec_bundle_round_trips() {
    assert_round_trip(Algorithm::EcP256, Profile::Compatible);
}

#[test]
fn compatible_bundles_use_the_salts_not_the_ivs() {
    let pki = pki(Algorithm::EcP256);
    let bundle = build_bundle(pki, Profile::Compatible, ITERATIONS);
    let other_ivs = BundleSalts { key_iv: [0x66; 16], certificates_iv: [0x77; 16], ..salts() };
    let rebuilt = build(&pki.contents(), PASSWORD, Profile::Compatible, ITERATIONS, &other_ivs).unwrap();
    assert_eq!(rebuilt, bundle, "the PKCS#12 KDF derives the IVs");

    for salts in [
        BundleSalts { key_salt: [0x66; 16], ..salts() },
        BundleSalts { certificates_salt: [0x66; 16], ..salts() },
        BundleSalts { mac_salt: [0x66; 16], ..salts() },
    ] {
        let rebuilt = build(&pki.contents(), PASSWORD, Profile::Compatible, ITERATIONS, &salts).unwrap();
        assert_ne!(rebuilt, bundle, "{salts:?}");
        assert_eq!(open(&rebuilt, PASSWORD), Ok(pki.expected_opened()));
    }
}

#[test]
fn every_single_byte_flip_is_rejected_or_harmless() {
    // Few iterations: this opens the bundle once per byte.
    let pki = pki(Algorithm::EcP256);
    let expected = pki.expected_opened();
    for profile in Profile::ALL.iter().copied() {
        let bundle = build_bundle(pki, profile, 16);
        let mut rejected = 0;
        for position in 0..bundle.len() {
            let mut altered = bundle.clone();
            altered[position] ^= 0x80;
            match open(&altered, PASSWORD) {
                Err(_) => rejected += 1,
                // A flip outside what the MAC covers that changes no meaning, e.g. the MAC algorithm's NULL.
                Ok(opened) => assert_eq!(opened, expected, "{profile:?}: byte {position} changed the contents"),
            }
        }
        assert!(rejected > bundle.len() * 9 / 10, "{profile:?}: {rejected} of {} flips rejected", bundle.len());
    }
}

/// `pk12util` imports the bundle into a fresh NSS database: the leaf under its friendly name as a user
/// certificate (it has its key), the key, and the CA certificates.
fn assert_nss_imports(algorithm: Algorithm, profile: Profile) {
    let pki = pki(algorithm);
    let directory = TempDir::new("nss");
    let dir = directory.path();
    directory.write("bundle.p12", build_bundle(pki, profile, ITERATIONS));
    fs::create_dir(dir.join("nss")).expect("create the NSS database directory");
    tool(dir, "certutil", &["-N", "-d", "sql:nss", "--empty-password"]);
    let imported = tool(dir, "pk12util", &["-i", "bundle.p12", "-d", "sql:nss", "-W", PASSWORD]);
    assert!(imported.contains("PKCS12 IMPORT SUCCESSFUL"), "{algorithm:?} {profile:?}: {imported}");

    let listed = tool(dir, "certutil", &["-L", "-d", "sql:nss"]);
    let leaf = listed.lines().find(|line| line.starts_with(FRIENDLY_NAME));
    let leaf = leaf.unwrap_or_else(|| panic!("{algorithm:?} {profile:?}: the leaf is not listed:\n{listed}"));
    assert!(leaf.trim_end().ends_with("u,u,u"), "{algorithm:?} {profile:?}: not a user certificate: {leaf}");
    for certificate_authority in ["Keyward Test Issuing CA", "Keyward Test Root CA"] {
        let listed_as_ca =
            listed.lines().any(|line| line.starts_with(certificate_authority) && line.trim_end().ends_with(",,"));
        assert!(listed_as_ca, "{algorithm:?} {profile:?}: {certificate_authority} missing:\n{listed}");
    }
    let certificate = run_tool(dir, "certutil", &["-L", "-d", "sql:nss", "-n", FRIENDLY_NAME, "-r"]).stdout;
    assert_eq!(certificate, pki.leaf_certificate, "{algorithm:?} {profile:?}: NSS holds the leaf");

    let keys = tool(dir, "certutil", &["-K", "-d", "sql:nss"]);
    let key_type = match algorithm {
        Algorithm::Rsa2048 => "rsa",
        Algorithm::EcP256 => "ec",
        Algorithm::Ed25519 => "ed25519",
    };
    let key = keys.lines().find(|line| line.ends_with(FRIENDLY_NAME));
    let key = key.unwrap_or_else(|| panic!("{algorithm:?} {profile:?}: no key for the leaf:\n{keys}"));
    assert!(key.contains(&format!("> {key_type} ")), "{algorithm:?} {profile:?}: {key}");
}

#[test]
fn nss_imports_modern_bundles() {
    assert_nss_imports(Algorithm::Rsa2048, Profile::Modern);
    assert_nss_imports(Algorithm::EcP256, Profile::Modern);
}

#[test]
fn nss_imports_compatible_bundles() {
    assert_nss_imports(Algorithm::Rsa2048, Profile::Compatible);
    assert_nss_imports(Algorithm::EcP256, Profile::Compatible);
}

/// `keytool -importkeystore` (JDK 17) copies the bundle's key entry, with its chain, into a keystore of
/// its own, which then opens here with the same key.
fn assert_keytool_imports(algorithm: Algorithm, profile: Profile) {
    const JAVA_PASSWORD: &str = "another password";
    let pki = pki(algorithm);
    let directory = TempDir::new("keytool");
    let dir = directory.path();
    directory.write("bundle.p12", build_bundle(pki, profile, ITERATIONS));
    let import = "-importkeystore -noprompt -srckeystore bundle.p12 -srcstoretype PKCS12 -destkeystore java.p12 \
                  -deststoretype PKCS12";
    let mut arguments: Vec<&str> = import.split_whitespace().collect();
    arguments.extend(["-srcstorepass", PASSWORD, "-deststorepass", JAVA_PASSWORD]);
    let imported = tool(dir, "keytool", &arguments);
    assert!(
        imported.contains("1 entries successfully imported, 0 entries failed or cancelled"),
        "{algorithm:?} {profile:?}: {imported}"
    );

    let listed = tool(dir, "keytool", &["-list", "-v", "-keystore", "java.p12", "-storepass", JAVA_PASSWORD]);
    let fingerprint: Vec<String> =
        Sha256::digest(&pki.leaf_certificate).iter().map(|byte| format!("{byte:02X}")).collect();
    for line in [
        "Entry type: PrivateKeyEntry".to_owned(),
        "Certificate chain length: 3".to_owned(),
        format!("SHA256: {}", fingerprint.join(":")),
    ] {
        assert!(listed.contains(&line), "{algorithm:?} {profile:?}: `{line}` missing from:\n{listed}");
    }

    let copied = open(&directory.read("java.p12"), JAVA_PASSWORD).expect("open the keystore keytool wrote");
    assert_eq!(copied.private_key_pkcs8_der, pki.leaf_key_pkcs8, "{algorithm:?} {profile:?}: the key came through");
    assert_eq!(copied.certificates_der, pki.expected_opened().certificates_der, "{algorithm:?} {profile:?}");
}

#[test]
fn keytool_imports_modern_bundles() {
    assert_keytool_imports(Algorithm::Rsa2048, Profile::Modern);
    assert_keytool_imports(Algorithm::EcP256, Profile::Modern);
}

#[test]
fn keytool_imports_compatible_bundles() {
    assert_keytool_imports(Algorithm::Rsa2048, Profile::Compatible);
    assert_keytool_imports(Algorithm::EcP256, Profile::Compatible);
}

/// The Python interpreter to load bundles with `cryptography`: `KEYWARD_PYTHON` (the virtual environment
/// `cargo xtask test` sets up), else `python3` if it imports `cryptography`. Anything else fails the test.
fn python_with_cryptography() -> PathBuf {
    if let Some(python) = std::env::var_os("KEYWARD_PYTHON") {
        return PathBuf::from(python);
    }
    let system = Command::new("python3").args(["-c", "import cryptography"]).output();
    match system {
        Ok(output) if output.status.success() => PathBuf::from("python3"),
        _ => panic!(
            "Python's `cryptography` is needed: KEYWARD_PYTHON is unset and `python3 -c \"import cryptography\"` \
             fails; run `cargo xtask test`, which sets up a virtual environment with it"
        ),
    }
}

/// Loads the bundle at `argv[1]` with the password `argv[2]`; prints the key, the certificate, the friendly
/// name and the other certificates, one `name=value` line each, bytes in hex.
const PYTHON_LOAD: &str = r#"
import sys
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12
loaded = pkcs12.load_pkcs12(open(sys.argv[1], "rb").read(), sys.argv[2].encode())
print("key=" + loaded.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()).hex())
print("certificate=" + loaded.cert.certificate.public_bytes(Encoding.DER).hex())
print("friendly_name=" + (loaded.cert.friendly_name or b"").decode())
for other in loaded.additional_certs:
    print("other=" + other.certificate.public_bytes(Encoding.DER).hex())
"#;

/// Python's `cryptography` (`pkcs12.load_pkcs12`, over OpenSSL) gives back the key, the leaf with its
/// friendly name, and the chain.
fn assert_python_loads(algorithm: Algorithm, profile: Profile) {
    let pki = pki(algorithm);
    let directory = TempDir::new("python");
    let path = directory.write("bundle.p12", build_bundle(pki, profile, ITERATIONS));
    let python = python_with_cryptography();
    let output = Command::new(&python)
        .args(["-c", PYTHON_LOAD])
        .arg(&path)
        .arg(PASSWORD)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.display()));
    let printed = printed(&output);
    assert!(output.status.success(), "{algorithm:?} {profile:?}: {} failed:\n{printed}", python.display());

    let hex = |bytes: &[u8]| bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>();
    let values = |name: &str| -> Vec<&str> {
        printed.lines().filter_map(|line| line.strip_prefix(name)?.strip_prefix('=')).collect()
    };
    assert_eq!(values("key"), [hex(&pki.leaf_key_pkcs8)], "{algorithm:?} {profile:?}");
    assert_eq!(values("certificate"), [hex(&pki.leaf_certificate)], "{algorithm:?} {profile:?}");
    assert_eq!(values("friendly_name"), [FRIENDLY_NAME], "{algorithm:?} {profile:?}");
    let mut others = values("other");
    others.sort_unstable();
    let mut chain: Vec<String> = pki.chain.iter().map(|certificate| hex(certificate)).collect();
    chain.sort_unstable();
    assert_eq!(others, chain, "{algorithm:?} {profile:?}");
}

#[test]
fn python_cryptography_loads_modern_bundles() {
    assert_python_loads(Algorithm::Rsa2048, Profile::Modern);
    assert_python_loads(Algorithm::EcP256, Profile::Modern);
}

#[test]
fn python_cryptography_loads_compatible_bundles() {
    assert_python_loads(Algorithm::Rsa2048, Profile::Compatible);
    assert_python_loads(Algorithm::EcP256, Profile::Compatible);
}

fn assert_opens_openssl_export(algorithm: Algorithm) {
    let pki = pki(algorithm);
    let directory = TempDir::new("openssl-export");
    let dir = directory.path();
    pki.write_pem_files(&directory);
    let passout = format!("pass:{PASSWORD}");
    let export = "pkcs12 -export -inkey leaf.key -in leaf.pem -certfile chain.pem";
    openssl(dir, &format!("{export} -out named.p12"), &["-passout", &passout, "-name", FRIENDLY_NAME]);
    let opened = open(&directory.read("named.p12"), PASSWORD).expect("open OpenSSL's bundle");
    assert_eq!(opened, pki.expected_opened());

    openssl(dir, &format!("{export} -out unnamed.p12"), &["-passout", &passout]);
    let opened = open(&directory.read("unnamed.p12"), PASSWORD).expect("open OpenSSL's bundle");
    assert_eq!(opened.friendly_name, None);
    assert_eq!(opened.certificates_der, pki.expected_opened().certificates_der);
    assert_eq!(open(&directory.read("unnamed.p12"), "wrong"), Err(Pkcs12Error::BadPassword));
}

#[test]
fn opens_openssl_rsa_export() {
    assert_opens_openssl_export(Algorithm::Rsa2048);
}

#[test]
fn opens_openssl_ec_export() {
    assert_opens_openssl_export(Algorithm::EcP256);
}

fn assert_opens_3des_and_sha1_mac_exports_and_refuses_rc2(algorithm: Algorithm) {
    let pki = pki(algorithm);
    let directory = TempDir::new("legacy");
    let dir = directory.path();
    pki.write_pem_files(&directory);
    let passout = format!("pass:{PASSWORD}");
    let export = |options: &str, output: &str| {
        let command =
            format!("pkcs12 -export -inkey leaf.key -in leaf.pem -certfile chain.pem {options} -out {output}");
        let exported = run_openssl(dir, &command, &["-passout", &passout, "-name", FRIENDLY_NAME]);
        // `-legacy` needs OpenSSL's legacy provider, which Debian's libssl3 ships: its absence is a failure.
        assert!(exported.status.success(), "openssl {command} failed:\n{}", printed(&exported));
        directory.read(output)
    };

    for (options, output) in [
        ("-certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1", "3des-sha1-mac.p12"),
        ("-certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES", "3des.p12"),
        ("-macalg sha1", "sha1-mac.p12"),
        // What `-legacy` writes, with 3DES rather than RC2-40 for the certificates.
        ("-legacy -certpbe PBE-SHA1-3DES", "legacy-3des.p12"),
    ] {
        let bundle = export(options, output);
        assert_eq!(open(&bundle, PASSWORD), Ok(pki.expected_opened()), "{algorithm:?} {options}");
        assert_eq!(open(&bundle, "wrong"), Err(Pkcs12Error::BadPassword), "{algorithm:?} {options}");
    }

    // `-legacy` alone: SHA-1 MAC and 3DES key, which open, and RC2-40 certificates, which do not.
    let legacy = export("-legacy", "legacy.p12");
    let error = open(&legacy, PASSWORD).unwrap_err();
    assert_eq!(error.code(), "pkcs12_unsupported", "{algorithm:?}");
    let message = error.to_string();
    assert!(message.contains("pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6)"), "{message}");
    assert_eq!(open(&legacy, "wrong"), Err(Pkcs12Error::BadPassword), "the MAC is checked first");

    // A key encrypted with 128-bit RC2: refused, naming that algorithm.
    let rc2_key = export("-legacy -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-RC2-128", "rc2-key.p12");
    let error = open(&rc2_key, PASSWORD).unwrap_err();
    assert_eq!(error.code(), "pkcs12_unsupported", "{algorithm:?}");
    assert!(error.to_string().contains("1.2.840.113549.1.12.1.5"), "{error}");
}

#[test]
fn opens_rsa_3des_and_sha1_mac_exports_and_refuses_rc2_naming_it() {
    assert_opens_3des_and_sha1_mac_exports_and_refuses_rc2(Algorithm::Rsa2048);
}

#[test]
fn opens_ec_3des_and_sha1_mac_exports_and_refuses_rc2_naming_it() {
    assert_opens_3des_and_sha1_mac_exports_and_refuses_rc2(Algorithm::EcP256);
}

#[test]
fn unicode_passwords_interoperate_with_openssl() {
    let pki = pki(Algorithm::EcP256);
    let directory = TempDir::new("unicode");
    let dir = directory.path();
    pki.write_pem_files(&directory);
    // Latin-1, then the Euro sign (BMP beyond Latin-1), then a key emoji (beyond the BMP).
    for (index, password) in ["pässwörd", "prix 10 €", "clé 🔑"].into_iter().enumerate() {
        let passin = format!("pass:{password}");
        for profile in Profile::ALL.iter().copied() {
            let built = build_with_profile(&pki.contents(), password, profile).expect(password);
            directory.write(&format!("built-{index}.p12"), &built);
            openssl(dir, &format!("pkcs12 -in built-{index}.p12 -nodes -out x.pem"), &["-passin", &passin]);
            let extracted_public = openssl(dir, "pkey -in x.pem -pubout", &[]);
            assert_eq!(extracted_public, pki.leaf_public_key_pem, "{password} {profile:?}");
        }

        // OpenSSL's default, then 3DES with a SHA-1 MAC.
        for (variant, options) in ["", "-certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1"].iter().enumerate() {
            let exported_name = format!("exported-{index}-{variant}.p12");
            openssl(
                dir,
                &format!("pkcs12 -export -inkey leaf.key -in leaf.pem {options} -out {exported_name}"),
                &["-passout", &passin],
            );
            let opened = open(&directory.read(&exported_name), password).expect(password);
            assert_eq!(opened.private_key_pkcs8_der, pki.leaf_key_pkcs8, "{password} {options}");
        }
    }
}

#[test]
fn friendly_names_beyond_latin_survive_both_ways() {
    let pki = pki(Algorithm::EcP256);
    let name = "Zoë Łukasiewicz 🔑 (Ünïcode GmbH)";
    for profile in Profile::ALL.iter().copied() {
        let contents = BundleContents { friendly_name: name, ..pki.contents() };
        let bundle = build_with_profile(&contents, PASSWORD, profile).unwrap();
        assert_eq!(open(&bundle, PASSWORD).unwrap().friendly_name.as_deref(), Some(name), "{profile:?}");

        let unnamed = BundleContents { friendly_name: "", ..pki.contents() };
        let bundle = build_with_profile(&unnamed, PASSWORD, profile).unwrap();
        assert_eq!(open(&bundle, PASSWORD).unwrap().friendly_name, None, "{profile:?}");
    }
}

#[test]
fn build_rejects_a_key_that_is_not_the_certificates() {
    for algorithm in [Algorithm::Rsa2048, Algorithm::EcP256] {
        let pki = pki(algorithm);
        let contents = BundleContents { private_key_pkcs8_der: &pki.issuing_key_pkcs8, ..pki.contents() };
        let error = build_with(&contents, PASSWORD).unwrap_err();
        assert_eq!(error, Pkcs12Error::KeyCertificateMismatch, "{algorithm:?}");
        assert_eq!(error.code(), "pkcs12_key_certificate_mismatch");
    }

    let rsa = pki(Algorithm::Rsa2048);
    let ec = pki(Algorithm::EcP256);
    let crossed = BundleContents { private_key_pkcs8_der: &rsa.leaf_key_pkcs8, ..ec.contents() };
    let error = build_with(&crossed, PASSWORD).unwrap_err();
    assert_eq!(error.code(), "pkcs12_key_certificate_mismatch");
}

#[test]
fn build_rejects_an_empty_password() {
    let pki = pki(Algorithm::EcP256);
    let error = build_with(&pki.contents(), "").unwrap_err();
    assert_eq!(error, Pkcs12Error::PasswordEmpty);
    assert_eq!(error.code(), "pkcs12_password_empty");
}

#[test]
fn build_rejects_unusable_inputs() {
    let pki = pki(Algorithm::EcP256);
    for profile in Profile::ALL.iter().copied() {
        let error = build(&pki.contents(), "", profile, ITERATIONS, &salts()).unwrap_err();
        assert_eq!(error, Pkcs12Error::PasswordEmpty, "{profile:?}");
        for iterations in [0, MAX_ITERATIONS + 1, u32::MAX] {
            let error = build(&pki.contents(), PASSWORD, profile, iterations, &salts()).unwrap_err();
            assert_eq!(error.code(), "pkcs12_iterations_out_of_range", "{profile:?} {iterations}");
        }
    }
    let attempt = |contents: &BundleContents<'_>, iterations: u32| {
        build(contents, PASSWORD, Profile::Modern, iterations, &salts()).unwrap_err().code()
    };

    let garbage = BundleContents { private_key_pkcs8_der: b"not a key", ..pki.contents() };
    assert_eq!(attempt(&garbage, ITERATIONS), "pkcs12_invalid_private_key");

    let pem_certificate = BundleContents { certificate_der: pki.leaf_certificate_pem.as_bytes(), ..pki.contents() };
    assert_eq!(attempt(&pem_certificate, ITERATIONS), "pkcs12_invalid_certificate");

    let bad_chain = [pki.chain[0].clone(), b"not a certificate".to_vec()];
    let bad_chain = BundleContents { chain_der: &bad_chain, ..pki.contents() };
    let error = build_with(&bad_chain, PASSWORD).unwrap_err();
    assert_eq!(error.code(), "pkcs12_invalid_certificate");
    assert!(error.to_string().contains("chain certificate 2"), "{error}");

    let without_public_key =
        pki.leaf_key_pkcs8_without_public_key.as_deref().expect("the EC fixture has a key without its public key");
    let without_public_key = BundleContents { private_key_pkcs8_der: without_public_key, ..pki.contents() };
    assert_eq!(attempt(&without_public_key, ITERATIONS), "pkcs12_unsupported");
}

#[test]
fn a_bundle_without_a_chain_holds_only_the_leaf() {
    let pki = pki(Algorithm::Rsa2048);
    let contents = BundleContents { chain_der: &[], ..pki.contents() };
    let bundle = build_with(&contents, PASSWORD).unwrap();
    let opened = open(&bundle, PASSWORD).unwrap();
    assert_eq!(opened.certificates_der, vec![pki.leaf_certificate.clone()]);
}

#[test]
fn errors_display_and_debug_without_secrets() {
    let pki = pki(Algorithm::Rsa2048);
    let opened = open(&build_bundle(pki, Profile::Modern, ITERATIONS), PASSWORD).unwrap();
    let debug = format!("{opened:?}");
    assert!(debug.contains("redacted"), "{debug}");
    assert!(!debug.contains('['), "no byte arrays: {debug}");
    assert_eq!(
        Pkcs12Error::BadPassword.to_string(),
        "wrong password, or the bundle was altered (its MAC does not verify)"
    );
}

/// `encrypt_private_key` with the fixed key salt and IV of [`salts`].
fn encrypt_key(private_key_pkcs8: &[u8], password: &str, iterations: u32) -> Result<Vec<u8>, Pkcs12Error> {
    let salts = salts();
    encrypt_private_key(private_key_pkcs8, password, iterations, &salts.key_salt, salts.key_iv)
}

fn assert_openssl_opens_encrypted_key(algorithm: Algorithm) {
    let pki = pki(algorithm);
    let encrypted = encrypt_key(&pki.leaf_key_pkcs8, PASSWORD, DEFAULT_ITERATIONS).expect("encrypt the key");
    let directory = TempDir::new("encrypted-key");
    let dir = directory.path();
    directory.write("key.pem", shared::encoding::pem_encode("ENCRYPTED PRIVATE KEY", &encrypted));
    let passin = format!("pass:{PASSWORD}");

    let public = openssl(dir, "pkey -in key.pem -pubout", &["-passin", &passin]);
    assert_eq!(public, pki.leaf_public_key_pem, "openssl pkey opens the key with the password, and it is the leaf's");
    openssl(dir, "pkcs8 -topk8 -nocrypt -in key.pem -outform DER -out key.der", &["-passin", &passin]);
    assert_eq!(directory.read("key.der"), pki.leaf_key_pkcs8, "the same PKCS#8 key comes out");
    let wrong = run_openssl(dir, "pkey -in key.pem -passin pass:wrong -noout", &[]);
    assert!(!wrong.status.success(), "a wrong password does not open it");

    let structure = openssl(dir, "asn1parse -in key.pem", &[]);
    for algorithm in ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"] {
        assert!(structure.contains(algorithm), "{algorithm} missing from:\n{structure}");
    }
    let iterations = format!("INTEGER           :{DEFAULT_ITERATIONS:06X}\n");
    assert!(structure.contains(&iterations), "iteration count {DEFAULT_ITERATIONS}:\n{structure}");
}

#[test]
fn openssl_opens_encrypted_rsa_private_key() {
    assert_openssl_opens_encrypted_key(Algorithm::Rsa2048);
}

#[test]
fn openssl_opens_encrypted_ec_private_key() {
    assert_openssl_opens_encrypted_key(Algorithm::EcP256);
}

#[test]
fn encrypted_private_key_is_the_modern_key_bag() {
    let pki = pki(Algorithm::EcP256);
    let encrypted = encrypt_key(&pki.leaf_key_pkcs8, PASSWORD, ITERATIONS).unwrap();
    let bundle = build_bundle(pki, Profile::Modern, ITERATIONS);
    assert!(
        bundle.windows(encrypted.len()).any(|window| window == encrypted),
        "the bundle's key bag holds exactly the EncryptedPrivateKeyInfo"
    );
}

#[test]
fn decrypts_own_and_openssl_encrypted_private_keys() {
    let pki = pki(Algorithm::Rsa2048);
    let encrypted = encrypt_key(&pki.leaf_key_pkcs8, PASSWORD, ITERATIONS).unwrap();
    assert_eq!(decrypt_private_key(&encrypted, PASSWORD), Ok(pki.leaf_key_pkcs8.clone()));
    assert_eq!(decrypt_private_key(&encrypted, "wrong"), Err(Pkcs12Error::BadPassword));

    let directory = TempDir::new("openssl-pkcs8");
    let dir = directory.path();
    directory.write("leaf.key", &pki.leaf_key_pem);
    let passout = format!("pass:{PASSWORD}");
    for (options, output) in [
        ("-v2 aes-256-cbc -v2prf hmacWithSHA256", "aes.der"),
        ("-v2 aes-128-cbc -v2prf hmacWithSHA512", "aes128.der"),
        ("-v1 PBE-SHA1-3DES", "3des.der"),
    ] {
        let command = format!("pkcs8 -topk8 -in leaf.key {options} -outform DER -out {output}");
        openssl(dir, &command, &["-passout", &passout]);
        let encrypted = directory.read(output);
        assert_eq!(decrypt_private_key(&encrypted, PASSWORD), Ok(pki.leaf_key_pkcs8.clone()), "{options}");
        assert_eq!(decrypt_private_key(&encrypted, "wrong"), Err(Pkcs12Error::BadPassword), "{options}");
    }
}

#[test]
fn encrypt_private_key_rejects_unusable_inputs() {
    let pki = pki(Algorithm::Rsa2048);
    assert_eq!(encrypt_key(&pki.leaf_key_pkcs8, "", ITERATIONS), Err(Pkcs12Error::PasswordEmpty));
    assert_eq!(encrypt_key(&pki.leaf_key_pkcs8, PASSWORD, 0), Err(Pkcs12Error::IterationsOutOfRange { iterations: 0 }));
    let error = encrypt_key(&pki.leaf_certificate, PASSWORD, ITERATIONS).unwrap_err();
    assert_eq!(error.code(), "pkcs12_invalid_private_key");
    assert_eq!(decrypt_private_key(b"not DER", PASSWORD).unwrap_err().code(), "pkcs12_malformed");
}

/// Java 17's keytool imports Ed25519 bundles of both profiles. (NSS 3.87, Debian 12's, refuses every Ed25519
/// private key in a PKCS#12, OpenSSL's as well as ours: "SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY". Thunderbird and
/// Firefox on such NSS cannot use Ed25519 keys, which is why KeyGen offers Ed25519 last, with a warning.)
#[test]
fn keytool_imports_ed25519_bundles() {
    assert_keytool_imports(Algorithm::Ed25519, Profile::Modern);
    assert_keytool_imports(Algorithm::Ed25519, Profile::Compatible);
}
