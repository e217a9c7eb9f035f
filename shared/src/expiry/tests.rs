//! The reminder rules, case by case, then a simulation of the scheduled handler: 10,000 certificates over 400
//! simulated days, runs missed at random and for days at a time, two handlers often running at once; every
//! email is checked against a model of what should be sent, computed differently.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

const END: i64 = 1_900_000_000;
/// Issued a year before [`END`]: every threshold applies.
const LONG_AGO: i64 = END - 365 * DAY;

/// One case: (`not_before`, `now`, `stage` recorded) → the reminder due.
fn check(cases: &[(&str, i64, i64, u8, Option<(u8, Threshold)>)]) {
    for (name, not_before, now, stage, expected) in cases {
        let due = reminder_due(*not_before, END, *now, *stage).map(|due| (due.stage, due.threshold));
        assert_eq!(due, *expected, "{name}");
    }
}

#[test]
fn each_threshold_in_turn() {
    use Threshold::*;
    check(&[
        ("a year left: nothing", LONG_AGO, END - 120 * DAY, 0, None),
        ("one second before 90 days", LONG_AGO, END - 90 * DAY - 1, 0, None),
        ("90 days", LONG_AGO, END - 90 * DAY, 0, Some((1, Before(90)))),
        ("90 days, sent", LONG_AGO, END - 70 * DAY, 1, None),
        ("60 days", LONG_AGO, END - 60 * DAY, 1, Some((2, Before(60)))),
        ("30 days", LONG_AGO, END - 30 * DAY, 2, Some((3, Before(30)))),
        ("14 days", LONG_AGO, END - 14 * DAY, 3, Some((4, Before(14)))),
        ("7 days", LONG_AGO, END - 7 * DAY, 4, Some((5, Before(7)))),
        ("3 days", LONG_AGO, END - 3 * DAY, 5, Some((6, Before(3)))),
        ("1 day", LONG_AGO, END - DAY, 6, Some((7, Before(1)))),
        ("the end", LONG_AGO, END, 7, Some((8, DayOf))),
        ("the day after, sent", LONG_AGO, END + DAY, 8, None),
        ("7 days after", LONG_AGO, END + 7 * DAY, 8, Some((9, After(7)))),
        ("all sent", LONG_AGO, END + 8 * DAY, 9, None),
    ]);
}

#[test]
fn missed_runs_fold_into_the_latest_threshold() {
    use Threshold::*;
    check(&[
        ("no run for 80 days: one email, at 30 days' stage", LONG_AGO, END - 20 * DAY, 0, Some((3, Before(30)))),
        ("from 60 days straight to 2 days", LONG_AGO, END - 2 * DAY, 2, Some((6, Before(3)))),
        ("a week after, nothing sent yet", LONG_AGO, END + 7 * DAY, 0, Some((9, After(7)))),
        ("two weeks after: still the last one", LONG_AGO, END + 14 * DAY, 0, Some((9, After(7)))),
        ("past two weeks after: stale, nothing", LONG_AGO, END + 14 * DAY + 1, 0, None),
        ("a stage recorded ahead (never lower)", LONG_AGO, END - 30 * DAY, 5, None),
    ]);
}

#[test]
fn thresholds_before_issuance_are_not_announced() {
    use Threshold::*;
    let ten_days = END - 10 * DAY;
    check(&[
        ("issued 10 days before the end: not the 14 days' email", ten_days, ten_days, 0, None),
        ("issued 10 days before the end: still nothing at 8 days", ten_days, END - 8 * DAY, 0, None),
        ("then the 7 days' one", ten_days, END - 7 * DAY, 0, Some((5, Before(7)))),
        ("issued exactly at a threshold: not announced", END - 7 * DAY, END - 7 * DAY, 0, None),
        ("a one-day certificate: the day of", END - DAY, END, 0, Some((8, DayOf))),
    ]);
}

#[test]
fn administrators_from_seven_days_before() {
    let to_administrators: Vec<_> = THRESHOLDS.iter().map(|threshold| threshold.to_administrators()).collect();
    assert_eq!(to_administrators, [false, false, false, false, true, true, true, true, true]);
}

