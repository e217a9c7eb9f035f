//! The reminder rules, case by case, then a simulation of the scheduled handler: 10,000 certificates over 400
//! simulated days, runs missed at random and for days at a time, two handlers often running at once; every
//! email is checked against a model of what should be sent, computed differently.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

const END: i64 = 1_900_000_000;
/// Issued a year before [`END`]: every threshold applies.
const LONG_AGO: i64 = END - 365 * DAY;

/// A reminder case: name, `not_before`, `now`, `stage` recorded → the stage to record and the email, if any.
type Case<'a> = (&'a str, i64, i64, u8, Option<(u8, Option<Threshold>)>);

/// One case: (`not_before`, `now`, `stage` recorded) → the reminder due, under the default settings.
fn check(cases: &[Case]) {
    check_with(&Settings::default(), cases);
}

/// One case under `settings`: (`not_before`, `now`, `stage` recorded) → the stage to record and the email.
fn check_with(settings: &Settings, cases: &[Case]) {
    for (name, not_before, now, stage, expected) in cases {
        let due = reminder_due(settings, *not_before, END, *now, *stage).map(|due| (due.stage, due.threshold));
        assert_eq!(due, *expected, "{name}");
    }
}

#[test]
fn each_threshold_in_turn() {
    use Threshold::*;
    check(&[
        ("a year left: nothing", LONG_AGO, END - 120 * DAY, 0, None),
        ("one second before 90 days", LONG_AGO, END - 90 * DAY - 1, 0, None),
        ("90 days", LONG_AGO, END - 90 * DAY, 0, Some((1, Some(Before(90))))),
        ("90 days, sent", LONG_AGO, END - 70 * DAY, 1, None),
        ("60 days", LONG_AGO, END - 60 * DAY, 1, Some((2, Some(Before(60))))),
        ("30 days", LONG_AGO, END - 30 * DAY, 2, Some((3, Some(Before(30))))),
        ("14 days", LONG_AGO, END - 14 * DAY, 3, Some((4, Some(Before(14))))),
        ("7 days", LONG_AGO, END - 7 * DAY, 4, Some((5, Some(Before(7))))),
        ("3 days", LONG_AGO, END - 3 * DAY, 5, Some((6, Some(Before(3))))),
        ("1 day", LONG_AGO, END - DAY, 6, Some((7, Some(Before(1))))),
        ("the end", LONG_AGO, END, 7, Some((8, Some(DayOf)))),
        ("the day after, sent", LONG_AGO, END + DAY, 8, None),
        ("7 days after", LONG_AGO, END + 7 * DAY, 8, Some((9, Some(After(7))))),
        ("all sent", LONG_AGO, END + 8 * DAY, 9, None),
    ]);
}

#[test]
fn missed_runs_fold_into_the_latest_threshold() {
    use Threshold::*;
    check(&[
        ("no run for 80 days: one email, at 30 days' stage", LONG_AGO, END - 20 * DAY, 0, Some((3, Some(Before(30))))),
        ("from 60 days straight to 2 days", LONG_AGO, END - 2 * DAY, 2, Some((6, Some(Before(3))))),
        ("a week after, nothing sent yet", LONG_AGO, END + 7 * DAY, 0, Some((9, Some(After(7))))),
        ("two weeks after: still the last one", LONG_AGO, END + 14 * DAY, 0, Some((9, Some(After(7))))),
        ("past two weeks after: stale, nothing", LONG_AGO, END + 14 * DAY + 1, 0, None),
        ("a stage recorded ahead (never lower)", LONG_AGO, END - 30 * DAY, 5, None),
    ]);
}

#[test]
fn thresholds_before_issuance_are_not_announced() {
    use Threshold::*;
    let ten_days = END - 10 * DAY;
    check(&[
        ("issued 10 days before the end: the 14 days' stage, silently", ten_days, ten_days, 0, Some((4, None))),
        ("issued 10 days before the end: still nothing at 8 days", ten_days, END - 8 * DAY, 4, None),
        ("then the 7 days' one", ten_days, END - 7 * DAY, 4, Some((5, Some(Before(7))))),
        ("issued exactly at a threshold: not announced", END - 7 * DAY, END - 7 * DAY, 0, Some((5, None))),
        ("a one-day certificate: the day of", END - DAY, END, 0, Some((8, Some(DayOf)))),
    ]);
}

