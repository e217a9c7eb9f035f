//! Pollard's rho method, in Brent's variant, for prime factors of an RSA modulus above trial division's bound:
//! a probabilistic search within a fixed budget of [`RHO_STEPS`] steps, with Montgomery's multiplication over
//! 26-bit digits held in 64-bit words, the same on the host and in WebAssembly (whose widest product is 64 bits):
//! a product's columns add up the digit products without following a carry per product, and the host tests run
//! the very arithmetic the Worker runs.
//!
//! The walk y ← y² + [`RHO_INCREMENT`] from [`RHO_START`] runs modulo N; modulo an unknown prime p dividing N it
//! is a pseudo-random map of a set of p elements, so it enters a cycle after about sqrt(πp/8) steps and closes it
//! after about sqrt(πp/2), and Brent's comparisons (y at step 2^k − 1 against the steps from 3·2^(k−1) to 2^(k+1))
//! notice the cycle within a small multiple of that. The differences compared are multiplied together, and one
//! greatest common divisor with N is taken, at the end: a gcd (num-integer's binary algorithm) costs more than a
//! hundred multiplications, and a sound modulus, the common case, needs only the one. When that gcd is not a prime of at
//! most 64 bits or a product of such primes (several small factors closing at once, or N itself), the walk is
//! repeated with a gcd after each batch of [`RHO_BATCH`] steps, then through the batch that found one in parts.
//! The walk is kept in Montgomery's form (y·R mod N), so the walk modulo p is the plain y ← y² + c whatever R is
//! (the digits changed from machine words to 26 bits on 2026-12-07 without changing which primes are found); the
//! products carry powers of R, coprime to N, which change no gcd.
//!
//! **Cost.** In WebAssembly a call on a sound 2048-bit modulus costs 8.4 ms of CPU (median of 41 calls by
//! `process.cpuUsage` in Node 20's V8, the workspace's release profile, `opt-level = "z"`, on a 2-core AMD EPYC
//! with a CI run beside it; 2026-12-07): 1,024 squarings and about 500 multiplications of 79 digits, some 16
//! million digit products. It is most of an RSA issuance's CPU in the Worker (V8's profile of `cargo xtask bench
//! edge`, 2026-12-07: `Field::reduce`, `Field::step` and `Field::multiply` are about 40% of the isolate's samples).
//! Measured on a throwaway `cdylib` exporting `rho_factor` over a fixed modulus, in three runs (41 calls of each
//! build per run); each ratio is against the plain loop measured in the same run:
//!
//! | build of this module                                                   | median   | ratio |
//! |------------------------------------------------------------------------|----------|-------|
//! | the columns' inner loop as a plain loop (until 2026-12-07)             | 9.69 ms  | 1     |
//! | that loop unrolled by four by hand (`accumulate`, today)               | 8.37 ms  | ×0.86 |
//! | the same, unrolled by eight                                            | 8.46 ms  | ×0.88 |
//! | product scanning with the reduction folded in (FIPS), unrolled by four | 13.74 ms | ×1.42 |
//! | the plain loop at `opt-level = 3` (the whole build)                    | 6.96 ms  | ×0.72 |
//!
//! `opt-level = 3` for `keyward-shared` alone (a profile override) gave 7.84 ms (×0.81); it would apply to every
//! page's WebAssembly too, whose size budgets have no room for it. Machine words (32 bits in WebAssembly, a carry
//! per product) cost the same as these digits at `opt-level = "z"`; the `simd128` target feature at `opt-level = 3`
//! gained nothing in an earlier run (6.99 ms against 6.83 without it, the fastest of 15 calls each).
//!
//! A factor found is a proof (it divides N); a factor not found proves nothing. Because the walk modulo p depends
//! on p alone, whether a prime p is found can be predicted with 64-bit arithmetic modulo p: the tests
//! (`tests/weak_key.rs`) check the search against that prediction and measure the share of primes of each size
//! found within the budget.

use num_bigint::BigUint;
use num_integer::Integer;

