//! Email templates. Every email is written to the outbox in the same batch as the state change that causes
//! it; an adapter delivers it (development: the development mailbox page).

use crate::profile::ProfileKind;

/// An email ready for the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// The enrollment invitation: the recipient's single-use link. `kind` and `certified` say what the
/// certificate is (`secure email (S/MIME)`, `TLS server`) and for what (the mailbox, the host name).
pub fn enrollment_invitation(
    recipient_name: &str,
    recipient_email: &str,
    organization: &str,
    kind: ProfileKind,
    certified: &str,
    enrollment_url: &str,
    expires_in_days: i64,
) -> Email {
    let kind = kind.description();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    Email {
        to: recipient_email.to_owned(),
        subject: format!("{organization} ordered a certificate for you: create your key"),
        body: format!(
            "Hello {recipient_name},\n\n\
             {organization} ordered {article} {kind} certificate for {certified}.\n\n\
             Open this link to create your key and receive the certificate:\n\n{enrollment_url}\n\n\
             Your private key is created in your browser and never leaves your device. The link works once \
             and expires in {expires_in_days} days. Opening it does not use it: only the button on the page does.\n\n\
             If you did not expect this email, you can ignore it.\n\n-- Keyward\n"
        ),
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
    Email { to: email.to_owned(), subject, body }
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
    Email { to: email.to_owned(), subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invitation_carries_the_link_and_the_address() {
        let email = enrollment_invitation(
            "Ada",
            "ada@example.com",
            "Example Org",
            ProfileKind::Smime,
            "ada@example.com",
            "https://k/enroll/abc",
            30,
        );
        assert_eq!(email.to, "ada@example.com");
        assert!(email.body.contains("https://k/enroll/abc\n"));
        assert!(email.body.contains("Example Org ordered a secure email (S/MIME) certificate for ada@example.com."));
        assert!(email.subject.contains("Example Org"));
        let server = enrollment_invitation(
            "Ada",
            "ada@example.com",
            "Example Org",
            ProfileKind::ServerAuthentication,
            "www.example.com",
            "https://k/enroll/abc",
            30,
        );
        assert!(server.body.contains("Example Org ordered a TLS server certificate for www.example.com."));
        let workstation = enrollment_invitation(
            "Ada",
            "ada@example.com",
            "Example Org",
            ProfileKind::ClientAuthentication,
            "ws.example.com",
            "https://k/enroll/abc",
            30,
        );
        assert!(
            workstation.body.contains("ordered a workstation client-authentication certificate for ws.example.com.")
        );
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

/// The organization verification code, to the organization's first contact. `expires_in_hours`: the code's
/// lifetime (24).
pub fn organization_verification_code(
    lang: crate::lang::Lang,
    contact_email: &str,
    organization: &str,
    code: &str,
    expires_in_hours: i64,
) -> Email {
    use crate::lang::Lang;
    let (subject, body) = match lang {
        Lang::En => (
            format!("Verification code for {organization}: {code}"),
            format!(
                "Hello,\n\n\
                 Someone asked Keyward to validate the organization {organization}, which names you as its contact.\n\n\
                 Your verification code is:\n\n    {code}\n\n\
                 Enter it on the organization's page in Keyward. It works for {expires_in_hours} hours, and five \
                 wrong entries end it.\n\n\
                 If you did not expect this email, do not share the code; you can ignore the email.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            format!("Code de vérification pour {organization} : {code}"),
            format!(
                "Bonjour,\n\n\
                 Quelqu'un a demandé à Keyward de valider l'organisation {organization}, qui vous désigne comme \
                 contact.\n\n\
                 Votre code de vérification est :\n\n    {code}\n\n\
                 Saisissez-le sur la page de l'organisation dans Keyward. Il est valable {expires_in_hours} heures, \
                 et cinq saisies erronées le désactivent.\n\n\
                 Si vous n'attendiez pas ce message, ne communiquez pas ce code ; vous pouvez ignorer ce message.\n\n\
                 -- Keyward\n"
            ),
        ),
    };
    Email { to: contact_email.to_owned(), subject, body }
}

/// The domain control link, to one of the domain's constructed addresses (admin@, administrator@, webmaster@,
/// hostmaster@, postmaster@).
pub fn domain_validation_link(
    lang: crate::lang::Lang,
    to: &str,
    domain: &str,
    url: &str,
    expires_in_hours: i64,
) -> Email {
    use crate::lang::Lang;
    let (subject, body) = match lang {
        Lang::En => (
            format!("Confirm control of {domain} for Keyward"),
            format!(
                "Hello,\n\n\
                 Someone asked Keyward to confirm that their organization controls the domain {domain}, so that \
                 certificates can name addresses at it. This email went to {to}, an address only the domain's \
                 administrators receive.\n\n\
                 To confirm, open this link and press the button on the page:\n\n{url}\n\n\
                 The link works for {expires_in_hours} hours. Opening it does not confirm anything: only the button \
                 does.\n\n\
                 If you do not know who asked, do not press the button; you can ignore this email.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            format!("Confirmez le contrôle de {domain} pour Keyward"),
            format!(
                "Bonjour,\n\n\
                 Quelqu'un a demandé à Keyward de confirmer que son organisation contrôle le domaine {domain}, afin \
                 que des certificats puissent nommer des adresses de ce domaine. Ce message a été envoyé à {to}, \
                 une adresse que seuls les administrateurs du domaine reçoivent.\n\n\
                 Pour confirmer, ouvrez ce lien et appuyez sur le bouton de la page :\n\n{url}\n\n\
                 Le lien est valable {expires_in_hours} heures. L'ouvrir ne confirme rien : seul le bouton le fait.\n\n\
                 Si vous ne savez pas qui l'a demandé, n'appuyez pas sur le bouton ; vous pouvez ignorer ce \
                 message.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: to.to_owned(), subject, body }
}

/// The mailbox control link, to the address itself (an address at a public mail provider).
pub fn mailbox_validation_link(lang: crate::lang::Lang, address: &str, url: &str, expires_in_hours: i64) -> Email {
    use crate::lang::Lang;
    let (subject, body) = match lang {
        Lang::En => (
            "Confirm your email address for Keyward".to_owned(),
            format!(
                "Hello,\n\n\
                 An organization asked Keyward to confirm that {address} is yours, so that a certificate can be \
                 issued for it.\n\n\
                 To confirm, open this link and press the button on the page:\n\n{url}\n\n\
                 The link works for {expires_in_hours} hours. Opening it does not confirm anything: only the button \
                 does.\n\n\
                 If you did not expect this email, do not press the button; you can ignore it.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            "Confirmez votre adresse électronique pour Keyward".to_owned(),
            format!(
                "Bonjour,\n\n\
                 Une organisation a demandé à Keyward de confirmer que l'adresse {address} est la vôtre, afin \
                 qu'un certificat puisse être émis pour elle.\n\n\
                 Pour confirmer, ouvrez ce lien et appuyez sur le bouton de la page :\n\n{url}\n\n\
                 Le lien est valable {expires_in_hours} heures. L'ouvrir ne confirme rien : seul le bouton le fait.\n\n\
                 Si vous n'attendiez pas ce message, n'appuyez pas sur le bouton ; vous pouvez l'ignorer.\n\n\
                 -- Keyward\n"
            ),
        ),
    };
    Email { to: address.to_owned(), subject, body }
}

#[cfg(test)]
mod validation_mail_tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn validation_emails_carry_the_code_or_link_in_both_languages() {
        for lang in Lang::ALL {
            let code = organization_verification_code(lang, "ada@example.com", "Example Org", "01234567", 24);
            assert_eq!(code.to, "ada@example.com");
            assert!(code.body.contains("\n    01234567\n"), "{lang:?}");
            assert!(code.subject.contains("Example Org"));
            assert!(code.body.contains("24"));
            let domain = domain_validation_link(lang, "admin@example.com", "example.com", "https://k/validate/t", 24);
            assert_eq!(domain.to, "admin@example.com");
            assert!(domain.body.contains("\nhttps://k/validate/t\n"), "{lang:?}");
            assert!(domain.subject.contains("example.com"));
            let mailbox = mailbox_validation_link(lang, "ada@gmail.com", "https://k/validate/u", 24);
            assert_eq!(mailbox.to, "ada@gmail.com");
            assert!(mailbox.body.contains("\nhttps://k/validate/u\n") && mailbox.body.contains("ada@gmail.com"));
        }
        let english = organization_verification_code(Lang::En, "a@b.com", "O", "1", 24);
        let french = organization_verification_code(Lang::Fr, "a@b.com", "O", "1", 24);
        assert!(english.body.contains("verification code") && french.body.contains("code de vérification"));
    }
}
