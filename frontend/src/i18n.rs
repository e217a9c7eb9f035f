//! English and French for the recipient's pages, and the language, the switch and the shared texts of the
//! console (whose own texts are in `console/texts.rs`). The language is a signal provided at the app's root: the
//! browser's preferred languages choose it, the EN | FR switch in the header overrides it, the choice is kept in
//! `localStorage` (`keyward.lang`) and set on `<html lang>`. Texts are Rust: one [`Texts`] per language, and a
//! function per text with values in it. Texts that live in `shared` take a [`Lang`]. API error messages from the
//! Worker stay English; the errors the pages raise themselves are written in the page's language.

use leptos::prelude::*;
use shared::api::ApiError;
pub use shared::lang::Lang;
use wasm_bindgen::JsValue;

const STORAGE_KEY: &str = "keyward.lang";

/// The page's language, a `Copy` handle on the signal every page reads through [`use_i18n`].
#[derive(Clone, Copy)]
pub struct I18n(RwSignal<Lang>);

impl I18n {
    /// The remembered choice, else the browser's first French or English preference, else English; provided
    /// as context, and mirrored on `<html lang>`.
    pub fn provide() -> Self {
        let lang = stored().unwrap_or_else(|| {
            let preferred: Vec<String> =
                window().navigator().languages().iter().filter_map(|language| language.as_string()).collect();
            Lang::negotiate(preferred.iter().map(String::as_str))
        });
        let i18n = Self(RwSignal::new(lang));
        provide_context(i18n);
        Effect::new(move |_| {
            let tag = i18n.lang().tag();
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("lang", tag);
            }
        });
        i18n
    }

    /// The language, tracked.
    pub fn lang(self) -> Lang {
        self.0.get()
    }

    /// The language, untracked (in event handlers and tasks).
    pub fn lang_untracked(self) -> Lang {
        self.0.get_untracked()
    }

    /// The texts, tracked: read inside a closure so the view follows the switch.
    pub fn get(self) -> &'static Texts {
        texts(self.lang())
    }

    /// One text as a view: `t.text(|texts| texts.title)`. Every call returns the same closure type, so the
    /// WebAssembly module carries one copy of the code that renders and updates a text, not one per text.
    pub fn text(self, pick: fn(&'static Texts) -> &'static str) -> impl Fn() -> &'static str + Copy + 'static {
        move || pick(self.get())
    }

    /// The texts, untracked.
    pub fn get_untracked(self) -> &'static Texts {
        texts(self.lang_untracked())
    }

    /// The user's choice: shown at once and remembered in this browser.
    pub fn choose(self, lang: Lang) {
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(STORAGE_KEY, lang.tag());
        }
        self.0.set(lang);
    }
}

fn stored() -> Option<Lang> {
    let storage = window().local_storage().ok()??;
    Lang::from_tag(&storage.get_item(STORAGE_KEY).ok()??)
}

/// The language context the app root provides.
pub fn use_i18n() -> I18n {
    // Invariant: `App` provides it before any page is built.
    expect_context::<I18n>()
}

/// The EN | FR switch.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let buttons = Lang::ALL
        .into_iter()
        .enumerate()
        .map(|(index, lang)| {
            let tag = lang.tag();
            view! {
                {(index > 0).then_some(" | ")}
                <button type="button" class="lang" lang=tag data-testid=format!("lang-{tag}")
                    aria-pressed=move || (i18n.lang() == lang).to_string()
                    on:click=move |_| i18n.choose(lang)>{tag.to_ascii_uppercase()}</button>
            }
        })
        .collect_view();
    view! { <nav class="languages" aria-label=move || i18n.get().language>{buttons}</nav> }
}

/// An instant (Unix seconds) as a date and time in `lang`'s format.
pub fn format_instant(lang: Lang, seconds: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(seconds as f64 * 1000.0));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"long".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    let locale = match lang {
        Lang::En => "en-US",
        Lang::Fr => "fr-FR",
    };
    String::from(date.to_locale_string(locale, &options))
}

/// What the page shows for an error: the Worker's message as sent (English; its `code` is stable), except for
/// the errors the browser raises, shown in `lang`.
pub fn problem_message(problem: &ApiError, lang: Lang) -> String {
    match problem.code.as_str() {
        "network" => texts(lang).network.to_owned(),
        _ => problem.message.clone(),
    }
}

