//! Tests of `shared::weak_key` and of the key policy on whole requests, against the moduli in
//! `fixtures/weak_key/` (see its README.md) and the requests in `fixtures/csr/`.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use num_bigint::BigUint;
use shared::csr::{ParsedCsr, PublicKey, SignatureAlgorithm};
use shared::profile::{CertifiedKey, ProfileId};
use shared::weak_key::{
    self, FERMAT_ROUNDS, RHO_STEPS, ROCA_GENERATOR, ROCA_PRIMES, SMALL_PRIME_BOUND, WeakKey,
    rho::{RHO_FOUND_PER_THOUSAND, RHO_INCREMENT, RHO_START},
};

fn fixture(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A modulus recorded as `Modulus=HEX` (the output of `openssl ... -noout -modulus`) in `fixtures/weak_key/`.
fn modulus(stem: &str) -> BigUint {
    let text = fixture(&format!("weak_key/{stem}.modulus.txt"));
    let hex = text.trim().strip_prefix("Modulus=").unwrap_or_else(|| panic!("{stem}: no Modulus= line"));
    BigUint::parse_bytes(hex.as_bytes(), 16).unwrap_or_else(|| panic!("{stem}: not hex"))
}

/// The sound moduli: OpenSSL `genrsa` keys of 2048, 2056, 3072 and 4096 bits.
const OPENSSL: [&str; 4] = ["rsa2048", "rsa2056", "rsa3072", "rsa4096"];

/// Runs the whole check on `modulus` and compares with `expected`.
fn check(name: &str, modulus: &BigUint, expected: Result<(), WeakKey>) {
    assert_eq!(weak_key::check_rsa_modulus(&modulus.to_bytes_be()), expected, "{name}");
}

#[test]
fn sound_moduli_pass() {
    for stem in OPENSSL {
        let n = modulus(stem);
        check(stem, &n, Ok(()));
        // A leading zero byte (as in DER's INTEGER) changes nothing.
        let mut padded = vec![0];
        padded.extend(n.to_bytes_be());
        assert_eq!(weak_key::check_rsa_modulus(&padded), Ok(()), "{stem} with a leading zero");
    }
}

#[test]
fn small_factors() {
    let sound = modulus("rsa2048");
    // The sound modulus is p·q with 1024-bit primes, so in sound·k the small primes are exactly those of k.
    let times = |factors: &[u32]| factors.iter().fold(sound.clone(), |n, &factor| n * factor);
    check("2", &times(&[2]), Err(WeakKey::SmallFactor { prime: 2 }));
    check("3", &times(&[3]), Err(WeakKey::SmallFactor { prime: 3 }));
    check("7", &times(&[7]), Err(WeakKey::SmallFactor { prime: 7 }));
    check("9 = 3²", &times(&[3, 3]), Err(WeakKey::SmallFactor { prime: 3 }));
    check("smallest of 7 · 3", &times(&[7, 3]), Err(WeakKey::SmallFactor { prime: 3 }));
    check("751 (S/MIME BR 6.1.6: below 752)", &times(&[751]), Err(WeakKey::SmallFactor { prime: 751 }));
    check("9973, the largest prime below the bound", &times(&[9973]), Err(WeakKey::SmallFactor { prime: 9973 }));
    check("9973 · 9967", &times(&[9973, 9967]), Err(WeakKey::SmallFactor { prime: 9967 }));
    // Above 10,000 (the bound until issue 15), up to the largest prime below 2^16.
    const { assert!(SMALL_PRIME_BOUND > 65_521) };
    check("10007, the first prime above 10,000", &times(&[10_007]), Err(WeakKey::SmallFactor { prime: 10_007 }));
    check("10009", &times(&[10_009]), Err(WeakKey::SmallFactor { prime: 10_009 }));
    check("32749, the largest prime below 2^15", &times(&[32_749]), Err(WeakKey::SmallFactor { prime: 32_749 }));
    check("65521, the largest prime below 2^16", &times(&[65_521]), Err(WeakKey::SmallFactor { prime: 65_521 }));
    check("smallest of 65521 · 10007", &times(&[65_521, 10_007]), Err(WeakKey::SmallFactor { prime: 10_007 }));
    check("smallest of 10007 · 9973", &times(&[10_007, 9973]), Err(WeakKey::SmallFactor { prime: 9973 }));
    check("10007², a square", &times(&[10_007, 10_007]), Err(WeakKey::SmallFactor { prime: 10_007 }));
    // The products of primes are reduced four at a time: a factor in a later group of a batch is found too.
    check("65519 · 65521", &times(&[65_519, 65_521]), Err(WeakKey::SmallFactor { prime: 65_519 }));
    check("49999 and 65537 (above)", &times(&[65_537, 49_999]), Err(WeakKey::SmallFactor { prime: 49_999 }));
    // An odd 2048-bit number divisible by 3: the sound modulus moved to the nearest odd multiple of 3.
    let odd_multiple_of_3 = &sound - (&sound % 6u32) + 3u32;
    assert_eq!(odd_multiple_of_3.bits(), 2048);
    check("odd 2048-bit multiple of 3", &odd_multiple_of_3, Err(WeakKey::SmallFactor { prime: 3 }));
    // Zero and one are no moduli; zero is divisible by 2, one by nothing.
    assert_eq!(weak_key::small_prime_factor(&[]), Some(2));
    assert_eq!(weak_key::small_prime_factor(&[1]), None);
    assert_eq!(weak_key::small_prime_factor(&[0x26, 0xf5]), Some(9973)); // 9973 itself
    assert_eq!(weak_key::small_prime_factor(&[0x27, 0x17]), Some(10_007)); // 10007 itself
    assert_eq!(weak_key::small_prime_factor(&[0, 0, 0x27, 0x17]), Some(10_007));
}

/// Whether `n` is prime, by Miller–Rabin with the first twelve primes as bases: exact below 3.3 · 10^24, and for
/// larger numbers a composite passes with probability below 4^−12 (here only for the test's own large prime).
fn is_probable_prime(n: &BigUint) -> bool {
    const BASES: [u32; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    let one = BigUint::from(1u32);
    if *n < BigUint::from(2u32) {
        return false;
    }
    if let Some(&base) = BASES.iter().find(|&&base| (n % base) == BigUint::ZERO) {
        return *n == BigUint::from(base);
    }
    let minus_one = n - 1u32;
    let twos = minus_one.trailing_zeros().unwrap_or(0);
    let odd = &minus_one >> twos;
    BASES.iter().all(|&base| {
        let mut x = BigUint::from(base).modpow(&odd, n);
        if x == one || x == minus_one {
            return true;
        }
        (1..twos).any(|_| {
            x = &x * &x % n;
            x == minus_one
        })
    })
}

/// The first probable prime from a 1024-bit odd number drawn from a fixed seed: the test's large prime.
fn large_prime() -> BigUint {
    let mut numbers = Numbers(0x1a29_e0f1_ac70_0015);
    let mut candidate = numbers.big(1024) | (BigUint::from(3u32) << 1022u32) | BigUint::from(1u32);
    while !is_probable_prime(&candidate) {
        candidate += 2u32;
    }
    candidate
}

/// Whether Pollard's rho as `weak_key::rho` runs it finds the prime `p`, predicted modulo p alone: the same walk
/// y ← y² + c from the same start, the same rounds of Brent's method and the same budget, in 64-bit arithmetic.
/// The search finds p exactly when two of its compared values are equal modulo p (a zero factor modulo p of the
/// running product), provided no other factor of N below the budget's reach closes at the same time.
fn rho_finds(p: u64) -> bool {
    rho_finds_within(p, RHO_STEPS)
}

/// [`rho_finds`] with another budget.
fn rho_finds_within(p: u64, budget: u32) -> bool {
    let walk = |y: u64| ((u128::from(y) * u128::from(y) + u128::from(RHO_INCREMENT)) % u128::from(p)) as u64;
    let mut y = u64::from(RHO_START) % p;
    let (mut steps, mut round) = (0, 1);
    while steps + round < budget {
        let x = y;
        for _ in 0..round {
            y = walk(y);
        }
        steps += round;
        let compared = round.min(budget - steps);
        for _ in 0..compared {
            y = walk(y);
            if y == x {
                return true;
            }
        }
        steps += compared;
        round *= 2;
    }
    false
}

/// The largest prime below `bound` (at least 3), by [`is_probable_prime`] (exact at these sizes).
fn prime_below(bound: u64) -> u64 {
    (2..bound).rev().find(|&n| is_probable_prime(&BigUint::from(n))).unwrap_or(2)
}

#[test]
fn a_small_prime_times_a_large_prime() {
    // Exact below SMALL_PRIME_BOUND; above it rho finds some primes within its budget and misses others: each
    // row says which, and the prediction modulo p alone (`rho_finds`) must agree.
    assert_eq!((RHO_STEPS, weak_key::rho_steps(1040)), (1024, 1024), "the rows below were chosen for this budget");
    let large = large_prime();
    assert_eq!(large.bits(), 1024);
    for (name, small, found) in [
        ("just above 10,000", 10_007u64, true),
        ("2^15 + 3", 32_771, true),
        ("just below 2^16", 65_521, true),
        ("65537, the first prime above 2^16", 65_537, true),
        ("65539", 65_539, true),
        ("2^17 − 1", 131_071, true),
        ("around 2^20: 1048549, the largest prime below 2^20 found", 1_048_549, true),
        ("around 2^20: 2^20 − 3, missed", 1_048_573, false),
        ("around 2^24: 16776937, the largest prime below 2^24 found", 16_776_937, true),
        ("around 2^24: 2^24 − 3, missed", 16_777_213, false),
        ("just below 2^32: 4294861433, the largest prime below 2^32 found", 4_294_861_433, true),
        ("just below 2^32: 2^32 − 5, the largest prime below 2^32, missed", 4_294_967_291, false),
    ] {
        assert!(is_probable_prime(&BigUint::from(small)), "{name}: {small} is prime");
        assert_eq!(small < u64::from(SMALL_PRIME_BOUND) || rho_finds(small), found, "{name}: the prediction");
        let expected = if found { Err(WeakKey::SmallFactor { prime: small }) } else { Ok(()) };
        check(name, &(&large * small), expected);
    }
    // Two sieved primes and the large one: the smaller is named, whichever order they were multiplied in.
    check("40009 · 20011 · large", &(&large * 40_009u32 * 20_011u32), Err(WeakKey::SmallFactor { prime: 20_011 }));
    // Several primes above the bound, all found: one gcd gives their product, split and the smallest named.
    check("65539 · 65537 · large", &(&large * 65_539u32 * 65_537u32), Err(WeakKey::SmallFactor { prime: 65_537 }));
    // Their product beyond 64 bits: the walk is repeated with a gcd per batch and then per step, and the first
    // prime it closes on is named.
    let several = [65_537u64, 65_539, 65_543, 131_071, 1_048_549];
    assert!(several.iter().map(|&p| u128::from(p)).product::<u128>() > u128::from(u64::MAX), "beyond 64 bits");
    let product = several.iter().fold(large.clone(), |n, &p| n * p);
    match weak_key::check_rsa_modulus(&product.to_bytes_be()) {
        Err(WeakKey::SmallFactor { prime }) => assert!(several.contains(&prime), "{prime}"),
        other => panic!("several small primes: {other:?}"),
    }
}

/// Primes of `bits` bits (17 to 63) drawn from a seed: the largest prime below a uniform number of the size.
fn random_primes(bits: u32, count: usize, seed: u64) -> Vec<u64> {
    let mut numbers = Numbers(seed ^ u64::from(bits));
    (0..count).map(|_| prime_below((1u64 << (bits - 1)) + 1 + numbers.below(1u64 << (bits - 1)))).collect()
}

#[test]
fn rho_agrees_with_the_prediction() {
    // The search on p · (a 1024-bit prime) names p exactly when the walk modulo p alone closes within the budget:
    // the big-integer arithmetic (64-bit words here, 32-bit in WebAssembly) against 64-bit arithmetic modulo p.
    let large = large_prime();
    let sizes = [17u32, 18, 20, 24, 32];
    let per_size = if cfg!(debug_assertions) { 12 } else { 200 };
    let mut found = 0;
    for bits in sizes {
        for p in random_primes(bits, per_size, 0x7e57_0a9c_33d1_5b02) {
            let expected = if rho_finds(p) { Some(p) } else { None };
            found += usize::from(expected.is_some());
            assert_eq!(weak_key::rho_factor(&(&large * p).to_bytes_be()), expected, "{p}");
        }
    }
    // Both answers were exercised.
    assert!(found > per_size && found < sizes.len() * per_size - per_size, "{found}");
}

/// Share of primes of each size that rho finds within the budget, by the prediction modulo p, over 1,000 primes
/// per size drawn from a fixed seed: the figures `RHO_FOUND_PER_THOUSAND` states. Also printed for other budgets
/// (`cargo test --release -p keyward-shared --test weak_key rho_success_rates -- --nocapture`).
#[test]
fn rho_success_rates() {
    let budgets = if cfg!(debug_assertions) { vec![RHO_STEPS] } else { vec![256, 512, 1024, 2048, 4096, 8192, 65536] };
    let mut measured = Vec::new();
    for (bits, _) in RHO_FOUND_PER_THOUSAND {
        let primes = random_primes(bits, 1000, 0x0e1a_2c3d_4b5f_6071);
        let found: Vec<usize> =
            budgets.iter().map(|&budget| primes.iter().filter(|&&p| rho_finds_within(p, budget)).count()).collect();
        println!("{bits}-bit primes, of 1000 found within {budgets:?} steps: {found:?}");
        let within_budget = primes.iter().filter(|&&p| rho_finds(p)).count();
        measured.push((bits, within_budget as u32));
    }
    assert_eq!(measured, RHO_FOUND_PER_THOUSAND, "(bits, primes found of 1000)");
}

#[test]
fn every_prime_below_the_bound_is_found() {
    // Primes below SMALL_PRIME_BOUND times the sound 2048-bit modulus: one in 37 (177 of them, in every position of
    // a product of primes and of a batch of four products), and the primes on each side of each power of two.
    let sound = modulus("rsa2048");
    let is_prime = |n: u32| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d));
    let primes: Vec<u32> = (0..SMALL_PRIME_BOUND).filter(|&n| is_prime(n)).collect();
    assert_eq!(primes.len(), 6542, "the primes below 2^16");
    let near_powers_of_two = primes.windows(2).filter(|pair| pair[0].leading_zeros() != pair[1].leading_zeros());
    let sample = primes.iter().step_by(37).chain(near_powers_of_two.flatten()).chain(primes.last());
    for &prime in sample {
        check(&prime.to_string(), &(&sound * prime), Err(WeakKey::SmallFactor { prime: prime.into() }));
    }
}

