//! The console's texts in English and French, in the recipient pages' style (`crate::i18n`): one
//! [`ConsoleTexts`] per language, and a function per text with values in it. The page language, the switch and
//! the shared texts (the password meter, "Password", "Confirm the password") are `crate::i18n`'s.

use shared::account::{AccountError, MAXIMUM_PASSWORD_CHARACTERS, Role};
use shared::api::order::{LedgerEntry, LedgerKind};

use crate::i18n::{I18n, Lang};

/// The console's texts in `lang`.
pub fn console_texts(lang: Lang) -> &'static ConsoleTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// One console text as a view, tracked like `I18n::text`: `text(t, |texts| texts.login_title)`.
pub fn text(t: I18n, pick: fn(&'static ConsoleTexts) -> &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    move || pick(console_texts(t.lang()))
}

/// A role as people read it.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match (lang, role) {
        (Lang::En, Role::CaAdmin) => "CA administrator",
        (Lang::En, Role::OrgAdmin) => "Organization administrator",
        (Lang::En, Role::OrgUser) => "Organization user",
        (Lang::Fr, Role::CaAdmin) => "Administrateur de l’AC",
        (Lang::Fr, Role::OrgAdmin) => "Administrateur de l’organisation",
        (Lang::Fr, Role::OrgUser) => "Utilisateur de l’organisation",
    }
}

/// A ledger movement's reference as people read it: the order or bank reference, and for a refund how many
/// recipients it gives back.
pub fn ledger_reference(lang: Lang, entry: &LedgerEntry) -> String {
    match entry.recipients {
        Some(1) => format!("{} ({})", entry.reference, lang.pick("1 recipient", "1 destinataire")),
        Some(count) => format!("{} ({count} {})", entry.reference, lang.pick("recipients", "destinataires")),
        None => entry.reference.clone(),
    }
}

/// A ledger movement's kind as people read it.
pub fn ledger_kind_label(lang: Lang, kind: LedgerKind) -> &'static str {
    match (lang, kind) {
        (Lang::En, LedgerKind::Deposit) => "Deposit",
        (Lang::En, LedgerKind::Charge) => "Order",
        (Lang::En, LedgerKind::Refund) => "Refund",
        (Lang::Fr, LedgerKind::Deposit) => "Versement",
        (Lang::Fr, LedgerKind::Charge) => "Commande",
        (Lang::Fr, LedgerKind::Refund) => "Remboursement",
    }
}

/// What the page says, in `lang`, when the browser's own check of a chosen password refuses it
/// (`shared::account::check_new_password`); `None` for errors that check does not raise.
pub fn new_password_refused(lang: Lang, error: AccountError) -> Option<String> {
    Some(match (lang, error) {
        (_, AccountError::PasswordTooShort) => {
            crate::i18n::password_too_short(lang, shared::account::MINIMUM_PASSWORD_CHARACTERS)
        }
        (Lang::En, AccountError::PasswordTooLong) => {
            format!("Password: choose one of at most {MAXIMUM_PASSWORD_CHARACTERS} characters.")
        }
        (Lang::Fr, AccountError::PasswordTooLong) => {
            format!("Mot de passe : choisissez-en un d’au plus {MAXIMUM_PASSWORD_CHARACTERS} caractères.")
        }
        (Lang::En, AccountError::PasswordLooksTemporary) => {
            "Password: that looks like a temporary password (KWT-…). Choose a password of your own.".to_owned()
        }
        (Lang::Fr, AccountError::PasswordLooksTemporary) => {
            "Mot de passe : celui-ci a la forme d’un mot de passe temporaire (KWT-…). Choisissez-en un à vous."
                .to_owned()
        }
        _ => return None,
    })
}

/// "A temporary password was emailed to {email}."
pub fn invited(lang: Lang, email: &str) -> String {
    match lang {
        Lang::En => format!(
            "Invitation sent: {email} receives a temporary password by email, valid seven days, to replace at first \
             login."
        ),
        Lang::Fr => format!(
            "Invitation envoyée : {email} reçoit par e-mail un mot de passe temporaire, valable sept jours, à \
             remplacer à la première connexion."
        ),
    }
}

/// The reset link is open until `date`.
pub fn reset_open_until(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("This link works once, until {date}."),
        Lang::Fr => format!("Ce lien fonctionne une fois, jusqu’au {date}."),
    }
}

