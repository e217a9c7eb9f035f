//! The install guidance's texts in English and French, in the style of [`crate::i18n`]: one [`InstallTexts`] per
//! language, and a function per text with values in it. In a step, the parts between backticks are shown as
//! code, and `{file}`, `{key}` and `{stem}` become the offered files' names. Menu paths name what the systems
//! showed at the time of writing (Windows 11, macOS 15, iOS 18, Android 14, Chrome 131, Firefox and Thunderbird
//! 128, Outlook 2021).

use crate::i18n::{I18n, Lang};

/// One guide: its title and its steps; `mail`, the steps for S/MIME certificates only.
pub struct GuideTexts {
    /// The system or program.
    pub title: &'static str,
    /// The steps, in order.
    pub steps: &'static [&'static str],
    /// Further steps for an S/MIME certificate (setting up a mail program).
    pub mail: &'static [&'static str],
}

/// Every fixed text of the install guidance, in one language.
pub struct InstallTexts {
    pub heading: &'static str,
    pub intro_detected: &'static str,
    pub intro_undetected: &'static str,
    pub this_device: &'static str,
    pub windows: GuideTexts,
    pub mac_os: GuideTexts,
    pub ios: GuideTexts,
    pub android: GuideTexts,
    pub chrome_os: GuideTexts,
    pub linux: GuideTexts,
    pub firefox: GuideTexts,
    pub thunderbird: GuideTexts,
    pub outlook: GuideTexts,
    pub server: GuideTexts,
    pub server_nginx: &'static str,
    pub server_apache: &'static str,
    pub apple_title: &'static str,
    pub apple_intro: &'static str,
    pub apple_modern: &'static str,
    pub apple_with_password: &'static str,
    pub apple_password_warning: &'static str,
    pub apple_download: &'static str,
    pub apple_authority: &'static str,
    pub compatible_before: &'static str,
    pub compatible_link: &'static str,
}

/// The install guidance's texts in `lang`.
pub fn install_texts(lang: Lang) -> &'static InstallTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// One install text as a view, tracked like [`I18n::text`]: every call returns the same closure type, so the
/// WebAssembly module carries one copy of the code that renders and updates a text.
pub fn install_text(t: I18n, pick: fn(&'static InstallTexts) -> &'static str) -> impl Fn() -> &'static str + Copy {
    move || pick(install_texts(t.lang()))
}

/// The Apple profile's description, which the device shows before installing it.
pub fn apple_description(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Installs the certificate and private key of {name}, and the authorities that issued it."),
        Lang::Fr => format!("Installe le certificat et la clé privée de {name}, et les autorités qui l’ont délivré."),
    }
}