/// An error as every page shows it, above its form.
pub fn error_line(problem: ApiError, t: I18n) -> impl IntoView {
    let code = problem.code.clone();
    let field = problem.field.clone();
    crate::focus::error_shown();
    view! {
        <p class="error" role="alert" data-testid="error" data-code=code data-field=field>
            {move || problem_message(&problem, t.lang())}</p>
    }
}

/// A page-raised error naming the field to fix.
pub fn field_error(code: &str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError { code: code.into(), field: Some(field.into()), message: message.into() }
}

/// What a number counts, for [`count`].
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    /// Days of validity.
    Day,
    /// Years of validity.
    Year,
}

/// A number and its unit, singular or plural as the language wants it: "1 year", "2 years", "0 days" in English;
/// "1 an", "2 ans", "0 jour" in French, where 0 and 1 take the singular.
pub fn count(lang: Lang, number: u32, unit: Unit) -> String {
    let singular = match lang {
        Lang::En => number == 1,
        Lang::Fr => number < 2,
    };
    let word = match (lang, unit, singular) {
        (Lang::En, Unit::Day, true) => "day",
        (Lang::En, Unit::Day, false) => "days",
        (Lang::En, Unit::Year, true) => "year",
        (Lang::En, Unit::Year, false) => "years",
        (Lang::Fr, Unit::Day, true) => "jour",
        (Lang::Fr, Unit::Day, false) => "jours",
        (Lang::Fr, Unit::Year, true) => "an",
        (Lang::Fr, Unit::Year, false) => "ans",
    };
    format!("{number} {word}")
}

/// The texts of one language.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// "Renewal of certificate {serial}, ending {date}" (a renewal order's enrollment link).
pub fn renewal_of(lang: Lang, serial: &str, date: &str) -> String {
    match lang {
        Lang::En => format!("Renewal of certificate {serial}, ending {date}"),
        Lang::Fr => format!("Renouvellement du certificat {serial}, qui prend fin le {date}"),
    }
}

/// "It was used on {date} …".
pub fn spent_detail(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("It was used on {date} to request your certificate, and a link works only once."),
        Lang::Fr => {
            format!("Il a été utilisé le {date} pour demander votre certificat, et un lien ne sert qu’une fois.")
        }
    }
}

/// "It stopped working on {date} …".
pub fn expired_detail(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("It stopped working on {date} without being used."),
        Lang::Fr => format!("Il a cessé de fonctionner le {date} sans avoir été utilisé."),
    }
}

/// A new password shorter than `minimum`.
pub fn password_too_short(lang: Lang, minimum: usize) -> String {
    match lang {
        Lang::En => format!("Password: choose one of at least {minimum} characters."),
        Lang::Fr => format!("Mot de passe : choisissez-en un d’au moins {minimum} caractères."),
    }
}

/// A new password too weak: the verdict (lower case) and the advice.
pub fn password_too_weak(lang: Lang, verdict: &str, advice: &str) -> String {
    match lang {
        Lang::En => format!(
            "Password: too weak ({verdict}). {advice} A few unrelated words make a strong password that is easy to \
             remember."
        ),
        Lang::Fr => format!(
            "Mot de passe : trop faible ({verdict}). {advice} Quelques mots sans rapport entre eux font un mot de \
             passe robuste et facile à retenir."
        ),
    }
}

/// A bundle protected with an algorithm the page does not read; `legacy_rc2` adds how to export it again.
pub fn bundle_unsupported(lang: Lang, detail: &str, legacy_rc2: bool) -> String {
    match lang {
        Lang::En => format!(
            "This file is protected with an algorithm this page does not read: {detail}.{}",
            if legacy_rc2 {
                " Files made with `openssl pkcs12 -export -legacy` encrypt their certificates with 40-bit RC2, too \
                 weak to support: export the file again without -legacy, or with -certpbe PBE-SHA1-3DES."
            } else {
                ""
            }
        ),
        Lang::Fr => format!(
            "Ce fichier est protégé par un algorithme que cette page ne lit pas : {detail}.{}",
            if legacy_rc2 {
                " Les fichiers créés avec « openssl pkcs12 -export -legacy » chiffrent leurs certificats en RC2 \
                 40 bits, trop faible pour être pris en charge : exportez à nouveau le fichier sans -legacy, ou \
                 avec -certpbe PBE-SHA1-3DES."
            } else {
                ""
            }
        ),
    }
}

