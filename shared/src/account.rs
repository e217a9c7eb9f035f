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

/// How logins are slowed under one key (a submitted address, or a client network).
///
/// The policy: the first [`ThrottlePolicy::allowance`] attempts go at once; after that each attempt must wait,
/// [`ThrottlePolicy::first_delay_seconds`] after the allowance is spent and twice as long after each further one,
/// up to [`ThrottlePolicy::longest_delay_seconds`], where the wait stays. So throttling slows guessing to at most
/// one attempt per longest delay, but never shuts anyone out for good: whoever holds the password still gets in at
/// that pace, a success or a password reset clears the address's count, and a key left alone for
/// [`ThrottlePolicy::forget_after_seconds`] starts again from nothing.
///
/// Attempts are counted when they are *reserved*, before the secret is checked ([`Throttle::reserve`]), in one
/// database statement (`edge/src/store/throttle.rs` is its SQL, rule for rule), so parallel guesses cannot
/// all read the same count and all go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Attempts that go without waiting.
    pub allowance: i64,
    /// The wait after the attempt that spends the allowance, seconds; it doubles with each further attempt.
    pub first_delay_seconds: i64,
    /// The longest wait between two attempts, seconds: the bound of the back-off.
    pub longest_delay_seconds: i64,
    /// A key without an attempt for this long is forgotten, seconds (longer than the longest wait, so waiting out
    /// the back-off does not also reset it).
    pub forget_after_seconds: i64,
    /// What the count is kept for, which a refusal names.
    pub scope: ThrottleScope,
}

/// What a login throttle counts attempts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThrottleScope {
    /// One submitted email address, whichever clients try it.
    Address,
    /// One client network (an IPv4 address, an IPv6 /64), whichever addresses it tries.
    ClientNetwork,
    /// One user's second step (a passkey or a recovery code), whichever sessions the password opened.
    SecondStep,
}

/// Doublings of the wait after which it is at its bound whatever the policy (2^20 times the first wait).
const MOST_DOUBLINGS: i64 = 20;

impl ThrottlePolicy {
    /// The wait after the `attempts`-th attempt, seconds; `None` while the allowance is not spent.
    pub fn delay_after(&self, attempts: i64) -> Option<i64> {
        let beyond = attempts.checked_sub(self.allowance).filter(|beyond| *beyond >= 0)?;
        Some(self.first_delay_seconds.saturating_mul(1 << beyond.min(MOST_DOUBLINGS)).min(self.longest_delay_seconds))
    }
}

/// Per submitted address (account or not): 5 attempts at once, then a wait of 1, 2, 4, 8, then 15 minutes between
/// attempts; forgotten after an hour without one.
pub const ADDRESS_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    allowance: 5,
    first_delay_seconds: 60,
    longest_delay_seconds: 900,
    forget_after_seconds: 3600,
    scope: ThrottleScope::Address,
};

/// Per client network (an IPv4 address, an IPv6 /64): 50 failed attempts at once, then the same back-off. A
/// success gives its attempt back ([`Throttle::refund`]), so a client counts failures only, whoever's addresses
/// it tries.
pub const CLIENT_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    allowance: 50,
    first_delay_seconds: 60,
    longest_delay_seconds: 900,
    forget_after_seconds: 3600,
    scope: ThrottleScope::ClientNetwork,
};

/// Per user, for the login's second step (a passkey or a recovery code, after the password): 10 failures at once,
/// then the same back-off, whichever sessions they come from. NIST SP 800-63B 5.2.2 asks a verifier to limit
/// consecutive failed attempts (at most 100); a recovery code's 80 bits would hold out alone, but whoever holds the
/// password must not get unlimited tries at the factor that is meant to stop them. A confirmed login clears it.
pub const SECOND_STEP_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    allowance: 10,
    first_delay_seconds: 60,
    longest_delay_seconds: 900,
    forget_after_seconds: 3600,
    scope: ThrottleScope::SecondStep,
};

