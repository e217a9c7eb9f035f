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
}