static EN: InstallTexts = InstallTexts {
    heading: "Install it",
    intro_detected: "The steps for this device are open; the others are one click away.",
    intro_undetected: "Open the steps for the system or program that will use the certificate.",
    this_device: " (this device)",
    windows: GuideTexts {
        title: "Windows",
        steps: &[
            "Double-click `{file}`: the Certificate Import Wizard opens.",
            "Choose Current User, then Next, and type the file’s password. Leave the key not exportable unless you \
             will need to copy it elsewhere.",
            "Let Windows choose the store (Personal), then Finish. Edge, Chrome and classic Outlook find the \
             certificate there.",
            "For a whole computer (a workstation, or a server such as IIS), import it into the computer’s store \
             instead, from a command prompt run as administrator; it asks for the password: \
             `certutil -importpfx \"{file}\"`",
            "Windows before 10 version 1709, and Windows Server 2016, need the Compatible format.",
        ],
        mail: &[],
    },
    mac_os: GuideTexts {
        title: "macOS",
        steps: &[
            "Double-click `{file}`: Keychain Access opens. Choose the login keychain and type the file’s password.",
            "Safari and Chrome offer the certificate when a site asks for one. Or install the configuration profile \
             below: open it, then install it in System Settings (General → Device Management, or Privacy & \
             Security → Profiles).",
            "macOS 13 and earlier need the Compatible format.",
        ],
        mail: &["Mail signs and encrypts with it when you write from the certificate’s address: use the sign and \
                 encrypt buttons of a new message."],
    },
    ios: GuideTexts {
        title: "iPhone and iPad",
        steps: &[
            "iPhone and iPad need the Compatible format.",
            "In Safari, download the configuration profile below and allow it (from the Files app, tap it).",
            "Open Settings, tap Profile Downloaded (or General → VPN & Device Management), then Install, and type \
             the file’s password.",
        ],
        mail: &["For Mail: Settings → Apps → Mail → Mail Accounts (Settings → Mail → Accounts before iOS 18) → the \
                 account → Account → Advanced, and turn S/MIME signing and encryption on."],
    },
    android: GuideTexts {
        title: "Android",
        steps: &[
            "Android 14 and later read the Modern format; earlier versions need the Compatible one.",
            "In Settings, search for Install a certificate (usually Security → More security settings → \
             Encryption & credentials), choose VPN & app user certificate, pick `{file}` and type its password.",
            "Chrome and the apps that use the system’s certificates then offer it when a site or server asks for \
             one.",
        ],
        mail: &[],
    },
    chrome_os: GuideTexts {
        title: "ChromeOS",
        steps: &[
            "Open `chrome://settings/certificates` (Settings → Privacy and security → Security → Manage \
             certificates).",
            "Under Your certificates choose Import and Bind, which keeps the key in the device’s security chip, or \
             Import; pick `{file}` and type its password.",
        ],
        mail: &[],
    },
    linux: GuideTexts {
        title: "Linux (Chrome, Chromium)",
        steps: &[
            "Open `chrome://settings/certificates`; under Your certificates choose Import, pick `{file}` and type \
             its password.",
            "Or, in a terminal, into the same store: `pk12util -d sql:$HOME/.pki/nssdb -i \"{file}\"`",
            "Firefox and Thunderbird keep their own store: see their steps.",
        ],
        mail: &[],
    },
    firefox: GuideTexts {
        title: "Firefox",
        steps: &[
            "Settings → Privacy & Security → Certificates → View Certificates.",
            "Under Your Certificates choose Import, pick `{file}` and type its password. Firefox offers the \
             certificate when a site asks for one.",
        ],
        mail: &[],
    },
    thunderbird: GuideTexts {
        title: "Thunderbird",
        steps: &["Settings → Privacy & Security → Certificates → Manage Certificates; under Your Certificates choose \
                  Import, pick `{file}` and type its password."],
        mail: &["Then Account Settings → the account → End-To-End Encryption: under S/MIME, select this certificate \
                 for digital signing and for encryption."],
    },
    outlook: GuideTexts {
        title: "Outlook",
        steps: &[
            "Classic Outlook for Windows uses the Windows store: import the file as in the Windows steps, then File \
             → Options → Trust Center → Trust Center Settings → Email Security → Settings, and choose this \
             certificate for signing and encryption.",
            "Outlook for Mac uses the keychain: import it as in the macOS steps, then Settings → Accounts → the \
             account → Advanced → Security, and choose the certificate.",
            "The new Outlook for Windows and Outlook on the web use S/MIME only once your organization’s mail \
             administrator has turned it on.",
        ],
        mail: &[],
    },
    server: GuideTexts {
        title: "Linux server (nginx, Apache)",
        steps: &[
            "Download the private key and the certificate with its chain as PEM files (the links above) and copy \
             them to the server, into `/etc/ssl/keyward/`, readable by root only.",
            "The key file is encrypted with the bundle’s password: on the server, decrypt a copy the web server can \
             read at start (it asks for the password): `cd /etc/ssl/keyward && (umask 077 && openssl pkey -in {key} \
             -out {stem}.key)`",
            "Then check the configuration and reload: `nginx -t && systemctl reload nginx`, or `apachectl \
             configtest && systemctl reload apache2`.",
        ],
        mail: &[],
    },
    server_nginx: "nginx:",
    server_apache: "Apache 2.4.8 or later (mod_ssl):",
    apple_title: "Configuration profile for iPhone, iPad and Mac",
    apple_intro: "A .mobileconfig file, made in this page, that installs your .p12 file and the certificate chain \
                  in one step. The device asks for the .p12 file’s password while installing it.",
    apple_modern: " It carries your file as made, in the Modern format: iPhone, iPad and macOS 13 and earlier need \
                   a Compatible copy (below).",
    apple_with_password: "Put the password in the profile",
    apple_password_warning: "It then installs without asking, but anyone who gets the profile gets your key: only \
                             for handing it to a device management tool, never by email.",
    apple_download: "Download the profile",
    apple_authority: "Certificate authority",
    compatible_before: "A system that needs the Compatible format: ",
    compatible_link: "make a Compatible copy of your .p12 file",
};

