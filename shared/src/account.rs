//! Accounts, users and how they prove who they are: roles, password verifiers, temporary passwords, sessions,
//! API keys, login throttling and the cross-site request check. Pure: the caller passes time and random bytes.
//!
//! ## Passwords: which KDF, where, and why
//!
//! A Worker on the free plan has 10 ms of CPU per request. PBKDF2-HMAC-SHA256 at OWASP's 600,000 iterations costs
//! about 100 ms natively on this class of machine (17 ms at 100,000), Argon2id or scrypt at useful memory sizes
//! cost more, and workerd refuses PBKDF2 above 100,000 iterations. So the slow part runs where CPU is free: the
//! browser derives a 256-bit *password key* with PBKDF2-HMAC-SHA256, [`PASSWORD_KDF_ITERATIONS`] iterations, salt
//! [`password_salt`] (a fixed label and the address: unique per user, known before login so the answer to "which
//! salt?" cannot tell whether an account exists). The Worker stores `SHA-256(random salt || key)` and compares in
//! constant time: one hash per login. A stolen table forces an attacker through 600,000 iterations per guess per
//! user, as server-side PBKDF2 would; the key itself works as a password (as the password does), so it travels
//! only over TLS and is never logged. This is Bitwarden's design (client PBKDF2, server hash of the result).
//!
//! A temporary password is 160 random bits written as [`TemporaryPassword`] (`KWT-XXXX-…`): high entropy needs no
//! slow KDF, so it is sent as typed and stored as its SHA-256. The login page recognizes the format; a chosen
//! password may not take it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::{base64url_decode, base64url_encode, hex};

/// PBKDF2-HMAC-SHA256 iterations the browser runs to derive the password key (OWASP 2023 for PBKDF2-SHA256).
pub const PASSWORD_KDF_ITERATIONS: u32 = 600_000;

/// Bytes of the derived password key.
pub const PASSWORD_KEY_BYTES: usize = 32;

/// Shortest password a person may choose, in characters (NIST SP 800-63B asks for 8 at least; we ask 12).
pub const MINIMUM_PASSWORD_CHARACTERS: usize = 12;

/// Longest password accepted, in characters.
pub const MAXIMUM_PASSWORD_CHARACTERS: usize = 256;

/// How long a temporary password works, in seconds (7 days).
pub const TEMPORARY_PASSWORD_LIFETIME_SECONDS: i64 = 7 * 24 * 60 * 60;

/// How long a password reset link works, in seconds (1 hour).
pub const PASSWORD_RESET_LIFETIME_SECONDS: i64 = 60 * 60;

/// A session ends after this long without a request, in seconds (12 hours).
pub const SESSION_IDLE_SECONDS: i64 = 12 * 60 * 60;

/// A session ends this long after login whatever happens, in seconds (7 days).
pub const SESSION_ABSOLUTE_SECONDS: i64 = 7 * 24 * 60 * 60;

/// The session's `last_seen_at` is written at most this often, in seconds, so reading pages does not write.
pub const SESSION_TOUCH_SECONDS: i64 = 5 * 60;

/// The session cookie's name. The `__Host-` prefix makes the browser refuse it unless it is `Secure`, has
/// `Path=/` and no `Domain`, so no sibling host can set or shadow it.
pub const SESSION_COOKIE: &str = "__Host-keyward_session";

/// The salt of the browser's password KDF for an address: a fixed, versioned label, then the address trimmed
/// and lower-cased, as accounts are looked up (so `Ada@Example.com` and `ada@example.com` are one account with one
/// key). Unique per user and per deployment of this scheme.
pub fn password_salt(email: &str) -> Vec<u8> {
    let mut salt = b"keyward/password/v1\0".to_vec();
    salt.extend_from_slice(email.trim().to_lowercase().as_bytes());
    salt
}

