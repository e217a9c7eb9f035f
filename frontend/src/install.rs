//! After the download: how to install the bundle where it will be used. The done page guesses the recipient's
//! system from the user agent ([`detect`], pure) and opens its steps; the other systems and programs that fit
//! the certificate's profile ([`guides`]) are one click away, each a `<details>` disclosure. For Apple devices the
//! page also builds a configuration profile (`mobileconfig.rs`) that carries the `.p12` and its chain. The texts
//! are in `install/texts.rs`, English and French.
//!
//! The guess only chooses which steps open first: nothing is withheld, and the user agent never leaves the page.

mod mobileconfig;
#[cfg(test)]
mod tests;
mod texts;

use std::sync::Arc;

use leptos::prelude::*;
use shared::pkcs12::Profile;
use shared::profile::{ExtendedKeyUsage, ProfileId, ProfileKind};

use crate::enroll::profile_name;
use crate::files;
use crate::i18n::I18n;
pub use mobileconfig::{AppleProfile, mobileconfig, payload_identifier, uuid_v4};
use texts::{GuideTexts, InstallTexts, install_text, install_texts};

/// The system a browser runs on, as far as installing a certificate differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Windows (the certificate import wizard, `certutil`).
    Windows,
    /// macOS (Keychain Access).
    MacOs,
    /// iOS and iPadOS (Settings, configuration profiles).
    Ios,
    /// Android (Settings, "Install a certificate").
    Android,
    /// ChromeOS (Chrome's certificate manager, bound to the device's chip).
    ChromeOs,
    /// Linux and other X11 desktops (Chrome's NSS database, `pk12util`).
    Linux,
}

/// The platform a user agent names, or `None` when it names none of them. `max_touch_points` tells an iPad
/// apart from a Mac: since iPadOS 13, Safari on an iPad sends the same "Macintosh" user agent as a Mac, and
/// only the iPad has a touch screen (`navigator.maxTouchPoints` is 0 on every Mac).
pub fn detect(user_agent: &str, max_touch_points: u32) -> Option<Platform> {
    let has = |word: &str| user_agent.contains(word);
    // The order matters: Android's agent says "Linux", ChromeOS's says "X11", an iPhone's says "like Mac OS X".
    if has("CrOS") {
        Some(Platform::ChromeOs)
    } else if has("Android") {
        Some(Platform::Android)
    } else if has("iPhone") || has("iPad") || has("iPod") {
        Some(Platform::Ios)
    } else if has("Macintosh") || has("Mac OS X") {
        Some(if max_touch_points > 0 { Platform::Ios } else { Platform::MacOs })
    } else if has("Windows") {
        Some(Platform::Windows)
    } else if has("Linux") || has("X11") {
        Some(Platform::Linux)
    } else {
        None
    }
}

/// The platform of this browser (its user agent and touch points, read here and kept here).
pub fn this_device() -> Option<Platform> {
    let navigator = window().navigator();
    let user_agent = navigator.user_agent().unwrap_or_default();
    detect(&user_agent, u32::try_from(navigator.max_touch_points()).unwrap_or(0))
}

/// The bundle format to offer first on this device: Compatible on iPhone and iPad, which do not read Modern
/// bundles (`Profile::description` lists the systems that do), Modern elsewhere.
pub fn preferred_bundle_profile(platform: Option<Platform>) -> Profile {
    if platform == Some(Platform::Ios) { Profile::Compatible } else { Profile::Modern }
}

/// One set of installation steps: a system, a program, or a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guide {
    /// Windows: the wizard, and `certutil -importpfx` for the computer's store.
    Windows,
    /// macOS: Keychain Access.
    MacOs,
    /// iPhone and iPad: the configuration profile, then Settings.
    Ios,
    /// Android: Settings, "Install a certificate".
    Android,
    /// ChromeOS: Chrome's certificate manager.
    ChromeOs,
    /// Linux desktops: Chrome's certificate manager, `pk12util`.
    Linux,
    /// Firefox's own certificate manager.
    Firefox,
    /// Thunderbird's own certificate manager and its S/MIME settings.
    Thunderbird,
    /// Outlook's S/MIME settings.
    Outlook,
    /// A Linux web server: the PEM files, nginx and Apache.
    Server,
}

impl Guide {
    /// The stable name the page's test ids carry (`install-{name}`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Windows => "windows",
            Self::MacOs => "macos",
            Self::Ios => "ios",
            Self::Android => "android",
            Self::ChromeOs => "chromeos",
            Self::Linux => "linux",
            Self::Firefox => "firefox",
            Self::Thunderbird => "thunderbird",
            Self::Outlook => "outlook",
            Self::Server => "server",
        }
    }
}

/// A TLS server certificate: installed on a server, not a person's device.
fn is_server(profile: ProfileId) -> bool {
    profile.profile().kind == ProfileKind::ServerAuthentication
}

/// An S/MIME certificate: mail programs use it.
fn is_email(profile: ProfileId) -> bool {
    profile.profile().kind == ProfileKind::Smime
}