/// The budget for a modulus of up to 2048 bits: steps of the walk (one Montgomery squaring each, and for about
/// half of them a multiplication of the running product), over all of Brent's rounds. A round that would spend
/// the rest of the budget advancing, with nothing left to compare, is not started. Larger moduli get fewer steps
/// ([`rho_steps`]), so that every modulus costs about the same.
pub const RHO_STEPS: u32 = 1024;

/// The primes the search is for lie below this bound (2^32): those above it are found with a negligible chance.
pub const RHO_SEARCH_BOUND: u64 = 1 << 32;

/// The modulus size [`RHO_STEPS`] is for.
pub const RHO_STEPS_BITS: u64 = 2048;

/// How many primes of each size (bits) of 1,000 the search finds within [`RHO_STEPS`]: measured over 1,000 primes
/// per size drawn from a fixed seed (`rho_success_rates` in `tests/weak_key.rs`, which checks these figures). The
/// policy endpoint states them.
pub const RHO_FOUND_PER_THOUSAND: [(u32, u32); 8] =
    [(17, 898), (18, 696), (19, 477), (20, 285), (22, 91), (24, 20), (28, 2), (32, 0)];

/// Steps between two gcds of the running product with N, when the walk is repeated to isolate a factor.
pub const RHO_BATCH: u32 = 128;

/// The constant c of the walk y ← y² + c.
pub const RHO_INCREMENT: u32 = 1;
/// Where the walk starts.
pub const RHO_START: u32 = 2;

/// A digit of a number modulo N: [`DIGIT_BITS`] bits held in 64, so that the products of two digits (52 bits) can be
/// added into a 64-bit column hundreds of times before it overflows, with no carry to follow per product.
type Limb = u64;

/// Bits in a digit: 26, so that a column of a product modulo N of up to 8,192 bits (316 digits) holds every product
/// that falls into it, those of the reduction and the carry from below: 2 · 316 · 2^52 + 2^38 < 2^64.
const LIMB_BITS: u32 = 26;

/// The most digits of a modulus searched (53,248 bits, far above the 8,192 the key policy accepts): a column of
/// 2 · 2,048 products of 52 bits, and the carry from below, still fits 64 bits.
const MAX_DIGITS: u64 = 2048;

/// The low [`LIMB_BITS`] bits.
const DIGIT_MASK: Limb = (1 << LIMB_BITS) - 1;

/// The steps of the walk for a modulus of `bits` bits: [`RHO_STEPS`] up to [`RHO_STEPS_BITS`] bits, and above it
/// scaled down by the square of the size (a multiplication costs the square of the words): 455 steps for 3072
/// bits, 256 for 4096, 64 for 8192.
pub fn rho_steps(bits: u64) -> u32 {
    let bits = bits.max(RHO_STEPS_BITS);
    // At most RHO_STEPS, which fits.
    (u64::from(RHO_STEPS) * RHO_STEPS_BITS * RHO_STEPS_BITS / (bits * bits)) as u32
}

/// A prime factor of the modulus found by Pollard's rho within [`rho_steps`] steps, the smallest of those found;
/// `None` when none is found, which proves nothing (nor does the rare `None` of several factors closing at the very
/// same step). A sound modulus costs the budget and one gcd; one whose divisor found is ambiguous, the budget
/// twice and some 40 gcds. The modulus is big-endian; an even modulus or one of at most
/// 64 bits is not searched (trial division handles those).
pub fn rho_factor(modulus: &[u8]) -> Option<u64> {
    let field = Field::new(modulus)?;
    // The common case, a sound modulus: the whole budget and a single gcd, of the product of every difference.
    let mut product = Vec::new();
    walk(&field, |batch| {
        product = batch.product.to_vec();
        false
    });
    let divisor = field.gcd(&product);
    if divisor == BigUint::from(1u32) {
        return None;
    }
    if let Some(prime) = named_factor(&divisor) {
        return Some(prime);
    }
    // Several primes at once (or all of N, or a factor beyond 64 bits): walk again with a gcd after each batch, and
    // through the first batch that finds one, step by step. Only a modulus with several small factors gets here.
    let mut found = None;
    walk(&field, |batch| {
        if field.gcd(batch.product) == BigUint::from(1u32) {
            return false;
        }
        found = isolate(&field, &batch);
        true
    });
    found
}