/// The reference's exact ("dlog") fingerprint, transcribed from `DlogFprint.discrete_log` of crocs-muni/roca's
/// `roca/detect.py` (and badkeys' `roca.py`) with big integers: N^ord ≡ 1 (mod M), then for each prime power q^e
/// of the generator's order, N^(ord / q^e) is a power of 65537^(ord / q^e) (mod M).
fn reference_roca(n: &BigUint) -> bool {
    const ORDER: u64 = 2_454_106_387_091_158_800;
    const ORDER_PRIME_POWERS: [u64; 13] = [16, 81, 25, 7, 11, 13, 17, 23, 29, 37, 41, 53, 83];
    if n.bits() < 257 {
        return false;
    }
    let m = ROCA_PRIMES.iter().fold(BigUint::from(1u32), |m, &p| m * p);
    let one = BigUint::from(1u32);
    if n.modpow(&BigUint::from(ORDER), &m) != one {
        return false;
    }
    ORDER_PRIME_POWERS.iter().all(|&prime_power| {
        let exponent = BigUint::from(ORDER / prime_power);
        let g = BigUint::from(ROCA_GENERATOR).modpow(&exponent, &m);
        let h = n.modpow(&exponent, &m);
        let mut power = one.clone();
        (0..prime_power).any(|_| {
            let found = power == h;
            power = &power * &g % &m;
            found
        })
    })
}