/// A bundle that cannot be read, with the reason (technical, English).
pub fn bundle_unreadable(lang: Lang, reason: &str) -> String {
    match lang {
        Lang::En => format!("This file cannot be read: {reason}."),
        Lang::Fr => format!("Ce fichier ne peut pas être lu : {reason}."),
    }
}

/// A bundle that does not open with the password given (revocation page).
pub fn revoke_unopened(lang: Lang, reason: &str) -> String {
    match lang {
        Lang::En => format!("The file could not be opened with this password: {reason}"),
        Lang::Fr => format!("Le fichier n’a pas pu être ouvert avec ce mot de passe : {reason}"),
    }
}

/// Every fixed text of the recipient's pages, in one language.
pub struct Texts {
    pub language: &'static str,
    pub footer: &'static str,
    pub network: &'static str,
    // Home and not found.
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub home_revoke_link: &'static str,
    pub home_revoke_rest: &'static str,
    pub home_repackage_link: &'static str,
    pub home_repackage_rest: &'static str,
    pub home_console_before: &'static str,
    pub home_console_link: &'static str,
    pub not_found_title: &'static str,
    pub not_found_hint: &'static str,
    // Enrollment.
    pub key_not_saved: &'static str,
    pub loading: &'static str,
    pub unavailable_title: &'static str,
    pub step_key_pair: &'static str,
    pub step_request: &'static str,
    pub step_submit: &'static str,
    pub step_bundle: &'static str,
    pub cancel: &'static str,
    pub done_title: &'static str,
    pub serial_number: &'static str,
    pub download: &'static str,
    pub pem_intro: &'static str,
    pub pem_key: &'static str,
    pub pem_key_then: &'static str,
    pub pem_chain: &'static str,
    pub keep_safe: &'static str,
    pub confirm_saved: &'static str,
    pub finished_title: &'static str,
    pub forgotten: &'static str,
    pub finished_revoke_before: &'static str,
    pub finished_revoke_link: &'static str,
    pub spent_title: &'static str,
    pub spent_next: &'static str,
    pub expired_title: &'static str,
    pub expired_next: &'static str,
    pub certificate_again: &'static str,
    pub order: &'static str,
    pub certificate_lower: &'static str,
    pub ready_title: &'static str,
    pub fact_certificate: &'static str,
    pub fact_name: &'static str,
    pub fact_email: &'static str,
    pub fact_host_names: &'static str,
    pub fact_organization: &'static str,
    pub fact_validity: &'static str,
    pub fact_link_until: &'static str,
    pub key_type: &'static str,
    pub ready_hint: &'static str,
    pub generate: &'static str,
    pub key_types_why: &'static str,
    pub profile_modern: &'static str,
    pub profile_compatible: &'static str,
    pub resumed: &'static str,
    pub not_kept: &'static str,
    pub protect_title: &'static str,
    pub issued_serial: &'static str,
    pub issued_rest: &'static str,
    pub file_format: &'static str,
    pub compatible_hint: &'static str,
    pub build_bundle: &'static str,
    // New password.
    pub password: &'static str,
    pub password_again: &'static str,
    pub password_mismatch: &'static str,
    // Repackaging.
    pub repackage_title: &'static str,
    pub repackage_file_missing: &'static str,
    pub repackage_intro: &'static str,
    pub certificate_file: &'static str,
    pub current_password: &'static str,
    pub new_format: &'static str,
    pub repackage_submit: &'static str,
    pub repackage_working: &'static str,
    pub repackage_done_hint: &'static str,
    pub bundle_bad_password: &'static str,
    // Revocation.
    pub revoke_title: &'static str,
    pub revoke_file_missing: &'static str,
    pub revoke_confirmation_missing: &'static str,
    pub revoked_before: &'static str,
    pub revoked_after: &'static str,
    pub revoke_intro: &'static str,
    pub its_password: &'static str,
    pub reason: &'static str,
    pub revoke_understand: &'static str,
    pub revoke_submit: &'static str,
}