/// Steps between two gcds when a batch that found a divisor is walked again.
const SUB_BATCH: u32 = 16;

/// Walks a batch that found a divisor again, with a gcd after every [`SUB_BATCH`] steps and then after each step
/// of the first part that finds one (at most 24 gcds for a batch of 128 steps, not 128): the smallest prime of
/// the first divisor that fits 64 bits. `None` when several factors close at the very same step.
fn isolate(field: &Field, batch: &Batch<'_>) -> Option<u64> {
    let n = field.modulus.len();
    let mut y = batch.start.to_vec();
    let mut part_start = y.clone();
    let mut product = vec![0; n];
    let mut difference = vec![0; n];
    let mut scratch = vec![0; 2 * n + 1];
    let mut remaining = batch.steps;
    while remaining > 0 {
        let part = SUB_BATCH.min(remaining);
        remaining -= part;
        part_start.copy_from_slice(&y);
        product.fill(0);
        product[0] = 1;
        for _ in 0..part {
            field.step(&mut y, batch.increment, &mut scratch);
            field.subtract(batch.compared_with, &y, &mut difference);
            field.multiply(&product, &difference, &mut scratch);
            product.copy_from_slice(&scratch[n..2 * n]);
        }
        if field.gcd(&product) != BigUint::from(1u32) {
            return (0..part).find_map(|_| {
                field.step(&mut part_start, batch.increment, &mut scratch);
                field.subtract(batch.compared_with, &part_start, &mut difference);
                named_factor(&field.gcd(&difference))
            });
        }
    }
    None
}

/// The state of the walk after one batch of comparisons.
struct Batch<'a> {
    /// The product of the differences so far.
    product: &'a [Limb],
    /// The value the batch's steps were compared with.
    compared_with: &'a [Limb],
    /// The walk's value before the batch.
    start: &'a [Limb],
    /// The batch's steps.
    steps: u32,
    /// The walk's increment, in Montgomery's form.
    increment: &'a [Limb],
}

