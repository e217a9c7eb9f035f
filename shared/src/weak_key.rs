//! Known-weak RSA public keys: moduli whose private key anyone can compute from the public key alone.
//!
//! The S/MIME Baseline Requirements (6.1.1.3) make a CA refuse a request when the method that generated the key
//! was flawed or when a proven method computes the private key from the public key, and ask (6.1.6, after NIST
//! SP 800-89 5.3.3) for moduli without small factors; the TLS Baseline Requirements (6.1.1.3 (4)) name ROCA and
//! close primes (Fermat's method, 100 rounds) as the minimum. Four checks, cheapest first:
//!
//! - [`small_prime_factor`]: a prime below [`SMALL_PRIME_BOUND`] divides the modulus (corrupted moduli, broken
//!   generators), every such prime tried;
//! - [`has_roca_fingerprint`]: the structure of the primes made by Infineon's RSALib (ROCA, CVE-2017-15361);
//! - [`has_close_factors`]: Fermat's method factors the modulus within [`FERMAT_ROUNDS`] rounds;
//! - [`rho_factor`] ([`rho`]): Pollard's rho finds a prime factor above [`SMALL_PRIME_BOUND`] within a fixed budget
//!   of [`RHO_STEPS`] steps: a search, which finds some such primes and misses others.
//!
//! Debian's weak keys (OpenSSL 2006–2008) need a list of known moduli and are not checked here.
//!
//! Everything here is a pure function of the modulus bytes (big-endian, leading zero bytes allowed). The first
//! two checks need `N mod p` for small primes only, computed word by word (for the small factors by Montgomery's
//! reduction, two multiplications per word and product of primes, no division); Fermat's method needs big integers
//! ([`num_bigint`]); rho multiplies modulo N in Montgomery's form over machine words, and takes one gcd.
//!
//! **The CPU budget.** The Worker has 10 ms of CPU per request on Cloudflare's free plan, and the whole issuance
//! shares it (README: the issuance target is 5 ms, and is not met today). The weak-key checks get at most 1 ms of
//! it for a 4096-bit modulus in WebAssembly, rho aside (rho alone takes about 8.4 ms: [`rho`], Cost). A sound key
//! runs all of them to the end, the slowest case; measured 2026-12-06 on a shared 2-core AMD EPYC under load (so
//! upper figures), the fastest of many runs, before rho was added:
//!
//! | modulus   | small factors (< 2^16) | ROCA | Fermat | whole check, host release | whole check, WebAssembly |
//! |-----------|------------------------|------|--------|---------------------------|--------------------------|
//! | 2048 bits | 0.28 ms                | 2 µs | 0.06 ms| 0.32 ms                   | 0.34 ms                  |
//! | 4096 bits | 0.47 ms                | 3 µs | 0.10 ms| 0.54 ms                   | 0.58 ms                  |
//!
//! (8192 bits, the largest accepted: the small factors 0.85 ms in WebAssembly.) The host figures are printed by
//! `cargo test --release -p keyward-shared --test weak_key timing -- --nocapture`; the WebAssembly ones came from
//! a throwaway `cdylib` crate exporting `small_prime_factor`, `has_roca_fingerprint`, `has_close_factors` and
//! `check_rsa_modulus` over a static buffer, built with `cargo build --release --target wasm32-unknown-unknown`
//! under this workspace's release profile (opt-level "z", LTO) and timed in Node 20 (V8) with `performance.now()`.
//! Fermat's method is bounded by 100 square roots, about 1.1 ms (2048) and 2.2 ms (4096) in WebAssembly if a
//! crafted modulus could defeat the residue filter on every round.
//!
//! **The small-factor bound, and what is left.** Issue 15 asked to refuse every modulus with a prime factor below
//! 2^32, by trial division and then Pollard's rho or ECM within a fixed budget. Trying each prime costs about
//! 0.09 µs per 2048 bits, and there are 203 million primes below 2^32 (about 18 s), so trial division stops at
//! [`SMALL_PRIME_BOUND`] = 2^16, exactly (S/MIME BR 6.1.6 asks for no factor below 752; badkeys tries the primes up
//! to 65,537). Above it [`rho`] searches within [`RHO_STEPS`] = 1,024 steps for 2048 bits (fewer for larger moduli,
//! [`rho_steps`], so that each costs about the same, and an 8192-bit request costs no more than a 2048-bit one).
//! That budget is not what 2^32 needs, and it already costs more than the issuance target. Measured on sound
//! moduli, where the whole budget is spent (host: release build, `cargo test --release -p keyward-shared --test
//! weak_key timing -- --nocapture`, two runs of 5 batches of 5 calls; WebAssembly: the throwaway `cdylib` above
//! exporting `rho_factor`, 32-bit words, 41 calls in Node 20), the fastest call and the medians:
//!
//! | modulus   | steps | host, fastest | host, medians  | WebAssembly, fastest | WebAssembly, median |
//! |-----------|-------|---------------|----------------|----------------------|---------------------|
//! | 2048 bits | 1024  | 4.3 ms        | 12.1, 13.5 ms  | 16.1 ms              | 119 ms              |
//! | 3072 bits | 455   | 6.1 ms        | 9.1, 10.1 ms   | 15.2 ms              | 185 ms              |
//! | 4096 bits | 256   | 8.5 ms        | 9.6, 13.0 ms   | 15.5 ms              | 215 ms              |
//!
//! The load average was 10 to 17 on 2 cores, so the medians say more about the machine than about the code; the
//! fastest calls are the figures to trust, and even they are upper bounds. (These are of the machine-word
//! arithmetic rho had until 2026-12-07; its 26-bit digits, unrolled by hand since, cost 8.4 ms for 2048 bits in
//! WebAssembly at a lower load, and more on the host, which no longer uses 64-bit words: [`rho`], Cost.) A step
//! costs one squaring modulo N and, for half of the steps, one multiplication (about 2.5 n² word products for n
//! words), and there is one gcd at the end. The costliest answer, a crafted modulus with several small factors
//! found at once (the walk repeated to isolate one), took 14.2 ms on the host (2048 bits times four primes near
//! 2^16), about three times a sound one.
//!
//! What 1,024 steps find, of 1,000 primes of each size drawn from a fixed seed ([`rho::RHO_FOUND_PER_THOUSAND`],
//! checked by `rho_success_rates`): 898 of 17 bits, 696 of 18, 477 of 19, 285 of 20, 91 of 22, 20 of 24, 2 of 28,
//! none of 32. Other budgets (same test, release; the cost is proportional to the steps): 256 steps find 163 of 17
//! bits and none of 24; 4,096 steps 986 of 20 bits, 295 of 24 and 1 of 32; 65,536 steps 275 of 32 bits. Finding primes near 2^32 with probability 99% needs some 200,000 steps (k²/2p ≥ ln 100); ECM is no
//! cheaper for factors this small. So what is left: a modulus whose smallest factor lies between 2^16 and 2^32 is
//! refused only when the search finds it. Such a key is broken only for its holder, who submitted it, and about
//! one random corrupted modulus in twenty has one (Mertens, below). The policy endpoint states the exact bound
//! (`keys.rsa_small_factor_bound`) and the search's bound, budget and measured success
//! (`keys.rsa_small_factor_search`).