#[test]
fn settings_choose_the_thresholds_and_catch_up_on_the_latest_chosen() {
    use Threshold::*;
    let mut only_30_and_7 = Settings { thresholds: [false; 9], ..Settings::default() };
    only_30_and_7.thresholds[2] = true;
    only_30_and_7.thresholds[4] = true;
    check_with(
        &only_30_and_7,
        &[
            ("90 days, not chosen: the stage, silently", LONG_AGO, END - 90 * DAY, 0, Some((1, None))),
            ("30 days, chosen", LONG_AGO, END - 30 * DAY, 2, Some((3, Some(Before(30))))),
            ("14 days, not chosen", LONG_AGO, END - 14 * DAY, 3, Some((4, None))),
            ("7 days, chosen", LONG_AGO, END - 7 * DAY, 4, Some((5, Some(Before(7))))),
            ("missed from 35 to 12 days: the 30 days' one", LONG_AGO, END - 12 * DAY, 1, Some((4, Some(Before(30))))),
            ("missed from 35 to 2 days: the 7 days' one", LONG_AGO, END - 2 * DAY, 1, Some((6, Some(Before(7))))),
            ("the day after: none chosen left", LONG_AGO, END + 8 * DAY, 5, Some((9, None))),
            ("30 days chosen but before issuance", END - 20 * DAY, END - 12 * DAY, 0, Some((4, None))),
        ],
    );
    let off = Settings { enabled: false, ..Settings::default() };
    check_with(
        &off,
        &[
            ("off: 90 days passes silently", LONG_AGO, END - 90 * DAY, 0, Some((1, None))),
            ("off: the end passes silently", LONG_AGO, END, 1, Some((8, None))),
            ("off: nothing passed since", LONG_AGO, END + DAY, 8, None),
        ],
    );
    let no_copies = Settings { administrators: false, ..Settings::default() };
    assert!(!THRESHOLDS.iter().any(|threshold| no_copies.copies_administrators(*threshold)));
    assert!(Settings::default().copies_administrators(Before(7)));
    assert!(!Settings::default().copies_administrators(Before(14)));
}

#[test]
fn settings_round_trip_through_the_stored_mask() {
    let mut random = Random(7);
    for _ in 0..200 {
        let mask = random.below(1 << 9);
        let settings = Settings::from_stored(random.below(2) == 0, mask, random.below(2) == 0);
        assert_eq!(settings.threshold_mask(), mask);
    }
    assert_eq!(Settings::default().threshold_mask(), 511);
    assert_eq!(Settings::from_stored(true, 511 | 1024, true), Settings::default());
}

#[test]
fn next_threshold_offsets_follow_the_thresholds() {
    assert_eq!(next_threshold_offset(0), Some(-90 * DAY));
    assert_eq!(next_threshold_offset(7), Some(0));
    assert_eq!(next_threshold_offset(8), Some(7 * DAY));
    assert_eq!(next_threshold_offset(9), None);
}

/// One escalation case: (`now`, the replacement's issuance, picked up, settled, settings on) → the outcome.
/// An escalation case: name, `now`, (the replacement's issuance, picked up), settled, on → the outcome.
type EscalationCase<'a> = (&'a str, i64, Option<(i64, bool)>, bool, bool, Option<Escalation>);

fn check_escalation(cases: &[EscalationCase]) {
    for (name, now, replacement, settled, enabled, expected) in cases {
        let settings = Settings { enabled: *enabled, ..Settings::default() };
        let replacement = replacement.map(|(issued_at, picked_up)| Replacement { issued_at, picked_up });
        assert_eq!(escalation_due(&settings, END, *now, replacement, *settled), *expected, "{name}");
    }
}