/// The reference's older per-prime test (`has_fingerprint_moduli`): N mod p is a power of 65537 mod p for every
/// prime 3 ≤ p ≤ 167, without the requirement of one common exponent.
fn per_prime_roca(n: &BigUint) -> bool {
    ROCA_PRIMES.iter().skip(1).all(|&p| {
        let p = u32::from(p);
        let residue = (n % p).iter_u32_digits().next().unwrap_or(0);
        let mut power = 1;
        loop {
            if power == residue {
                return true;
            }
            power = power * (ROCA_GENERATOR % p) % p;
            if power == 1 {
                return false;
            }
        }
    })
}

#[test]
fn roca_reference_vectors() {
    // crocs-muni/roca test data: positives of 512, 1025, 2048 and 4096 bits, and two 2048-bit negatives.
    for (stem, bits, roca) in [
        ("roca-positive-mod01", 512, true),
        ("roca-positive-mod02", 512, true),
        ("roca-positive-mod08", 1025, true),
        ("roca-positive-mod03", 2048, true),
        ("roca-positive-mod09", 4096, true),
        ("roca-negative-mod04", 2048, false),
        ("roca-negative-mod05", 2048, false),
    ] {
        let n = modulus(stem);
        assert_eq!(n.bits(), bits, "{stem}");
        assert_eq!(weak_key::has_roca_fingerprint(&n.to_bytes_be()), roca, "{stem}");
        assert_eq!(reference_roca(&n), roca, "{stem}: the transcribed reference");
        check(stem, &n, if roca { Err(WeakKey::Roca) } else { Ok(()) });
    }
    for stem in OPENSSL {
        assert!(!weak_key::has_roca_fingerprint(&modulus(stem).to_bytes_be()), "{stem}");
    }
}

