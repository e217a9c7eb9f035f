//! Notices about a certificate or an order that changed (issue 14.5): the "renewed but not picked up"
//! escalation ([`escalation`]), revocation and supersession ([`revocation_notice`]) and order cancellation
//! ([`cancellation_notice`]). Each goes to the recipient in their language and to every other reader (the
//! order's notification addresses, the account's administrators) in theirs ([`super::to_readers`]).

use super::{Email, IssuedCertificate, NBSP, Reader, long_date_time, to_readers, used_for};
use crate::lang::Lang;
use crate::revocation::RevocationReason;

/// What the escalation email says.
#[derive(Clone, Copy, Debug)]
pub struct Escalation<'a> {
    /// The certificate that ends soon (its facts; `notification_emails` is not read).
    pub old: IssuedCertificate<'a>,
    /// The serial number of the certificate that replaced it.
    pub replacement_serial: &'a str,
    /// The replacement's end of validity.
    pub replacement_not_after: i64,
    /// The one action that picks the replacement up.
    pub pick_up: PickUp<'a>,
}

/// How a replacement is picked up: the one action the escalation names.
#[derive(Clone, Copy, Debug)]
pub enum PickUp<'a> {
    /// A server's certificate (the order gave a CSR): fetch it from the sync endpoint with the account's API key.
    Sync {
        /// `{origin}/api/v1/orders/{id}/recipients/{position}/certificate/current`.
        url: &'a str,
    },
    /// A key made in the browser: the recipient opens the renewal's enrollment link and saves the bundle.
    Enrollment {
        /// The order's page in the console, where the link can be sent again.
        order_url: &'a str,
    },
}

/// The escalation: the replacement of a certificate that ends soon was not picked up (downloaded, fetched or
/// confirmed saved). It names both certificates, where the new one is used as far as Keyward knows (what it
/// certifies, and that nothing has fetched it yet), and the one action.
pub fn escalation(recipient_lang: Lang, others: &[Reader], escalation: &Escalation<'_>, now: i64) -> Vec<Email> {
    let old = &escalation.old;
    to_readers(old.recipient_email, recipient_lang, others, |lang, to, to_recipient| {
        escalation_email(lang, escalation, now, to, to_recipient)
    })
}

fn escalation_email(lang: Lang, escalation: &Escalation<'_>, now: i64, to: &str, to_recipient: bool) -> Email {
    let Escalation { old, replacement_serial, replacement_not_after, pick_up } = *escalation;
    let IssuedCertificate { recipient_name, recipient_email, organization, certified, serial, .. } = old;
    let until = long_date_time(lang, old.not_after);
    let new_until = long_date_time(lang, replacement_not_after);
    let used = used_for(lang, old.profile.kind, certified);
    let days_left = crate::expiry::days_left(old.not_after, now);
    let (subject, body) = match lang {
        Lang::En => {
            let greeting = if to_recipient {
                format!("Hello {recipient_name},")
            } else {
                format!("Hello,\n\nThis concerns {recipient_name} ({recipient_email}).")
            };
            let action = match pick_up {
                PickUp::Sync { url } => format!(
                    "Install the new certificate where the old one is used: fetch it with the account's API key from \
                     {url} (the README's sync recipe does it and reloads the server)."
                ),
                PickUp::Enrollment { order_url } => format!(
                    "{recipient_name} opens the renewal's enrollment link sent to {recipient_email} and saves the \
                     new certificate (the page records it). The order, where the link can be sent again: {order_url}"
                ),
            };
            (
                format!("Action needed: the renewed certificate for {certified} was not picked up"),
                format!(
                    "{greeting}\n\n\
                     The certificate {organization} ordered for {certified} ends on {until}, in {days_left} days. \
                     It was renewed, but the new certificate has not been picked up: nothing has downloaded, \
                     fetched or saved it yet. Wherever the old one is used, it will stop working on {until}.\n\n\
                     Ending: serial number {serial}, until {until}\n\
                     Replacement: serial number {replacement_serial}, until {new_until}\n\
                     Used for: {used}\n\
                     Picked up: not yet, anywhere Keyward knows of\n\n\
                     What to do: {action}\n\n-- Keyward\n"
                ),
            )
        }
        Lang::Fr => {
            let greeting = if to_recipient {
                format!("Bonjour {recipient_name},")
            } else {
                format!("Bonjour,\n\nCe message concerne {recipient_name} ({recipient_email}).")
            };
            let action = match pick_up {
                PickUp::Sync { url } => format!(
                    "Installez le nouveau certificat là où l’ancien sert{NBSP}: récupérez-le avec la clé d’API du \
                     compte à l’adresse {url} (la recette de synchronisation du README le fait et recharge le \
                     serveur)."
                ),
                PickUp::Enrollment { order_url } => format!(
                    "{recipient_name} ouvre le lien d’inscription du renouvellement envoyé à {recipient_email} et \
                     enregistre le nouveau certificat (la page le note). La commande, d’où le lien peut être \
                     renvoyé{NBSP}: {order_url}"
                ),
            };
            (
                format!("Action requise{NBSP}: le certificat renouvelé pour {certified} n’a pas été récupéré"),
                format!(
                    "{greeting}\n\n\
                     Le certificat que {organization} a commandé pour {certified} prend fin le {until}, dans \
                     {days_left}{NBSP}jours. Il a été renouvelé, mais le nouveau certificat n’a pas été \
                     récupéré{NBSP}: rien ne l’a encore téléchargé, récupéré ni enregistré. Partout où l’ancien \
                     sert, il cessera de fonctionner le {until}.\n\n\
                     Prend fin{NBSP}: numéro de série {serial}, jusqu’au {until}\n\
                     Remplaçant{NBSP}: numéro de série {replacement_serial}, jusqu’au {new_until}\n\
                     Utilisé pour{NBSP}: {used}\n\
                     Récupéré{NBSP}: pas encore, nulle part à la connaissance de Keyward\n\n\
                     À faire{NBSP}: {action}\n\n-- Keyward\n"
                ),
            )
        }
    };
    Email { to: to.to_owned(), subject, body, lang }
}

