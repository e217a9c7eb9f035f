//! The scheduled handler's renewals on a fast clock (issue 14's tests): 5,000 orders (about 10,000 certificates, one
//! to three an order) over 400 simulated days, runs every two hours with a third of them missed, outages of days,
//! and a fifth of them doubled (two handlers reading the same rows, committing one after the other under the
//! order's version, as the Worker's batch does). Each renewal order's certificates are issued a few days after it
//! is placed, and it is renewed in turn while its count lasts. The renewals placed are compared with a model that
//! computes each chain from the run instants alone, without [`renewal_due`].

use super::*;
use crate::order::{PaymentRequest, RecipientRequest, SignatureHash};

const DAY: i64 = 86_400;
const START: i64 = 1_900_000_000;
const HORIZON: i64 = START + 400 * DAY;
const RUN_EVERY: i64 = 2 * 3_600;

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> i64 {
        i64::try_from(self.next() % bound).unwrap_or_default()
    }
}

/// How long after its placement a renewal order's certificates are issued (the recipients enroll): up to five
/// days, a function of the chain and the generation, so the model can compute it too.
fn enrollment_delay(chain: usize, generation: u32) -> i64 {
    let mut random = Random((chain as u64) << 8 | u64::from(generation));
    random.below(5 * DAY as u64)
}

/// One order of a chain: the original (generation 0) or a renewal.
struct SimulatedOrder {
    chain: usize,
    generation: u32,
    order: RenewedOrder,
    version: u64,
    /// When its certificates are issued (a renewal's recipients enroll after it is placed).
    issued_at: i64,
    placed_at: i64,
}

/// What the model expects of one chain: each generation's placement instant.
fn model(ends: &[(i64, bool)], validity_days: u32, renewals: u32, chain: usize, runs: &[i64]) -> Vec<i64> {
    let mut placements = Vec::new();
    // The first valid end of the current generation; every recipient of a renewal ends at the same instant.
    let mut first_end = ends.iter().filter(|(_, revoked)| !revoked).map(|(end, _)| *end).min();
    for generation in 1..=renewals {
        let Some(end) = first_end else { break };
        let due = end - 30 * DAY;
        let Some(&placed) = runs.iter().find(|&&run| run >= due) else { break };
        placements.push(placed);
        let issued = placed + enrollment_delay(chain, generation);
        first_end = Some(issued + i64::from(validity_days) * DAY);
    }
    placements
}

fn recipient(index: usize, not_after: i64, revoked: bool) -> RenewedRecipient {
    RenewedRecipient {
        request: RecipientRequest { email: format!("r{index}@example.com"), ..RecipientRequest::default() },
        serial: Some(format!("{index:032x}")),
        not_after: Some(not_after),
        revoked,
    }
}

