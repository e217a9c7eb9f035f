//! Tests of the install guidance's pure parts, on the host (`cargo test -p keyward-frontend --lib install`) and
//! in Chromium with the other browser tests: the platform each real user agent names, the guides each profile
//! gets, the server snippets, and the Apple configuration profile, read back by an independent property-list
//! parser on the host.
//!
//! `fixtures/root.der` and `fixtures/issuing.der` were made with:
//! `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -outform DER -out root.der
//! -days 36500 -subj "/CN=Install Fixture Root"`, then `openssl req -new` of a P-256 key
//! (`/CN=Install Fixture Issuing CA`) signed by it with `openssl x509 -req … -CA root.der -CAform DER -set_serial 2
//! -days 36500` and `basicConstraints = critical, CA:TRUE`.

use shared::pkcs12::Profile;
use shared::profile::ProfileId;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{
    AppleProfile, Guide, Platform, detect, guides, mobileconfig, payload_identifier, preferred_bundle_profile,
    server_snippets, uuid_v4,
};

const ROOT: &[u8] = include_bytes!("fixtures/root.der");
const ISSUING: &[u8] = include_bytes!("fixtures/issuing.der");

/// Real user agents (browsers' release versions at the end of 2024), with the touch points their devices report.
const AGENTS: &[(&str, u32, Option<Platform>)] = &[
    // Windows: Chrome, Edge, Firefox; a touch-screen laptop is still Windows.
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 \
         Safari/537.36",
        0,
        Some(Platform::Windows),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 \
         Edg/131.0.0.0",
        10,
        Some(Platform::Windows),
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 0, Some(Platform::Windows)),
    // macOS: Safari, Chrome, Firefox, no touch screen.
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 \
         Safari/605.1.15",
        0,
        Some(Platform::MacOs),
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 \
         Safari/537.36",
        0,
        Some(Platform::MacOs),
    ),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", 0, Some(Platform::MacOs)),
    // iPhone: Safari, Chrome (CriOS), Firefox (FxiOS): each says "like Mac OS X".
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 \
         Mobile/15E148 Safari/604.1",
        5,
        Some(Platform::Ios),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
         CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        5,
        Some(Platform::Ios),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 \
         Mobile/15E148 Safari/605.1.15",
        5,
        Some(Platform::Ios),
    ),
    // iPad: Safari sends the Mac's desktop-class agent; only its touch points tell it apart. Chrome on iPad
    // still names the iPad.
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 \
         Safari/605.1.15",
        5,
        Some(Platform::Ios),
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 \
         Mobile/15E148 Safari/604.1",
        5,
        Some(Platform::Ios),
    ),
    // Android: Chrome's reduced agent ("Android 10; K" whatever the version), Samsung Internet, Firefox. Each
    // says "Linux" too, or nothing else.
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile \
         Safari/537.36",
        5,
        Some(Platform::Android),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) \
         SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        5,
        Some(Platform::Android),
    ),
    ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", 5, Some(Platform::Android)),
    // Linux desktops: Chrome, Firefox, and the headless Chromium the end-to-end suites drive.
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 \
         Safari/537.36",
        0,
        Some(Platform::Linux),
    ),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 0, Some(Platform::Linux)),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 \
         Safari/537.36",
        0,
        Some(Platform::Linux),
    ),
    // ChromeOS says "X11" too, and a Chromebook may have a touch screen.
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 \
         Safari/537.36",
        10,
        Some(Platform::ChromeOs),
    ),
    // Nothing recognizable: no guess.
    ("curl/8.5.0", 0, None),
    ("", 0, None),
];