/// A certificate that authenticates its holder to sites (multipurpose S/MIME, workstations): browsers use it.
fn authenticates_clients(profile: ProfileId) -> bool {
    profile.profile().extended_key_usages.contains(&ExtendedKeyUsage::ClientAuth)
}

/// The guides that fit a certificate of `profile`, the one for `platform` first, and whether that first one is
/// this device's (then the page opens it). A server certificate gets the server and Windows (IIS) steps only;
/// the mail programs come with S/MIME profiles; Firefox with the profiles that authenticate clients.
pub fn guides(profile: ProfileId, platform: Option<Platform>) -> (Vec<Guide>, bool) {
    let all: &[Guide] = if is_server(profile) {
        &[Guide::Server, Guide::Windows]
    } else {
        &[
            Guide::Windows,
            Guide::MacOs,
            Guide::Ios,
            Guide::Android,
            Guide::ChromeOs,
            Guide::Linux,
            Guide::Firefox,
            Guide::Thunderbird,
            Guide::Outlook,
        ]
    };
    let mail = is_email(profile);
    let client = authenticates_clients(profile);
    let mut list: Vec<Guide> = all
        .iter()
        .copied()
        .filter(|guide| match guide {
            Guide::Thunderbird | Guide::Outlook => mail,
            Guide::Firefox => client,
            _ => true,
        })
        .collect();
    let own = platform.map(|platform| match platform {
        Platform::Windows => Guide::Windows,
        Platform::MacOs => Guide::MacOs,
        Platform::Ios => Guide::Ios,
        Platform::Android => Guide::Android,
        Platform::ChromeOs => Guide::ChromeOs,
        Platform::Linux if is_server(profile) => Guide::Server,
        Platform::Linux => Guide::Linux,
    });
    let position = own.and_then(|own| list.iter().position(|guide| *guide == own));
    if let Some(position) = position {
        let guide = list.remove(position);
        list.insert(0, guide);
    }
    (list, position.is_some())
}

/// The nginx and Apache configuration for a server certificate, with the files where the server guide puts
/// them and the certificate's host names.
pub fn server_snippets(stem: &str, chain_file: &str, dns_names: &[String]) -> (String, String) {
    let directory = "/etc/ssl/keyward";
    let names = if dns_names.is_empty() { "example.com".to_owned() } else { dns_names.join(" ") };
    let nginx = format!(
        "server {{\n    listen 443 ssl;\n    server_name {names};\n    \
         ssl_certificate     {directory}/{chain_file};\n    \
         ssl_certificate_key {directory}/{stem}.key;\n}}\n"
    );
    let (first, others) = dns_names.split_first().map_or(("example.com", &[][..]), |(first, others)| (first, others));
    let aliases: String = others.iter().map(|name| format!("    ServerAlias {name}\n")).collect();
    let apache = format!(
        "<VirtualHost *:443>\n    ServerName {first}\n{aliases}    SSLEngine on\n    SSLCertificateFile    \
         {directory}/{chain_file}\n    SSLCertificateKeyFile {directory}/{stem}.key\n</VirtualHost>\n"
    );
    (nginx, apache)
}

/// What the install guidance needs from the done page.
pub struct Installable {
    /// The certificate's profile: which guides fit.
    pub certificate_profile: ProfileId,
    /// The `.p12` as offered.
    pub bundle: Vec<u8>,
    /// The bundle's format.
    pub bundle_profile: Profile,
    /// The bundle's password, put in the Apple profile only if the user asks.
    pub password: String,
    /// The CA certificates, DER, issuing CA first.
    pub chain_der: Vec<Vec<u8>>,
    /// The bundle's friendly name (the certificate's holder).
    pub friendly_name: String,
    /// The certificate's serial number, hex: the Apple profile's identifier ends with it.
    pub serial: String,
    /// The offered files' name without its extension.
    pub stem: String,
    /// The `.p12`'s file name.
    pub bundle_file: String,
    /// The encrypted PEM key's file name.
    pub key_file: String,
    /// The PEM certificate and chain's file name.
    pub chain_file: String,
    /// The host names of a workstation or server certificate.
    pub dns_names: Vec<String>,
}

/// A step's text: the parts between backticks are commands or names to type, shown as code; `{file}`, `{key}`
/// and `{stem}` become the offered files' names.
fn step(text: &'static str, installable: &Installable) -> impl IntoView + use<> {
    let text = text
        .replace("{file}", &installable.bundle_file)
        .replace("{key}", &installable.key_file)
        .replace("{stem}", &installable.stem);
    text.split('`')
        .enumerate()
        .map(|(index, part)| {
            let part = part.to_owned();
            if index % 2 == 1 { view! { <code>{part}</code> }.into_any() } else { part.into_any() }
        })
        .collect_view()
}