/// A certificate's revocation notice, at `revoked_at` for `reason`; `superseded` reads as "replaced by a newer
/// certificate" (a reissue), any other reason as a revocation. The action: replace it where it is used (unless
/// superseded: the replacement is the one to use).
pub fn revocation_notice(
    recipient_lang: Lang,
    others: &[Reader],
    certificate: &IssuedCertificate<'_>,
    reason: RevocationReason,
    revoked_at: i64,
) -> Vec<Email> {
    to_readers(certificate.recipient_email, recipient_lang, others, |lang, to, to_recipient| {
        revocation_email(lang, certificate, reason, revoked_at, to, to_recipient)
    })
}

fn revocation_email(
    lang: Lang,
    certificate: &IssuedCertificate<'_>,
    reason: RevocationReason,
    revoked_at: i64,
    to: &str,
    to_recipient: bool,
) -> Email {
    let IssuedCertificate { recipient_name, recipient_email, organization, certified, serial, .. } = *certificate;
    let at = long_date_time(lang, revoked_at);
    let used = used_for(lang, certificate.profile.kind, certified);
    let superseded = reason == RevocationReason::Superseded;
    let (subject, body) = match lang {
        Lang::En => {
            let greeting = if to_recipient {
                format!("Hello {recipient_name},")
            } else {
                format!("Hello,\n\nThis concerns {recipient_name} ({recipient_email}).")
            };
            let (subject, what, action) = if superseded {
                (
                    format!("The certificate for {certified} was replaced"),
                    "was replaced by a newer certificate and revoked".to_owned(),
                    "Use the new certificate wherever the old one was installed; the old one no longer works."
                        .to_owned(),
                )
            } else {
                (
                    format!("The certificate for {certified} was revoked"),
                    format!("was revoked (reason: {})", reason.as_str()),
                    format!(
                        "It no longer works. If it is still needed, ask {organization} to order a new certificate."
                    ),
                )
            };
            (
                subject,
                format!(
                    "{greeting}\n\n\
                     The certificate {organization} ordered for {certified} {what} on {at}.\n\n\
                     Used for: {used}\n\
                     Serial number: {serial}\n\n\
                     {action}\n\n-- Keyward\n"
                ),
            )
        }
        Lang::Fr => {
            let greeting = if to_recipient {
                format!("Bonjour {recipient_name},")
            } else {
                format!("Bonjour,\n\nCe message concerne {recipient_name} ({recipient_email}).")
            };
            let (subject, what, action) = if superseded {
                (
                    format!("Le certificat pour {certified} a été remplacé"),
                    "a été remplacé par un certificat plus récent et révoqué".to_owned(),
                    format!(
                        "Utilisez le nouveau certificat partout où l’ancien était installé{NBSP}; l’ancien ne \
                         fonctionne plus."
                    ),
                )
            } else {
                (
                    format!("Le certificat pour {certified} a été révoqué"),
                    format!("a été révoqué (motif{NBSP}: {})", reason.as_str()),
                    format!(
                        "Il ne fonctionne plus. S’il reste nécessaire, demandez à {organization} de commander un \
                         nouveau certificat."
                    ),
                )
            };
            (
                subject,
                format!(
                    "{greeting}\n\n\
                     Le certificat que {organization} a commandé pour {certified} {what} le {at}.\n\n\
                     Utilisé pour{NBSP}: {used}\n\
                     Numéro de série{NBSP}: {serial}\n\n\
                     {action}\n\n-- Keyward\n"
                ),
            )
        }
    };
    Email { to: to.to_owned(), subject, body, lang }
}