#[test]
fn escalation_when_the_replacement_was_not_picked_up() {
    use Escalation::*;
    let renewed = END - 30 * DAY;
    check_escalation(&[
        ("not replaced: nothing", END - 7 * DAY, None, false, true, None),
        ("replaced, 8 days before: not yet", END - 8 * DAY, Some((renewed, false)), false, true, None),
        (
            "replaced, not picked up, 7 days before: sent",
            END - 7 * DAY,
            Some((renewed, false)),
            false,
            true,
            Some(Send),
        ),
        ("a missed run: sent later", END + 3 * DAY, Some((renewed, false)), false, true, Some(Send)),
        ("already settled: never twice", END - 6 * DAY, Some((renewed, false)), true, true, None),
        ("picked up: settled with no email", END - 7 * DAY, Some((renewed, true)), false, true, Some(PickedUp)),
        ("reminders off: settled with no email", END - 7 * DAY, Some((renewed, false)), false, false, Some(Off)),
        ("stale: more than two weeks after", END + 14 * DAY + 1, Some((renewed, false)), false, true, None),
        ("replaced 2 days before: a day of grace", END - DAY - 1, Some((END - 2 * DAY, false)), false, true, None),
        ("replaced 2 days before: then sent", END - DAY, Some((END - 2 * DAY, false)), false, true, Some(Send)),
    ]);
    assert_eq!([Send.code(), PickedUp.code(), Off.code()], ["sent", "picked_up", "off"]);
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

/// A certificate row as the sweep reads it: its dates, its account, its recorded stage, its replacement and
/// escalation, and its version.
struct Row {
    not_before: i64,
    not_after: i64,
    account: usize,
    stage: u8,
    /// The replacement's issuance and when it is picked up (`i64::MAX`: never).
    replacement: Option<(i64, i64)>,
    escalation: Option<Escalation>,
    version: u64,
}

/// What one handler decided for one certificate from what it read: the version it read, the reminder step and
/// the escalation.
struct Decision {
    certificate: usize,
    version_read: u64,
    due: Option<Due>,
    escalation: Option<Escalation>,
}

/// One handler's run at `now`, as the Worker's sweep query selects: certificates issued, ending within the
/// lookahead or ended at most two weeks ago, with a threshold reached since their stage, or replaced with an
/// escalation unsettled and due ([`escalation_at`]); then each one's step and escalation, decided from the rows
/// as read at the start of the run. `rows` are sorted by end of validity, so the window is a slice.
fn decide(rows: &[Row], settings: &[Settings], now: i64) -> Vec<Decision> {
    let first = rows.partition_point(|row| row.not_after + LATEST_AFTER_END_SECONDS < now);
    let last = rows.partition_point(|row| row.not_after - LOOKAHEAD_SECONDS <= now);
    rows[first..last.max(first)]
        .iter()
        .enumerate()
        .filter(|(_, row)| row.not_before <= now)
        .filter(|(_, row)| {
            let stage_due = next_threshold_offset(row.stage).is_some_and(|offset| row.not_after + offset <= now);
            let escalation_pending = row.escalation.is_none()
                && row.replacement.is_some_and(|(issued_at, _)| escalation_at(row.not_after, issued_at) <= now);
            stage_due || escalation_pending
        })
        .filter_map(|(offset, row)| {
            let settings = &settings[row.account];
            let due = reminder_due(settings, row.not_before, row.not_after, now, row.stage);
            let replacement = row
                .replacement
                .filter(|(issued_at, _)| *issued_at <= now)
                .map(|(issued_at, picked_up_at)| Replacement { issued_at, picked_up: picked_up_at <= now });
            let escalation = escalation_due(settings, row.not_after, now, replacement, row.escalation.is_some());
            (due.is_some() || escalation.is_some()).then_some(Decision {
                certificate: first + offset,
                version_read: row.version,
                due,
                escalation,
            })
        })
        .collect()
}

/// What the simulation saw go out: reminders (certificate, threshold, instant) and escalations (certificate,
/// instant).
#[derive(Default)]
struct Sent {
    reminders: Vec<(usize, Threshold, i64)>,
    escalations: Vec<(usize, i64)>,
    /// Batches that wrote a stage or a settlement with no email.
    silent: usize,
}

/// Commits a run's decisions as the Worker's batches do: the stage, the escalation and the emails only if the
/// row still has the version the run read. Returns how many batches were written.
fn commit(rows: &mut [Row], decisions: Vec<Decision>, now: i64, sent: &mut Sent) -> usize {
    let mut written = 0;
    for Decision { certificate, version_read, due, escalation } in decisions {
        let row = &mut rows[certificate];
        if row.version != version_read {
            continue;
        }
        written += 1;
        row.version += 1;
        let mut emails = 0;
        if let Some(due) = due {
            row.stage = due.stage;
            if let Some(threshold) = due.threshold {
                sent.reminders.push((certificate, threshold, now));
                emails += 1;
            }
        }
        if let Some(escalation) = escalation {
            row.escalation = Some(escalation);
            if escalation == Escalation::Send {
                sent.escalations.push((certificate, now));
                emails += 1;
            }
        }
        if emails == 0 {
            sent.silent += 1;
        }
    }
    written
}

/// The reminders' model, stated per threshold rather than per run, with no stage or version: threshold `i`
/// (chosen by the account, reached after issuance) is emailed at the first handler run at or after its instant
/// that comes after issuance and at most two weeks after the end, unless a later chosen threshold reached after
/// issuance was also reached by then (the catch-up folds it into that one). Returns threshold index → instant.
fn model(settings: &Settings, not_before: i64, not_after: i64, runs: &[i64]) -> BTreeMap<i64, i64> {
    let chosen: Vec<(usize, i64)> = (0..THRESHOLDS.len())
        .filter(|index| settings.enabled && settings.thresholds[*index])
        .map(|index| (index, THRESHOLDS[index].at(not_after)))
        .filter(|(_, at)| *at > not_before)
        .collect();
    let mut expected = BTreeMap::new();
    for (index, at) in &chosen {
        let first_run = runs[runs.partition_point(|run| *run < (*at).max(not_before))..].first().copied();
        let Some(run) = first_run.filter(|run| *run <= not_after + LATEST_AFTER_END_SECONDS) else {
            continue;
        };
        if !chosen.iter().any(|(later, later_at)| later > index && *later_at <= run) {
            expected.insert(*index as i64, run);
        }
    }
    expected
}

/// The escalation's model: the first handler run at or after the escalation instant (7 days before the end, or a
/// day after the replacement's issuance), at most two weeks after the end, escalates if the account has reminders
/// on and the replacement was not picked up by then; otherwise nothing ever does.
fn escalation_model(settings: &Settings, row: &Row, runs: &[i64]) -> Option<i64> {
    let (issued_at, picked_up_at) = row.replacement?;
    let at = (row.not_after - 7 * DAY).max(issued_at + DAY).max(row.not_before);
    let run = *runs[runs.partition_point(|run| *run < at)..].first()?;
    (run <= row.not_after + 14 * DAY && settings.enabled && picked_up_at > run).then_some(run)
}

#[test]
fn ten_thousand_certificates_over_four_hundred_days_with_missed_and_concurrent_runs() {
    const CERTIFICATES: usize = 10_000;
    const ACCOUNTS: usize = 40;
    const START: i64 = 1_800_000_000;
    const DAYS: i64 = 400;
    let mut random = Random(0x6b65_7977_6172_6421);
    // Account 0 keeps the defaults; one in eight turns reminders off; the others choose thresholds at random.
    let settings: Vec<Settings> = (0..ACCOUNTS)
        .map(|account| match account {
            0 => Settings::default(),
            _ if random.below(8) == 0 => Settings { enabled: false, ..Settings::default() },
            _ => Settings::from_stored(true, random.below(1 << 9), random.below(2) == 0),
        })
        .collect();
    let validities = [DAY, 5 * DAY, 10 * DAY, 20 * DAY, 45 * DAY, 90 * DAY, 100 * DAY, 200 * DAY, 365 * DAY];
    let mut rows: Vec<Row> = (0..CERTIFICATES)
        .map(|_| {
            let not_before = START + random.below((DAYS as u64) * 86_400);
            let validity = validities[random.below(validities.len() as u64) as usize] - random.below(3_600);
            let not_after = not_before + validity;
            // Two in five are replaced, from 40 days before the end to 2 days after; of those, a third are never
            // picked up, the others at a random instant from their issuance to 20 days after it.
            let replacement = (random.below(5) < 2).then(|| {
                let issued_at = (not_after - 40 * DAY + random.below(42 * 86_400)).max(not_before);
                let picked_up_at = if random.below(3) == 0 { i64::MAX } else { issued_at + random.below(20 * 86_400) };
                (issued_at, picked_up_at)
            });
            let account = if random.below(4) == 0 { 0 } else { random.below(ACCOUNTS as u64) as usize };
            Row { not_before, not_after, account, stage: 0, replacement, escalation: None, version: 0 }
        })
        .collect();
    rows.sort_by_key(|row| row.not_after);

    // Runs every simulated hour, a third of them missed, outages of one to five days now and then; a fifth
    // of the runs that happen have a second handler reading the same rows before the first one commits.
    let mut runs = Vec::new();
    let mut sent = Sent::default();
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
        let first = decide(&rows, &settings, now);
        if random.below(5) == 0 {
            concurrent += 1;
            let second = decide(&rows, &settings, now);
            // Either may commit first.
            let (early, late) = if random.below(2) == 0 { (first, second) } else { (second, first) };
            commit(&mut rows, early, now, &mut sent);
            let refused = commit(&mut rows, late, now, &mut sent);
            assert_eq!(refused, 0, "a concurrent handler's batch must write nothing");
        } else {
            commit(&mut rows, first, now, &mut sent);
        }
    }
    assert!(
        concurrent > runs.len() / 10 && missed > runs.len() / 3,
        "the simulation exercised concurrency ({concurrent}) and missed runs ({missed} of {})",
        runs.len()
    );

    // Exactly once per certificate and threshold, and never two reminders to one certificate in one run.
    let mut seen = BTreeSet::new();
    let mut per_run = BTreeSet::new();
    for (certificate, threshold, at) in &sent.reminders {
        assert!(seen.insert((*certificate, threshold.code())), "certificate {certificate}: {threshold:?} twice");
        assert!(per_run.insert((*certificate, *at)), "certificate {certificate}: two emails at {at}");
    }
    let mut escalated = BTreeMap::new();
    for (certificate, at) in &sent.escalations {
        assert!(escalated.insert(*certificate, *at).is_none(), "certificate {certificate}: escalated twice");
    }

    // Each certificate's reminders and escalation are exactly the models', at the models' instants.
    let mut by_certificate = BTreeMap::<usize, BTreeMap<i64, i64>>::new();
    for (certificate, threshold, at) in &sent.reminders {
        let index = THRESHOLDS.iter().position(|candidate| candidate == threshold).unwrap_or(usize::MAX);
        by_certificate.entry(*certificate).or_default().insert(index as i64, *at);
    }
    let mut by_threshold = BTreeMap::<String, (usize, usize)>::new();
    let (mut escalations_expected, mut picked_up_in_time, mut not_picked_up) = (0, 0, 0);
    for (certificate, row) in rows.iter().enumerate() {
        let account = &settings[row.account];
        let expected = model(account, row.not_before, row.not_after, &runs);
        let actual = by_certificate.remove(&certificate).unwrap_or_default();
        assert_eq!(actual, expected, "certificate {certificate} ({}..{})", row.not_before, row.not_after);
        for index in expected.keys() {
            by_threshold.entry(THRESHOLDS[*index as usize].code()).or_default().0 += 1;
        }
        let expected_escalation = escalation_model(account, row, &runs);
        assert_eq!(escalated.get(&certificate).copied(), expected_escalation, "certificate {certificate}'s escalation");
        if let Some((issued_at, picked_up_at)) = row.replacement {
            let due = escalation_at(row.not_after, issued_at);
            if expected_escalation.is_some() {
                escalations_expected += 1;
            } else if picked_up_at <= due && row.not_after + 14 * DAY < now {
                picked_up_in_time += 1;
            } else if picked_up_at == i64::MAX && account.enabled && row.not_after + 14 * DAY < now {
                not_picked_up += 1;
            }
        }
    }
    for (_, threshold, _) in &sent.reminders {
        by_threshold.entry(threshold.code()).or_default().1 += 1;
    }
    for (code, (expected, actual)) in &by_threshold {
        assert_eq!(expected, actual, "{code}: the model's count and the emails sent");
    }
    // Every threshold and both escalation outcomes were exercised; a replacement never picked up, in an account
    // with reminders on, whose window closed, was escalated unless every run of its window was missed.
    assert_eq!(by_threshold.len(), THRESHOLDS.len(), "{by_threshold:?}");
    assert_eq!(escalations_expected, sent.escalations.len());
    assert!(sent.escalations.len() > 500, "escalations sent: {}", sent.escalations.len());
    assert!(picked_up_in_time > 500, "replacements picked up in time, never escalated: {picked_up_in_time}");
    assert!(not_picked_up * 20 < sent.escalations.len(), "never picked up yet not escalated: {not_picked_up}");
    assert!(sent.silent > 1_000, "stages and settlements recorded with no email: {}", sent.silent);
    let finished = rows
        .iter()
        .filter(|row| settings[row.account].enabled && settings[row.account].thresholds[8])
        .filter(|row| row.not_after + 8 * DAY < START + DAYS * DAY - 6 * DAY)
        .count();
    let told_after = by_threshold.get("7_days_after").map(|counts| counts.1).unwrap_or_default();
    assert!(
        told_after * 10 >= finished * 9,
        "most finished certificates that chose it got the 7 days after email: {told_after} of {finished}"
    );
}
