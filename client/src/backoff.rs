//! How long to wait between polls of an order: 1, 2, 4, 8, 16 seconds, then 30 seconds each time, for at most
//! [`LIMIT_SECONDS`] (then the client says how to look again later).

use std::time::Duration;

/// The longest the client waits for an issuance, in seconds.
pub const LIMIT_SECONDS: u64 = 15 * 60;

/// The delays between polls, doubling from one second up to thirty.
pub fn delays() -> impl Iterator<Item = Duration> {
    (0u32..).map(|attempt| Duration::from_secs(2u64.saturating_pow(attempt).min(30)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_then_stay_at_thirty_seconds() {
        let seconds: Vec<u64> = delays().take(8).map(|delay| delay.as_secs()).collect();
        assert_eq!(seconds, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(delays().nth(200).map(|delay| delay.as_secs()), Some(30));
    }
}