/// The reset link was used on `date`.
pub fn reset_spent_detail(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!(
            "It was used on {date} to choose a new password, and a link works only once. If that was you, log in \
             with that password; if not, ask for a new link at once."
        ),
        Lang::Fr => format!(
            "Il a été utilisé le {date} pour choisir un nouveau mot de passe, et un lien ne sert qu’une fois. Si \
             c’était vous, connectez-vous avec ce mot de passe ; sinon, demandez tout de suite un nouveau lien."
        ),
    }
}

/// The reset link expired on `date`.
pub fn reset_expired_detail(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("It stopped working on {date} without being used (a link works for an hour)."),
        Lang::Fr => {
            format!("Il a cessé de fonctionner le {date} sans avoir été utilisé (un lien fonctionne une heure).")
        }
    }
}

/// Every fixed text of the console, in one language.
pub struct ConsoleTexts {
    /// Navigation: the account overview.
    pub nav_account: &'static str,
    /// Navigation: users.
    pub nav_users: &'static str,
    /// Navigation: API keys.
    pub nav_api_keys: &'static str,
    /// Navigation: change the password.
    pub nav_password: &'static str,
    /// The logout button.
    pub logout: &'static str,
    /// Before the address of who is logged in.
    pub logged_in_as: &'static str,
    /// While a page loads.
    pub loading: &'static str,
    /// On a button while its request runs.
    pub working: &'static str,
    /// Login: title.
    pub login_title: &'static str,
    /// Login: the address field.
    pub email: &'static str,
    /// Login: the password field.
    pub password: &'static str,
    /// Login: what to type when invited.
    pub login_hint: &'static str,
    /// Login: the button.
    pub login_submit: &'static str,
    /// Login: the link to the reset page.
    pub forgot: &'static str,
    /// Change password: title.
    pub change_title: &'static str,
    /// Change password: after a login with a temporary password.
    pub change_intro_temporary: &'static str,
    /// Change password: otherwise.
    pub change_intro: &'static str,
    /// Change password: the current password field.
    pub current_password: &'static str,
    /// Change password: the button.
    pub change_submit: &'static str,
    /// Reset request: title.
    pub reset_request_title: &'static str,
    /// Reset request: what happens.
    pub reset_request_intro: &'static str,
    /// Reset request: the button.
    pub reset_request_submit: &'static str,
    /// Reset request: sent (whether or not the address has an account).
    pub reset_sent: &'static str,
    /// Reset link: title while open.
    pub reset_title: &'static str,
    /// Reset link: the button.
    pub reset_submit: &'static str,
    /// Reset link: used already.
    pub reset_spent_title: &'static str,
    /// Reset link: expired.
    pub reset_expired_title: &'static str,
    /// Reset link: unknown or malformed.
    pub reset_unknown_title: &'static str,
    /// Reset link: the address typed is not the account's.
    pub reset_wrong_address: &'static str,
    /// Reset link: the way out.
    pub reset_again: &'static str,
    /// Back to the login page.
    pub to_login: &'static str,
    /// Account: title.
    pub account_title: &'static str,
    /// Account: name.
    pub fact_name: &'static str,
    /// Account: address.
    pub fact_email: &'static str,
    /// Account: role.
    pub fact_role: &'static str,
    /// Account: organization account.
    pub fact_account: &'static str,
    /// Account: when the session ends.
    pub fact_session: &'static str,
    /// The heading of the open sessions.
    pub sessions_title: &'static str,
    /// Column: the browser.
    pub session_browser: &'static str,
    /// Column: since when.
    pub session_since: &'static str,
    /// Column: last used.
    pub session_seen: &'static str,
    /// The mark of this browser's session.
    pub session_current: &'static str,
    /// The button that ends a session.
    pub session_end: &'static str,
    /// The heading of the account's balance and ledger.
    pub ledger_title: &'static str,
    /// Before the balance.
    pub ledger_balance: &'static str,
    /// Ledger column: when.
    pub ledger_when: &'static str,
    /// Ledger column: what.
    pub ledger_kind: &'static str,
    /// Ledger column: order number or payment reference.
    pub ledger_reference: &'static str,
    /// Ledger column: amount.
    pub ledger_amount: &'static str,
    /// Users: title.
    pub users_title: &'static str,
    /// Users: the invitation form's title.
    pub invite_title: &'static str,
    /// Users: the name field.
    pub name: &'static str,
    /// Users: the role field.
    pub role: &'static str,
    /// Users: the button.
    pub invite_submit: &'static str,
    /// Users: status of someone who has not replaced the temporary password.
    pub status_invited: &'static str,
    /// Users: status of everyone else.
    pub status_active: &'static str,
    /// A disabled user's status.
    pub status_disabled: &'static str,
    /// The button that disables a user.
    pub disable_user: &'static str,
    /// The button that lets a disabled user log in again.
    pub enable_user: &'static str,
    /// A table's status column.
    pub status: &'static str,
    /// API keys: title.
    pub api_keys_title: &'static str,
    /// API keys: what they are for.
    pub api_keys_intro: &'static str,
    /// API keys: the name field.
    pub api_key_name: &'static str,
    /// API keys: the button.
    pub api_key_create: &'static str,
    /// API keys: the warning beside a new key.
    pub api_key_once: &'static str,
    /// API keys: copy button.
    pub copy: &'static str,
    /// API keys: copied.
    pub copied: &'static str,
    /// API keys: the first characters column.
    pub api_key_prefix: &'static str,
    /// API keys: created column.
    pub created: &'static str,
    /// API keys: last use column.
    pub last_used: &'static str,
    /// API keys: not used yet.
    pub never: &'static str,
    /// API keys: revoke button.
    pub revoke: &'static str,
    /// API keys: revoked status.
    pub revoked: &'static str,
    /// API keys: usable status.
    pub active: &'static str,
    /// API keys: none yet.
    pub api_keys_none: &'static str,
}