fn guide_texts(guide: Guide, lang: shared::lang::Lang) -> &'static GuideTexts {
    let texts = install_texts(lang);
    match guide {
        Guide::Windows => &texts.windows,
        Guide::MacOs => &texts.mac_os,
        Guide::Ios => &texts.ios,
        Guide::Android => &texts.android,
        Guide::ChromeOs => &texts.chrome_os,
        Guide::Linux => &texts.linux,
        Guide::Firefox => &texts.firefox,
        Guide::Thunderbird => &texts.thunderbird,
        Guide::Outlook => &texts.outlook,
        Guide::Server => &texts.server,
    }
}

/// The install guidance of the done page: this device's steps open, the others in closed disclosures, the
/// Apple configuration profile, and where to make a Compatible copy when the bundle is Modern.
pub fn install_guide(installable: Arc<Installable>, t: I18n) -> impl IntoView {
    let platform = this_device();
    let (list, detected) = guides(installable.certificate_profile, platform);
    let server = is_server(installable.certificate_profile);
    let mail = is_email(installable.certificate_profile);
    let with_password = RwSignal::new(false);
    let guides_view = {
        let installable = installable.clone();
        move || {
            let lang = t.lang();
            let texts = install_texts(lang);
            list.iter()
                .enumerate()
                .map(|(index, guide)| {
                    let guide = *guide;
                    let own = detected && index == 0;
                    let guide_texts = guide_texts(guide, lang);
                    let steps = guide_texts
                        .steps
                        .iter()
                        .chain(if mail { guide_texts.mail } else { &[] })
                        .map(|text| view! { <li>{step(text, &installable)}</li> })
                        .collect_view();
                    let snippets = (guide == Guide::Server).then(|| {
                        let (nginx, apache) =
                            server_snippets(&installable.stem, &installable.chain_file, &installable.dns_names);
                        view! {
                            <p>{texts.server_nginx}</p><pre data-testid="nginx"><code>{nginx}</code></pre>
                            <p>{texts.server_apache}</p><pre data-testid="apache"><code>{apache}</code></pre>
                        }
                    });
                    view! {
                        <details class="guide" data-testid=format!("install-{}", guide.name()) data-own=own.to_string()
                            open=own>
                            <summary>{guide_texts.title}{own.then_some(texts.this_device)}</summary>
                            <ol>{steps}</ol>
                            {snippets}
                        </details>
                    }
                })
                .collect_view()
        }
    };
    let modern = installable.bundle_profile == Profile::Modern;
    let intro: fn(&'static InstallTexts) -> &'static str =
        if detected { |texts| texts.intro_detected } else { |texts| texts.intro_undetected };
    let apple = (!server).then(|| {
        let installable = installable.clone();
        let own = matches!(platform, Some(Platform::Ios | Platform::MacOs));
        let file = format!("{}.mobileconfig", installable.stem);
        let format = profile_name(installable.bundle_profile);
        let href = Memo::new(move |_| {
            let lang = t.lang();
            let texts = install_texts(lang);
            let host = window().location().hostname().unwrap_or_default();
            let xml = mobileconfig(
                &AppleProfile {
                    identifier: &payload_identifier(&host, &installable.serial),
                    display_name: &installable.friendly_name,
                    description: &texts::apple_description(lang, &installable.friendly_name),
                    authority_name: texts.apple_authority,
                    bundle: &installable.bundle,
                    bundle_file: &installable.bundle_file,
                    password: with_password.get().then_some(installable.password.as_str()),
                    chain_der: &installable.chain_der,
                },
                &mut || {
                    let mut bytes = [0_u8; 16];
                    // Without randomness the profile cannot be made; the link then offers nothing.
                    getrandom::getrandom(&mut bytes).ok().map(|()| uuid_v4(bytes))
                },
            );
            xml.and_then(|xml| files::object_url(xml.as_bytes(), "application/x-apple-aspen-config").ok())
                .unwrap_or_default()
        });
        view! {
            <details class="guide" data-testid="apple-profile" open=own>
                <summary>{install_text(t, |texts| texts.apple_title)}</summary>
                <p>{install_text(t, |texts| texts.apple_intro)}
                    {modern.then_some(install_text(t, |texts| texts.apple_modern))}</p>
                <label class="choice"><input type="checkbox" data-testid="profile-with-password"
                    prop:checked=move || with_password.get()
                    on:change=move |event| with_password.set(event_target_checked(&event)) />
                    {install_text(t, |texts| texts.apple_with_password)}</label>
                <p class="hint">{install_text(t, |texts| texts.apple_password_warning)}</p>
                <p><a class="button" data-testid="download-mobileconfig"
                    data-format=format
                    href=move || href.get() download=file>{install_text(t, |texts| texts.apple_download)}</a></p>
            </details>
        }
    });
    view! {
        <section class="install" data-testid="install" data-platform=platform.map(|platform| format!("{platform:?}"))>
            <h2>{install_text(t, |texts| texts.heading)}</h2>
            <p class="hint">{install_text(t, intro)}</p>
            {guides_view}
            {apple}
            {modern.then(|| view! {
                <p class="hint" data-testid="compatible-copy">{install_text(t, |texts| texts.compatible_before)}
                    <a href="/repackage">{install_text(t, |texts| texts.compatible_link)}</a>"."</p>
            })}
        </section>
    }
}