/// Roles. A CA administrator belongs to no account; the two others belong to exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the CA: validates organizations, approves server requests, revokes anything.
    CaAdmin,
    /// Runs an account: users, API keys, organizations, domains, orders.
    OrgAdmin,
    /// Places and follows orders of their account.
    OrgUser,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CaAdmin => "ca_admin",
            Self::OrgAdmin => "org_admin",
            Self::OrgUser => "org_user",
        }
    }

    /// Reads the stored and wire form.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::CaAdmin, Self::OrgAdmin, Self::OrgUser].into_iter().find(|role| role.as_str() == text)
    }
}

/// The password key the browser derived, as the login and password forms send it (base64url, 43 characters).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordKey([u8; PASSWORD_KEY_BYTES]);

impl PasswordKey {
    /// Reads the base64url form; anything else is refused.
    pub fn parse(text: &str) -> Result<Self, AccountError> {
        base64url_decode(text)
            .and_then(|bytes| <[u8; PASSWORD_KEY_BYTES]>::try_from(bytes.as_slice()).ok())
            .map(Self)
            .ok_or(AccountError::PasswordKeyMalformed)
    }

    /// From the derived bytes (the browser's side).
    pub fn from_bytes(bytes: [u8; PASSWORD_KEY_BYTES]) -> Self {
        Self(bytes)
    }

    /// The base64url form the browser sends.
    pub fn encode(&self) -> String {
        base64url_encode(&self.0)
    }

    /// What the database stores for this key under `salt` (16 random bytes drawn at each password change).
    pub fn verifier(&self, salt: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(salt);
        hasher.update(self.0);
        hex(&hasher.finalize())
    }

    /// True when this key matches the stored verifier, compared in constant time.
    pub fn matches(&self, salt: &[u8], stored_verifier: &str) -> bool {
        constant_time_eq(self.verifier(salt).as_bytes(), stored_verifier.as_bytes())
    }
}

impl core::fmt::Debug for PasswordKey {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str("PasswordKey(…)")
    }
}

/// Bytes of randomness in a temporary password (160 bits).
pub const TEMPORARY_PASSWORD_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// An emailed temporary password: `KWT-` then 32 base32 characters in groups of four (160 random bits).
#[derive(Clone, PartialEq, Eq)]
pub struct TemporaryPassword(String);

impl TemporaryPassword {
    /// Writes freshly drawn random bytes.
    pub fn from_random(random: [u8; TEMPORARY_PASSWORD_BYTES]) -> Self {
        let mut characters = String::with_capacity(32);
        let mut buffer = 0u64;
        let mut bits = 0;
        for byte in random {
            buffer = (buffer << 8) | u64::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                characters.push(BASE32[((buffer >> bits) & 31) as usize] as char);
            }
        }
        let groups: Vec<&str> = (0..8).map(|group| &characters[group * 4..group * 4 + 4]).collect();
        Self(format!("KWT-{}", groups.join("-")))
    }

    /// Recognizes a temporary password as a person pastes or types it: case, spaces and the hyphens do not
    /// matter. `None` when the text does not have the form (then it is a chosen password).
    pub fn recognize(text: &str) -> Option<Self> {
        let compact: String =
            text.chars().filter(|character| !character.is_whitespace() && *character != '-').collect();
        let compact = compact.to_ascii_uppercase();
        let body = compact.strip_prefix("KWT")?;
        if body.len() != 32 || !body.bytes().all(|byte| BASE32.contains(&byte)) {
            return None;
        }
        let groups: Vec<&str> = (0..8).map(|group| &body[group * 4..group * 4 + 4]).collect();
        Some(Self(format!("KWT-{}", groups.join("-"))))
    }

    /// The canonical form, as emailed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database stores (SHA-256 of the canonical form, hex).
    pub fn verifier(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }

    /// True when this matches the stored verifier, compared in constant time.
    pub fn matches(&self, stored_verifier: &str) -> bool {
        constant_time_eq(self.verifier().as_bytes(), stored_verifier.as_bytes())
    }
}