#[test]
fn roca_crafted_moduli_that_fool_the_per_prime_test_are_not_flagged() {
    // crocs-muni/roca `roca/tests/test_fingerprint.py`, `test_fake_mods`: positive for the old per-prime test,
    // negative for the exact one.
    let fakes = fixture("weak_key/roca-fake.moduli.txt");
    let fakes: Vec<BigUint> =
        fakes.lines().map(|line| BigUint::parse_bytes(line.trim().as_bytes(), 10).expect("decimal")).collect();
    assert_eq!(fakes.len(), 10);
    for (index, n) in fakes.iter().enumerate() {
        assert!(per_prime_roca(n), "fake {index}: should pass the per-prime test");
        assert!(!reference_roca(n), "fake {index}: the reference says not ROCA");
        assert!(!weak_key::has_roca_fingerprint(&n.to_bytes_be()), "fake {index}");
    }
}

/// xorshift64*, for reproducible test numbers (the crate itself draws none).
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn big(&mut self, bits: u64) -> BigUint {
        let words: Vec<u32> = (0..bits.div_ceil(32)).map(|_| self.next() as u32).collect();
        BigUint::from_slice(&words) >> (words.len() as u64 * 32 - bits)
    }
}

#[test]
fn roca_matches_the_reference_on_constructed_moduli() {
    let m = ROCA_PRIMES.iter().fold(BigUint::from(1u32), |m, &p| m * p);
    let mut numbers = Numbers(0x5eed_0f4b_1d20_1700);
    // A 2048-bit number ≡ residue (mod M).
    let lift = |residue: BigUint, numbers: &mut Numbers| {
        let k = numbers.big(2048 - m.bits()) | (BigUint::from(1u32) << (2047 - m.bits()));
        k * &m + residue
    };
    let (mut flagged, mut per_prime_only) = (0, 0);
    for round in 0..300 {
        let n = match round % 3 {
            // RSALib's structure: N ≡ 65537^x (mod M).
            0 => {
                let x = BigUint::from(numbers.next());
                lift(BigUint::from(ROCA_GENERATOR).modpow(&x, &m), &mut numbers)
            }
            // Per prime a power of 65537, with unrelated exponents: passes the per-prime test, rarely the exact.
            1 => {
                let residue = ROCA_PRIMES.iter().fold(BigUint::from(0u32), |sum, &p| {
                    let p = u64::from(p);
                    let pow = |base: u64, mut exponent: u64| {
                        let (mut result, mut base) = (1 % p, base % p);
                        while exponent > 0 {
                            if exponent & 1 == 1 {
                                result = result * base % p;
                            }
                            base = base * base % p;
                            exponent >>= 1;
                        }
                        result
                    };
                    let r = pow(u64::from(ROCA_GENERATOR), numbers.below(p));
                    let cofactor = &m / p;
                    let cofactor_mod_p = (&cofactor % p).iter_u64_digits().next().unwrap_or(0);
                    let inverse = pow(cofactor_mod_p, p - 2);
                    (sum + cofactor * (r * inverse % p)) % &m
                });
                lift(residue, &mut numbers)
            }
            // Random odd numbers.
            _ => numbers.big(2048) | BigUint::from(1u32) | (BigUint::from(1u32) << 2047u32),
        };
        let expected = reference_roca(&n);
        assert_eq!(weak_key::has_roca_fingerprint(&n.to_bytes_be()), expected, "round {round}: {n:x}");
        if round % 3 == 0 {
            assert!(expected, "round {round}: constructed as 65537^x");
        }
        if round % 3 == 1 {
            assert!(per_prime_roca(&n), "round {round}");
            per_prime_only += usize::from(!expected);
        }
        flagged += usize::from(expected);
    }
    // Both kinds of answer were exercised.
    assert!(flagged >= 100 && per_prime_only > 50, "flagged {flagged}, per-prime only {per_prime_only}");
}