use core::fmt;

use num_bigint::BigUint;

pub mod rho;

pub use rho::{RHO_STEPS, rho_factor, rho_steps};

/// Why an RSA modulus is refused as weak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeakKey {
    /// A small prime divides the modulus, so it is not the product of two large primes: found by trial division
    /// below [`SMALL_PRIME_BOUND`] or by Pollard's rho within [`RHO_STEPS`] steps above it.
    SmallFactor {
        /// The prime: the smallest below [`SMALL_PRIME_BOUND`] if there is one, else the smallest rho found.
        prime: u64,
    },
    /// The modulus carries the ROCA fingerprint (CVE-2017-15361): it was made by Infineon's RSALib (smart cards,
    /// TPMs, security keys before late 2017), whose primes can be recovered by Coppersmith's method.
    Roca,
    /// The two primes are so close that Fermat's method finds them within [`FERMAT_ROUNDS`] rounds.
    CloseFactors,
}

impl WeakKey {
    /// Stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::SmallFactor { .. } => "key_weak_small_factor",
            Self::Roca => "key_weak_roca",
            Self::CloseFactors => "key_weak_close_primes",
        }
    }
}

impl fmt::Display for WeakKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SmallFactor { prime } => write!(
                formatter,
                "This RSA key can be broken: its modulus is divisible by {prime}, so it is not a product of two \
                 large primes (a corrupted key or a broken key generator). Generate a new key pair."
            ),
            Self::Roca => formatter.write_str(
                "This RSA key can be broken: it was generated by a device with the ROCA flaw (CVE-2017-15361, \
                 Infineon chips in smart cards, TPMs and security keys), and its private key can be computed from \
                 the public key. Generate a new key pair in the browser or on a device with updated firmware.",
            ),
            Self::CloseFactors => formatter.write_str(
                "This RSA key can be broken: its two primes are so close together that the private key can be \
                 computed from the public key (Fermat's method). Generate a new key pair with standard software.",
            ),
        }
    }
}