/// The `login_throttle` key of a user's second step ([`SECOND_STEP_THROTTLE`]).
pub fn second_step_key(user_id: &str) -> String {
    format!("second-step:{user_id}")
}

/// Login attempts counted under one key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Throttle {
    /// Attempts counted since the key was last forgotten or cleared.
    pub attempts: i64,
    /// When the last counted attempt was reserved.
    pub last_attempt_at: i64,
    /// No attempt is reserved before this instant; `None` while the allowance lasts.
    pub next_attempt_at: Option<i64>,
}

impl Throttle {
    /// Reserves one attempt at `now`: the state to store, or the refusal (with when to try again) while the
    /// back-off runs. A refused attempt changes nothing and checks no secret.
    pub fn reserve(&self, now: i64, policy: ThrottlePolicy) -> Result<Throttle, AccountError> {
        if let Some(until) = self.next_attempt_at.filter(|until| now < *until) {
            return Err(AccountError::Locked { until, scope: policy.scope });
        }
        let forgotten = now - self.last_attempt_at >= policy.forget_after_seconds;
        let attempts = if forgotten { 1 } else { self.attempts + 1 };
        let next_attempt_at = policy.delay_after(attempts).map(|delay| now + delay);
        Ok(Throttle { attempts, last_attempt_at: now, next_attempt_at })
    }

    /// Gives back a reserved attempt that checked no secret, or that succeeded on the client's count: one attempt
    /// fewer, and no wait if that brings the count back within the allowance.
    pub fn refund(&self, policy: ThrottlePolicy) -> Throttle {
        let attempts = (self.attempts - 1).max(0);
        let next_attempt_at = if attempts < policy.allowance { None } else { self.next_attempt_at };
        Throttle { attempts, next_attempt_at, ..*self }
    }
}

/// The network a client's address stands for, as throttles count it: an IPv4 address itself (`/32`), the `/64`
/// of an IPv6 address (one subscriber's usual allocation: counting single IPv6 addresses would give each client
/// 2^64 fresh counts), an IPv4-mapped IPv6 address as its IPv4 address. What does not parse as an address is
/// counted as itself.
pub fn client_network(address: &str) -> String {
    use core::net::IpAddr;
    match address.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => format!("{v4}/32"),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("{v4}/32"),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
        Err(_) => address.trim().to_owned(),
    }
}

/// The keys of `login_throttle` a login reserves an attempt under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleKeys {
    /// The submitted address's count: `email:<SHA-256 of the address>` (hashed, so the table holds no address),
    /// or for a CA administrator `email:<SHA-256>|ip:<client network>`.
    pub address: String,
    /// The client network's count: `ip:<network>`.
    pub client: String,
}

impl ThrottleKeys {
    /// The keys for a login to the normalized address `email` from `client_address` (`CF-Connecting-IP`), whose
    /// account has `role` (`None` when no account has the address: it is counted all the same, so the answer
    /// never tells).
    ///
    /// A CA administrator's address is counted per client network: the administrator runs the CA (revocations,
    /// approvals), and their address is easy to learn, so an address-wide count would let any stranger keep them
    /// out with a few wrong passwords a quarter hour. Counted per client, a stranger's failures slow only the
    /// stranger's own network (which its client count also slows), and the administrator's own client is never
    /// held back by them. The price: guesses from many networks are not added up for that address, so a CA
    /// administrator's password must stand up to a distributed guesser on its own (its key costs 600,000 PBKDF2
    /// iterations per guess, in the guesser's CPU).
    pub fn for_login(email: &str, client_address: &str, role: Option<Role>) -> Self {
        let network = client_network(client_address);
        let address = Self::address_of(email);
        let address = if role == Some(Role::CaAdmin) { format!("{address}|ip:{network}") } else { address };
        Self { address, client: format!("ip:{network}") }
    }

