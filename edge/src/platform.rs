//! The edge's two impure inputs, handed to `shared` as plain values: the clock and the CSPRNG.

/// Seconds since the Unix epoch, from the Worker's clock.
pub fn now() -> i64 {
    // Milliseconds since the epoch fit an i64 for the next 290 million years.
    (worker::Date::now().as_millis() / 1000) as i64
}

/// `N` bytes from the platform CSPRNG (`crypto.getRandomValues`).
pub fn random<const N: usize>() -> Result<[u8; N], crate::error::AppError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|error| crate::error::AppError::internal(&format!("random: {error}")))?;
    Ok(bytes)
}

/// A fresh random identifier (128 bits, hex).
pub fn new_id() -> Result<String, crate::error::AppError> {
    Ok(shared::encoding::hex(&random::<16>()?))
}

/// The web app's public base URL, `KEYWARD_APP_URL`: where emailed links point. Configuration, never the
/// request's `Host` (a forged host would otherwise put an attacker's domain in a password reset email), and
/// the same for links sent by the scheduled handler, which has no request.
pub fn app_url(env: &worker::Env) -> Result<String, crate::error::AppError> {
    env.var("KEYWARD_APP_URL")
        .map(|url| url.to_string().trim_end_matches('/').to_owned())
        .map_err(|_| crate::error::AppError::internal("KEYWARD_APP_URL is not configured (edge/wrangler.toml [vars])"))
}