/// What a cancellation notice says about one recipient of a cancelled order.
#[derive(Clone, Copy, Debug)]
pub struct CertificateNotice<'a> {
    /// How to greet the recipient.
    pub recipient_name: &'a str,
    /// The recipient's address.
    pub recipient_email: &'a str,
    /// The organization that ordered.
    pub organization: &'a str,
    /// What the certificate is (or was to be) for: the mailbox or the host name.
    pub certified: &'a str,
    /// The order number.
    pub order_id: &'a str,
    /// The serial number of the certificate already issued to this recipient, if any (it stays valid).
    pub issued_serial: Option<&'a str>,
}

/// The notice that an order was cancelled at `cancelled_at`, for one of its recipients: their link no longer
/// works, or, when their certificate was already issued, that it stays valid.
pub fn cancellation_notice(
    recipient_lang: Lang,
    others: &[Reader],
    notice: &CertificateNotice<'_>,
    cancelled_at: i64,
) -> Vec<Email> {
    to_readers(notice.recipient_email, recipient_lang, others, |lang, to, to_recipient| {
        cancellation_email(lang, notice, cancelled_at, to, to_recipient)
    })
}

fn cancellation_email(
    lang: Lang,
    notice: &CertificateNotice<'_>,
    cancelled_at: i64,
    to: &str,
    to_recipient: bool,
) -> Email {
    let CertificateNotice { recipient_name, recipient_email, organization, certified, order_id, issued_serial } =
        *notice;
    let at = long_date_time(lang, cancelled_at);
    let (subject, body) = match lang {
        Lang::En => {
            let greeting = if to_recipient {
                format!("Hello {recipient_name},")
            } else {
                format!("Hello,\n\nThis concerns {recipient_name} ({recipient_email}).")
            };
            let outcome = match issued_serial {
                Some(serial) => format!(
                    "The certificate already issued (serial number {serial}) stays valid; nothing else will be issued."
                ),
                None => "Its enrollment link no longer works and no certificate will be issued. If one is still \
                         needed, ask for a new order."
                    .to_owned(),
            };
            (
                format!("The order for {certified} was cancelled"),
                format!(
                    "{greeting}\n\n{organization} cancelled order {order_id}, for {certified}, on {at}.\n\n\
                     {outcome}\n\n-- Keyward\n"
                ),
            )
        }
        Lang::Fr => {
            let greeting = if to_recipient {
                format!("Bonjour {recipient_name},")
            } else {
                format!("Bonjour,\n\nCe message concerne {recipient_name} ({recipient_email}).")
            };
            let outcome = match issued_serial {
                Some(serial) => format!(
                    "Le certificat déjà délivré (numéro de série {serial}) reste valide{NBSP}; rien d’autre ne sera \
                     délivré."
                ),
                None => "Son lien d’inscription ne fonctionne plus et aucun certificat ne sera délivré. S’il en faut \
                         encore un, demandez une nouvelle commande."
                    .to_owned(),
            };
            (
                format!("La commande pour {certified} a été annulée"),
                format!(
                    "{greeting}\n\n{organization} a annulé la commande {order_id}, pour {certified}, le {at}.\n\n\
                     {outcome}\n\n-- Keyward\n"
                ),
            )
        }
    };
    Email { to: to.to_owned(), subject, body, lang }
}