#[wasm_bindgen_test(unsupported = test)]
fn every_user_agent_names_its_platform() {
    for (agent, touch_points, expected) in AGENTS {
        assert_eq!(detect(agent, *touch_points), *expected, "{agent:?} with {touch_points} touch points");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn compatible_is_offered_first_on_iphone_and_ipad_only() {
    for (platform, expected) in [
        (Some(Platform::Ios), Profile::Compatible),
        (Some(Platform::MacOs), Profile::Modern),
        (Some(Platform::Android), Profile::Modern),
        (Some(Platform::Windows), Profile::Modern),
        (None, Profile::Modern),
    ] {
        assert_eq!(preferred_bundle_profile(platform), expected, "{platform:?}");
    }
}

/// The guides a profile gets seen from a platform: their names in order, and whether the first is this device's.
fn check(profile: ProfileId, platform: Option<Platform>, expected: &[&str], own: bool) {
    let (list, detected) = guides(profile, platform);
    let names: Vec<&str> = list.iter().map(|guide| guide.name()).collect();
    assert_eq!((names.as_slice(), detected), (expected, own), "{profile:?} seen from {platform:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn each_profile_gets_the_guides_that_fit_this_device_first() {
    let mail_multipurpose =
        ["windows", "macos", "ios", "android", "chromeos", "linux", "firefox", "thunderbird", "outlook"];
    check(ProfileId::SmimeSponsorMultipurpose, Some(Platform::Windows), &mail_multipurpose, true);
    check(ProfileId::SmimeSponsorMultipurpose, None, &mail_multipurpose, false);
    check(
        ProfileId::SmimeSponsorMultipurpose,
        Some(Platform::Ios),
        &["ios", "windows", "macos", "android", "chromeos", "linux", "firefox", "thunderbird", "outlook"],
        true,
    );
    check(
        ProfileId::SmimeMailboxMultipurpose,
        Some(Platform::Linux),
        &["linux", "windows", "macos", "ios", "android", "chromeos", "firefox", "thunderbird", "outlook"],
        true,
    );
    // Strict S/MIME does not authenticate to sites: no Firefox.
    check(
        ProfileId::SmimeMailboxStrict,
        Some(Platform::Android),
        &["android", "windows", "macos", "ios", "chromeos", "linux", "thunderbird", "outlook"],
        true,
    );
    // A workstation's client certificate: no mail program.
    check(
        ProfileId::ClientAuthWorkstation,
        Some(Platform::ChromeOs),
        &["chromeos", "windows", "macos", "ios", "android", "linux", "firefox"],
        true,
    );
    // A server certificate: the Linux server and Windows (IIS) only; Linux means the server steps.
    check(ProfileId::ServerAuth, Some(Platform::Linux), &["server", "windows"], true);
    check(ProfileId::ServerAuth, Some(Platform::Windows), &["windows", "server"], true);
    check(ProfileId::ServerAuth, Some(Platform::MacOs), &["server", "windows"], false);
    check(ProfileId::ServerAuth, None, &["server", "windows"], false);
}

#[wasm_bindgen_test(unsupported = test)]
fn every_guide_has_steps_in_both_languages() {
    use crate::i18n::Lang;
    for lang in Lang::ALL {
        for guide in [
            Guide::Windows,
            Guide::MacOs,
            Guide::Ios,
            Guide::Android,
            Guide::ChromeOs,
            Guide::Linux,
            Guide::Firefox,
            Guide::Thunderbird,
            Guide::Outlook,
            Guide::Server,
        ] {
            let texts = super::guide_texts(guide, lang);
            assert!(!texts.title.is_empty() && !texts.steps.is_empty(), "{guide:?} in {lang:?}");
            for step in texts.steps.iter().chain(texts.mail) {
                assert_eq!(
                    step.matches('`').count() % 2,
                    0,
                    "{guide:?} in {lang:?}: an unclosed code part in {step:?}"
                );
            }
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_server_snippets_name_the_files_and_every_host() {
    let hosts = ["www.example.com".to_owned(), "example.com".to_owned()];
    let (nginx, apache) = server_snippets("www-example-com", "www-example-com.chain.pem", &hosts);
    assert!(nginx.contains("server_name www.example.com example.com;"), "{nginx}");
    assert!(nginx.contains("ssl_certificate     /etc/ssl/keyward/www-example-com.chain.pem;"), "{nginx}");
    assert!(nginx.contains("ssl_certificate_key /etc/ssl/keyward/www-example-com.key;"), "{nginx}");
    assert!(apache.contains("ServerName www.example.com\n    ServerAlias example.com\n"), "{apache}");
    assert!(apache.contains("SSLCertificateFile    /etc/ssl/keyward/www-example-com.chain.pem"), "{apache}");
    assert!(apache.contains("SSLCertificateKeyFile /etc/ssl/keyward/www-example-com.key"), "{apache}");
    assert_eq!(nginx.matches('{').count(), nginx.matches('}').count(), "{nginx}");
}

#[wasm_bindgen_test(unsupported = test)]
fn identifiers_are_stable_and_uuids_random_version_4() {
    for (host, serial, expected) in [
        ("keyward.example.org", "0a1b", "org.example.keyward.certificate.0a1b"),
        ("localhost", "0a1b", "localhost.certificate.0a1b"),
        ("127.0.0.1", "0a1b", "127.0.0.1.certificate.0a1b"),
        ("", "0a1b", "keyward.certificate.0a1b"),
    ] {
        assert_eq!(payload_identifier(host, serial), expected, "{host:?}");
    }
    assert_eq!(uuid_v4([0xff; 16]), "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF");
    assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
}

/// The root test reads the two names with a small DER walker: the fixtures as the full decoder reads them, and
/// every damaged input counts as not a root (an intermediate), never as one.
#[wasm_bindgen_test(unsupported = test)]
fn roots_are_told_from_intermediates_and_damage_is_never_a_root() {
    let mut other_subject = ROOT.to_vec();
    // The last letter of the subject's common name ("…Fixture Root"): the issuer stays, the subject changes.
    let position = other_subject.windows(4).rposition(|window| window == b"Root").expect("the fixture's name") + 3;
    other_subject[position] ^= 0x20;
    let cases: &[(&str, &[u8], bool)] = &[
        ("the self-signed root", ROOT, true),
        ("the issuing CA", ISSUING, false),
        ("the root, its subject altered", &other_subject, false),
        ("the root cut short", &ROOT[..ROOT.len() / 2], false),
        ("the root's first 200 bytes", &ROOT[..200], false),
        ("nothing", &[], false),
        ("not a sequence", &[0x04, 0x00], false),
        ("a long-form length of zero bytes", &[0x30, 0x80], false),
        ("a long-form length that fits the short form", &[0x30, 0x81, 0x05, 0, 0, 0, 0, 0], false),
        ("a length past the end", &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], false),
    ];
    for (name, bytes, root) in cases {
        assert_eq!(super::mobileconfig::is_root(bytes), *root, "{name}");
    }
    // The names the walker finds are the ones x509-cert decodes.
    for certificate in [ROOT, ISSUING] {
        use der::{Decode, Encode};
        let decoded = x509_cert::Certificate::from_der(certificate).expect("a fixture");
        let expected = (
            decoded.tbs_certificate().issuer().to_der().expect("encodes"),
            decoded.tbs_certificate().subject().to_der().expect("encodes"),
        );
        let found = super::mobileconfig::names(certificate).expect("a fixture's names");
        assert_eq!((found.0.to_vec(), found.1.to_vec()), expected);
    }
}

/// A profile of a made-up bundle with the fixture chain, with or without the password; the UUIDs count up.
fn profile(password: Option<&str>, name: &str) -> String {
    let bundle: Vec<u8> = (0..=255).cycle().take(1000).collect();
    let chain = [ISSUING.to_vec(), ROOT.to_vec()];
    let mut count = 0_u8;
    mobileconfig(
        &AppleProfile {
            identifier: "org.example.keyward.certificate.0a1b",
            display_name: name,
            description: "Installs <the> certificate & key",
            authority_name: "Certificate authority",
            bundle: &bundle,
            bundle_file: "Grace-Hopper.p12",
            password,
            chain_der: &chain,
        },
        &mut || {
            count += 1;
            Some(uuid_v4([count; 16]))
        },
    )
    .expect("the UUIDs came")
}

#[wasm_bindgen_test(unsupported = test)]
fn no_profile_without_randomness() {
    let chain = [ROOT.to_vec()];
    let made = mobileconfig(
        &AppleProfile {
            identifier: "x",
            display_name: "x",
            description: "x",
            authority_name: "x",
            bundle: b"x",
            bundle_file: "x.p12",
            password: None,
            chain_der: &chain,
        },
        &mut || None,
    );
    assert_eq!(made, None);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_password_is_in_the_profile_only_when_asked() {
    assert!(!profile(None, "Grace").contains("<key>Password</key>"));
    assert!(profile(Some("a <secret> & more"), "Grace").contains("<string>a &lt;secret&gt; &amp; more</string>"));
}

/// Read back by the `plist` crate (host only): well-formed, the bundle's bytes in a PKCS#12 payload, the
/// chain as an intermediate and a root, every identifier under the profile's, every UUID distinct.
#[cfg(not(target_family = "wasm"))]
#[test]
fn the_profile_reads_back_as_a_property_list_carrying_the_bundle_and_chain() {
    use plist::{Dictionary, Value};

    let name = "Grace <Hopper> & \"Example\" \u{1}Org";
    for password in [None, Some("correct horse ✓ battery")] {
        let xml = profile(password, name);
        let root = Value::from_reader_xml(xml.as_bytes()).expect("a well-formed property list");
        let top = root.as_dictionary().expect("a dictionary at the top");
        let text = |dictionary: &Dictionary, key: &str| {
            dictionary.get(key).and_then(Value::as_string).map(str::to_owned).unwrap_or_else(|| panic!("{key}"))
        };
        assert_eq!(text(top, "PayloadType"), "Configuration");
        assert_eq!(text(top, "PayloadIdentifier"), "org.example.keyward.certificate.0a1b");
        assert_eq!(text(top, "PayloadDisplayName"), "Grace <Hopper> & \"Example\" Org", "escaped, the control dropped");
        assert_eq!(text(top, "PayloadDescription"), "Installs <the> certificate & key");
        assert_eq!(top.get("PayloadVersion").and_then(Value::as_signed_integer), Some(1));
        assert_eq!(top.get("PayloadRemovalDisallowed").and_then(Value::as_boolean), Some(false));
        let payloads = top.get("PayloadContent").and_then(Value::as_array).expect("PayloadContent");
        let payloads: Vec<&Dictionary> =
            payloads.iter().map(|payload| payload.as_dictionary().expect("a dict")).collect();
        let kinds: Vec<String> = payloads.iter().map(|payload| text(payload, "PayloadType")).collect();
        assert_eq!(kinds, ["com.apple.security.pkcs12", "com.apple.security.pkcs1", "com.apple.security.root"]);
        let content = |payload: &Dictionary| payload.get("PayloadContent").and_then(Value::as_data).map(<[u8]>::to_vec);
        let bundle: Vec<u8> = (0..=255).cycle().take(1000).collect();
        assert_eq!(content(payloads[0]), Some(bundle), "the bundle's bytes");
        assert_eq!(content(payloads[1]).as_deref(), Some(ISSUING));
        assert_eq!(content(payloads[2]).as_deref(), Some(ROOT));
        assert_eq!(text(payloads[0], "PayloadCertificateFileName"), "Grace-Hopper.p12");
        assert_eq!(payloads[0].get("Password").and_then(Value::as_string), password);
        let identifiers: Vec<String> = payloads.iter().map(|payload| text(payload, "PayloadIdentifier")).collect();
        assert_eq!(
            identifiers,
            [
                "org.example.keyward.certificate.0a1b.identity",
                "org.example.keyward.certificate.0a1b.authority.1",
                "org.example.keyward.certificate.0a1b.authority.2",
            ]
        );
        let mut uuids: Vec<String> = payloads.iter().map(|payload| text(payload, "PayloadUUID")).collect();
        uuids.push(text(top, "PayloadUUID"));
        uuids.sort();
        uuids.dedup();
        assert_eq!(uuids.len(), 4, "distinct UUIDs");
        for payload in payloads {
            assert_eq!(payload.get("PayloadVersion").and_then(Value::as_signed_integer), Some(1));
        }
    }
}