impl core::fmt::Debug for TemporaryPassword {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str("TemporaryPassword(…)")
    }
}

/// Checks a password a person chooses (the browser checks it before deriving the key; the strength estimate
/// in [`crate::password`] also applies there). The Worker never sees the password, only its key.
pub fn check_new_password(password: &str) -> Result<(), AccountError> {
    let characters = password.chars().count();
    if characters < MINIMUM_PASSWORD_CHARACTERS {
        return Err(AccountError::PasswordTooShort);
    }
    if characters > MAXIMUM_PASSWORD_CHARACTERS {
        return Err(AccountError::PasswordTooLong);
    }
    if TemporaryPassword::recognize(password).is_some() {
        return Err(AccountError::PasswordLooksTemporary);
    }
    Ok(())
}

/// Bytes of randomness in an API key (256 bits).
pub const API_KEY_BYTES: usize = 32;

/// An API key: `kw_` then 43 base64url characters. Shown once; only its SHA-256 is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Writes freshly drawn random bytes.
    pub fn from_random(random: [u8; API_KEY_BYTES]) -> Self {
        Self(format!("kw_{}", base64url_encode(&random)))
    }

    /// Reads a key from an `Authorization: Bearer` header value.
    pub fn parse(text: &str) -> Option<Self> {
        let body = text.strip_prefix("kw_")?;
        let bytes = base64url_decode(body)?;
        (bytes.len() == API_KEY_BYTES).then(|| Self(text.to_owned()))
    }

    /// The key, to show once.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first characters, shown in lists so a person can tell keys apart (not enough to guess the rest).
    pub fn prefix(&self) -> &str {
        &self.0[..10]
    }

    /// What the database stores and looks up (SHA-256 hex; a lookup by hash is not a secret-dependent compare).
    pub fn hash_hex(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

impl core::fmt::Debug for ApiKey {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str("ApiKey(…)")
    }
}

/// A session as stored. Its token is a [`crate::link::Token`] (256 bits) kept only as a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    /// Login time.
    pub created_at: i64,
    /// Last request that refreshed it.
    pub last_seen_at: i64,
    /// When it ends unless used: the earlier of idle and absolute limits.
    pub expires_at: i64,
    /// When it was ended by logout, a password change or an administrator.
    pub revoked_at: Option<i64>,
}

impl Session {
    /// A new session at `now`.
    pub fn new(now: i64) -> Self {
        Self { created_at: now, last_seen_at: now, expires_at: now + SESSION_IDLE_SECONDS, revoked_at: None }
    }

    /// True while it lets its holder in.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }

    /// The refreshed session to store after a request at `now`, or `None` when nothing needs writing yet.
    pub fn touch(&self, now: i64) -> Option<Session> {
        if now - self.last_seen_at < SESSION_TOUCH_SECONDS {
            return None;
        }
        let expires_at = (now + SESSION_IDLE_SECONDS).min(self.created_at + SESSION_ABSOLUTE_SECONDS);
        Some(Session { last_seen_at: now, expires_at, ..*self })
    }
}

/// Limits on failed logins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed in a window before the lock.
    pub failures: i64,
    /// Window length, seconds.
    pub window_seconds: i64,
    /// Lock length, seconds.
    pub lock_seconds: i64,
}

/// Per submitted address (account or not): 5 failures in 15 minutes lock it for 15 minutes.
pub const ADDRESS_THROTTLE: ThrottlePolicy = ThrottlePolicy { failures: 5, window_seconds: 900, lock_seconds: 900 };

/// Per client network address: 50 failures in 15 minutes lock it for 15 minutes.
pub const CLIENT_THROTTLE: ThrottlePolicy = ThrottlePolicy { failures: 50, window_seconds: 900, lock_seconds: 900 };