static FR: InstallTexts = InstallTexts {
    heading: "Installez-le",
    intro_detected: "Les étapes pour cet appareil sont ouvertes ; les autres sont à un clic.",
    intro_undetected: "Ouvrez les étapes du système ou du logiciel qui utilisera le certificat.",
    this_device: " (cet appareil)",
    windows: GuideTexts {
        title: "Windows",
        steps: &[
            "Double-cliquez sur `{file}` : l’Assistant Importation du certificat s’ouvre.",
            "Choisissez Utilisateur actuel, puis Suivant, et saisissez le mot de passe du fichier. Laissez la clé \
             non exportable, sauf si vous devrez la copier ailleurs.",
            "Laissez Windows choisir le magasin (Personnel), puis Terminer. Edge, Chrome et Outlook classique y \
             trouvent le certificat.",
            "Pour tout l’ordinateur (un poste de travail, ou un serveur comme IIS), importez-le plutôt dans le \
             magasin de l’ordinateur, depuis une invite de commandes exécutée en tant qu’administrateur ; le mot de \
             passe est demandé : `certutil -importpfx \"{file}\"`",
            "Windows avant la version 1709 de Windows 10, et Windows Server 2016, demandent le format Compatible.",
        ],
        mail: &[],
    },
    mac_os: GuideTexts {
        title: "macOS",
        steps: &[
            "Double-cliquez sur `{file}` : Trousseaux d’accès s’ouvre. Choisissez le trousseau « session » et \
             saisissez le mot de passe du fichier.",
            "Safari et Chrome proposent le certificat quand un site en demande un. Ou installez le profil de \
             configuration ci-dessous : ouvrez-le, puis installez-le dans Réglages Système (Général → Gestion des \
             appareils, ou Confidentialité et sécurité → Profils).",
            "macOS 13 et antérieurs demandent le format Compatible.",
        ],
        mail: &["Mail signe et chiffre avec lui quand vous écrivez depuis l’adresse du certificat : utilisez les \
                 boutons de signature et de chiffrement d’un nouveau message."],
    },
    ios: GuideTexts {
        title: "iPhone et iPad",
        steps: &[
            "L’iPhone et l’iPad demandent le format Compatible.",
            "Dans Safari, téléchargez le profil de configuration ci-dessous et autorisez-le (depuis l’app Fichiers, \
             touchez-le).",
            "Ouvrez Réglages, touchez Profil téléchargé (ou Général → VPN et gestion de l’appareil), puis Installer, \
             et saisissez le mot de passe du fichier.",
        ],
        mail: &["Pour Mail : Réglages → Apps → Mail → Comptes de messagerie (Réglages → Mail → Comptes avant iOS 18) \
                 → le compte → Compte → Avancé, et activez la signature et le chiffrement S/MIME."],
    },
    android: GuideTexts {
        title: "Android",
        steps: &[
            "Android 14 et ultérieurs lisent le format Moderne ; les versions antérieures demandent le format \
             Compatible.",
            "Dans Paramètres, cherchez Installer un certificat (en général Sécurité → Autres paramètres de sécurité \
             → Chiffrement et identifiants), choisissez Certificat utilisateur VPN et appli, choisissez `{file}` et \
             saisissez son mot de passe.",
            "Chrome et les applications qui utilisent les certificats du système le proposent ensuite quand un site \
             ou un serveur en demande un.",
        ],
        mail: &[],
    },
    chrome_os: GuideTexts {
        title: "ChromeOS",
        steps: &[
            "Ouvrez `chrome://settings/certificates` (Paramètres → Confidentialité et sécurité → Sécurité → Gérer \
             les certificats).",
            "Sous Vos certificats, choisissez Importer et lier, qui garde la clé dans la puce de sécurité de \
             l’appareil, ou Importer ; choisissez `{file}` et saisissez son mot de passe.",
        ],
        mail: &[],
    },
    linux: GuideTexts {
        title: "Linux (Chrome, Chromium)",
        steps: &[
            "Ouvrez `chrome://settings/certificates` ; sous Vos certificats, choisissez Importer, choisissez \
             `{file}` et saisissez son mot de passe.",
            "Ou, dans un terminal, dans le même magasin : `pk12util -d sql:$HOME/.pki/nssdb -i \"{file}\"`",
            "Firefox et Thunderbird ont leur propre magasin : voyez leurs étapes.",
        ],
        mail: &[],
    },
    firefox: GuideTexts {
        title: "Firefox",
        steps: &[
            "Paramètres → Vie privée et sécurité → Certificats → Afficher les certificats.",
            "Sous Vos certificats, choisissez Importer, choisissez `{file}` et saisissez son mot de passe. Firefox \
             propose le certificat quand un site en demande un.",
        ],
        mail: &[],
    },
    thunderbird: GuideTexts {
        title: "Thunderbird",
        steps: &["Paramètres → Vie privée et sécurité → Certificats → Gérer les certificats ; sous Vos certificats, \
                  choisissez Importer, choisissez `{file}` et saisissez son mot de passe."],
        mail: &[
            "Puis Paramètres des comptes → le compte → Chiffrement de bout en bout : sous S/MIME, sélectionnez ce \
                 certificat pour la signature numérique et pour le chiffrement.",
        ],
    },
    outlook: GuideTexts {
        title: "Outlook",
        steps: &[
            "Outlook classique pour Windows utilise le magasin de Windows : importez le fichier comme dans les \
             étapes Windows, puis Fichier → Options → Centre de gestion de la confidentialité → Paramètres du \
             Centre de gestion de la confidentialité → Sécurité de la messagerie → Paramètres, et choisissez ce \
             certificat pour la signature et le chiffrement.",
            "Outlook pour Mac utilise le trousseau : importez-le comme dans les étapes macOS, puis Réglages → \
             Comptes → le compte → Avancé → Sécurité, et choisissez le certificat.",
            "Le nouvel Outlook pour Windows et Outlook sur le web n’utilisent S/MIME qu’une fois activé par \
             l’administrateur de messagerie de votre organisation.",
        ],
        mail: &[],
    },
    server: GuideTexts {
        title: "Serveur Linux (nginx, Apache)",
        steps: &[
            "Téléchargez la clé privée et le certificat avec sa chaîne en fichiers PEM (les liens ci-dessus) et \
             copiez-les sur le serveur, dans `/etc/ssl/keyward/`, lisibles par root seulement.",
            "Le fichier de la clé est chiffré avec le mot de passe du fichier .p12 : sur le serveur, déchiffrez-en \
             une copie que le serveur web peut lire au démarrage (le mot de passe est demandé) : `cd \
             /etc/ssl/keyward && (umask 077 && openssl pkey -in {key} -out {stem}.key)`",
            "Puis vérifiez la configuration et rechargez : `nginx -t && systemctl reload nginx`, ou `apachectl \
             configtest && systemctl reload apache2`.",
        ],
        mail: &[],
    },
    server_nginx: "nginx :",
    server_apache: "Apache 2.4.8 ou ultérieur (mod_ssl) :",
    apple_title: "Profil de configuration pour iPhone, iPad et Mac",
    apple_intro: "Un fichier .mobileconfig, créé dans cette page, qui installe votre fichier .p12 et la chaîne de \
                  certificats en une fois. L’appareil demande le mot de passe du fichier .p12 pendant \
                  l’installation.",
    apple_modern: " Il contient votre fichier tel que créé, au format Moderne : l’iPhone, l’iPad et macOS 13 et \
                   antérieurs demandent une copie au format Compatible (ci-dessous).",
    apple_with_password: "Mettre le mot de passe dans le profil",
    apple_password_warning: "Il s’installe alors sans le demander, mais quiconque obtient le profil obtient votre \
                             clé : seulement pour le confier à un outil de gestion des appareils, jamais par \
                             e-mail.",
    apple_download: "Télécharger le profil",
    apple_authority: "Autorité de certification",
    compatible_before: "Un système demande le format Compatible : ",
    compatible_link: "créez une copie de votre fichier .p12 au format Compatible",
};