#[test]
fn thresholds_are_in_order_and_named() {
    let instants: Vec<_> = THRESHOLDS.iter().map(|threshold| threshold.at(END)).collect();
    assert!(instants.windows(2).all(|pair| pair[0] < pair[1]), "{instants:?}");
    assert_eq!(THRESHOLDS[0].at(END), END - LOOKAHEAD_SECONDS);
    let codes: Vec<_> = THRESHOLDS.iter().map(|threshold| threshold.code()).collect();
    assert_eq!(codes[0], "90_days_before");
    assert_eq!(codes[7], "day_of");
    assert_eq!(codes[8], "7_days_after");
}

#[test]
fn days_left_rounds_up() {
    assert_eq!(days_left(END, END - 7 * DAY), 7);
    assert_eq!(days_left(END, END - 7 * DAY + 1), 7);
    assert_eq!(days_left(END, END - 6 * DAY - 1), 7);
    assert_eq!(days_left(END, END), 0);
    assert_eq!(days_left(END, END + DAY), 0);
}

/// A small deterministic generator (SplitMix64), so a failure is replayed exactly.
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

/// A certificate row as the sweep reads it: its dates, its recorded stage and its version.
struct Row {
    not_before: i64,
    not_after: i64,
    stage: u8,
    version: u64,
}

/// What one handler decided for one certificate from what it read: the stage and version it read, the email.
struct Decision {
    certificate: usize,
    version_read: u64,
    due: Due,
}

/// One handler's run at `now`: the sweep (ending within the lookahead, or ended at most two weeks ago, not at the
/// last stage), then each certificate's reminder, decided from the rows as read at the start of the run. `rows`
/// are sorted by end of validity, so the sweep's window is a slice, as the Worker's index makes it.
fn decide(rows: &[Row], now: i64) -> Vec<Decision> {
    let first = rows.partition_point(|row| row.not_after + LATEST_AFTER_END_SECONDS < now);
    let last = rows.partition_point(|row| row.not_after - LOOKAHEAD_SECONDS <= now);
    rows[first..last.max(first)]
        .iter()
        .enumerate()
        .filter(|(_, row)| row.stage < 9)
        .filter_map(|(offset, row)| {
            let due = reminder_due(row.not_before, row.not_after, now, row.stage)?;
            Some(Decision { certificate: first + offset, version_read: row.version, due })
        })
        .collect()
}

/// Commits a run's decisions as the Worker's batches do: the stage and the email only if the row still has the
/// version the run read. Returns the emails sent: (certificate, threshold, instant).
fn commit(rows: &mut [Row], decisions: Vec<Decision>, now: i64) -> Vec<(usize, Threshold, i64)> {
    let mut sent = Vec::new();
    for Decision { certificate, version_read, due } in decisions {
        let row = &mut rows[certificate];
        if row.version == version_read {
            row.stage = due.stage;
            row.version += 1;
            sent.push((certificate, due.threshold, now));
        }
    }
    sent
}

/// The model: for a certificate and the instants at which some handler ran, the emails that must go out. At each
/// run, the latest threshold reached that came after issuance is what the recipient must have been told by then
/// (unless the end is more than two weeks past); the emails are those thresholds, each once, at the first run
/// that reached it. Computed over the run instants alone, with no stage or version.
fn model(not_before: i64, not_after: i64, runs: &[i64]) -> BTreeMap<i64, i64> {
    let instants: Vec<(i64, i64)> = (0..THRESHOLDS.len())
        .map(|index| (index as i64, THRESHOLDS[index].at(not_after)))
        .filter(|(_, at)| *at > not_before)
        .collect();
    let mut expected = BTreeMap::new();
    let mut latest_told = -1;
    let (from, until) = (
        runs.partition_point(|run| *run < not_before),
        runs.partition_point(|run| *run <= not_after + LATEST_AFTER_END_SECONDS),
    );
    for &run in &runs[from..until.max(from)] {
        // The latest applicable threshold reached at this run, if any.
        if let Some((index, _)) = instants.iter().rev().find(|(_, at)| *at <= run)
            && *index > latest_told
        {
            // A threshold reached when a later one already was (impossible, instants are ordered) never shows.
            expected.insert(*index, run);
            latest_told = *index;
        }
    }
    expected
}