#[test]
fn close_primes() {
    // p·q with 1024-bit primes that Fermat's method splits in round 0 (adjacent primes), in round 99 (the last
    // one tried) and in round 100 (one too many), and p² (fixtures/weak_key/README.md).
    assert_eq!(FERMAT_ROUNDS, 100);
    for (stem, expected) in [
        ("close-round-0", Err(WeakKey::CloseFactors)),
        ("close-round-99", Err(WeakKey::CloseFactors)),
        ("close-round-100", Ok(())),
        ("square", Err(WeakKey::CloseFactors)),
    ] {
        let n = modulus(stem);
        assert_eq!(n.bits(), 2048, "{stem}");
        check(stem, &n, expected);
    }
    for stem in OPENSSL {
        assert!(!weak_key::has_close_factors(&modulus(stem).to_bytes_be()), "{stem}");
    }
    // Small numbers, worked by hand: 5959 = 59 · 101 needs a = 78, 79, 80 (80² − 5959 = 21²): round 2.
    assert!(weak_key::has_close_factors(&5959u32.to_be_bytes()));
    assert!(weak_key::has_close_factors(&(1_000_003u64 * 1_000_033).to_be_bytes()));
    // 3 · 1_000_003: a starts near 1732 and would need about 500,000 rounds.
    assert!(!weak_key::has_close_factors(&(3u64 * 1_000_003).to_be_bytes()));
}