#[test]
fn five_thousand_orders_over_four_hundred_days_with_missed_and_concurrent_runs() {
    let mut random = Random(14);
    // The run instants: every two hours, a third missed, three outages of one to four days.
    let outages: Vec<(i64, i64)> = (0..3)
        .map(|_| {
            let from = START + random.below(380) * DAY;
            (from, from + (1 + random.below(4)) * DAY)
        })
        .collect();
    let mut runs = Vec::new();
    let mut doubled = Vec::new();
    let mut now = START;
    while now <= HORIZON {
        let in_outage = outages.iter().any(|(from, until)| (*from..*until).contains(&now));
        if !in_outage && random.below(3) != 0 {
            runs.push(now);
            doubled.push(random.below(5) == 0);
        }
        now += RUN_EVERY;
    }
    // The orders: one to three certificates ending within the first 400 days, some revoked, zero to three
    // renewals, a validity of 60 to 400 days.
    let mut orders = Vec::new();
    let mut originals = Vec::new();
    for chain in 0..5_000 {
        let recipients: Vec<RenewedRecipient> = (0..1 + random.below(3))
            .map(|index| {
                let end = START + DAY + random.below(400 * DAY as u64);
                recipient(chain * 4 + index as usize, end, random.below(6) == 0)
            })
            .collect();
        let renewals = random.below(4) as u32;
        let validity_days = 60 + random.below(341) as u32;
        let ends = recipients.iter().map(|recipient| (recipient.not_after.unwrap_or_default(), recipient.revoked));
        originals.push((ends.collect::<Vec<_>>(), validity_days, renewals));
        orders.push(SimulatedOrder {
            chain,
            generation: 0,
            order: RenewedOrder {
                id: format!("{chain}-0"),
                state: OrderState::Completed,
                renewals_left: renewals,
                renewed: false,
                profile: ProfileId::SmimeMailboxMultipurpose,
                organization_id: "org".to_owned(),
                signature_hash: SignatureHash::Sha256,
                validity_days,
                notification_emails: Vec::new(),
                payment: PaymentRequest::Balance,
                subscriber_agreement: "2026-01".to_owned(),
                recipients,
            },
            version: 0,
            issued_at: START,
            placed_at: START,
        });
    }
    let mut conflicts = 0;
    for (&now, &twice) in runs.iter().zip(&doubled) {
        // Renewal orders whose recipients enrolled by now are completed, with their new certificates.
        for simulated in orders.iter_mut().filter(|simulated| simulated.order.state != OrderState::Completed) {
            if simulated.issued_at <= now {
                let end = simulated.issued_at + i64::from(simulated.order.validity_days) * DAY;
                for recipient in &mut simulated.order.recipients {
                    recipient.not_after = Some(end);
                }
                simulated.order.state = OrderState::Completed;
                simulated.version += 1;
            }
        }
        // One or two handlers read the same rows, then commit one after the other.
        let handlers = if twice { 2 } else { 1 };
        let decisions: Vec<Vec<(usize, u64, u32)>> = (0..handlers)
            .map(|_| {
                orders
                    .iter()
                    .enumerate()
                    .filter_map(|(index, simulated)| {
                        renewal_due(&simulated.order, now, false).ok().map(|left| (index, simulated.version, left))
                    })
                    .collect()
            })
            .collect();
        for decided in decisions {
            for (index, version_read, left) in decided {
                if orders[index].version != version_read {
                    // The batch fails whole on the version: nothing is placed.
                    conflicts += 1;
                    continue;
                }
                let (request, renews) = renewal_request(&orders[index].order, left, now);
                assert_eq!(request.auto_renewals, left);
                assert_eq!(renews.len(), request.recipients.len());
                let parent = &mut orders[index];
                parent.order.renewed = true;
                parent.version += 1;
                let (chain, generation) = (parent.chain, parent.generation + 1);
                let parent_order = parent.order.clone();
                let recipients = renews
                    .iter()
                    .enumerate()
                    .map(|(position, _)| RenewedRecipient {
                        request: request.recipients[position].clone(),
                        serial: Some(format!("{chain}-{generation}-{position}")),
                        not_after: None,
                        revoked: false,
                    })
                    .collect();
                let ValidityRequest::Days { days } = request.validity else { unreachable!("renewals state days") };
                orders.push(SimulatedOrder {
                    chain,
                    generation,
                    order: RenewedOrder {
                        id: format!("{chain}-{generation}"),
                        state: OrderState::AwaitingEnrollment,
                        renewals_left: left,
                        renewed: false,
                        validity_days: days,
                        recipients,
                        ..parent_order
                    },
                    version: 0,
                    issued_at: now + enrollment_delay(chain, generation),
                    placed_at: now,
                });
            }
        }
    }
    assert!(conflicts > 100, "the doubled runs raced: {conflicts} conflicts");
    let longest_gap = runs.windows(2).map(|pair| pair[1] - pair[0]).max().unwrap_or_default();
    let mut placed_total = 0;
    for (chain, (ends, validity_days, renewals)) in originals.iter().enumerate() {
        let expected = model(ends, *validity_days, *renewals, chain, &runs);
        let mut actual: Vec<(u32, i64, u32)> = orders
            .iter()
            .filter(|simulated| simulated.chain == chain && simulated.generation > 0)
            .map(|simulated| (simulated.generation, simulated.placed_at, simulated.order.renewals_left))
            .collect();
        actual.sort_unstable();
        let placements: Vec<i64> = actual.iter().map(|(_, placed, _)| *placed).collect();
        assert_eq!(placements, expected, "chain {chain}: one renewal per generation, at the first run from its due");
        for (generation, _, left) in &actual {
            // The count goes down by exactly one per renewal.
            assert_eq!(*left, renewals - generation, "chain {chain}");
        }
        placed_total += actual.len();
    }
    // Every renewal went out from 30 days before the end, late by at most the longest gap between runs.
    for simulated in orders.iter().filter(|simulated| simulated.generation > 0) {
        let parent = orders
            .iter()
            .find(|other| other.chain == simulated.chain && other.generation + 1 == simulated.generation)
            .map(|parent| due_at(&parent.order).unwrap_or_default());
        let due = parent.unwrap_or_default();
        // An order due before the first run (it ends within 30 days of the start) is renewed by that run.
        let late = simulated.placed_at - due.max(runs[0]);
        assert!(simulated.placed_at >= due && late <= longest_gap, "{}: {late} s late", simulated.order.id);
    }
    assert!(placed_total > 5_000, "renewals were placed: {placed_total}");
}
