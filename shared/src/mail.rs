//! Email templates, in English and French. Every email is written to the outbox in the same batch as the state
//! change that causes it, with its language; an adapter delivers it (`crate::outbox` holds the delivery rules,
//! `edge/src/outbox.rs` the adapters).
//!
//! Adding a template: a function `name(lang: Lang, facts: &Facts) -> Email` (or `Vec<Email>` for several
//! addresses) with one `match lang` arm per language; French follows French typography (a no-break space
//! U+00A0 before `:` `;` `!` `?`, the typographic apostrophe ’), which `tests::check_typography` enforces.

use crate::encoding::civil_from_days;
use crate::lang::Lang;
use crate::profile::{Profile, ProfileKind};
mod notices;

pub use notices::{CertificateNotice, Escalation, PickUp, cancellation_notice, escalation, revocation_notice};

use crate::validation::{CODE_MAXIMUM_ATTEMPTS, DOMAIN_REUSE_DAYS, MAILBOX_REUSE_DAYS, ORGANIZATION_REUSE_DAYS};

/// French typography's no-break space, before `:` `;` `!` `?`.
const NBSP: char = '\u{a0}';

/// An email ready for the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// The language the email is written in; stored on the outbox row.
    pub lang: Lang,
}

/// What an enrollment invitation says.
#[derive(Clone, Copy, Debug)]
pub struct Invitation<'a> {
    /// How to greet the recipient: their name, or their address when the order has no name.
    pub recipient_name: &'a str,
    /// Where the invitation goes.
    pub recipient_email: &'a str,
    /// The organization that ordered the certificate.
    pub organization: &'a str,
    /// What the certificate is (secure email, workstation, TLS server).
    pub kind: ProfileKind,
    /// What the certificate is for: the mailbox or the host name.
    pub certified: &'a str,
    /// The single-use enrollment link.
    pub enrollment_url: &'a str,
    /// Days until the link expires.
    pub expires_in_days: i64,
}

/// The enrollment invitation: the recipient's single-use link, saying what the certificate is and for what.
pub fn enrollment_invitation(lang: Lang, invitation: &Invitation<'_>) -> Email {
    let Invitation { recipient_name, organization, certified, enrollment_url, expires_in_days, .. } = *invitation;
    let (subject, body) = match lang {
        Lang::En => {
            let kind = invitation.kind.description();
            let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            let days = if expires_in_days == 1 { "1 day".to_owned() } else { format!("{expires_in_days} days") };
            (
                format!("{organization} ordered a certificate for you: create your key"),
                format!(
                    "Hello {recipient_name},\n\n\
                     {organization} ordered {article} {kind} certificate for {certified}.\n\n\
                     Open this link to create your key and receive the certificate:\n\n{enrollment_url}\n\n\
                     Your private key is created in your browser and never leaves your device. The link works \
                     once and expires in {days}. Opening it does not use it: only the button on the page does.\n\n\
                     If you did not expect this email, you can ignore it.\n\n-- Keyward\n"
                ),
            )
        }
        Lang::Fr => {
            let kind = french_kind(invitation.kind);
            let days = if expires_in_days == 1 { "1 jour".to_owned() } else { format!("{expires_in_days} jours") };
            (
                format!("{organization} a commandé un certificat pour vous{NBSP}: créez votre clé"),
                format!(
                    "Bonjour {recipient_name},\n\n\
                     {organization} a commandé un certificat {kind} pour {certified}.\n\n\
                     Ouvrez ce lien pour créer votre clé et recevoir le certificat{NBSP}:\n\n{enrollment_url}\n\n\
                     Votre clé privée est créée dans votre navigateur et ne quitte jamais votre appareil. Le lien \
                     ne sert qu’une fois et expire dans {days}. L’ouvrir ne l’utilise pas{NBSP}: seul le bouton de \
                     la page le fait.\n\n\
                     Si vous n’attendiez pas cet e-mail, vous pouvez l’ignorer.\n\n-- Keyward\n"
                ),
            )
        }
    };
    Email { to: invitation.recipient_email.to_owned(), subject, body, lang }
}

/// What a "certificate issued" email says.
#[derive(Clone, Copy, Debug)]
pub struct IssuedCertificate<'a> {
    /// How to greet the recipient: their name, or their address when the order has no name.
    pub recipient_name: &'a str,
    /// The recipient's address; the first email goes there.
    pub recipient_email: &'a str,
    /// The order's additional notification addresses; each gets its own copy (the recipient's address and
    /// repeats, compared without case, are skipped).
    pub notification_emails: &'a [String],
    /// The organization that ordered the certificate.
    pub organization: &'a str,
    /// The certificate's profile; the email names it in its language.
    pub profile: &'a Profile,
    /// What the certificate is for: the mailbox or the host name.
    pub certified: &'a str,
    /// The certificate's serial number, as the download path takes it (lower-case hex).
    pub serial: &'a str,
    /// The end of validity (notAfter), seconds since the Unix epoch.
    pub not_after: i64,
    /// The Worker's origin (`https://keyward.example.com`), for the download link.
    pub origin: &'a str,
}

/// Where an issued certificate is downloaded as PEM: `{origin}/api/v1/certificates/{serial}/pem`.
pub fn certificate_download_url(origin: &str, serial: &str) -> String {
    format!("{}/api/v1/certificates/{serial}/pem", origin.trim_end_matches('/'))
}

/// The "certificate issued" emails of an order issued from the recipient's own request (CSR): one to the
/// recipient, then one to each notification address, each with the serial number, the profile, the end of
/// validity and the download link.
pub fn certificate_issued(lang: Lang, issued: &IssuedCertificate<'_>) -> Vec<Email> {
    recipient_then_notified(issued, |to, to_recipient| issued_email(lang, issued, to, to_recipient))
}

/// One email to the recipient, then one to each notification address (blank ones, the recipient's address and
/// repeats, compared without case, skipped): `write(address, to_recipient)`.
fn recipient_then_notified(issued: &IssuedCertificate<'_>, write: impl Fn(&str, bool) -> Email) -> Vec<Email> {
    let mut emails = vec![write(issued.recipient_email, true)];
    for address in issued.notification_emails {
        let address = address.trim();
        if !address.is_empty() && !emails.iter().any(|email| email.to.eq_ignore_ascii_case(address)) {
            emails.push(write(address, false));
        }
    }
    emails
}

/// The reminder of `threshold` ([`crate::expiry`]) at `now`: one email to the recipient, then one to each
/// notification address (the edge adds the account's administrators there from 7 days before), each naming the
/// certificate (what it certifies, its profile, its serial number and end), where it is used as far as Keyward
/// knows (what its profile is for), and the one thing to do (the organization orders a new certificate: Keyward
/// renews nothing by itself yet).
pub fn expiry_reminder(
    lang: Lang,
    issued: &IssuedCertificate<'_>,
    threshold: crate::expiry::Threshold,
    now: i64,
) -> Vec<Email> {
    recipient_then_notified(issued, |to, to_recipient| reminder_email(lang, issued, threshold, now, to, to_recipient))
}

/// A reader of a recipient's emails other than the recipient (a notification address, an administrator), with
/// the language their copy is written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    /// The address.
    pub email: String,
    /// The language of their copy.
    pub lang: Lang,
}