#[test]
fn codes_and_messages() {
    for (weak, code, says) in [
        (WeakKey::SmallFactor { prime: 9973 }, "key_weak_small_factor", "divisible by 9973"),
        (WeakKey::SmallFactor { prime: 65_521 }, "key_weak_small_factor", "divisible by 65521,"),
        (WeakKey::SmallFactor { prime: 4_294_861_433 }, "key_weak_small_factor", "divisible by 4294861433,"),
        (WeakKey::Roca, "key_weak_roca", "ROCA"),
        (WeakKey::CloseFactors, "key_weak_close_primes", "primes are so close"),
    ] {
        assert_eq!(weak.code(), code);
        let message = weak.to_string();
        assert!(message.contains(says), "{message}");
        assert!(message.starts_with("This RSA key can be broken"), "{message}");
        assert!(message.contains("Generate a new key pair"), "{message}");
    }
}

/// Parses a request of `fixtures/csr/` and runs the profile's key policy on its key.
fn policy_of(name: &str) -> (ParsedCsr, Result<CertifiedKey, &'static str>) {
    let parsed =
        ParsedCsr::from_pem(&fixture(&format!("csr/{name}"))).unwrap_or_else(|error| panic!("{name}: {error}"));
    let policy = ProfileId::SmimeSponsorMultipurpose.profile().check_key(parsed.public_key()).map_err(|e| e.code());
    (parsed, policy)
}