/// Brent's rounds within [`rho_steps`]: round r (1, 2, 4, …) saves x, takes r steps, then compares each of the next
/// r values with x, multiplying the differences into the product, in batches of at most [`RHO_BATCH`] steps. After
/// each batch `at_batch_end` is called, and the walk stops when it answers `true`.
fn walk(field: &Field, mut at_batch_end: impl FnMut(Batch<'_>) -> bool) {
    let n = field.modulus.len();
    let increment = field.to_montgomery(RHO_INCREMENT);
    let mut y = field.to_montgomery(RHO_START);
    let mut x = y.clone();
    let mut start = y.clone();
    // Any number coprime to N will do to start the product: 1 (R⁻¹ in Montgomery's form).
    let mut product = vec![0; n];
    product[0] = 1;
    let mut difference = vec![0; n];
    let mut scratch = vec![0; 2 * n + 1];
    let budget = rho_steps(field.big.bits());
    let mut steps = 0;
    let mut round = 1;
    while steps + round < budget {
        x.copy_from_slice(&y);
        for _ in 0..round {
            field.step(&mut y, &increment, &mut scratch);
        }
        steps += round;
        let mut compared = 0;
        while compared < round && steps < budget {
            start.copy_from_slice(&y);
            let batch = RHO_BATCH.min(round - compared).min(budget - steps);
            for _ in 0..batch {
                field.step(&mut y, &increment, &mut scratch);
                field.subtract(&x, &y, &mut difference);
                field.multiply(&product, &difference, &mut scratch);
                product.copy_from_slice(&scratch[n..2 * n]);
            }
            steps += batch;
            compared += batch;
            let state =
                Batch { product: &product, compared_with: &x, start: &start, steps: batch, increment: &increment };
            if at_batch_end(state) {
                return;
            }
        }
        round *= 2;
    }
}

/// The smallest prime factor of a divisor found, when it has one and fits 64 bits.
fn named_factor(divisor: &BigUint) -> Option<u64> {
    let value = u64::try_from(divisor).ok().filter(|&value| value > 1)?;
    smallest_prime_factor(value)
}

/// Arithmetic modulo an odd N in Montgomery's form, R = 2^([`LIMB_BITS`] · digits), on numbers of [`LIMB_BITS`]-bit
/// digits, least significant first. A product is the columns' sums (`t[i + j] += a_i · b_j`, every product of
/// the row independent of the others: no carry chain, which WebAssembly's 64-bit arithmetic runs slowly), carried
/// once per column of the reduction.
struct Field {
    /// N, least significant digit first.
    modulus: Vec<Limb>,
    /// −N⁻¹ mod 2^[`LIMB_BITS`].
    negated_inverse: Limb,
    /// N as a big integer, for the gcds.
    big: BigUint,
}

impl Field {
    /// The field of an odd modulus of more than 64 bits (big-endian bytes, leading zeros allowed).
    fn new(modulus: &[u8]) -> Option<Self> {
        let big = BigUint::from_bytes_be(modulus);
        let digits = big.bits().div_ceil(u64::from(LIMB_BITS));
        if big.bits() <= 64 || !big.bit(0) || digits > MAX_DIGITS {
            return None;
        }
        let limbs = limbs_of(&big, digits as usize);
        // An odd number is its own inverse modulo 8; each Newton step doubles the correct low bits (3, 6, 12, 24,
        // 48).
        let mut inverse = limbs[0];
        for _ in 0..4 {
            inverse = inverse.wrapping_mul((2 as Limb).wrapping_sub(limbs[0].wrapping_mul(inverse)));
        }
        Some(Self { modulus: limbs, negated_inverse: inverse.wrapping_neg() & DIGIT_MASK, big })
    }

    /// `value · R mod N`, as many digits as N.
    fn to_montgomery(&self, value: u32) -> Vec<Limb> {
        let shifted = BigUint::from(value) << (self.modulus.len() as u64 * u64::from(LIMB_BITS));
        limbs_of(&(shifted % &self.big), self.modulus.len())
    }

    /// `scratch[n..2n] = a · b · R⁻¹ mod N` for `a`, `b` below N (`scratch` has 2n + 1 digits): the product's
    /// columns, then Montgomery's reduction (separated operand scanning, Koç, Acar and Kaliski, 1996).
    fn multiply(&self, a: &[Limb], b: &[Limb], scratch: &mut [Limb]) {
        let n = self.modulus.len();
        let t = &mut scratch[..2 * n + 1];
        t.fill(0);
        for (index, &word) in a.iter().enumerate() {
            accumulate(&mut t[index..index + n], word, b);
        }
        self.reduce(t);
    }

    /// `scratch[n..2n] = a · a · R⁻¹ mod N` for `a` below N: as [`Field::multiply`], each cross product computed
    /// once, by the doubled digit (about n²/2 digit products instead of n²).
    fn square(&self, a: &[Limb], scratch: &mut [Limb]) {
        let n = self.modulus.len();
        let t = &mut scratch[..2 * n + 1];
        t.fill(0);
        for (index, &word) in a.iter().enumerate() {
            t[2 * index] += word * word;
            let doubled = word << 1;
            accumulate(&mut t[2 * index + 1..index + n], doubled, &a[index + 1..]);
        }
        self.reduce(t);
    }

    /// Montgomery's reduction of the columns `t` (2n + 1 of them, of a value below N · R): `t[n..2n] = t · R⁻¹ mod
    /// N`, in digits.
    fn reduce(&self, t: &mut [Limb]) {
        let n = self.modulus.len();
        for index in 0..n {
            // m clears digit `index`: t + m · N · 2^(LIMB_BITS · index) is divisible by one more digit.
            let m = t[index].wrapping_mul(self.negated_inverse) & DIGIT_MASK;
            accumulate(&mut t[index..index + n], m, &self.modulus);
            t[index + 1] += t[index] >> LIMB_BITS;
        }
        // The columns n..2n carried into digits; t / R < 2N: one subtraction at most.
        let (result, top) = t[n..].split_at_mut(n);
        let mut carry = 0;
        for slot in result.iter_mut() {
            let sum = *slot + carry;
            *slot = sum & DIGIT_MASK;
            carry = sum >> LIMB_BITS;
        }
        if carry != 0 || !less_than(result, &self.modulus) {
            subtract_in_place(result, &self.modulus);
        }
        top[0] = 0;
    }

    /// One step of the walk in Montgomery's form: `y = y · y · R⁻¹ + c mod N`, `c` being the increment times R.
    fn step(&self, y: &mut [Limb], increment: &[Limb], scratch: &mut [Limb]) {
        self.square(y, scratch);
        let n = y.len();
        y.copy_from_slice(&scratch[n..2 * n]);
        if add_in_place(y, increment) || !less_than(y, &self.modulus) {
            subtract_in_place(y, &self.modulus);
        }
    }

    /// `difference = a − b mod N` for `a`, `b` below N.
    fn subtract(&self, a: &[Limb], b: &[Limb], difference: &mut [Limb]) {
        difference.copy_from_slice(a);
        if subtract_in_place(difference, b) {
            add_in_place(difference, &self.modulus);
        }
    }

    /// gcd(value, N).
    fn gcd(&self, value: &[Limb]) -> BigUint {
        number_of(value).gcd(&self.big)
    }
}

/// `slots[i] += word · digits[i]` for every `i` of the shorter of the two: the inner loop of every product, where
/// rho spends its time. Unrolled by four by hand, because the release profile optimizes for size (`opt-level =
/// "z"`), which does not unroll loops (module documentation, Cost).
#[inline(always)]
fn accumulate(slots: &mut [Limb], word: Limb, digits: &[Limb]) {
    let length = slots.len().min(digits.len());
    let (slots, digits) = (&mut slots[..length], &digits[..length]);
    let mut slot_chunks = slots.chunks_exact_mut(4);
    let mut digit_chunks = digits.chunks_exact(4);
    for (slot, digit) in (&mut slot_chunks).zip(&mut digit_chunks) {
        slot[0] += word * digit[0];
        slot[1] += word * digit[1];
        slot[2] += word * digit[2];
        slot[3] += word * digit[3];
    }
    for (slot, &digit) in slot_chunks.into_remainder().iter_mut().zip(digit_chunks.remainder()) {
        *slot += word * digit;
    }
}

/// Whether `a < b`, both of the same length, least significant digit first.
fn less_than(a: &[Limb], b: &[Limb]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// `a -= b` (same lengths, digits) modulo 2^(bits of all digits); whether it borrowed.
fn subtract_in_place(a: &mut [Limb], b: &[Limb]) -> bool {
    let mut borrow = 0;
    for (slot, &digit) in a.iter_mut().zip(b) {
        let difference = slot.wrapping_sub(digit).wrapping_sub(borrow);
        *slot = difference & DIGIT_MASK;
        borrow = difference >> 63;
    }
    borrow != 0
}

/// `a += b` (same lengths, digits) modulo 2^(bits of all digits); whether it carried out.
fn add_in_place(a: &mut [Limb], b: &[Limb]) -> bool {
    let mut carry = 0;
    for (slot, &digit) in a.iter_mut().zip(b) {
        let sum = *slot + digit + carry;
        *slot = sum & DIGIT_MASK;
        carry = sum >> LIMB_BITS;
    }
    carry != 0
}

/// The `count` lowest digits of a big integer, least significant first.
fn limbs_of(number: &BigUint, count: usize) -> Vec<Limb> {
    let mut digits = Vec::with_capacity(count);
    let (mut pending, mut pending_bits) = (0u128, 0);
    let mut words = number.iter_u64_digits();
    while digits.len() < count {
        if pending_bits < LIMB_BITS {
            pending |= u128::from(words.next().unwrap_or(0)) << pending_bits;
            pending_bits += 64;
        }
        digits.push(pending as Limb & DIGIT_MASK);
        pending >>= LIMB_BITS;
        pending_bits -= LIMB_BITS;
    }
    digits
}

/// The big integer of digits, least significant first.
fn number_of(limbs: &[Limb]) -> BigUint {
    let mut words = Vec::with_capacity(limbs.len() * LIMB_BITS as usize / 32 + 1);
    let (mut pending, mut pending_bits) = (0u64, 0);
    for &digit in limbs {
        pending |= digit << pending_bits;
        pending_bits += LIMB_BITS;
        if pending_bits >= 32 {
            words.push(pending as u32);
            pending >>= 32;
            pending_bits -= 32;
        }
    }
    words.push(pending as u32);
    BigUint::from_slice(&words)
}

// ---------------------------------------------------------------------------------------------------------------
// A divisor found, split into primes (64-bit arithmetic)
// ---------------------------------------------------------------------------------------------------------------

/// The smallest prime factor of `n` ≥ 2 (a divisor the search found: a product of a few primes above 2^16). By
/// Miller–Rabin and, for a composite, Pollard's rho on 64-bit numbers; `None` only if rho fails on every constant
/// tried, which no composite below 2^64 is known to do.
pub(crate) fn smallest_prime_factor(n: u64) -> Option<u64> {
    if n < 2 {
        return None;
    }
    if n.is_multiple_of(2) {
        return Some(2);
    }
    if is_prime(n) {
        return Some(n);
    }
    let split = (1..=32).find_map(|increment| split_u64(n, increment))?;
    let smaller = smallest_prime_factor(split)?;
    let other = smallest_prime_factor(n / split)?;
    Some(smaller.min(other))
}

/// `a · b mod n`.
fn multiply_mod(a: u64, b: u64, n: u64) -> u64 {
    // The remainder is below n.
    (u128::from(a) * u128::from(b) % u128::from(n)) as u64
}

/// `base^exponent mod n`.
fn power_mod(mut base: u64, mut exponent: u64, n: u64) -> u64 {
    let mut result = 1 % n;
    base %= n;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = multiply_mod(result, base, n);
        }
        base = multiply_mod(base, base, n);
        exponent >>= 1;
    }
    result
}