#[test]
fn ten_thousand_certificates_over_four_hundred_days_with_missed_and_concurrent_runs() {
    const CERTIFICATES: usize = 10_000;
    const START: i64 = 1_800_000_000;
    const DAYS: i64 = 400;
    let mut random = Random(0x6b65_7977_6172_6421);
    let validities = [DAY, 5 * DAY, 10 * DAY, 20 * DAY, 45 * DAY, 90 * DAY, 100 * DAY, 200 * DAY, 365 * DAY];
    let mut rows: Vec<Row> = (0..CERTIFICATES)
        .map(|_| {
            let not_before = START + random.below((DAYS as u64) * 86_400);
            let validity = validities[random.below(validities.len() as u64) as usize] - random.below(3_600);
            Row { not_before, not_after: not_before + validity, stage: 0, version: 0 }
        })
        .collect();
    rows.sort_by_key(|row| row.not_after);

    // Runs every simulated hour, a third of them missed, outages of one to five days now and then; a fifth
    // of the runs that happen have a second handler reading the same rows before the first one commits.
    let mut runs = Vec::new();
    let mut emails: Vec<(usize, Threshold, i64)> = Vec::new();
    let (mut now, mut concurrent, mut missed) = (START, 0, 0);
    while now < START + DAYS * DAY {
        now += 3_600;
        if random.below(400) == 0 {
            now += DAY * (1 + random.below(5));
            missed += 1;
            continue;
        }
        if random.below(3) == 0 {
            missed += 1;
            continue;
        }
        runs.push(now);
        let first = decide(&rows, now);
        if random.below(5) == 0 {
            concurrent += 1;
            let second = decide(&rows, now);
            // Either may commit first.
            let (early, late) = if random.below(2) == 0 { (first, second) } else { (second, first) };
            emails.extend(commit(&mut rows, early, now));
            let refused = commit(&mut rows, late, now);
            assert!(refused.is_empty(), "a concurrent handler's batch must write nothing: {}", refused.len());
        } else {
            emails.extend(commit(&mut rows, first, now));
        }
    }
    assert!(
        concurrent > runs.len() / 10 && missed > runs.len() / 3,
        "the simulation exercised concurrency ({concurrent}) and missed runs ({missed} of {})",
        runs.len()
    );

    // Exactly once per certificate and threshold, and never two emails to one certificate in one run.
    let mut seen = BTreeSet::new();
    let mut per_run = BTreeSet::new();
    for (certificate, threshold, at) in &emails {
        assert!(seen.insert((*certificate, threshold.code())), "certificate {certificate}: {threshold:?} twice");
        assert!(per_run.insert((*certificate, *at)), "certificate {certificate}: two emails at {at}");
    }

    // Each certificate's emails are exactly the model's, at the model's instants.
    let mut by_certificate = BTreeMap::<usize, BTreeMap<i64, i64>>::new();
    for (certificate, threshold, at) in &emails {
        let index = THRESHOLDS.iter().position(|candidate| candidate == threshold).unwrap_or(usize::MAX);
        by_certificate.entry(*certificate).or_default().insert(index as i64, *at);
    }
    let mut by_threshold = BTreeMap::<String, (usize, usize)>::new();
    for (certificate, row) in rows.iter().enumerate() {
        let expected = model(row.not_before, row.not_after, &runs);
        let actual = by_certificate.remove(&certificate).unwrap_or_default();
        assert_eq!(actual, expected, "certificate {certificate} ({}..{})", row.not_before, row.not_after);
        for index in expected.keys() {
            by_threshold.entry(THRESHOLDS[*index as usize].code()).or_default().0 += 1;
        }
    }
    for (_, threshold, _) in &emails {
        by_threshold.entry(threshold.code()).or_default().1 += 1;
    }
    for (code, (expected, actual)) in &by_threshold {
        assert_eq!(expected, actual, "{code}: the model's count and the emails sent");
    }
    // Every threshold was exercised, and every certificate that ended early enough got its last email.
    assert_eq!(by_threshold.len(), THRESHOLDS.len(), "{by_threshold:?}");
    let finished = rows.iter().filter(|row| row.not_after + 8 * DAY < START + DAYS * DAY - 6 * DAY).count();
    let told_after = by_threshold.get("7_days_after").map(|counts| counts.1).unwrap_or_default();
    assert!(
        told_after * 10 >= finished * 9,
        "most finished certificates got the 7 days after email: {told_after} of {finished}"
    );
}