static EN: Texts = Texts {
    language: "Language",
    footer: "Keyward: your private key is made on this device and never leaves it.",
    network: "Keyward could not be reached. Check your connection and try again: nothing was lost.",
    home_title: "Client certificates, with keys that stay yours",
    home_intro: "Keyward issues secure email (S/MIME) and client-authentication certificates. When your organization \
                 orders one for you, you receive an email with a single-use link. Open it here: your browser creates \
                 the key pair and the request, and only the request is sent.",
    home_revoke_link: "Revoke a certificate",
    home_revoke_rest: " (lost key, left the organization, no longer needed).",
    home_repackage_link: "Change the format or password of a .p12 file",
    home_repackage_rest: " (for a system that only imports the older format), in this browser.",
    home_console_before: "Ordering certificates for an organization? ",
    home_console_link: "Log in to the console",
    not_found_title: "Page not found",
    not_found_hint: "If you followed a link from an email, copy the whole address into the browser.",
    key_not_saved: "Your key is not saved yet.",
    loading: "Loading your enrollment…",
    unavailable_title: "This link cannot be used",
    step_key_pair: "Generating your key pair on this device…",
    step_request: "Creating the certificate request…",
    step_submit: "Requesting your certificate…",
    step_bundle: "Building and checking your .p12 and PEM files…",
    cancel: "Cancel",
    done_title: "Your certificate is ready",
    serial_number: "Serial number ",
    download: "Download ",
    pem_intro: "For servers and tools that want separate PEM files: ",
    pem_key: "the private key",
    pem_key_then: " (encrypted with the same password) and ",
    pem_chain: "the certificate and its chain",
    keep_safe: "Keep this file and its password safe: it holds your private key. Until you confirm below, this \
                browser also keeps the key (encrypted), so you can come back to this link and make the file again.",
    confirm_saved: "I have saved the file: erase the key from this browser",
    finished_title: "All done",
    forgotten: "The key was erased from this browser. Your .p12 file is now its only copy: keep it and its password \
                safe.",
    finished_revoke_before: "If the file or its password is ever lost or exposed, ",
    finished_revoke_link: "revoke the certificate",
    spent_title: "This link was already used",
    spent_next: "If you downloaded the .p12 file then, you have everything you need. If the file or its password is \
                 lost, ask your organization to request a reissue: a new key will be made, on your device again.",
    expired_title: "This link has expired",
    expired_next: "Ask your organization to send a new enrollment email.",
    certificate_again: "The certificate again (without the key, which never left your device):",
    order: "Order ",
    certificate_lower: " · certificate ",
    ready_title: "Create your key and certificate",
    fact_certificate: "Certificate",
    fact_name: "Name",
    fact_email: "Email",
    fact_host_names: "Host names",
    fact_organization: "Organization",
    fact_validity: "Validity",
    fact_link_until: "Link valid until",
    key_type: "Key type ",
    ready_hint: "Your browser creates the key pair now; only the public part is sent. The certificate's name and \
                 address come from the order.",
    generate: "Create my key and request the certificate",
    key_types_why: "Ed25519 is not offered for this certificate: the TLS Baseline Requirements do not allow it, and \
                    few TLS clients accept it.",
    profile_modern: "Modern (recommended)",
    profile_compatible: "Compatible",
    resumed: "Welcome back. This browser kept your key and certificate since you were here: create your .p12 file \
              now.",
    not_kept: "This browser could not keep a copy of your key: do not close this page before you have saved your \
               .p12 file.",
    protect_title: "Protect your key with a password",
    issued_serial: "Certificate issued, serial ",
    issued_rest: ". Choose the password that will protect the .p12 file; it is needed to install it and is never \
                  sent.",
    file_format: "File format ",
    compatible_hint: "Choose Compatible for iPhone and iPad, Android before 14, macOS before 14 and Windows before 10 \
                      (1709): it uses older encryption. Modern suits the others.",
    build_bundle: "Create my .p12 file",
    password: "Password ",
    password_again: "Password again ",
    password_mismatch: "The two passwords differ. Type the same password twice.",
    repackage_title: "Change the format or password of a .p12 file",
    repackage_file_missing: "Choose the .p12 or .pfx file to repackage.",
    repackage_intro: "Some systems only import the older, compatible format; others should get the modern one. Open \
                      your file here with its password and get it back in the format you choose, under a new \
                      password. The file, its passwords and the key stay in this page: nothing is sent.",
    certificate_file: "Certificate file (.p12 or .pfx) ",
    current_password: "Its current password ",
    new_format: "New format ",
    repackage_submit: "Create the new file",
    repackage_working: "Opening, rebuilding and checking…",
    repackage_done_hint: "The new file holds the same key and certificates; the old one still opens with its old \
                          password.",
    bundle_bad_password: "Current password: the file does not open with it (wrong password, or the file was \
                          altered).",
    revoke_title: "Revoke a certificate",
    revoke_file_missing: "Choose the .p12 or .pfx file that holds the certificate.",
    revoke_confirmation_missing: "Tick the box: revocation cannot be undone.",
    revoked_before: "Certificate ",
    revoked_after: " is revoked: relying parties that check the CRL or OCSP now refuse it. Remove the .p12 file from \
                    your devices; if you still need a certificate, ask your organization for a new one.",
    revoke_intro: "Lost the key, left the organization, or no longer need the certificate? Open your .p12 file here \
                   with its password: this page proves to Keyward that you hold the key by signing a one-time \
                   challenge. The file, its password and the key never leave this page.",
    its_password: "Its password ",
    reason: "Reason ",
    revoke_understand: " I understand that revocation is permanent.",
    revoke_submit: "Revoke the certificate",
};