/// Whether `n` is prime: Miller–Rabin with the first twelve primes as bases, exact for every `u64` (exact below
/// 3.3 · 10^24; Sorenson and Webster, 2015).
pub(crate) fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    if let Some(&base) = BASES.iter().find(|&&base| n.is_multiple_of(base)) {
        return n == base;
    }
    let twos = (n - 1).trailing_zeros();
    let odd = (n - 1) >> twos;
    BASES.iter().all(|&base| {
        let mut x = power_mod(base, odd, n);
        if x == 1 || x == n - 1 {
            return true;
        }
        (1..twos).any(|_| {
            x = multiply_mod(x, x, n);
            x == n - 1
        })
    })
}

/// A proper divisor of the odd composite `n` by Pollard's rho (Floyd's cycle finding) with y ← y² + increment, or
/// `None` when this constant fails (the walk closes modulo every factor at once).
fn split_u64(n: u64, increment: u64) -> Option<u64> {
    let walk = |y: u64| (multiply_mod(y, y, n) + increment % n) % n;
    let (mut slow, mut fast) = (2 % n, 2 % n);
    // Modulo the smallest factor p < 2^32 the walk closes within p steps.
    for _ in 0..1u64 << 33 {
        slow = walk(slow);
        fast = walk(walk(fast));
        let divisor = gcd_u64(slow.abs_diff(fast), n);
        if divisor == n {
            return None;
        }
        if divisor > 1 {
            return Some(divisor);
        }
    }
    None
}