/// One email to the recipient in `recipient_lang`, then one to each other reader in their own language (blank
/// addresses, the recipient's and repeats, compared without case, skipped; a repeat keeps its first language):
/// `write(lang, address, to_recipient)`. One outbox row per address, as every template: a reader never sees
/// another's address.
pub fn to_readers(
    recipient_email: &str,
    recipient_lang: Lang,
    others: &[Reader],
    write: impl Fn(Lang, &str, bool) -> Email,
) -> Vec<Email> {
    let mut emails = vec![write(recipient_lang, recipient_email, true)];
    for reader in others {
        let address = reader.email.trim();
        if !address.is_empty() && !emails.iter().any(|email| email.to.eq_ignore_ascii_case(address)) {
            emails.push(write(reader.lang, address, false));
        }
    }
    emails
}

/// The reminder of `threshold` at `now` ([`expiry_reminder`]) to the recipient in `recipient_lang` and to each
/// other reader in their own language; `issued.notification_emails` is not read (the readers replace it).
pub fn expiry_reminder_to(
    recipient_lang: Lang,
    others: &[Reader],
    issued: &IssuedCertificate<'_>,
    threshold: crate::expiry::Threshold,
    now: i64,
) -> Vec<Email> {
    to_readers(issued.recipient_email, recipient_lang, others, |lang, to, to_recipient| {
        reminder_email(lang, issued, threshold, now, to, to_recipient)
    })
}

/// Where a certificate of this kind is used, as far as Keyward knows: what its profile is for.
pub(crate) fn used_for(lang: Lang, kind: ProfileKind, certified: &str) -> String {
    match (lang, kind) {
        (Lang::En, ProfileKind::Smime) => format!("signing and encrypting email as {certified}"),
        (Lang::En, ProfileKind::ClientAuthentication) => format!("the workstation {certified} logging in to services"),
        (Lang::En, ProfileKind::ServerAuthentication) => format!("the TLS server {certified}"),
        (Lang::Fr, ProfileKind::Smime) => format!("la signature et le chiffrement des courriels de {certified}"),
        (Lang::Fr, ProfileKind::ClientAuthentication) => {
            format!("la connexion du poste {certified} aux services")
        }
        (Lang::Fr, ProfileKind::ServerAuthentication) => format!("le serveur TLS {certified}"),
    }
}

fn reminder_email(
    lang: Lang,
    issued: &IssuedCertificate<'_>,
    threshold: crate::expiry::Threshold,
    now: i64,
    to: &str,
    to_recipient: bool,
) -> Email {
    use crate::expiry::Threshold;
    let IssuedCertificate { recipient_name, recipient_email, organization, certified, serial, .. } = *issued;
    let profile = issued.profile.display_name(lang);
    let until = long_date_time(lang, issued.not_after);
    let used = used_for(lang, issued.profile.kind, certified);
    let days_left = crate::expiry::days_left(issued.not_after, now);
    let (subject, body) = match lang {
        Lang::En => {
            let days = if days_left == 1 { "1 day".to_owned() } else { format!("{days_left} days") };
            let greeting = if to_recipient {
                format!("Hello {recipient_name},")
            } else {
                format!("Hello,\n\nThis concerns {recipient_name} ({recipient_email}).")
            };
            let (subject, state, action) = match threshold {
                Threshold::Before(_) => (
                    format!("The certificate for {certified} expires in {days}"),
                    format!("stops working on {until}, in {days}"),
                    format!(
                        "To keep it working without a gap, ask {organization} to order a new certificate before then."
                    ),
                ),
                Threshold::DayOf => (
                    format!("The certificate for {certified} has expired"),
                    format!("stopped working on {until}"),
                    format!("If it has not been replaced yet, ask {organization} to order a new certificate now."),
                ),
                Threshold::After(after) => (
                    format!("The certificate for {certified} expired {after} days ago"),
                    format!("stopped working on {until}, {after} days ago"),
                    format!(
                        "If it is still in use, it fails there: ask {organization} to order a new certificate now. If \
                         it was replaced, there is nothing to do."
                    ),
                ),
            };
            (
                subject,
                format!(
                    "{greeting}\n\n\
                     The certificate {organization} ordered for {certified} {state}.\n\n\
                     Used for: {used}\n\
                     Profile: {profile}\n\
                     Serial number: {serial}\n\n\
                     {action} Keep the old private key until you no longer need to read what was encrypted for \
                     it.\n\n-- Keyward\n"
                ),
            )
        }
        Lang::Fr => {
            let days = if days_left == 1 { "1 jour".to_owned() } else { format!("{days_left} jours") };
            let greeting = if to_recipient {
                format!("Bonjour {recipient_name},")
            } else {
                format!("Bonjour,\n\nCe message concerne {recipient_name} ({recipient_email}).")
            };
            let (subject, state, action) = match threshold {
                Threshold::Before(_) => (
                    format!("Le certificat pour {certified} expire dans {days}"),
                    format!("cesse de fonctionner le {until}, dans {days}"),
                    format!(
                        "Pour qu’il continue de fonctionner sans interruption, demandez à {organization} de commander \
                         un nouveau certificat d’ici là."
                    ),
                ),
                Threshold::DayOf => (
                    format!("Le certificat pour {certified} a expiré"),
                    format!("a cessé de fonctionner le {until}"),
                    format!(
                        "S’il n’a pas encore été remplacé, demandez à {organization} de commander un nouveau \
                         certificat dès maintenant."
                    ),
                ),
                Threshold::After(after) => (
                    format!("Le certificat pour {certified} a expiré il y a {after}{NBSP}jours"),
                    format!("a cessé de fonctionner le {until}, il y a {after}{NBSP}jours"),
                    format!(
                        "S’il sert encore, il y échoue{NBSP}: demandez à {organization} de commander un nouveau \
                         certificat dès maintenant. S’il a été remplacé, il n’y a rien à faire."
                    ),
                ),
            };
            (
                subject,
                format!(
                    "{greeting}\n\n\
                     Le certificat que {organization} a commandé pour {certified} {state}.\n\n\
                     Utilisé pour{NBSP}: {used}\n\
                     Profil{NBSP}: {profile}\n\
                     Numéro de série{NBSP}: {serial}\n\n\
                     {action} Gardez l’ancienne clé privée tant que vous devez lire ce qui a été chiffré pour \
                     elle.\n\n-- Keyward\n"
                ),
            )
        }
    };
    Email { to: to.to_owned(), subject, body, lang }
}