/// Failed logins counted under one key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Throttle {
    /// Failures in the current window.
    pub failures: i64,
    /// Start of the current window.
    pub window_start: i64,
    /// Until when logins under this key are refused.
    pub locked_until: Option<i64>,
}

impl Throttle {
    /// Refuses while locked.
    pub fn check(&self, now: i64) -> Result<(), AccountError> {
        match self.locked_until {
            Some(until) if now < until => Err(AccountError::Locked { until }),
            _ => Ok(()),
        }
    }

    /// The state after one more failure at `now`.
    pub fn fail(&self, now: i64, policy: ThrottlePolicy) -> Throttle {
        let in_window = now - self.window_start < policy.window_seconds && self.locked_until.is_none_or(|u| now < u);
        let (failures, window_start) = if in_window { (self.failures + 1, self.window_start) } else { (1, now) };
        let locked_until = (failures >= policy.failures).then_some(now + policy.lock_seconds);
        Throttle { failures, window_start, locked_until }
    }
}

/// Why a request to prove an identity cannot go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountError {
    /// The address and password do not match an active account (which of the two is wrong is not said).
    CredentialsInvalid,
    /// Too many failed logins; try again after `until`.
    Locked {
        /// When logins are accepted again.
        until: i64,
    },
    /// The request must carry a password key or a temporary password, exactly one.
    PasswordMissing,
    /// The password key is not 32 bytes of base64url.
    PasswordKeyMalformed,
    /// A chosen password shorter than [`MINIMUM_PASSWORD_CHARACTERS`].
    PasswordTooShort,
    /// A chosen password longer than [`MAXIMUM_PASSWORD_CHARACTERS`].
    PasswordTooLong,
    /// A chosen password has the form of a temporary password.
    PasswordLooksTemporary,
    /// The temporary password must be replaced before anything else.
    PasswordChangeRequired,
    /// No session or API key, or an ended one.
    Unauthenticated,
    /// The role or account does not allow this.
    Forbidden,
    /// A state-changing request with a session cookie that did not come from Keyward's own pages.
    CrossSiteRequest,
}

impl AccountError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::CredentialsInvalid => "credentials_invalid",
            Self::Locked { .. } => "login_locked",
            Self::PasswordMissing => "password_missing",
            Self::PasswordKeyMalformed => "password_key_malformed",
            Self::PasswordTooShort => "password_too_short",
            Self::PasswordTooLong => "password_too_long",
            Self::PasswordLooksTemporary => "password_looks_temporary",
            Self::PasswordChangeRequired => "password_change_required",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::CrossSiteRequest => "cross_site_request",
        }
    }

    /// The request field the error is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::CredentialsInvalid | Self::Locked { .. } | Self::PasswordMissing => Some("password"),
            Self::PasswordKeyMalformed => Some("password_key"),
            Self::PasswordTooShort | Self::PasswordTooLong | Self::PasswordLooksTemporary => Some("new_password"),
            Self::PasswordChangeRequired => Some("new_password"),
            // The credential: the session cookie or the `Authorization` header.
            Self::Unauthenticated | Self::Forbidden => Some("authorization"),
            Self::CrossSiteRequest => Some("origin"),
        }
    }
}