/// Euclid's algorithm on 64-bit numbers.
fn gcd_u64(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `a · b · R⁻¹ mod N` against big-integer arithmetic.
    fn check_multiply(n: &BigUint, a: &BigUint, b: &BigUint) {
        let field = Field::new(&n.to_bytes_be()).expect("odd, above 64 bits");
        let limbs = field.modulus.len();
        let pad = |number: &BigUint| limbs_of(number, limbs);
        let mut scratch = vec![0; 2 * limbs + 1];
        let r = BigUint::from(1u32) << (limbs as u32 * LIMB_BITS);
        field.multiply(&pad(a), &pad(b), &mut scratch);
        let product = number_of(&scratch[limbs..2 * limbs]);
        assert!(product < *n, "{n:x}: {product:x} not reduced");
        assert_eq!(product * &r % n, a * b % n, "{n:x}: {a:x} · {b:x}");
        for operand in [a, b] {
            field.square(&pad(operand), &mut scratch);
            let square = number_of(&scratch[limbs..2 * limbs]);
            assert!(square < *n, "{n:x}: {square:x} not reduced");
            assert_eq!(square * &r % n, operand * operand % n, "{n:x}: {operand:x}²");
        }
    }

    #[test]
    fn montgomery_multiplication_matches_big_integers() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for bits in [65u32, 127, 128, 129, 255, 1024, 2048, 2080, 4096] {
            let words = bits.div_ceil(64);
            let mut random = |top: u32| {
                let digits: Vec<u64> = (0..words).map(|_| next()).collect();
                let number = digits.iter().rev().fold(BigUint::ZERO, |n, &d| (n << 64u32) | BigUint::from(d));
                number >> (words * 64 - top)
            };
            let n = random(bits) | (BigUint::from(1u32) << (bits - 1)) | BigUint::from(1u32);
            let all_ones = (BigUint::from(1u32) << bits) - 1u32;
            for (a, b) in [
                (random(bits) % &n, random(bits) % &n),
                (&n - 1u32, &n - 1u32),
                (BigUint::ZERO, &n - 1u32),
                (BigUint::from(1u32), BigUint::from(1u32)),
            ] {
                check_multiply(&n, &a, &b);
            }
            // The largest modulus of the size: the sum before the final subtraction reaches its largest.
            check_multiply(&all_ones, &(&all_ones - 1u32), &(&all_ones - 2u32));
        }
    }

    #[test]
    fn subtraction_and_step_match_big_integers() {
        let n = (BigUint::from(1u32) << 130u32) - 5u32; // odd
        let field = Field::new(&n.to_bytes_be()).expect("odd, above 64 bits");
        let limbs = field.modulus.len();
        let pad = |number: &BigUint| limbs_of(number, limbs);
        let mut difference = vec![0; limbs];
        for (a, b) in [(5u32, 7u32), (7, 5), (0, 1), (3, 3)] {
            field.subtract(&pad(&BigUint::from(a)), &pad(&BigUint::from(b)), &mut difference);
            assert_eq!(number_of(&difference), (&n + a - b) % &n, "{a} − {b}");
        }
        let r = BigUint::from(1u32) << (limbs as u32 * LIMB_BITS);
        let r_inverse = r.modinv(&n).expect("R is coprime to an odd N");
        let mut scratch = vec![0; 2 * limbs + 1];
        for y in [BigUint::from(2u32), &n - 1u32, &n - 2u32] {
            let mut walked = pad(&y);
            field.step(&mut walked, &pad(&BigUint::from(1u32)), &mut scratch);
            assert_eq!(number_of(&walked), (&y * &y * &r_inverse + 1u32) % &n, "{y:x}");
        }
    }

    #[test]
    fn not_searched() {
        // Even, or too small to be a modulus: trial division answers for those.
        assert_eq!(rho_factor(&[]), None);
        assert_eq!(rho_factor(&(65_537u64 * 65_539).to_be_bytes()), None);
        assert_eq!(rho_factor(&((u128::from(u64::MAX) + 1) * 3).to_be_bytes()), None);
    }

    #[test]
    fn sixty_four_bit_primes_and_splits() {
        let check = |n: u64, expected: Option<u64>| assert_eq!(smallest_prime_factor(n), expected, "{n}");
        check(0, None);
        check(1, None);
        check(2, Some(2));
        check(65_537, Some(65_537));
        check(65_537 * 65_539, Some(65_537));
        check(4_294_967_291 * 4_294_967_279, Some(4_294_967_279));
        check(65_537 * 65_539 * 65_543, Some(65_537));
        check(18_446_744_073_709_551_557, Some(18_446_744_073_709_551_557)); // the largest prime below 2^64
        // Strong pseudoprimes to several bases, composite: 3215031751 = 151 · 751 · 28351; 3825123056546413051 =
        // 149491 · 747451 · 34233211 (base 2..23).
        check(3_215_031_751, Some(151));
        check(3_825_123_056_546_413_051, Some(149_491));
        assert!(!is_prime(3_825_123_056_546_413_051));
        let naive = |n: u64| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d));
        for n in 0..5000 {
            assert_eq!(is_prime(n), naive(n), "{n}");
        }
    }
}