impl std::error::Error for WeakKey {}

/// Runs the four checks in order (small factors by trial division, ROCA, close primes, larger small factors by
/// Pollard's rho) and returns the first that fails.
pub fn check_rsa_modulus(modulus: &[u8]) -> Result<(), WeakKey> {
    if let Some(prime) = small_prime_factor(modulus) {
        return Err(WeakKey::SmallFactor { prime: prime.into() });
    }
    if has_roca_fingerprint(modulus) {
        return Err(WeakKey::Roca);
    }
    if has_close_factors(modulus) {
        return Err(WeakKey::CloseFactors);
    }
    if let Some(prime) = rho_factor(modulus) {
        return Err(WeakKey::SmallFactor { prime });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Small prime factors
// ---------------------------------------------------------------------------------------------------------------

/// Every prime below this bound is tried as a factor: the 6,542 primes below 2^16, the last 65,521.
///
/// Issue 15 asked for every factor below 2^32 (trial division, then Pollard's rho or ECM within a fixed budget);
/// that does not fit the Worker's CPU: this bound is the exact part, every prime below it tried, none left to
/// chance, and [`rho`] searches above it within a budget (see the module documentation). S/MIME BR 6.1.6 (after NIST SP 800-89 5.3.3) asks for
/// no factor below 752; badkeys (`smallfactors.py`) tries the primes up to 65,537. A sound modulus has no small
/// factor at any bound, so the bound decides how many broken ones are caught: of random odd numbers (a corrupted
/// modulus), those with a factor below 752 are about 83%, below 10,000 about 88%, below 2^16 about 90%, below 2^32
/// about 95% (Mertens: 1 − 2e^−γ / ln bound). The policy endpoint states it (`keys.rsa_small_factor_bound`).
pub const SMALL_PRIME_BOUND: u32 = 1 << 16;

/// `COMPOSITE[i]` for every `i` below the bound: a sieve of Eratosthenes, evaluated at compile time only.
#[allow(clippy::large_const_arrays, reason = "read only by the constants below, at compile time: never in the binary")]
const COMPOSITE: [bool; SMALL_PRIME_BOUND as usize] = sieve();

/// The number of primes below [`SMALL_PRIME_BOUND`].
const SMALL_PRIME_COUNT: usize = count_primes(&COMPOSITE);

/// The primes below [`SMALL_PRIME_BOUND`], ascending (13 KB in the binary).
static SMALL_PRIMES: [u16; SMALL_PRIME_COUNT] = list_primes(&COMPOSITE);

/// The smallest prime below [`SMALL_PRIME_BOUND`] that divides the modulus, if any.
///
/// 2 by the last bit; the odd primes grouped into products below 2^32 (3,222 of them), and the modulus reduced by
/// [`LANES`] products at a time with [`scaled_remainders`]. A modulus that is itself such a prime (or 1) is not an
/// RSA modulus; it gives that prime (or `None`).
pub fn small_prime_factor(modulus: &[u8]) -> Option<u32> {
    // Zero (no bytes, or only zeros) is even.
    if modulus.last().is_none_or(|&byte| byte % 2 == 0) {
        return Some(2);
    }
    let words = words(modulus);
    let mut groups = prime_groups(&SMALL_PRIMES[1..]);
    loop {
        // Missing groups at the end reduce by 1 and hold no prime.
        let batch: [(&[u16], u32); LANES] = core::array::from_fn(|_| groups.next().unwrap_or((&[], 1)));
        if batch[0].0.is_empty() {
            return None;
        }
        let residues = scaled_remainders(&words, batch.map(|(_, product)| product));
        for ((group, _), residue) in batch.iter().zip(residues) {
            // residue ≡ N · 2^(−32·k) (mod product), and 2 is invertible modulo an odd prime: zero exactly when the
            // prime divides N.
            if let Some(&prime) = group.iter().find(|&&prime| residue % u32::from(prime) == 0) {
                return Some(u32::from(prime));
            }
        }
    }
}

/// `composite[i]` for `i < N` (0 and 1 count as composite).
const fn sieve<const N: usize>() -> [bool; N] {
    let mut composite = [true; N];
    let mut index = 2;
    while index < N {
        composite[index] = false;
        index += 1;
    }
    let mut candidate = 2;
    while candidate * candidate < N {
        if !composite[candidate] {
            let mut multiple = candidate * candidate;
            while multiple < N {
                composite[multiple] = true;
                multiple += candidate;
            }
        }
        candidate += 1;
    }
    composite
}

/// How many entries of the sieve are prime.
const fn count_primes<const N: usize>(composite: &[bool; N]) -> usize {
    let mut count = 0;
    let mut index = 0;
    while index < N {
        if !composite[index] {
            count += 1;
        }
        index += 1;
    }
    count
}

/// The primes of the sieve, ascending; `COUNT` must be their number.
const fn list_primes<const N: usize, const COUNT: usize>(composite: &[bool; N]) -> [u16; COUNT] {
    assert!(N <= 1 << 16, "the primes are stored as u16");
    let mut primes = [0; COUNT];
    let mut count = 0;
    let mut index = 0;
    while index < N {
        if !composite[index] {
            primes[count] = index as u16;
            count += 1;
        }
        index += 1;
    }
    primes
}

/// How many divisors one pass over the modulus words reduces by: the reductions are independent, so the CPU
/// overlaps them (about twice as fast as one divisor per pass, measured).
const LANES: usize = 4;

/// Calls `visit(prime, N mod prime)` for each of `primes` in order until it returns `false`. The modulus is
/// reduced once per group of consecutive primes whose product stays below 2^32, then by each prime of the group.
fn visit_residues(modulus: &[u8], primes: &[u16], mut visit: impl FnMut(u32, u32) -> bool) {
    let words = words(modulus);
    let mut groups = prime_groups(primes);
    loop {
        // Missing groups at the end divide by 1 and hold no prime.
        let batch: [(&[u16], u32); LANES] = core::array::from_fn(|_| groups.next().unwrap_or((&[], 1)));
        if batch[0].0.is_empty() {
            return;
        }
        let group_remainders = remainders(&words, batch.map(|(_, product)| product));
        for ((group, _), remainder) in batch.iter().zip(group_remainders) {
            for &prime in *group {
                let prime = u32::from(prime);
                if !visit(prime, remainder % prime) {
                    return;
                }
            }
        }
    }
}

/// Consecutive runs of `primes` whose product fits in a `u32`, each with its product.
fn prime_groups(primes: &[u16]) -> impl Iterator<Item = (&[u16], u32)> {
    let mut rest = primes;
    core::iter::from_fn(move || {
        let mut product = u32::from(*rest.first()?);
        let mut length = 1;
        while let Some(larger) = rest.get(length).and_then(|&next| product.checked_mul(u32::from(next))) {
            product = larger;
            length += 1;
        }
        let (group, remaining) = rest.split_at(length);
        rest = remaining;
        Some((group, product))
    })
}

/// The big-endian number as big-endian 32-bit words, the first one completed with leading zero bytes.
fn words(number: &[u8]) -> Vec<u32> {
    let (head, tail) = number.split_at(number.len() % 4);
    let first = (!head.is_empty()).then(|| head.iter().fold(0, |word, &byte| word << 8 | u32::from(byte)));
    first
        .into_iter()
        .chain(tail.chunks_exact(4).map(|word| u32::from_be_bytes([word[0], word[1], word[2], word[3]])))
        .collect()
}

/// `N mod divisor` for each (non-zero) divisor, by Horner's rule over the words of N.
fn remainders<const K: usize>(words: &[u32], divisors: [u32; K]) -> [u32; K] {
    let divisors = divisors.map(u64::from);
    let mut remainders = [0; K];
    for &word in words {
        for (remainder, divisor) in remainders.iter_mut().zip(divisors) {
            // remainder < divisor <= 2^32 - 1, so remainder * 2^32 + word < 2^64.
            *remainder = (*remainder << 32 | u64::from(word)) % divisor;
        }
    }
    // Each is below its 32-bit divisor.
    remainders.map(|remainder| remainder as u32)
}

/// `N · 2^(−32·k) mod divisor` for each divisor, k being the number of words of N: Montgomery's reduction, a
/// word at a time from the least significant, with two multiplications and no division per word. Each divisor
/// must be odd and at most 2^32 − 3, as the products [`prime_groups`] makes of odd primes are (2^32 − 1 =
/// 3 · 5 · 17 · 257 · 65537 is not a product of consecutive primes).
fn scaled_remainders(words: &[u32], divisors: [u32; LANES]) -> [u32; LANES] {
    /// One word into one accumulator: (accumulator + word + m · divisor) / 2^32, m chosen to clear the low word.
    /// The accumulator stays at most divisor + 1, so the sum is at most 2^32 · (divisor + 1) < 2^64.
    #[inline(always)]
    fn step(accumulator: u64, word: u64, divisor: u64, negated_inverse: u32) -> u64 {
        let sum = accumulator + word;
        let multiple = u64::from((sum as u32).wrapping_mul(negated_inverse));
        (sum + multiple * divisor) >> 32
    }
    // −divisor⁻¹ mod 2^32 by Newton's iteration: an odd number is its own inverse modulo 8, and each step doubles the
    // correct low bits (3, 6, 12, 24, 48).
    let [i0, i1, i2, i3] = divisors.map(|divisor| {
        let mut inverse = divisor;
        for _ in 0..4 {
            inverse = inverse.wrapping_mul(2u32.wrapping_sub(divisor.wrapping_mul(inverse)));
        }
        inverse.wrapping_neg()
    });
    let [d0, d1, d2, d3] = divisors.map(u64::from);
    // Four named accumulators rather than an array: the compiler keeps them in registers (measured in WebAssembly,
    // where an array stayed in memory at opt-level "z").
    let (mut a0, mut a1, mut a2, mut a3) = (0, 0, 0, 0);
    for &word in words.iter().rev() {
        let word = u64::from(word);
        a0 = step(a0, word, d0, i0);
        a1 = step(a1, word, d1, i1);
        a2 = step(a2, word, d2, i2);
        a3 = step(a3, word, d3, i3);
    }
    // Each accumulator is at most its divisor + 1; the remainder is below the 32-bit divisor.
    [(a0 % d0) as u32, (a1 % d1) as u32, (a2 % d2) as u32, (a3 % d3) as u32]
}

// ---------------------------------------------------------------------------------------------------------------
// ROCA
// ---------------------------------------------------------------------------------------------------------------

/// The primes of the ROCA fingerprint: all primes up to 167, whose product M is the primorial
/// 962947420735983927056946215901134429196419130606213075415963491270. The list, the generator and the method
/// are those of the reference detector, `DlogFprint` in `roca/detect.py` of <https://github.com/crocs-muni/roca>
/// (Nemec et al., "The Return of Coppersmith's Attack", CCS 2017), also used by badkeys.
pub const ROCA_PRIMES: [u16; 39] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
    113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// The generator of RSALib's primes: each is k·M' + (65537^a mod M') for a primorial M' that M divides, so
/// N mod M is a power of 65537.
pub const ROCA_GENERATOR: u32 = 65_537;

/// The reference detector skips moduli below 2^256 (`minimal_modulus_bits`): the fingerprint means nothing there.
const ROCA_MINIMUM_BITS: u64 = 257;

/// Whether the modulus carries the ROCA fingerprint: N mod M lies in the subgroup of (Z/MZ)* generated by 65537,
/// M being the product of [`ROCA_PRIMES`].
///
/// This is the reference's exact ("dlog") test, not its older per-prime one. Per prime, N mod p must be a power
/// 65537^(a_p) mod p (the older test stops there, and moduli crafted to pass it exist: the reference's
/// `test_fake_mods`). The exact test also needs one exponent for all primes at once: a system x ≡ a_p (mod
/// ord_p(65537)) with a solution, which by the generalized Chinese remainder theorem holds exactly when
/// a_p ≡ a_q (mod gcd(ord_p, ord_q)) for every pair. All of it is arithmetic on numbers below 167.
pub fn has_roca_fingerprint(modulus: &[u8]) -> bool {
    if bit_length(modulus) < ROCA_MINIMUM_BITS {
        return false;
    }
    let mut residues = [0; ROCA_PRIMES.len()];
    let mut slots = residues.iter_mut();
    visit_residues(modulus, &ROCA_PRIMES, |_, residue| {
        if let Some(slot) = slots.next() {
            *slot = residue;
        }
        true
    });
    // (discrete logarithm of N mod p to base 65537 mod p, order of 65537 mod p), per prime.
    let mut logarithms = [(0, 1); ROCA_PRIMES.len()];
    for ((slot, &residue), &prime) in logarithms.iter_mut().zip(&residues).zip(&ROCA_PRIMES) {
        match discrete_logarithm(residue, u32::from(prime)) {
            Some(found) => *slot = found,
            None => return false,
        }
    }
    logarithms.iter().enumerate().all(|(index, &(log, order))| {
        logarithms[index + 1..].iter().all(|&(other_log, other_order)| {
            let common = greatest_common_divisor(order, other_order);
            log % common == other_log % common
        })
    })
}

/// The exponent `a` with 65537^a ≡ residue (mod prime), smallest first, and the order of 65537 mod prime; `None`
/// when the residue is not a power of 65537. By enumeration: the prime is at most 167.
fn discrete_logarithm(residue: u32, prime: u32) -> Option<(u32, u32)> {
    let generator = ROCA_GENERATOR % prime;
    let mut logarithm = None;
    let mut power = 1;
    let mut exponent = 0;
    loop {
        if power == residue && logarithm.is_none() {
            logarithm = Some(exponent);
        }
        power = power * generator % prime;
        exponent += 1;
        if power == 1 {
            return logarithm.map(|logarithm| (logarithm, exponent));
        }
    }
}

/// Euclid's algorithm.
fn greatest_common_divisor(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The position of the highest set bit of the big-endian number (0 for zero).
fn bit_length(number: &[u8]) -> u64 {
    match number.iter().position(|&byte| byte != 0) {
        Some(first) => (number.len() - first - 1) as u64 * 8 + u64::from(u8::BITS - number[first].leading_zeros()),
        None => 0,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Close primes (Fermat)
// ---------------------------------------------------------------------------------------------------------------

/// Rounds of Fermat's method: TLS BR 6.1.1.3 (4) asks to refuse keys factored "within 100 rounds", as badkeys
/// (`fermat.py`) and Böck's Fermat attack paper do.
pub const FERMAT_ROUNDS: u32 = 100;

/// Whether Fermat's method factors the modulus within [`FERMAT_ROUNDS`] rounds: for a = ceil(sqrt(N)), a + 1, …
/// (100 values), whether a² − N is a perfect square b², which gives N = (a − b)(a + b). It finds p and q when
/// (q − p)² / (8·sqrt(N)) < 100 or so, that is |p − q| below about 2^517 for a 2048-bit modulus; a sound key's
/// primes differ by about 2^1020. A square modulus (p = q) is found in the first round.
pub fn has_close_factors(modulus: &[u8]) -> bool {
    let n = BigUint::from_bytes_be(modulus);
    let mut a = n.sqrt();
    let mut square = &a * &a;
    if square < n {
        a += 1u32;
        square = &a * &a;
    }
    // a² − N, updated as (a + 1)² − N = (a² − N) + 2a + 1.
    let mut candidate = square - &n;
    for _ in 0..FERMAT_ROUNDS {
        if is_perfect_square(&candidate) {
            return true;
        }
        candidate += &a << 1u8;
        candidate += 1u32;
        a += 1u32;
    }
    false
}

/// 64 · 63 · 65 · 11: the product of the moduli whose squares filter out non-squares before a square root.
const SQUARE_FILTER: u32 = 64 * 63 * 65 * 11;

/// For each filter modulus m (at most 65, so a `u128` holds one bit per residue): the residues that are squares.
const SQUARE_MASKS: [(u32, u128); 4] =
    [(64, squares_mask(64)), (63, squares_mask(63)), (65, squares_mask(65)), (11, squares_mask(11))];

/// Whether `number` is a perfect square. Residues modulo 64, 63, 65 and 11 (12, 16, 21 and 6 of them are
/// squares) reject all but about 1 in 120 non-squares without computing a square root.
fn is_perfect_square(number: &BigUint) -> bool {
    let residue = (number % SQUARE_FILTER).iter_u32_digits().next().unwrap_or(0);
    if !SQUARE_MASKS.iter().all(|&(modulus, mask)| mask >> (residue % modulus) & 1 == 1) {
        return false;
    }
    let root = number.sqrt();
    &root * &root == *number
}

/// Bit r set when r is a square modulo `modulus`.
const fn squares_mask(modulus: u32) -> u128 {
    let mut mask = 0;
    let mut x = 0;
    while x < modulus {
        mask |= 1 << (x * x % modulus);
        x += 1;
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_primes_are_the_primes_below_the_bound() {
        assert_eq!(SMALL_PRIMES.len(), 6542);
        assert_eq!(&SMALL_PRIMES[..5], &[2, 3, 5, 7, 11]);
        assert_eq!(SMALL_PRIMES.last(), Some(&65_521));
        let is_prime = |n: u32| n >= 2 && (2..n).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d));
        assert!(SMALL_PRIMES.iter().all(|&p| is_prime(u32::from(p))));
        assert_eq!((0..SMALL_PRIME_BOUND).filter(|&n| is_prime(n)).count(), SMALL_PRIMES.len());
    }

    #[test]
    fn roca_primes_are_the_primes_up_to_167() {
        assert_eq!(&SMALL_PRIMES[..ROCA_PRIMES.len()], &ROCA_PRIMES);
        assert_eq!(SMALL_PRIMES[ROCA_PRIMES.len()], 173);
    }

    #[test]
    fn remainders_match_u128_arithmetic() {
        let number: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        let divisors = [2, 3, 7, 9973, 65_537, 4_294_967_291, u32::MAX, 1];
        for skip in 0..=16 {
            let bytes = &number.to_be_bytes()[skip..];
            let mut padded = [0; 16];
            padded[skip..].copy_from_slice(bytes);
            let value = u128::from_be_bytes(padded);
            let expected = divisors.map(|divisor| (value % u128::from(divisor)) as u32);
            assert_eq!(remainders(&words(bytes), divisors), expected, "{skip} bytes skipped");
        }
    }

    #[test]
    fn scaled_remainders_match_u128_arithmetic() {
        // N · 2^(−32·k) mod d, checked as (result · 2^(32·k)) mod d = N mod d.
        let number: u128 = 0xfedc_ba98_7654_3210_0123_4567_89ab_cdef;
        let divisors = [10_007, 10_007 * 10_009, 65_519 * 65_521, 4_294_967_291, 4_294_967_293, 3, 1, 0xffff_fffd];
        for skip in 0..=16 {
            let bytes = &number.to_be_bytes()[skip..];
            let words = words(bytes);
            let mut padded = [0; 16];
            padded[skip..].copy_from_slice(bytes);
            let value = u128::from_be_bytes(padded);
            let scaled = [[0, 1, 2, 3], [4, 5, 6, 7]]
                .map(|lanes| scaled_remainders(&words, lanes.map(|index| divisors[index])))
                .concat();
            for (divisor, result) in divisors.into_iter().zip(scaled) {
                let divisor = u128::from(divisor);
                assert!(u128::from(result) < divisor.max(2), "{skip} bytes skipped, {divisor}: {result} not reduced");
                let scale = (0..words.len()).fold(1 % divisor, |scale, _| (scale << 32) % divisor);
                assert_eq!(u128::from(result) * scale % divisor, value % divisor, "{skip} bytes skipped, {divisor}");
            }
        }
        // All-ones words keep the accumulator at its largest.
        let ones = [u32::MAX; 64];
        let scaled = scaled_remainders(&ones, [0xffff_fffd, 1, 1, 1]);
        let value_mod =
            ones.iter().fold(0u128, |remainder, &word| ((remainder << 32) | u128::from(word)) % 0xffff_fffd);
        let scale = (0..64).fold(1u128, |scale, _| (scale << 32) % 0xffff_fffd);
        assert_eq!(u128::from(scaled[0]) * scale % 0xffff_fffd, value_mod);
    }

    #[test]
    fn odd_prime_groups_fit_the_montgomery_reduction() {
        let groups: Vec<(&[u16], u32)> = prime_groups(&SMALL_PRIMES[1..]).collect();
        assert_eq!(groups.len(), 3222);
        for (group, product) in groups {
            assert!(product % 2 == 1 && product <= u32::MAX - 2, "{group:?}: {product}");
        }
    }

    #[test]
    fn prime_groups_cover_the_primes_in_order() {
        let groups: Vec<(&[u16], u32)> = prime_groups(&SMALL_PRIMES).collect();
        assert_eq!(groups[0], (&SMALL_PRIMES[..9], 2 * 3 * 5 * 7 * 11 * 13 * 17 * 19 * 23));
        let flattened: Vec<u16> = groups.iter().flat_map(|(group, _)| group.iter().copied()).collect();
        assert_eq!(flattened, SMALL_PRIMES);
        for (group, product) in groups {
            assert_eq!(group.iter().map(|&p| u64::from(p)).product::<u64>(), u64::from(product));
        }
    }

    #[test]
    fn square_masks() {
        let counts: Vec<(u32, u32)> =
            SQUARE_MASKS.iter().map(|&(modulus, mask)| (modulus, mask.count_ones())).collect();
        assert_eq!(counts, [(64, 12), (63, 16), (65, 21), (11, 6)]);
        assert_eq!(SQUARE_MASKS.iter().map(|&(modulus, _)| modulus).product::<u32>(), SQUARE_FILTER);
    }

    #[test]
    fn perfect_squares() {
        let check = |n: u64, expected: bool| assert_eq!(is_perfect_square(&BigUint::from(n)), expected, "{n}");
        for root in [0u64, 1, 2, 3, 11, 63, 64, 65, 1000, 3_000_000_019] {
            check(root * root, true);
            if root > 1 {
                check(root * root - 1, false);
                check(root * root + 1, false);
            }
        }
    }

    #[test]
    fn generator_orders() {
        // The order of 65537 modulo each prime; their lcm is the generator order of badkeys' roca.py.
        let orders: Vec<u32> = ROCA_PRIMES
            .iter()
            .map(|&p| discrete_logarithm(1, u32::from(p)).map(|(_, order)| order).unwrap_or(0))
            .collect();
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let lcm = orders.iter().map(|&order| u64::from(order)).fold(1, |lcm, order| lcm / gcd(lcm, order) * order);
        assert_eq!(lcm, 2_454_106_387_091_158_800);
        assert_eq!(&orders[..6], &[1, 2, 4, 6, 2, 6]);
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[1, 0, 0]), 17);
    }
}