impl core::fmt::Display for AccountError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::CredentialsInvalid => formatter.write_str(
                "The email address or the password is not right. Check both; after five failures logins are paused \
                 for fifteen minutes. Forgot the password? Ask for a reset link.",
            ),
            Self::Locked { until } => write!(
                formatter,
                "Too many failed logins for this address. Try again after {} (UTC), or ask for a password reset \
                 link.",
                crate::encoding::utc_date_time(*until)
            ),
            Self::PasswordMissing => formatter.write_str("Enter your password."),
            Self::PasswordKeyMalformed => {
                formatter.write_str("The password was not sent in the expected form. Reload the page and try again.")
            }
            Self::PasswordTooShort => write!(
                formatter,
                "Choose a password of at least {MINIMUM_PASSWORD_CHARACTERS} characters; a few unrelated words are \
                 easy to remember."
            ),
            Self::PasswordTooLong => {
                write!(formatter, "Choose a password of at most {MAXIMUM_PASSWORD_CHARACTERS} characters.")
            }
            Self::PasswordLooksTemporary => formatter
                .write_str("That looks like a temporary password (KWT-…). Choose a password of your own instead."),
            Self::PasswordChangeRequired => formatter
                .write_str("You logged in with a temporary password: choose your own password before going on."),
            Self::Unauthenticated => formatter.write_str("Log in first (or send a valid API key)."),
            Self::Forbidden => formatter.write_str("Your role does not allow this."),
            Self::CrossSiteRequest => formatter.write_str(
                "This request did not come from Keyward's own pages, so it was refused. Use the Keyward app, or an \
                 API key for scripts.",
            ),
        }
    }
}

impl std::error::Error for AccountError {}

/// The cross-site request check for state-changing requests authenticated by the session cookie (the cookie is
/// also `SameSite=Strict`; this is the second lock). Browsers send `Sec-Fetch-Site` and `Origin`: the first must
/// say `same-origin` when present, the second must be Keyward's own origin; a request with neither is refused.
pub fn check_same_origin(
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    own_origin: &str,
) -> Result<(), AccountError> {
    if let Some(site) = sec_fetch_site
        && site != "same-origin"
    {
        return Err(AccountError::CrossSiteRequest);
    }
    match origin {
        Some(origin) if origin == own_origin => Ok(()),
        _ => Err(AccountError::CrossSiteRequest),
    }
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={SESSION_ABSOLUTE_SECONDS}")
}