fn issued_email(lang: Lang, issued: &IssuedCertificate<'_>, to: &str, to_recipient: bool) -> Email {
    let IssuedCertificate { recipient_name, recipient_email, organization, certified, serial, .. } = *issued;
    let profile = issued.profile.display_name(lang);
    let until = long_date_time(lang, issued.not_after);
    let url = certificate_download_url(issued.origin, serial);
    let (subject, body) = match lang {
        Lang::En => {
            let (subject, opening) = if to_recipient {
                (
                    format!("Your certificate for {certified} is issued"),
                    format!(
                        "Hello {recipient_name},\n\n\
                         The certificate {organization} ordered for {certified} is issued, from the request you \
                         sent."
                    ),
                )
            } else {
                (
                    format!("Certificate issued for {certified}"),
                    format!(
                        "Hello,\n\n\
                         The certificate {organization} ordered for {certified} ({recipient_name}, \
                         {recipient_email}) is issued."
                    ),
                )
            };
            let closing = if to_recipient {
                "Install it with the private key you made the request with: that key is not in this email, and \
                 Keyward never had it."
            } else {
                "You receive this email because the order names this address for notifications."
            };
            (
                subject,
                format!(
                    "{opening}\n\n\
                     Profile: {profile}\n\
                     Serial number: {serial}\n\
                     Valid until: {until}\n\n\
                     Download the certificate (PEM):\n\n{url}\n\n\
                     {closing}\n\n-- Keyward\n"
                ),
            )
        }
        Lang::Fr => {
            let (subject, opening) = if to_recipient {
                (
                    format!("Votre certificat pour {certified} est délivré"),
                    format!(
                        "Bonjour {recipient_name},\n\n\
                         Le certificat que {organization} a commandé pour {certified} est délivré, à partir de la \
                         demande que vous avez envoyée."
                    ),
                )
            } else {
                (
                    format!("Certificat délivré pour {certified}"),
                    format!(
                        "Bonjour,\n\n\
                         Le certificat que {organization} a commandé pour {certified} ({recipient_name}, \
                         {recipient_email}) est délivré."
                    ),
                )
            };
            let closing = if to_recipient {
                "Installez-le avec la clé privée qui a servi à faire la demande\u{a0}: cette clé n’est pas dans \
                 cet e-mail, et Keyward ne l’a jamais eue."
            } else {
                "Vous recevez cet e-mail parce que la commande indique cette adresse pour les notifications."
            };
            (
                subject,
                format!(
                    "{opening}\n\n\
                     Profil{NBSP}: {profile}\n\
                     Numéro de série{NBSP}: {serial}\n\
                     Valide jusqu’au{NBSP}: {until}\n\n\
                     Télécharger le certificat (PEM){NBSP}:\n\n{url}\n\n\
                     {closing}\n\n-- Keyward\n"
                ),
            )
        }
    };
    Email { to: to.to_owned(), subject, body, lang }
}

/// How a French sentence names the kind of certificate, after "un certificat".
fn french_kind(kind: ProfileKind) -> &'static str {
    match kind {
        ProfileKind::Smime => "de messagerie sécurisée (S/MIME)",
        ProfileKind::ClientAuthentication => "d’authentification client pour poste de travail",
        ProfileKind::ServerAuthentication => "de serveur TLS",
    }
}

/// An instant as people read it in an email, in UTC: `2 December 2027, 14:05 UTC`, `2 décembre 2027 à 14 h 05 UTC`.
pub(crate) fn long_date_time(lang: Lang, instant: i64) -> String {
    const MONTHS_EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const MONTHS_FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let (days, seconds) = (instant.div_euclid(86_400), instant.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute) = (seconds / 3600, seconds % 3600 / 60);
    // `civil_from_days` returns months 1 to 12.
    let index = (month - 1) as usize;
    match lang {
        Lang::En => format!("{day} {} {year}, {hour:02}:{minute:02} UTC", MONTHS_EN[index]),
        Lang::Fr => format!("{day} {} {year} à {hour}{NBSP}h{NBSP}{minute:02} UTC", MONTHS_FR[index]),
    }
}

/// What an account invitation says.
#[derive(Clone, Copy, Debug)]
pub struct AccountInvitation<'a> {
    /// The invited person's name.
    pub name: &'a str,
    /// Their address.
    pub email: &'a str,
    /// The account's name.
    pub account: &'a str,
    /// Who invited them.
    pub inviter: &'a str,
    /// The temporary password.
    pub temporary_password: &'a str,
    /// The login page.
    pub login_url: &'a str,
    /// Days until the temporary password stops working.
    pub expires_in_days: i64,
}