/// Every notice in `lang`, to the recipient and to one other reader in the same language, for the checks on
/// every template (`super::tests`: typography, greeting).
#[cfg(test)]
pub(super) fn every_notice(lang: Lang) -> Vec<Email> {
    let others = [Reader { email: "it@example.com".to_owned(), lang }];
    let mut emails = Vec::new();
    for pick_up in [PickUp::Sync { url: tests::SYNC_URL }, PickUp::Enrollment { order_url: tests::ORDER_URL }] {
        emails.extend(escalation(lang, &others, &tests::escalation_facts(pick_up), tests::NOT_AFTER - 7 * 86_400));
    }
    for reason in RevocationReason::ALL {
        emails.extend(revocation_notice(lang, &others, &tests::certificate(), reason, tests::NOT_AFTER - 86_400));
    }
    for issued_serial in [None, Some("4f1c2a")] {
        let notice = tests::cancellation_facts(issued_serial);
        emails.extend(cancellation_notice(lang, &others, &notice, tests::NOT_AFTER - 86_400));
    }
    emails
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileId;

    /// 2027-12-02 14:05:09 UTC.
    pub(super) const NOT_AFTER: i64 = 1_827_756_309;
    pub(super) const SYNC_URL: &str = "https://k/api/v1/orders/o1/recipients/0/certificate/current";
    pub(super) const ORDER_URL: &str = "https://k/console/orders/o1";

    pub(super) fn certificate() -> IssuedCertificate<'static> {
        IssuedCertificate {
            recipient_name: "Ada Lovelace",
            recipient_email: "ada@example.com",
            notification_emails: &[],
            organization: "Example Org",
            profile: ProfileId::SmimeSponsorMultipurpose.profile(),
            certified: "ada@example.com",
            serial: "4f1c2a",
            not_after: NOT_AFTER,
            origin: "https://k",
        }
    }

    pub(super) fn escalation_facts(pick_up: PickUp<'static>) -> Escalation<'static> {
        Escalation {
            old: certificate(),
            replacement_serial: "9b8e77",
            replacement_not_after: NOT_AFTER + 365 * 86_400,
            pick_up,
        }
    }

    pub(super) fn cancellation_facts(issued_serial: Option<&'static str>) -> CertificateNotice<'static> {
        CertificateNotice {
            recipient_name: "Ada Lovelace",
            recipient_email: "ada@example.com",
            organization: "Example Org",
            certified: "ada@example.com",
            order_id: "o1",
            issued_serial,
        }
    }

    fn reader(email: &str, lang: Lang) -> Reader {
        Reader { email: email.to_owned(), lang }
    }

    /// (recipient's language, other readers) → (address, language) of each email, in order.
    /// A case: name, the recipient's language, the other readers → each email's (address, language).
    type ReadersCase<'a> = (&'a str, Lang, Vec<Reader>, Vec<(&'a str, Lang)>);

    fn check_readers(cases: &[ReadersCase]) {
        for (name, recipient_lang, others, expected) in cases {
            let emails = revocation_notice(*recipient_lang, others, &certificate(), RevocationReason::Superseded, 0);
            let actual: Vec<(&str, Lang)> = emails.iter().map(|email| (email.to.as_str(), email.lang)).collect();
            assert_eq!(&actual, expected, "{name}");
            for email in &emails {
                let french = email.body.starts_with("Bonjour");
                assert_eq!(french, email.lang == Lang::Fr, "{name}: {} is written in its language", email.to);
            }
        }
    }

    #[test]
    fn each_reader_reads_in_their_own_language() {
        use Lang::{En, Fr};
        check_readers(&[
            ("the recipient alone", Fr, vec![], vec![("ada@example.com", Fr)]),
            (
                "a French recipient, an English administrator, a French notification address",
                Fr,
                vec![reader("admin@example.com", En), reader("it@example.com", Fr)],
                vec![("ada@example.com", Fr), ("admin@example.com", En), ("it@example.com", Fr)],
            ),
            (
                "the recipient's own address among the readers: once, in the recipient's language",
                En,
                vec![reader("ADA@example.com", Fr), reader(" ", Fr)],
                vec![("ada@example.com", En)],
            ),
            (
                "an administrator who is also a notification address: once, the first reader's language",
                En,
                vec![reader("it@example.com", Fr), reader("It@Example.com", En)],
                vec![("ada@example.com", En), ("it@example.com", Fr)],
            ),
        ]);
    }

    #[test]
    fn the_escalation_names_both_certificates_where_the_new_one_is_used_and_the_one_action() {
        for lang in [Lang::En, Lang::Fr] {
            for (pick_up, action) in
                [(PickUp::Sync { url: SYNC_URL }, SYNC_URL), (PickUp::Enrollment { order_url: ORDER_URL }, ORDER_URL)]
            {
                let emails = escalation(lang, &[], &escalation_facts(pick_up), NOT_AFTER - 7 * 86_400);
                let body = &emails[0].body;
                for needle in ["4f1c2a", "9b8e77", action, "ada@example.com"] {
                    assert!(body.contains(needle), "{lang:?}: {needle} in {body}");
                }
                assert!(body.contains(" 7 days") || body.contains("7\u{a0}jours"), "{body}");
            }
        }
    }

    #[test]
    fn supersession_and_revocation_read_differently() {
        let superseded = revocation_notice(Lang::En, &[], &certificate(), RevocationReason::Superseded, 0);
        let compromised = revocation_notice(Lang::En, &[], &certificate(), RevocationReason::KeyCompromise, 0);
        assert!(superseded[0].subject.contains("replaced"), "{}", superseded[0].subject);
        assert!(compromised[0].subject.contains("revoked"), "{}", compromised[0].subject);
        assert!(compromised[0].body.contains("key_compromise"), "{}", compromised[0].body);
        let cancelled = cancellation_notice(Lang::Fr, &[], &cancellation_facts(Some("4f1c2a")), 0);
        assert!(cancelled[0].body.contains("reste valide"), "{}", cancelled[0].body);
    }
}
