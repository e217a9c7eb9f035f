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