/// An invitation to an account: the temporary password and where to log in. The password must be replaced at
/// first login, and stops working after `expires_in_days`.
pub fn account_invitation(lang: crate::lang::Lang, invitation: &AccountInvitation<'_>) -> Email {
    use crate::lang::Lang;
    let AccountInvitation { name, email, account, inviter, temporary_password, login_url, expires_in_days } =
        *invitation;
    let (subject, body) = match lang {
        Lang::En => (
            format!("{inviter} invited you to {account} on Keyward"),
            format!(
                "Hello {name},\n\n{inviter} gave you access to {account}'s certificates on Keyward.\n\n\
                 Log in at {login_url} with this address and the temporary password:\n\n    {temporary_password}\n\n\
                 You will choose your own password at once. The temporary password stops working in \
                 {expires_in_days} days; after that, ask {inviter} to invite you again.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            format!("{inviter} vous a invité\u{a0}: {account} sur Keyward"),
            format!(
                "Bonjour {name},\n\n{inviter} vous a donné accès aux certificats de {account} sur Keyward.\n\n\
                 Connectez-vous sur {login_url} avec cette adresse et le mot de passe temporaire\u{a0}:\n\n    \
                 {temporary_password}\n\nVous choisirez aussitôt votre propre mot de passe. Le mot de passe \
                 temporaire cesse de fonctionner dans {expires_in_days}\u{a0}jours\u{a0}; ensuite, demandez à \
                 {inviter} de vous inviter de nouveau.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: email.to_owned(), subject, body, lang }
}

/// A password reset link (single use, `expires_in_minutes`).
pub fn password_reset(lang: crate::lang::Lang, email: &str, reset_url: &str, expires_in_minutes: i64) -> Email {
    use crate::lang::Lang;
    let (subject, body) = match lang {
        Lang::En => (
            "Reset your Keyward password".to_owned(),
            format!(
                "Hello,\n\nSomeone (you, we hope) asked to reset the password of this address on Keyward.\n\n\
                 Open this link to choose a new password:\n\n{reset_url}\n\n\
                 It works once and expires in {expires_in_minutes} minutes. Opening it does not use it: only the \
                 button on the page does. Every session of the account ends when the password changes.\n\n\
                 If you did not ask, ignore this email: your password stays as it is.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            "Réinitialisez votre mot de passe Keyward".to_owned(),
            format!(
                "Bonjour,\n\nQuelqu’un (vous, espérons-le) a demandé à réinitialiser le mot de passe de cette \
                 adresse sur Keyward.\n\nOuvrez ce lien pour choisir un nouveau mot de passe\u{a0}:\n\n\
                 {reset_url}\n\nIl fonctionne une fois et expire dans {expires_in_minutes}\u{a0}minutes. L’ouvrir \
                 ne l’utilise pas\u{a0}: seul le bouton de la page le fait. Toutes les sessions du compte se \
                 terminent quand le mot de passe change.\n\nSi vous n’avez rien demandé, ignorez ce message\u{a0}: \
                 votre mot de passe reste inchangé.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: email.to_owned(), subject, body, lang }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileId;

    fn invitation(kind: ProfileKind, certified: &'static str) -> Invitation<'static> {
        Invitation {
            recipient_name: "Ada",
            recipient_email: "ada@example.com",
            organization: "Example Org",
            kind,
            certified,
            enrollment_url: "https://k/enroll/abc",
            expires_in_days: 30,
        }
    }

    /// 2027-12-02 14:05:09 UTC.
    const NOT_AFTER: i64 = 1_827_756_309;

    fn issued(notification_emails: &[String]) -> Vec<Email> {
        issued_in(Lang::En, notification_emails)
    }

    fn issued_in(lang: Lang, notification_emails: &[String]) -> Vec<Email> {
        certificate_issued(
            lang,
            &IssuedCertificate {
                recipient_name: "Ada Lovelace",
                recipient_email: "ada@example.com",
                notification_emails,
                organization: "Example Org",
                profile: ProfileId::SmimeSponsorMultipurpose.profile(),
                certified: "ada@example.com",
                serial: "4f1c2a",
                not_after: NOT_AFTER,
                origin: "https://keyward.example.com/",
            },
        )
    }

    fn reminder_in(lang: Lang, notification_emails: &[String], days_left: i64) -> Vec<Email> {
        reminder_at(
            lang,
            notification_emails,
            crate::expiry::Threshold::Before(days_left),
            NOT_AFTER - days_left * 86_400,
        )
    }

    fn reminder_at(
        lang: Lang,
        notification_emails: &[String],
        threshold: crate::expiry::Threshold,
        now: i64,
    ) -> Vec<Email> {
        expiry_reminder(
            lang,
            &IssuedCertificate {
                recipient_name: "Ada Lovelace",
                recipient_email: "ada@example.com",
                notification_emails,
                organization: "Example Org",
                profile: ProfileId::SmimeSponsorMultipurpose.profile(),
                certified: "ada@example.com",
                serial: "4f1c2a",
                not_after: NOT_AFTER,
                origin: "https://keyward.example.com/",
            },
            threshold,
            now,
        )
    }

    /// Every email of every template in `lang`, for the checks that hold for all of them.
    fn every_email(lang: Lang) -> Vec<Email> {
        let mut emails = vec![
            enrollment_invitation(lang, &invitation(ProfileKind::Smime, "ada@example.com")),
            enrollment_invitation(lang, &invitation(ProfileKind::ClientAuthentication, "ws.example.com")),
            enrollment_invitation(lang, &invitation(ProfileKind::ServerAuthentication, "www.example.com")),
        ];
        emails.extend(issued_in(lang, &["it@example.com".to_owned()]));
        emails.extend(reminder_in(lang, &["it@example.com".to_owned()], 7));
        emails.extend(reminder_at(lang, &[], crate::expiry::Threshold::DayOf, NOT_AFTER));
        emails.extend(reminder_at(lang, &[], crate::expiry::Threshold::After(7), NOT_AFTER + 7 * 86_400));
        emails.extend(notices::every_notice(lang));
        emails
    }

    /// What breaks French typography in `text`: a `:` `;` `!` `?` without a no-break space before it (URLs
    /// aside), a plain apostrophe. An empty list when the text is right.
    pub(super) fn typography_problems(text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for word in text.split([' ', '\n']) {
            if word.contains("://") {
                continue;
            }
            for (index, character) in word.char_indices() {
                if matches!(character, ':' | ';' | '!' | '?') && !(index == 0 || word[..index].ends_with(NBSP)) {
                    problems.push(format!("no no-break space before {character:?} in {word:?}"));
                }
            }
        }
        for (before, character) in text.chars().zip(text.chars().skip(1)) {
            if matches!(character, ':' | ';' | '!' | '?') && before == ' ' {
                problems.push(format!("a plain space before {character:?}"));
            }
        }
        if text.contains('\'') {
            problems.push("a plain apostrophe".to_owned());
        }
        problems
    }

    fn check_typography(text: &str, expected_problems: usize) {
        let problems = typography_problems(text);
        assert_eq!(problems.len(), expected_problems, "{text:?}: {problems:?}");
    }

    #[test]
    fn the_typography_check_catches_what_it_is_for() {
        check_typography("Profil\u{a0}: S/MIME", 0);
        check_typography("https://k/enroll/abc", 0);
        check_typography("Profil : S/MIME", 1);
        check_typography("Profil: S/MIME", 1);
        check_typography("Vraiment\u{a0}? Oui\u{a0}!", 0);
        check_typography("Vraiment?", 1);
        check_typography("l'adresse", 1);
        check_typography("l’adresse", 0);
    }

    #[test]
    fn french_emails_follow_french_typography_and_english_ones_have_no_no_break_space() {
        for email in every_email(Lang::Fr) {
            assert_eq!(email.lang, Lang::Fr);
            check_typography(&email.subject, 0);
            check_typography(&email.body, 0);
            assert!(email.body.starts_with("Bonjour"), "{}", email.body);
        }
        for email in every_email(Lang::En) {
            assert_eq!(email.lang, Lang::En);
            assert!(!email.body.contains(NBSP) && !email.subject.contains(NBSP), "{email:?}");
            assert!(!email.body.contains('’') && !email.body.contains("Bonjour"), "{email:?}");
            assert!(email.body.starts_with("Hello"), "{}", email.body);
        }
    }

    #[test]
    fn the_invitation_carries_the_link_and_the_address() {
        let email = enrollment_invitation(Lang::En, &invitation(ProfileKind::Smime, "ada@example.com"));
        assert_eq!(email.to, "ada@example.com");
        assert!(email.body.contains("https://k/enroll/abc\n"));
        assert!(email.body.contains("Example Org ordered a secure email (S/MIME) certificate for ada@example.com."));
        assert!(email.body.contains("expires in 30 days."));
        assert!(email.subject.contains("Example Org"));
        let server = enrollment_invitation(Lang::En, &invitation(ProfileKind::ServerAuthentication, "www.example.com"));
        assert!(server.body.contains("Example Org ordered a TLS server certificate for www.example.com."));
        let workstation =
            enrollment_invitation(Lang::En, &invitation(ProfileKind::ClientAuthentication, "ws.example.com"));
        assert!(
            workstation.body.contains("ordered a workstation client-authentication certificate for ws.example.com.")
        );
        let one_day = enrollment_invitation(
            Lang::En,
            &Invitation { expires_in_days: 1, ..invitation(ProfileKind::Smime, "ada@example.com") },
        );
        assert!(one_day.body.contains("expires in 1 day."), "{}", one_day.body);
    }

    #[test]
    fn the_french_invitation_says_the_same_in_french() {
        let email = enrollment_invitation(Lang::Fr, &invitation(ProfileKind::Smime, "ada@example.com"));
        assert_eq!(email.to, "ada@example.com");
        assert_eq!(email.subject, "Example Org a commandé un certificat pour vous\u{a0}: créez votre clé");
        assert!(email.body.contains("https://k/enroll/abc\n"));
        assert!(
            email.body.contains(
                "Example Org a commandé un certificat de messagerie sécurisée (S/MIME) pour ada@example.com."
            )
        );
        assert!(email.body.contains("expire dans 30 jours."));
        assert!(email.body.contains("ne sert qu’une fois"));
        let server = enrollment_invitation(Lang::Fr, &invitation(ProfileKind::ServerAuthentication, "www.example.com"));
        assert!(server.body.contains("un certificat de serveur TLS pour www.example.com."));
    }

    #[test]
    fn the_expiry_reminder_says_when_and_what_to_do_to_the_recipient_and_the_notified() {
        let emails = reminder_in(Lang::En, &["IT@example.com".to_owned(), "ada@EXAMPLE.com".to_owned()], 7);
        assert_eq!(
            emails.iter().map(|email| email.to.as_str()).collect::<Vec<_>>(),
            ["ada@example.com", "IT@example.com"]
        );
        assert_eq!(emails[0].subject, "The certificate for ada@example.com expires in 7 days");
        assert!(emails[0].body.starts_with("Hello Ada Lovelace,\n"), "{}", emails[0].body);
        assert!(
            emails[0].body.contains("stops working on 2 December 2027, 14:05 UTC, in 7 days."),
            "{}",
            emails[0].body
        );
        assert!(emails[0].body.contains("Serial number: 4f1c2a\n"));
        assert!(emails[0].body.contains("ask Example Org to order a new certificate"));
        assert!(emails[1].body.contains("This concerns Ada Lovelace (ada@example.com)."), "{}", emails[1].body);
        assert_eq!(reminder_in(Lang::En, &[], 1)[0].subject, "The certificate for ada@example.com expires in 1 day");
        let french = &reminder_in(Lang::Fr, &[], 30)[0];
        assert_eq!(french.subject, "Le certificat pour ada@example.com expire dans 30 jours");
        assert!(
            french.body.contains("cesse de fonctionner le 2 décembre 2027 à 14\u{a0}h\u{a0}05 UTC, dans 30 jours."),
            "{}",
            french.body
        );
    }

    #[test]
    fn the_reminders_on_and_after_the_end_say_so_and_where_it_was_used() {
        use crate::expiry::Threshold;
        let before = &reminder_in(Lang::En, &[], 7)[0];
        assert!(before.body.contains("Used for: signing and encrypting email as ada@example.com\n"), "{}", before.body);
        let day_of = &reminder_at(Lang::En, &[], Threshold::DayOf, NOT_AFTER)[0];
        assert_eq!(day_of.subject, "The certificate for ada@example.com has expired");
        assert!(day_of.body.contains("stopped working on 2 December 2027, 14:05 UTC."), "{}", day_of.body);
        assert!(day_of.body.contains("ask Example Org to order a new certificate now"), "{}", day_of.body);
        let after = &reminder_at(Lang::Fr, &[], Threshold::After(7), NOT_AFTER + 7 * 86_400)[0];
        assert_eq!(after.subject, "Le certificat pour ada@example.com a expiré il y a 7\u{a0}jours");
        assert!(after.body.contains("Utilisé pour\u{a0}: la signature et le chiffrement"), "{}", after.body);
    }

    #[test]
    fn the_issued_email_states_serial_profile_validity_and_download_link() {
        let emails = issued(&[]);
        assert_eq!(emails.len(), 1);
        let email = &emails[0];
        assert_eq!(
            (email.to.as_str(), email.subject.as_str()),
            ("ada@example.com", "Your certificate for ada@example.com is issued")
        );
        assert!(email.body.starts_with("Hello Ada Lovelace,\n"));
        assert!(email.body.contains("Serial number: 4f1c2a\n"));
        let name = ProfileId::SmimeSponsorMultipurpose.profile().display_name(Lang::En);
        assert!(email.body.contains(&format!("Profile: {name}\n")), "{}", email.body);
        assert!(email.body.contains("Valid until: 2 December 2027, 14:05 UTC\n"), "{}", email.body);
        assert!(
            email.body.contains("\nhttps://keyward.example.com/api/v1/certificates/4f1c2a/pem\n"),
            "{}",
            email.body
        );

        let french = &issued_in(Lang::Fr, &[])[0];
        assert_eq!(french.subject, "Votre certificat pour ada@example.com est délivré");
        assert!(french.body.contains("Numéro de série\u{a0}: 4f1c2a\n"));
        let name = ProfileId::SmimeSponsorMultipurpose.profile().display_name(Lang::Fr);
        assert!(french.body.contains(&format!("Profil\u{a0}: {name}\n")), "{}", french.body);
        assert!(
            french.body.contains("Valide jusqu’au\u{a0}: 2 décembre 2027 à 14\u{a0}h\u{a0}05 UTC\n"),
            "{}",
            french.body
        );
        assert!(french.body.contains("\nhttps://keyward.example.com/api/v1/certificates/4f1c2a/pem\n"));
    }

    #[test]
    fn notification_addresses_get_their_own_copy_once() {
        let addresses =
            ["it@example.com", " IT@example.com", "ADA@example.com", "", "boss@example.com"].map(str::to_owned);
        let emails = issued(&addresses);
        let to: Vec<_> = emails.iter().map(|email| email.to.as_str()).collect();
        assert_eq!(to, ["ada@example.com", "it@example.com", "boss@example.com"]);
        let copy = &emails[1];
        assert_eq!(copy.subject, "Certificate issued for ada@example.com");
        assert!(copy.body.starts_with("Hello,\n"));
        assert!(copy.body.contains("(Ada Lovelace, ada@example.com)"));
        assert!(copy.body.contains("names this address for notifications"));
        assert!(copy.body.contains("Serial number: 4f1c2a\n"));
        assert!(!copy.body.contains("the request you sent"));
    }

    #[test]
    fn long_dates_in_both_languages() {
        let check = |instant: i64, english: &str, french: &str| {
            assert_eq!(long_date_time(Lang::En, instant), english);
            assert_eq!(long_date_time(Lang::Fr, instant), french);
        };
        check(0, "1 January 1970, 00:00 UTC", "1 janvier 1970 à 0\u{a0}h\u{a0}00 UTC");
        check(NOT_AFTER, "2 December 2027, 14:05 UTC", "2 décembre 2027 à 14\u{a0}h\u{a0}05 UTC");
        check(951_782_400 + 86_399, "29 February 2000, 23:59 UTC", "29 février 2000 à 23\u{a0}h\u{a0}59 UTC");
    }

    #[test]
    fn account_emails_carry_the_secret_in_both_languages() {
        use crate::lang::Lang;
        for lang in [Lang::En, Lang::Fr] {
            let invitation = account_invitation(
                lang,
                &AccountInvitation {
                    name: "Bob",
                    email: "bob@example.com",
                    account: "Example",
                    inviter: "Ada",
                    temporary_password: "KWT-AAAA",
                    login_url: "https://k/login",
                    expires_in_days: 7,
                },
            );
            assert_eq!(invitation.to, "bob@example.com");
            assert!(invitation.body.contains("    KWT-AAAA\n") && invitation.body.contains("https://k/login"));
            let reset = password_reset(lang, "bob@example.com", "https://k/reset/abc", 60);
            assert!(reset.body.contains("https://k/reset/abc\n"));
        }
        let french = password_reset(Lang::Fr, "b@example.com", "https://k/r", 60);
        assert!(french.body.contains("60\u{a0}minutes") && !french.body.contains(" :"));
    }
}

/// Who asked Keyward for a validation, as its email names them: the person behind the request and their Keyward
/// account. A person who receives a validation email can then tell whether they know who is asking.
#[derive(Clone, Copy, Debug)]
pub struct Requester<'a> {
    /// The Keyward account's name.
    pub account: &'a str,
    /// The name of the user who asked (for an API key: the user who made the key).
    pub user_name: &'a str,
    /// That user's address.
    pub user_email: &'a str,
}

/// `Ada (ada@example.com), of the Keyward account “Example”` and its French form: who asked, as every validation
/// email opens.
fn who_asked(lang: Lang, requester: &Requester<'_>) -> String {
    let Requester { account, user_name, user_email } = *requester;
    match lang {
        Lang::En => format!("{user_name} ({user_email}), of the Keyward account \u{201c}{account}\u{201d},"),
        Lang::Fr => format!("{user_name} ({user_email}), du compte Keyward «{NBSP}{account}{NBSP}»,"),
    }
}

/// The account's organizations as a sentence's list (`A, B and C`), or that it has none yet.
fn organization_list(lang: Lang, organizations: &[String]) -> String {
    let (and, none) = match lang {
        Lang::En => ("and", "none yet"),
        Lang::Fr => ("et", "aucune pour l’instant"),
    };
    match organizations {
        [] => none.to_owned(),
        [only] => only.clone(),
        [first @ .., last] => format!("{} {and} {last}", first.join(", ")),
    }
}

/// The organization verification code, to the organization's first contact: who asked (the account and the
/// person), the code, and what entering it authorizes (certificates naming the organization, ordered by that
/// account, for [`ORGANIZATION_REUSE_DAYS`] days). `expires_in_hours`: the code's lifetime (24).
pub fn organization_verification_code(
    lang: Lang,
    contact_email: &str,
    organization: &str,
    code: &str,
    expires_in_hours: i64,
    requester: &Requester<'_>,
) -> Email {
    let who = who_asked(lang, requester);
    let Requester { account, user_name, .. } = *requester;
    let (subject, body) = match lang {
        Lang::En => (
            format!("Verification code for {organization}: {code}"),
            format!(
                "Hello,\n\n\
                 {who} asked Keyward to validate the organization {organization}, which names you as its \
                 contact.\n\n\
                 Your verification code is:\n\n    {code}\n\n\
                 Entering this code confirms that you speak for {organization} and that the account \
                 \u{201c}{account}\u{201d} may ask for certificates naming it. It validates nothing by itself: the \
                 CA's staff then verify {organization} in an official register and call it at a number they find \
                 themselves; only then, and for {ORGANIZATION_REUSE_DAYS} days, can certificates name it. If you \
                 agree, enter the code on the organization's page in Keyward, or give it to {user_name}. It works \
                 for {expires_in_hours} hours, and {CODE_MAXIMUM_ATTEMPTS} wrong entries end it.\n\n\
                 If you do not know {user_name} or the account \u{201c}{account}\u{201d}, do not share the code; you \
                 can ignore the email.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            format!("Code de vérification pour {organization}{NBSP}: {code}"),
            format!(
                "Bonjour,\n\n\
                 {who} a demandé à Keyward de valider l’organisation {organization}, qui vous désigne comme \
                 contact.\n\n\
                 Votre code de vérification est{NBSP}:\n\n    {code}\n\n\
                 Saisir ce code confirme que vous parlez au nom de {organization} et que le compte \
                 «{NBSP}{account}{NBSP}» peut demander des certificats qui la nomment. Il ne valide rien à lui \
                 seul{NBSP}: le personnel de l’AC vérifie ensuite {organization} dans un registre officiel et \
                 l’appelle à un numéro qu’il trouve lui-même{NBSP}; alors seulement, et pendant \
                 {ORGANIZATION_REUSE_DAYS}{NBSP}jours, des certificats peuvent la nommer. Si vous êtes d’accord, \
                 saisissez le code sur la page de l’organisation dans Keyward, ou donnez-le à {user_name}. Il est valable {expires_in_hours}{NBSP}heures, et \
                 {CODE_MAXIMUM_ATTEMPTS}{NBSP}saisies erronées le désactivent.\n\n\
                 Si vous ne connaissez pas {user_name} ni le compte «{NBSP}{account}{NBSP}», ne communiquez pas ce \
                 code{NBSP}; vous pouvez ignorer ce message.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: contact_email.to_owned(), subject, body, lang }
}

/// A CA administrator's vetting decision, to one of the account's administrators: the organization, the
/// decision, the reason or question, and where to see it (`organization_url`, where a question is answered).
pub fn vetting_decided(
    lang: Lang,
    to: &str,
    organization: &str,
    decision: crate::vetting::Decision,
    message: &str,
    organization_url: &str,
) -> Email {
    use crate::vetting::Decision;
    let (subject, body) = match (lang, decision) {
        (Lang::En, Decision::Validated) => (
            format!("{organization} is validated"),
            format!(
                "Hello,\n\nThe CA's staff verified {organization} and validated it for {ORGANIZATION_REUSE_DAYS} \
                 days: your account can now order certificates that name it.\n\n{organization_url}\n\n-- Keyward\n"
            ),
        ),
        (Lang::En, Decision::Rejected) => (
            format!("{organization} was not validated"),
            format!(
                "Hello,\n\nThe CA's staff could not validate {organization}, for this reason:\n\n    {message}\n\n\
                 Certificates cannot name it. You can answer on the organization's page; the answer goes back to \
                 them.\n\n{organization_url}\n\n-- Keyward\n"
            ),
        ),
        (Lang::En, Decision::InformationRequested) => (
            format!("The CA's staff need more information about {organization}"),
            format!(
                "Hello,\n\nBefore they can validate {organization}, the CA's staff ask:\n\n    {message}\n\n\
                 Answer on the organization's page; the organization then goes back to them.\n\n\
                 {organization_url}\n\n-- Keyward\n"
            ),
        ),
        (Lang::Fr, Decision::Validated) => (
            format!("{organization} est validée"),
            format!(
                "Bonjour,\n\nLe personnel de l’AC a vérifié {organization} et l’a validée pour \
                 {ORGANIZATION_REUSE_DAYS}{NBSP}jours{NBSP}: votre compte peut désormais commander des certificats \
                 qui la nomment.\n\n{organization_url}\n\n-- Keyward\n"
            ),
        ),
        (Lang::Fr, Decision::Rejected) => (
            format!("{organization} n’a pas été validée"),
            format!(
                "Bonjour,\n\nLe personnel de l’AC n’a pas pu valider {organization}, pour cette raison{NBSP}:\n\n\
                 {NBSP}   {message}\n\nAucun certificat ne peut la nommer. Vous pouvez répondre sur la page de \
                 l’organisation{NBSP}; la réponse lui est transmise.\n\n{organization_url}\n\n-- Keyward\n"
            ),
        ),
        (Lang::Fr, Decision::InformationRequested) => (
            format!("Le personnel de l’AC demande des précisions sur {organization}"),
            format!(
                "Bonjour,\n\nAvant de pouvoir valider {organization}, le personnel de l’AC demande{NBSP}:\n\n\
                 {NBSP}   {message}\n\nRépondez sur la page de l’organisation{NBSP}; elle lui est alors \
                 transmise de nouveau.\n\n{organization_url}\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: to.to_owned(), subject, body, lang }
}

/// The domain control link, to one of the domain's constructed addresses (admin@, administrator@, webmaster@,
/// hostmaster@, postmaster@): who asked, and what pressing the button authorizes (for [`DOMAIN_REUSE_DAYS`] days,
/// certificates naming addresses at the domain or hosts under it, ordered by that account for its
/// `organizations`, and any it adds later: a domain validation belongs to the account).
pub fn domain_validation_link(
    lang: Lang,
    to: &str,
    domain: &str,
    url: &str,
    expires_in_hours: i64,
    requester: &Requester<'_>,
    organizations: &[String],
) -> Email {
    let who = who_asked(lang, requester);
    let organizations = organization_list(lang, organizations);
    let Requester { account, user_name, .. } = *requester;
    let (subject, body) = match lang {
        Lang::En => (
            format!("Confirm control of {domain} for Keyward"),
            format!(
                "Hello,\n\n\
                 {who} asked Keyward to confirm that their organization controls the domain {domain}. This email \
                 went to {to}, an address only the domain's administrators receive.\n\n\
                 Pressing the button authorizes Keyward, for {DOMAIN_REUSE_DAYS} days, to issue certificates that \
                 name email addresses at {domain} or host names under it (subdomains included) when the account \
                 \u{201c}{account}\u{201d} orders them, for its organizations ({organizations}) and any it adds \
                 later.\n\n\
                 To confirm, open this link and press the button on the page:\n\n{url}\n\n\
                 The link works for {expires_in_hours} hours. Opening it does not confirm anything: only the button \
                 does.\n\n\
                 If you do not know {user_name} or the account \u{201c}{account}\u{201d}, or do not want them to have \
                 certificates for {domain}, do not press the button; you can ignore this email.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            format!("Confirmez le contrôle de {domain} pour Keyward"),
            format!(
                "Bonjour,\n\n\
                 {who} a demandé à Keyward de confirmer que son organisation contrôle le domaine {domain}. Ce \
                 message a été envoyé à {to}, une adresse que seuls les administrateurs du domaine reçoivent.\n\n\
                 Appuyer sur le bouton autorise Keyward, pendant {DOMAIN_REUSE_DAYS}{NBSP}jours, à émettre des \
                 certificats qui nomment des adresses de {domain} ou des noms d’hôte de ce domaine (sous-domaines \
                 compris) lorsque le compte «{NBSP}{account}{NBSP}» les commande, pour ses organisations \
                 ({organizations}) et celles qu’il ajoutera.\n\n\
                 Pour confirmer, ouvrez ce lien et appuyez sur le bouton de la page{NBSP}:\n\n{url}\n\n\
                 Le lien est valable {expires_in_hours}{NBSP}heures. L’ouvrir ne confirme rien{NBSP}: seul le \
                 bouton le fait.\n\n\
                 Si vous ne connaissez pas {user_name} ni le compte «{NBSP}{account}{NBSP}», ou ne voulez pas qu’ils \
                 obtiennent des certificats pour {domain}, n’appuyez pas sur le bouton{NBSP}; vous pouvez ignorer ce \
                 message.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: to.to_owned(), subject, body, lang }
}

/// The mailbox control link, to the address itself (an address at a public mail provider): who asked, and what
/// pressing the button authorizes (for [`MAILBOX_REUSE_DAYS`] days, certificates for this address ordered by that
/// account for its `organizations`, and any it adds later).
pub fn mailbox_validation_link(
    lang: Lang,
    address: &str,
    url: &str,
    expires_in_hours: i64,
    requester: &Requester<'_>,
    organizations: &[String],
) -> Email {
    let who = who_asked(lang, requester);
    let organizations = organization_list(lang, organizations);
    let Requester { account, user_name, .. } = *requester;
    let (subject, body) = match lang {
        Lang::En => (
            "Confirm your email address for Keyward".to_owned(),
            format!(
                "Hello,\n\n\
                 {who} asked Keyward to confirm that {address} is yours, so that a certificate can be issued for \
                 it.\n\n\
                 Pressing the button authorizes Keyward, for {MAILBOX_REUSE_DAYS} days, to issue certificates for \
                 the address {address} when the account \u{201c}{account}\u{201d} orders them, for its organizations \
                 ({organizations}) and any it adds later.\n\n\
                 To confirm, open this link and press the button on the page:\n\n{url}\n\n\
                 The link works for {expires_in_hours} hours. Opening it does not confirm anything: only the button \
                 does.\n\n\
                 If you do not know {user_name} or the account \u{201c}{account}\u{201d}, do not press the button; \
                 you can ignore this email.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            "Confirmez votre adresse électronique pour Keyward".to_owned(),
            format!(
                "Bonjour,\n\n\
                 {who} a demandé à Keyward de confirmer que l’adresse {address} est la vôtre, afin qu’un \
                 certificat puisse être émis pour elle.\n\n\
                 Appuyer sur le bouton autorise Keyward, pendant {MAILBOX_REUSE_DAYS}{NBSP}jours, à émettre des \
                 certificats pour l’adresse {address} lorsque le compte «{NBSP}{account}{NBSP}» les commande, pour \
                 ses organisations ({organizations}) et celles qu’il ajoutera.\n\n\
                 Pour confirmer, ouvrez ce lien et appuyez sur le bouton de la page{NBSP}:\n\n{url}\n\n\
                 Le lien est valable {expires_in_hours}{NBSP}heures. L’ouvrir ne confirme rien{NBSP}: seul le \
                 bouton le fait.\n\n\
                 Si vous ne connaissez pas {user_name} ni le compte «{NBSP}{account}{NBSP}», n’appuyez pas sur le \
                 bouton{NBSP}; vous pouvez ignorer ce message.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: address.to_owned(), subject, body, lang }
}

#[cfg(test)]
mod validation_mail_tests {
    use super::*;
    use crate::lang::Lang;

    const ASKER: Requester<'static> =
        Requester { account: "Example Holdings", user_name: "Grace Hopper", user_email: "grace@example.com" };

    fn organizations() -> Vec<String> {
        vec!["Example Org".to_owned(), "Example SAS".to_owned()]
    }

    /// The three validation emails in `lang`: the organization code, the domain link, the mailbox link.
    fn validation_emails(lang: Lang) -> [Email; 3] {
        [
            organization_verification_code(lang, "ada@example.com", "Example Org", "01234567", 24, &ASKER),
            domain_validation_link(
                lang,
                "admin@example.com",
                "example.com",
                "https://k/validate/t",
                24,
                &ASKER,
                &organizations(),
            ),
            mailbox_validation_link(lang, "ada@gmail.com", "https://k/validate/u", 24, &ASKER, &organizations()),
        ]
    }

    #[test]
    fn validation_emails_carry_the_code_or_link_in_both_languages() {
        for lang in Lang::ALL {
            let [code, domain, mailbox] = validation_emails(lang);
            assert_eq!(code.to, "ada@example.com");
            assert!(code.body.contains("\n    01234567\n"), "{lang:?}");
            assert!(code.subject.contains("Example Org"));
            assert!(code.body.contains("24"));
            assert_eq!(domain.to, "admin@example.com");
            assert!(domain.body.contains("\nhttps://k/validate/t\n"), "{lang:?}");
            assert!(domain.subject.contains("example.com"));
            assert_eq!(mailbox.to, "ada@gmail.com");
            assert!(mailbox.body.contains("\nhttps://k/validate/u\n") && mailbox.body.contains("ada@gmail.com"));
        }
        let [english, ..] = validation_emails(Lang::En);
        let [french, ..] = validation_emails(Lang::Fr);
        assert!(english.body.contains("verification code") && french.body.contains("code de vérification"));
    }

    /// Each names the account and the person that asked, the organizations it serves, what a click (or the code)
    /// authorizes and for how long, from the validation constants.
    #[test]
    fn validation_emails_say_who_asked_and_what_a_click_authorizes() {
        for lang in Lang::ALL {
            let [code, domain, mailbox] = validation_emails(lang);
            for email in [&code, &domain, &mailbox] {
                for who in ["Example Holdings", "Grace Hopper (grace@example.com)"] {
                    assert!(email.body.contains(who), "{lang:?} lacks {who:?}: {}", email.body);
                }
            }
            let days = |days: i64| match lang {
                Lang::En => format!("for {days} days"),
                Lang::Fr => format!("pendant {days}{NBSP}jours"),
            };
            let authorizes = match lang {
                Lang::En => "authorizes Keyward",
                Lang::Fr => "autorise Keyward",
            };
            // The code confirms a contact; only the CA's staff validate (crate::vetting).
            let confirms = match lang {
                Lang::En => "validates nothing by itself",
                Lang::Fr => "ne valide rien à lui seul",
            };
            assert!(code.body.contains(&days(ORGANIZATION_REUSE_DAYS)) && code.body.contains(confirms), "{code:?}");
            assert!(domain.body.contains(&days(DOMAIN_REUSE_DAYS)) && domain.body.contains(authorizes));
            assert!(mailbox.body.contains(&days(MAILBOX_REUSE_DAYS)) && mailbox.body.contains(authorizes));
            let both = match lang {
                Lang::En => "(Example Org and Example SAS)",
                Lang::Fr => "(Example Org et Example SAS)",
            };
            assert!(domain.body.contains(both) && mailbox.body.contains(both), "{}", domain.body);
        }
        let english = domain_validation_link(Lang::En, "admin@example.com", "example.com", "u", 24, &ASKER, &[]);
        assert!(english.body.contains("email addresses at example.com or host names under it"), "{}", english.body);
        assert!(english.body.contains("for its organizations (none yet) and any it adds later"), "{}", english.body);
        let three = ["A".to_owned(), "B".to_owned(), "C".to_owned()];
        assert_eq!(organization_list(Lang::En, &three), "A, B and C");
        assert_eq!(organization_list(Lang::Fr, &three[..1]), "A");
    }

    #[test]
    fn vetting_decisions_in_both_languages() {
        use crate::vetting::Decision;
        for lang in Lang::ALL {
            for (decision, message) in [
                (Decision::Validated, ""),
                (Decision::Rejected, "Dissolved in 2024."),
                (Decision::InformationRequested, "Send the current register extract."),
            ] {
                let email =
                    vetting_decided(lang, "admin@example.com", "Any Bank PLC", decision, message, "https://k/o");
                assert_eq!(email.to, "admin@example.com");
                assert!(email.subject.contains("Any Bank PLC"), "{email:?}");
                assert!(email.body.contains(message) && email.body.contains("\nhttps://k/o\n"), "{email:?}");
                if lang == Lang::Fr {
                    assert_eq!(tests::typography_problems(&email.subject), Vec::<String>::new(), "{}", email.subject);
                    assert_eq!(tests::typography_problems(&email.body), Vec::<String>::new(), "{}", email.body);
                }
            }
        }
    }

    #[test]
    fn validation_emails_follow_each_language_typography() {
        for email in validation_emails(Lang::Fr) {
            assert_eq!(tests::typography_problems(&email.subject), Vec::<String>::new(), "{}", email.subject);
            assert_eq!(tests::typography_problems(&email.body), Vec::<String>::new(), "{}", email.body);
        }
        for email in validation_emails(Lang::En) {
            assert!(!email.body.contains(NBSP) && !email.body.contains('’'), "{}", email.body);
        }
    }
}

/// The notice that an account's password was changed through a reset link, to the account's address: when, that
/// every session and API key of the user ended, and what to do if the reader did not do it (the password is in
/// someone else's hands: ask for a reset link at once, and tell an administrator).
pub fn password_changed(lang: crate::lang::Lang, email: &str, changed_at: i64, reset_url: &str) -> Email {
    use crate::lang::Lang;
    let when = long_date_time(lang, changed_at);
    let (subject, body) = match lang {
        Lang::En => (
            "Your Keyward password was changed".to_owned(),
            format!(
                "Hello,\n\nThe password of {email} on Keyward was changed with a reset link on {when}.\n\n\
                 Every session of the account ended, and so did the API keys you had made: make new keys for your \
                 scripts.\n\n\
                 If you did not change it, someone else can read your email or had your reset link: ask for a new \
                 reset link at once at {reset_url}, secure your mailbox, and tell your account's administrator.\n\n\
                 -- Keyward\n"
            ),
        ),
        Lang::Fr => (
            "Votre mot de passe Keyward a été changé".to_owned(),
            format!(
                "Bonjour,\n\nLe mot de passe de {email} sur Keyward a été changé avec un lien de réinitialisation \
                 le {when}.\n\nToutes les sessions du compte se sont terminées, ainsi que les clés d’API que vous \
                 aviez créées\u{a0}: créez-en de nouvelles pour vos scripts.\n\n\
                 Si vous ne l’avez pas changé, quelqu’un d’autre lit vos messages ou avait votre lien\u{a0}: \
                 demandez aussitôt un nouveau lien sur {reset_url}, sécurisez votre messagerie et prévenez \
                 l’administrateur de votre compte.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: email.to_owned(), subject, body, lang }
}

#[cfg(test)]
mod password_changed_tests {
    use super::*;

    #[test]
    fn the_password_changed_notice_says_when_what_ended_and_what_to_do_in_both_languages() {
        for (lang, ended, act) in [
            (Lang::En, "API keys", "ask for a new reset link at once"),
            (Lang::Fr, "clés d’API", "demandez aussitôt un nouveau lien"),
        ] {
            let email = password_changed(lang, "ada@example.com", 1_700_000_000, "https://k/reset");
            assert_eq!((email.to.as_str(), email.lang), ("ada@example.com", lang));
            assert!(email.body.contains(&long_date_time(lang, 1_700_000_000)), "{}", email.body);
            assert!(email.body.contains("https://k/reset") && email.body.contains(ended) && email.body.contains(act));
            // French typography: a no-break space before `:`, never a plain one, and the typographic apostrophe.
            let plain_apostrophe = lang == Lang::Fr && email.body.contains('\'');
            assert!(!email.body.contains(" :") && !plain_apostrophe, "{}", email.body);
        }
    }
}
