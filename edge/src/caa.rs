//! CAA lookups over DNS-over-HTTPS for the issuance pipeline. Interface placeholder until the `caa` branch lands.

use shared::caa::{CaaAnswer, CaaCheck};
use worker::Env;

/// The relevant CAA record set of each check. Placeholder: answers "no CAA record".
pub async fn lookup(_env: &Env, checks: &[CaaCheck]) -> Vec<CaaAnswer> {
    checks.iter().map(|check| CaaAnswer { check: check.clone(), found: Ok(None) }).collect()
}

/// Keyward's issuer domain names (`KEYWARD_CAA_IDENTITIES`).
pub fn identities(env: &Env) -> Vec<String> {
    env.var("KEYWARD_CAA_IDENTITIES")
        .map(|value| value.to_string().split(',').map(|name| name.trim().to_owned()).collect())
        .unwrap_or_default()
}