    /// The address key of `email` for every client, as a password reset clears it: `email:<SHA-256>` (and, for a
    /// CA administrator, the keys that begin with it and `|`).
    pub fn address_of(email: &str) -> String {
        format!("email:{}", hex(&Sha256::digest(email.as_bytes())))
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
        /// Whose attempts ran out: the address's, or the client network's.
        scope: ThrottleScope,
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
    /// A state-changing request with a session cookie, or a login, that did not come from Keyward's own pages.
    CrossSiteRequest,
    /// A login whose body is declared as something else than JSON (a form's encoding): answered 415.
    ContentTypeNotJson,
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
            Self::ContentTypeNotJson => "content_type_not_json",
        }
    }

    /// The request field the error is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            // The session's second step is what waits: its credential.
            Self::Locked { scope: ThrottleScope::SecondStep, .. } => Some("authorization"),
            Self::CredentialsInvalid | Self::Locked { .. } | Self::PasswordMissing => Some("password"),
            Self::PasswordKeyMalformed => Some("password_key"),
            Self::PasswordTooShort | Self::PasswordTooLong | Self::PasswordLooksTemporary => Some("new_password"),
            Self::PasswordChangeRequired => Some("new_password"),
            // The credential: the session cookie or the `Authorization` header.
            Self::Unauthenticated | Self::Forbidden => Some("authorization"),
            // The request headers, named as the other header fields are (`authorization`).
            Self::CrossSiteRequest => Some("origin"),
            Self::ContentTypeNotJson => Some("content-type"),
        }
    }
}