/// The `Set-Cookie` value that ends it in the browser.
pub fn expired_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session token in a `Cookie` header, if any.
pub fn session_token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// Equality whose time depends only on the lengths.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_keys_verify_only_under_their_salt() {
        let key = PasswordKey::from_bytes([3; 32]);
        let stored = key.verifier(&[9; 16]);
        assert!(key.matches(&[9; 16], &stored));
        assert!(!key.matches(&[8; 16], &stored));
        assert!(!PasswordKey::from_bytes([4; 32]).matches(&[9; 16], &stored));
        assert_eq!(PasswordKey::parse(&key.encode()), Ok(key));
        for text in ["", "abc", &"A".repeat(44), "not base64!"] {
            assert_eq!(PasswordKey::parse(text), Err(AccountError::PasswordKeyMalformed), "{text:?}");
        }
    }

    #[test]
    fn the_salt_is_labelled_and_per_address() {
        assert_eq!(password_salt(" Ada@Example.com "), b"keyward/password/v1\0ada@example.com");
        assert_ne!(password_salt("ada@example.com"), password_salt("bob@example.com"));
    }

    #[test]
    fn temporary_passwords_are_recognized_however_they_are_typed() {
        let password = TemporaryPassword::from_random([0xA5; 20]);
        let text = password.as_str().to_owned();
        assert_eq!(text.len(), 4 + 8 * 4 + 7);
        assert!(text.starts_with("KWT-"));
        let sloppy = text.to_lowercase().replace('-', " ");
        assert_eq!(TemporaryPassword::recognize(&sloppy), Some(password.clone()));
        assert!(password.matches(&TemporaryPassword::recognize(&sloppy).expect("recognized").verifier()));
        assert_eq!(TemporaryPassword::recognize("correct horse battery staple"), None);
        assert_eq!(TemporaryPassword::recognize(&text[..text.len() - 1]), None);
        assert_ne!(TemporaryPassword::from_random([0; 20]), TemporaryPassword::from_random([1; 20]));
    }

    #[test]
    fn chosen_passwords_are_checked() {
        assert_eq!(check_new_password("short"), Err(AccountError::PasswordTooShort));
        assert_eq!(check_new_password(&"x".repeat(257)), Err(AccountError::PasswordTooLong));
        let temporary = TemporaryPassword::from_random([7; 20]);
        assert_eq!(check_new_password(temporary.as_str()), Err(AccountError::PasswordLooksTemporary));
        assert_eq!(check_new_password("four unrelated words here"), Ok(()));
    }

    #[test]
    fn api_keys_round_trip_and_hide_in_debug() {
        let key = ApiKey::from_random([1; 32]);
        assert!(key.as_str().starts_with("kw_"));
        assert_eq!(ApiKey::parse(key.as_str()), Some(key.clone()));
        assert_eq!(ApiKey::parse("kw_short"), None);
        assert_eq!(ApiKey::parse(&key.as_str()[3..]), None);
        assert_eq!(format!("{key:?}"), "ApiKey(…)");
        assert_eq!(key.prefix().len(), 10);
    }

    #[test]
    fn sessions_slide_until_their_absolute_end() {
        let session = Session::new(0);
        assert!(session.is_active(SESSION_IDLE_SECONDS - 1));
        assert!(!session.is_active(SESSION_IDLE_SECONDS));
        assert_eq!(session.touch(SESSION_TOUCH_SECONDS - 1), None);
        let touched = session.touch(3600).expect("an hour later it is written");
        assert_eq!(touched.expires_at, 3600 + SESSION_IDLE_SECONDS);
        let late = Session { last_seen_at: SESSION_ABSOLUTE_SECONDS - 60 * 60, ..session };
        let touched = late.touch(SESSION_ABSOLUTE_SECONDS - 10).expect("written");
        assert_eq!(touched.expires_at, SESSION_ABSOLUTE_SECONDS);
        assert!(!Session { revoked_at: Some(5), ..session }.is_active(10));
    }

    #[test]
    fn five_failures_lock_the_address_for_fifteen_minutes() {
        let mut throttle = Throttle::default();
        for second in 0..4 {
            throttle = throttle.fail(1_000 + second, ADDRESS_THROTTLE);
            assert_eq!(throttle.check(1_000 + second), Ok(()));
        }
        throttle = throttle.fail(1_004, ADDRESS_THROTTLE);
        assert_eq!(throttle.check(1_005), Err(AccountError::Locked { until: 1_904 }));
        assert_eq!(throttle.check(1_904), Ok(()));
        // After the lock, counting starts again.
        let after = throttle.fail(1_905, ADDRESS_THROTTLE);
        assert_eq!((after.failures, after.locked_until), (1, None));
        // Failures spread beyond the window do not add up.
        let slow = Throttle { failures: 4, window_start: 0, locked_until: None }.fail(901, ADDRESS_THROTTLE);
        assert_eq!((slow.failures, slow.locked_until), (1, None));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        let own = "https://keyward.example";
        assert_eq!(check_same_origin(Some("same-origin"), Some(own), own), Ok(()));
        assert_eq!(check_same_origin(None, Some(own), own), Ok(()));
        for (site, origin) in [
            (Some("cross-site"), Some(own)),
            (Some("same-site"), Some(own)),
            (None, Some("https://evil.example")),
            (None, None),
            (Some("same-origin"), None),
            (None, Some("null")),
        ] {
            assert_eq!(
                check_same_origin(site, origin, own),
                Err(AccountError::CrossSiteRequest),
                "{site:?} {origin:?}"
            );
        }
    }

    #[test]
    fn the_session_cookie_is_host_only_secure_http_only_and_strict() {
        let cookie = session_cookie("abc");
        for part in ["__Host-keyward_session=abc", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!cookie.contains("Domain"));
        assert_eq!(session_token_from_cookies("a=1; __Host-keyward_session=tok; b=2"), Some("tok"));
        assert_eq!(session_token_from_cookies("keyward_session=tok"), None);
        assert!(expired_session_cookie().contains("Max-Age=0"));
    }
}