static EN: ConsoleTexts = ConsoleTexts {
    nav_account: "Account",
    nav_users: "Users",
    nav_api_keys: "API keys",
    nav_password: "Change password",
    logout: "Log out",
    logged_in_as: "Logged in as ",
    loading: "Loading…",
    working: "Working…",
    login_title: "Log in to Keyward",
    email: "Email address ",
    password: "Password ",
    login_hint: "Invited? Type the temporary password from the invitation email (KWT-…); you will then choose your own. \
                 Your password never leaves this page: the browser sends a key derived from it.",
    login_submit: "Log in",
    forgot: "Forgot your password?",
    change_title: "Choose a new password",
    change_intro_temporary: "You logged in with a temporary password. Choose your own password before going on: the \
                             temporary one then stops working.",
    change_intro: "Type your current password, then the new one twice. Your other sessions end when it changes.",
    current_password: "Current password ",
    change_submit: "Change the password",
    reset_request_title: "Reset your password",
    reset_request_intro: "Type the address of your account. If it has one, Keyward emails it a link to choose a new \
                          password; the link works once, for an hour.",
    reset_request_submit: "Email me a link",
    reset_sent: "If this address has an account, a reset link is on its way. It works once, for an hour. Nothing \
                 arrived after a few minutes? Check the spam folder, then ask again.",
    reset_title: "Choose a new password",
    reset_submit: "Set the new password",
    reset_spent_title: "This link was used already",
    reset_expired_title: "This link has expired",
    reset_unknown_title: "This link cannot be used",
    reset_wrong_address: "The link is now used, but the address typed is not the one it was sent to, so the new \
                          password does not work. Ask for a new link and type the address that receives it.",
    reset_again: "Ask for a new link",
    to_login: "Log in",
    account_title: "Your account",
    fact_name: "Name",
    fact_email: "Email",
    fact_role: "Role",
    fact_account: "Organization account",
    fact_session: "Session ends unless used",
    sessions_title: "Where you are logged in",
    session_browser: "Browser",
    session_since: "Since",
    session_seen: "Last used",
    session_current: "This browser",
    session_end: "Log out there",
    ledger_title: "Balance",
    ledger_balance: "Balance available:",
    ledger_when: "When",
    ledger_kind: "What",
    ledger_reference: "Order or payment reference",
    ledger_amount: "Amount",
    users_title: "Users",
    invite_title: "Invite a user",
    name: "Name ",
    role: "Role ",
    invite_submit: "Invite",
    status_invited: "Invited: temporary password not replaced yet",
    status_active: "Active",
    status_disabled: "Disabled: cannot log in",
    disable_user: "Disable",
    enable_user: "Enable",
    status: "Status",
    api_keys_title: "API keys",
    api_keys_intro: "Scripts use an API key instead of a login: send it as Authorization: Bearer <key>. A key acts \
                     for this account; it cannot create other keys.",
    api_key_name: "What is it for? ",
    api_key_create: "Create a key",
    api_key_once: "Copy this key now and keep it somewhere safe: it is shown only this once, and Keyward keeps only \
                   its hash. Lost it? Revoke it and create another.",
    copy: "Copy",
    copied: "Copied",
    api_key_prefix: "Starts with",
    created: "Created",
    last_used: "Last used",
    never: "Never",
    revoke: "Revoke",
    revoked: "Revoked",
    active: "Active",
    api_keys_none: "No API key yet.",
};