static FR: Texts = Texts {
    language: "Langue",
    footer: "Keyward : votre clé privée est créée sur cet appareil et ne le quitte jamais.",
    network: "Keyward est injoignable. Vérifiez votre connexion et réessayez : rien n’a été perdu.",
    home_title: "Des certificats clients, avec des clés qui restent les vôtres",
    home_intro: "Keyward délivre des certificats de messagerie sécurisée (S/MIME) et d’authentification client. \
                 Lorsque votre organisation vous en commande un, vous recevez un e-mail contenant un lien à usage \
                 unique. Ouvrez-le ici : votre navigateur crée la paire de clés et la demande de signature de \
                 certificat (CSR), et seule la demande est envoyée.",
    home_revoke_link: "Révoquer un certificat",
    home_revoke_rest: " (clé perdue, départ de l’organisation, certificat devenu inutile).",
    home_repackage_link: "Changer le format ou le mot de passe d’un fichier .p12",
    home_repackage_rest: " (pour un système qui n’importe que l’ancien format), dans ce navigateur.",
    home_console_before: "Vous commandez des certificats pour une organisation ? ",
    home_console_link: "Connectez-vous à la console",
    not_found_title: "Page introuvable",
    not_found_hint: "Si vous avez suivi un lien reçu par e-mail, copiez l’adresse complète dans votre navigateur.",
    key_not_saved: "Votre clé n’est pas encore enregistrée.",
    loading: "Chargement de votre inscription…",
    unavailable_title: "Ce lien ne peut pas être utilisé",
    step_key_pair: "Génération de votre paire de clés sur cet appareil…",
    step_request: "Création de la demande de signature de certificat (CSR)…",
    step_submit: "Demande de votre certificat…",
    step_bundle: "Création et vérification de vos fichiers .p12 et PEM…",
    cancel: "Annuler",
    done_title: "Votre certificat est prêt",
    serial_number: "Numéro de série ",
    download: "Télécharger ",
    pem_intro: "Pour les serveurs et les outils qui attendent des fichiers PEM séparés : ",
    pem_key: "la clé privée",
    pem_key_then: " (chiffrée avec le même mot de passe) et ",
    pem_chain: "le certificat et sa chaîne",
    keep_safe: "Conservez ce fichier et son mot de passe en lieu sûr : il contient votre clé privée. Tant que vous \
                n’avez pas confirmé ci-dessous, ce navigateur conserve aussi la clé (chiffrée) : vous pouvez revenir \
                à ce lien et recréer le fichier.",
    confirm_saved: "J’ai enregistré le fichier : effacer la clé de ce navigateur",
    finished_title: "Terminé",
    forgotten: "La clé a été effacée de ce navigateur. Votre fichier .p12 en est désormais la seule copie : \
                conservez-le en lieu sûr, avec son mot de passe.",
    finished_revoke_before: "Si le fichier ou son mot de passe est un jour perdu ou divulgué, ",
    finished_revoke_link: "révoquez le certificat",
    spent_title: "Ce lien a déjà été utilisé",
    spent_next: "Si vous avez téléchargé le fichier .p12 à ce moment-là, vous avez tout ce qu’il vous faut. Si le \
                 fichier ou son mot de passe est perdu, demandez une réémission à votre organisation : une nouvelle \
                 clé sera créée, de nouveau sur votre appareil.",
    expired_title: "Ce lien a expiré",
    expired_next: "Demandez à votre organisation de vous envoyer un nouvel e-mail d’inscription.",
    certificate_again: "Le certificat, à nouveau (sans la clé, qui n’a jamais quitté votre appareil) :",
    order: "Commande ",
    certificate_lower: " · certificat ",
    ready_title: "Créez votre clé et votre certificat",
    fact_certificate: "Certificat",
    fact_name: "Nom",
    fact_email: "E-mail",
    fact_host_names: "Noms d’hôte",
    fact_organization: "Organisation",
    fact_validity: "Validité",
    fact_link_until: "Lien valable jusqu’au",
    key_type: "Type de clé ",
    ready_hint: "Votre navigateur crée maintenant la paire de clés ; seule la partie publique est envoyée. Le nom et \
                 l’adresse du certificat proviennent de la commande.",
    generate: "Créer ma clé et demander le certificat",
    key_types_why: "Ed25519 n’est pas proposé pour ce certificat : les exigences de base TLS ne l’autorisent pas, et \
                    peu de clients TLS l’acceptent.",
    profile_modern: "Moderne (recommandé)",
    profile_compatible: "Compatible",
    resumed: "Bon retour parmi nous. Ce navigateur a conservé votre clé et votre certificat depuis votre dernière \
              visite : créez maintenant votre fichier .p12.",
    not_kept: "Ce navigateur n’a pas pu conserver de copie de votre clé : ne fermez pas cette page avant d’avoir \
               enregistré votre fichier .p12.",
    protect_title: "Protégez votre clé par un mot de passe",
    issued_serial: "Certificat délivré, numéro de série ",
    issued_rest: ". Choisissez le mot de passe qui protégera le fichier .p12 ; il sera nécessaire pour l’installer et \
                  n’est jamais envoyé.",
    file_format: "Format du fichier ",
    compatible_hint: "Choisissez Compatible pour l’iPhone et l’iPad, Android avant 14, macOS avant 14 et Windows \
                      avant 10 (1709) : ce format utilise un chiffrement plus ancien. Moderne convient aux autres.",
    build_bundle: "Créer mon fichier .p12",
    password: "Mot de passe ",
    password_again: "Confirmez le mot de passe ",
    password_mismatch: "Les deux mots de passe diffèrent. Saisissez deux fois le même mot de passe.",
    repackage_title: "Changer le format ou le mot de passe d’un fichier .p12",
    repackage_file_missing: "Choisissez le fichier .p12 ou .pfx à convertir.",
    repackage_intro: "Certains systèmes n’importent que l’ancien format, dit compatible ; les autres devraient \
                      recevoir le format moderne. Ouvrez ici votre fichier avec son mot de passe et récupérez-le dans \
                      le format de votre choix, sous un nouveau mot de passe. Le fichier, ses mots de passe et la clé \
                      restent dans cette page : rien n’est envoyé.",
    certificate_file: "Fichier du certificat (.p12 ou .pfx) ",
    current_password: "Son mot de passe actuel ",
    new_format: "Nouveau format ",
    repackage_submit: "Créer le nouveau fichier",
    repackage_working: "Ouverture, reconstruction et vérification…",
    repackage_done_hint: "Le nouveau fichier contient la même clé et les mêmes certificats ; l’ancien s’ouvre \
                          toujours avec son ancien mot de passe.",
    bundle_bad_password: "Mot de passe actuel : le fichier ne s’ouvre pas avec celui-ci (mot de passe erroné, ou \
                          fichier modifié).",
    revoke_title: "Révoquer un certificat",
    revoke_file_missing: "Choisissez le fichier .p12 ou .pfx qui contient le certificat.",
    revoke_confirmation_missing: "Cochez la case : la révocation est irréversible.",
    revoked_before: "Le certificat ",
    revoked_after: " est révoqué : les parties utilisatrices qui consultent la CRL ou le service OCSP le refusent \
                    désormais. Supprimez le fichier .p12 de vos appareils ; si vous avez encore besoin d’un \
                    certificat, demandez-en un nouveau à votre organisation.",
    revoke_intro: "Clé perdue, départ de l’organisation, ou certificat devenu inutile ? Ouvrez ici votre fichier .p12 \
                   avec son mot de passe : cette page prouve à Keyward que vous détenez la clé en signant un défi à \
                   usage unique. Le fichier, son mot de passe et la clé ne quittent jamais cette page.",
    its_password: "Son mot de passe ",
    reason: "Motif ",
    revoke_understand: " Je comprends que la révocation est définitive.",
    revoke_submit: "Révoquer le certificat",
};

#[cfg(test)]
mod tests;