impl core::fmt::Display for AccountError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::CredentialsInvalid => formatter.write_str(
                "The email address or the password is not right. Check both; after five failures each new try must \
                 wait, up to fifteen minutes. Forgot the password? Ask for a reset link.",
            ),
            Self::Locked { until, scope: ThrottleScope::Address } => write!(
                formatter,
                "Too many failed logins for this address. Try again after {} (UTC), or ask for a password reset \
                 link.",
                crate::encoding::utc_date_time(*until)
            ),
            Self::Locked { until, scope: ThrottleScope::ClientNetwork } => write!(
                formatter,
                "Too many failed logins from your network, whatever the address. Try again after {} (UTC), or \
                 from another network.",
                crate::encoding::utc_date_time(*until)
            ),
            Self::Locked { until, scope: ThrottleScope::SecondStep } => write!(
                formatter,
                "Too many failed confirmations of this login (passkey or recovery code). Try again after {} (UTC).",
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
            Self::ContentTypeNotJson => formatter.write_str(
                "The Content-Type header must be application/json: a login is a JSON document, never a form.",
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

/// The forgery check of a login (which carries no cookie yet, so [`check_same_origin`] does not apply as such). A
/// cross-site page can post a form (`text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`)
/// without asking the browser first, and could log its visitor into the attacker's account: so a declared
/// `Content-Type` must be JSON (which a cross-site page cannot send without a preflight the Worker never grants),
/// `Sec-Fetch-Site`, when sent, must say `same-origin`, and `Origin`, when sent, must be Keyward's own. A request
/// with neither header is not a browser's cross-site request (browsers send `Origin` with every cross-origin
/// `POST`): scripts and tools may log in.
pub fn check_login_request(
    content_type: Option<&str>,
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    own_origin: &str,
) -> Result<(), AccountError> {
    if let Some(content_type) = content_type {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(AccountError::ContentTypeNotJson);
        }
    }
    if sec_fetch_site.is_some_and(|site| site != "same-origin") || origin.is_some_and(|origin| origin != own_origin) {
        return Err(AccountError::CrossSiteRequest);
    }
    Ok(())
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

    /// What one reservation should give: granted with this count and wait (`Some(seconds)` from the attempt), or
    /// refused until an instant.
    #[derive(Debug, PartialEq)]
    enum Expect {
        Granted { attempts: i64, wait: Option<i64> },
        Refused { until: i64 },
    }

    /// Reserves at each instant in turn under `policy`, from no count, checking each outcome.
    fn check(policy: ThrottlePolicy, steps: &[(i64, Expect)]) {
        let mut throttle = Throttle::default();
        for (now, expected) in steps {
            let outcome = match throttle.reserve(*now, policy) {
                Ok(next) => {
                    throttle = next;
                    Expect::Granted { attempts: next.attempts, wait: next.next_attempt_at.map(|at| at - now) }
                }
                Err(AccountError::Locked { until, .. }) => Expect::Refused { until },
                Err(other) => panic!("{other:?}"),
            };
            assert_eq!(&outcome, expected, "at {now}");
        }
    }

    #[test]
    fn the_address_allows_five_attempts_then_waits_that_double_up_to_fifteen_minutes() {
        use Expect::{Granted, Refused};
        let granted = |attempts, wait| Granted { attempts, wait };
        check(
            ADDRESS_THROTTLE,
            &[
                (1_000, granted(1, None)),
                (1_000, granted(2, None)),
                (1_001, granted(3, None)),
                (1_001, granted(4, None)),
                (1_002, granted(5, Some(60))),
                // Refused attempts change nothing: the wait does not grow while the guesser hammers.
                (1_002, Refused { until: 1_062 }),
                (1_061, Refused { until: 1_062 }),
                (1_062, granted(6, Some(120))),
                (1_100, Refused { until: 1_182 }),
                (1_182, granted(7, Some(240))),
                (1_422, granted(8, Some(480))),
                (1_902, granted(9, Some(900))),
                // Bounded: from here on, one attempt per fifteen minutes, however many came before.
                (2_802, granted(10, Some(900))),
                (3_702, granted(11, Some(900))),
                (4_601, Refused { until: 4_602 }),
                (4_602, granted(12, Some(900))),
                // An hour without an attempt forgets the count.
                (8_202, granted(1, None)),
            ],
        );
    }

    #[test]
    fn two_hundred_parallel_reservations_give_five_attempts_and_no_more() {
        // Each reservation sees the one before (the database runs them one at a time, as one statement each).
        let mut throttle = Throttle::default();
        let granted =
            (0..200).filter(|_| throttle.reserve(5_000, ADDRESS_THROTTLE).map(|next| throttle = next).is_ok());
        assert_eq!(granted.count(), 5);
        let mut client = Throttle::default();
        let granted = (0..200).filter(|_| client.reserve(5_000, CLIENT_THROTTLE).map(|next| client = next).is_ok());
        assert_eq!(granted.count(), 50);
    }

    #[test]
    fn a_patient_owner_always_gets_an_attempt_however_long_the_attack() {
        // A guesser takes every slot it can for a week; the longest anyone waits stays the bound.
        let mut throttle = Throttle::default();
        let mut now = 0;
        while now < 7 * 24 * 3600 {
            match throttle.reserve(now, ADDRESS_THROTTLE) {
                Ok(next) => throttle = next,
                Err(AccountError::Locked { until, .. }) => {
                    assert!(until - now <= ADDRESS_THROTTLE.longest_delay_seconds, "{until} at {now}");
                }
                Err(other) => panic!("{other:?}"),
            }
            now += 7;
        }
        let until = throttle.next_attempt_at.expect("still in back-off");
        assert!(throttle.reserve(until, ADDRESS_THROTTLE).is_ok());
    }

    #[test]
    fn a_refusal_names_what_ran_out_the_address_or_the_network() {
        for (policy, says, never) in
            [(ADDRESS_THROTTLE, "for this address", "network"), (CLIENT_THROTTLE, "from your network", "this address")]
        {
            let spent = Throttle { attempts: 99, last_attempt_at: 10, next_attempt_at: Some(70) };
            let refusal = spent.reserve(20, policy).expect_err("the back-off runs");
            assert_eq!(refusal, AccountError::Locked { until: 70, scope: policy.scope });
            assert_eq!(refusal.code(), "login_locked");
            let message = refusal.to_string();
            assert!(message.contains(says) && !message.contains(never), "{message}");
        }
    }

    #[test]
    fn the_wait_is_bounded_for_any_count() {
        for (attempts, expected) in [(4, None), (5, Some(60)), (6, Some(120)), (9, Some(900)), (50, Some(900))] {
            assert_eq!(ADDRESS_THROTTLE.delay_after(attempts), expected, "{attempts}");
        }
        assert_eq!(ADDRESS_THROTTLE.delay_after(i64::MAX), Some(900));
        assert_eq!(CLIENT_THROTTLE.delay_after(49), None);
        assert_eq!(CLIENT_THROTTLE.delay_after(50), Some(60));
    }

    #[test]
    fn a_refund_gives_back_one_attempt_and_its_wait_within_the_allowance() {
        let fifth = Throttle { attempts: 5, last_attempt_at: 10, next_attempt_at: Some(70) };
        assert_eq!(
            fifth.refund(ADDRESS_THROTTLE),
            Throttle { attempts: 4, last_attempt_at: 10, next_attempt_at: None }
        );
        let seventh = Throttle { attempts: 7, last_attempt_at: 10, next_attempt_at: Some(250) };
        assert_eq!(seventh.refund(ADDRESS_THROTTLE).next_attempt_at, Some(250));
        assert_eq!(Throttle::default().refund(ADDRESS_THROTTLE).attempts, 0);
    }

    #[test]
    fn clients_are_counted_by_ipv4_address_and_ipv6_64() {
        for (address, network) in [
            ("203.0.113.7", "203.0.113.7/32"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
            ("2001:0db8:0001:0002:ffff::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::ffff:203.0.113.7", "203.0.113.7/32"),
            ("::1", "0:0:0:0::/64"),
            (" 198.51.100.1 ", "198.51.100.1/32"),
            ("unknown", "unknown"),
        ] {
            assert_eq!(client_network(address), network, "{address}");
        }
    }

    #[test]
    fn a_ca_administrator_is_counted_per_address_and_client_and_others_per_address() {
        let hash = hex(&Sha256::digest(b"ada@example.com"));
        let check = |role, client: &str, address: String| {
            let keys = ThrottleKeys::for_login("ada@example.com", client, role);
            assert_eq!(keys.address, address, "{role:?} {client}");
            assert_eq!(keys.client, format!("ip:{}", client_network(client)));
            assert!(keys.address.starts_with(&ThrottleKeys::address_of("ada@example.com")));
        };
        for role in [None, Some(Role::OrgAdmin), Some(Role::OrgUser)] {
            check(role, "2001:db8::1", format!("email:{hash}"));
            check(role, "203.0.113.9", format!("email:{hash}"));
        }
        check(Some(Role::CaAdmin), "2001:db8::1", format!("email:{hash}|ip:2001:db8:0:0::/64"));
        check(Some(Role::CaAdmin), "2001:db8::2", format!("email:{hash}|ip:2001:db8:0:0::/64"));
        check(Some(Role::CaAdmin), "203.0.113.9", format!("email:{hash}|ip:203.0.113.9/32"));
    }

    #[test]
    fn logins_refuse_forms_and_other_origins() {
        let own = "https://keyward.example";
        let check = |content_type, site, origin, expected: Result<(), AccountError>| {
            assert_eq!(
                check_login_request(content_type, site, origin, own),
                expected,
                "{content_type:?} {site:?} {origin:?}"
            );
        };
        let json = Some("application/json");
        check(json, Some("same-origin"), Some(own), Ok(()));
        check(Some("Application/JSON; charset=utf-8"), None, Some(own), Ok(()));
        check(None, None, None, Ok(()));
        check(json, None, None, Ok(()));
        for form in [
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "",
        ] {
            check(Some(form), Some("same-origin"), Some(own), Err(AccountError::ContentTypeNotJson));
        }
        for (site, origin) in [
            (Some("cross-site"), None),
            (Some("cross-site"), Some(own)),
            (Some("same-site"), Some(own)),
            (None, Some("https://evil.example")),
            (None, Some("null")),
            (Some("same-origin"), Some("https://keyward.example.evil.example")),
        ] {
            check(json, site, origin, Err(AccountError::CrossSiteRequest));
        }
        let error = AccountError::ContentTypeNotJson;
        assert_eq!((error.code(), error.field()), ("content_type_not_json", Some("content-type")));
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