static FR: ConsoleTexts = ConsoleTexts {
    nav_account: "Compte",
    nav_users: "Utilisateurs",
    nav_api_keys: "Clés d’API",
    nav_password: "Changer de mot de passe",
    logout: "Se déconnecter",
    logged_in_as: "Connecté en tant que ",
    loading: "Chargement…",
    working: "En cours…",
    login_title: "Connexion à Keyward",
    email: "Adresse e-mail ",
    password: "Mot de passe ",
    login_hint: "Invité ? Saisissez le mot de passe temporaire reçu par e-mail (KWT-…) ; vous choisirez ensuite le \
                 vôtre. Votre mot de passe ne quitte jamais cette page : le navigateur envoie une clé qui en est \
                 dérivée.",
    login_submit: "Se connecter",
    forgot: "Mot de passe oublié ?",
    change_title: "Choisissez un nouveau mot de passe",
    change_intro_temporary: "Vous vous êtes connecté avec un mot de passe temporaire. Choisissez votre propre mot de \
                             passe avant de continuer : le mot de passe temporaire cessera alors de fonctionner.",
    change_intro: "Saisissez votre mot de passe actuel, puis deux fois le nouveau. Vos autres sessions se terminent \
                   lorsqu’il change.",
    current_password: "Mot de passe actuel ",
    change_submit: "Changer le mot de passe",
    reset_request_title: "Réinitialiser votre mot de passe",
    reset_request_intro: "Saisissez l’adresse de votre compte. S’il existe, Keyward y envoie un lien pour choisir un \
                          nouveau mot de passe ; le lien fonctionne une fois, pendant une heure.",
    reset_request_submit: "M’envoyer un lien",
    reset_sent: "Si cette adresse a un compte, un lien de réinitialisation est en route. Il fonctionne une fois, \
                 pendant une heure. Rien reçu après quelques minutes ? Vérifiez les indésirables, puis redemandez.",
    reset_title: "Choisissez un nouveau mot de passe",
    reset_submit: "Enregistrer le nouveau mot de passe",
    reset_spent_title: "Ce lien a déjà été utilisé",
    reset_expired_title: "Ce lien a expiré",
    reset_unknown_title: "Ce lien ne peut pas être utilisé",
    reset_wrong_address: "Le lien est désormais utilisé, mais l’adresse saisie n’est pas celle à laquelle il a été \
                          envoyé : le nouveau mot de passe ne fonctionne donc pas. Demandez un nouveau lien et \
                          saisissez l’adresse qui le reçoit.",
    reset_again: "Demander un nouveau lien",
    to_login: "Se connecter",
    account_title: "Votre compte",
    fact_name: "Nom",
    fact_email: "E-mail",
    fact_role: "Rôle",
    fact_account: "Compte de l’organisation",
    fact_session: "Fin de la session sans activité",
    sessions_title: "Où vous êtes connecté",
    session_browser: "Navigateur",
    session_since: "Depuis",
    session_seen: "Dernière activité",
    session_current: "Ce navigateur",
    session_end: "Déconnecter",
    ledger_title: "Solde",
    ledger_balance: "Solde disponible :",
    ledger_when: "Date",
    ledger_kind: "Mouvement",
    ledger_reference: "Commande ou référence de paiement",
    ledger_amount: "Montant",
    users_title: "Utilisateurs",
    invite_title: "Inviter un utilisateur",
    name: "Nom ",
    role: "Rôle ",
    invite_submit: "Inviter",
    status_invited: "Invité : mot de passe temporaire pas encore remplacé",
    status_active: "Actif",
    status_disabled: "Désactivé : ne peut plus se connecter",
    disable_user: "Désactiver",
    enable_user: "Réactiver",
    status: "État",
    api_keys_title: "Clés d’API",
    api_keys_intro: "Les scripts utilisent une clé d’API au lieu d’une connexion : envoyez-la comme Authorization: \
                     Bearer <clé>. Une clé agit pour ce compte ; elle ne peut pas créer d’autres clés.",
    api_key_name: "À quoi sert-elle ? ",
    api_key_create: "Créer une clé",
    api_key_once: "Copiez cette clé maintenant et conservez-la en lieu sûr : elle n’est affichée que cette fois, et \
                   Keyward n’en garde que l’empreinte. Perdue ? Révoquez-la et créez-en une autre.",
    copy: "Copier",
    copied: "Copiée",
    api_key_prefix: "Commence par",
    created: "Créée le",
    last_used: "Dernière utilisation",
    never: "Jamais",
    revoke: "Révoquer",
    revoked: "Révoquée",
    active: "Active",
    api_keys_none: "Aucune clé d’API pour l’instant.",
};