#[test]
fn csr_fixtures_through_the_key_policy() {
    for (name, expected) in [
        ("rsa2048-sha256.csr.pem", Ok(CertifiedKey::Rsa { bits: 2048 })),
        ("rsa2048-sha512.csr.pem", Ok(CertifiedKey::Rsa { bits: 2048 })),
        ("rsa4096-sha384.csr.pem", Ok(CertifiedKey::Rsa { bits: 4096 })),
        ("rsa2048-sha256-new-label-crlf.csr.pem", Ok(CertifiedKey::Rsa { bits: 2048 })),
        ("rsa1024-sha256.csr.pem", Err("key_too_small")),
        ("ec-p256-sha256.csr.pem", Ok(CertifiedKey::EcdsaP256)),
        // A valid, self-signed request whose key has adjacent primes (pyca/cryptography, see the README).
        ("rsa2048-close-primes.csr.pem", Err("key_weak_close_primes")),
    ] {
        assert_eq!(policy_of(name).1, expected, "{name}");
    }
    let (parsed, _) = policy_of("rsa2048-close-primes.csr.pem");
    assert_eq!(parsed.signature_algorithm(), SignatureAlgorithm::RsaPkcs1Sha256);
    assert!(matches!(parsed.public_key(), PublicKey::Rsa { modulus_bits: 2048, public_exponent: 65_537, .. }));
}

/// Time of each check on sound moduli (all three checks run to the end: the slowest case). Printed, not
/// asserted; run `cargo test --release -p keyward-shared --test weak_key timing -- --nocapture`.
#[test]
fn timing() {
    // 20 batches of 20 calls (5 of 5 for rho, which costs milliseconds), per call: the fastest batch (other
    // processes only ever add time) and the median one. One call in a debug build.
    let release = !cfg!(debug_assertions);
    let per_call = |modulus: &[u8], calls: u32, check: &dyn Fn(&[u8]) -> bool| {
        let (batches, calls) = if release { (calls, calls) } else { (1, 1) };
        let mut times: Vec<Duration> = (0..batches)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..calls {
                    assert!(!check(std::hint::black_box(modulus)));
                }
                start.elapsed() / calls
            })
            .collect();
        times.sort();
        (times[0], times[times.len() / 2])
    };
    let micros = |(fastest, median): (Duration, Duration)| {
        format!("{:.1} µs (median {:.1})", fastest.as_secs_f64() * 1e6, median.as_secs_f64() * 1e6)
    };
    for stem in OPENSSL {
        let bytes = modulus(stem).to_bytes_be();
        let small = per_call(&bytes, 20, &|m| weak_key::small_prime_factor(m).is_some());
        let roca = per_call(&bytes, 20, &weak_key::has_roca_fingerprint);
        let fermat = per_call(&bytes, 20, &weak_key::has_close_factors);
        let rho = per_call(&bytes, 5, &|m| weak_key::rho_factor(m).is_some());
        let all = per_call(&bytes, 5, &|m| weak_key::check_rsa_modulus(m).is_err());
        println!(
            "{stem}: small factors {}, ROCA {}, Fermat {}, rho ({} steps) {}, check_rsa_modulus {}",
            micros(small),
            micros(roca),
            micros(fermat),
            weak_key::rho_steps(modulus(stem).bits()),
            micros(rho),
            micros(all)
        );
    }
    // The costliest answer: several small factors found at once, beyond 64 bits, so the walk is repeated to isolate
    // one (a crafted modulus).
    let crafted = [65_537u32, 65_539, 65_543, 131_071].iter().fold(modulus("rsa2048"), |n, &p| n * p).to_bytes_be();
    let isolated = per_call(&crafted, 5, &|m| weak_key::rho_factor(m).is_none());
    println!("rsa2048 · 65537 · 65539 · 65543 · 131071: rho {}", micros(isolated));
}
