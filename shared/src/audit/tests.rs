//! The chain's table tests: an intact chain verifies; each kind of tampering with a copy (a field of a record
//! edited, a record deleted, two swapped, the end cut off) is found at the first record it touches; the canonical
//! bytes are stable (a golden vector computed outside this code).

use super::*;

fn entry(id: i64) -> Entry {
    Entry {
        id,
        at: 1_800_000_000 + id,
        actor: format!("user:u{}", id % 3),
        action: if id % 2 == 0 { "api_key.created".into() } else { "order.placed".into() },
        object_type: "api_key".into(),
        object_id: format!("k{id}"),
        detail: format!("{{\"name\":\"key {id}\"}}"),
    }
}

/// A chain of `length` records, sealed in two runs of the sealer (as the scheduled handler would).
fn chain(length: i64) -> (Vec<SealedRecord>, Head) {
    let (mut records, middle) = Head::empty("acc1").extend((1..=length / 2).map(entry));
    let (rest, head) = middle.extend((length / 2 + 1..=length).map(entry));
    records.extend(rest);
    (records, head)
}

/// Applies `tamper` to a copy of a 7-record chain and compares what [`verify`] says, with and without the head, to
/// `expected` (the kind and the position of the first record at fault), checking the break's code and sentence.
fn check(name: &str, tamper: impl Fn(&mut Vec<SealedRecord>, &mut Head), expected: Option<(BreakKind, usize)>) {
    let (mut records, mut head) = chain(7);
    tamper(&mut records, &mut head);
    let outcome = verify(&records, Some(&head));
    if let Err(fault) = &outcome {
        assert!(fault.code().starts_with("audit_"), "{name}");
        assert!(fault.to_string().ends_with('.') && fault.to_string().len() > 30, "{name}: {fault}");
    }
    assert_eq!(outcome.map_err(|fault| (fault.kind, fault.position)), expected.map_or(Ok(()), Err), "{name}");
}

#[test]
fn an_intact_chain_verifies() {
    check("untouched", |_, _| {}, None);
    let (records, head) = chain(7);
    assert_eq!(head.sequence, 7);
    assert_eq!(records.iter().map(|sealed| sealed.record.sequence).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(records[0].previous_hash, GENESIS);
    assert_eq!(verify(&records, None), Ok(()));
    assert_eq!(verify(&[], Some(&Head::empty("acc1"))), Ok(()));
    // Sealed in one run or in two, the hashes are the same.
    let (at_once, _) = Head::empty("acc1").extend((1..=7).map(entry));
    assert_eq!(at_once, records);
}

#[test]
fn every_field_of_every_record_is_covered() {
    type Edit = fn(&mut SealedRecord);
    let edits: [(&str, Edit); 11] = [
        ("chain", |sealed| sealed.record.chain = "acc2".into()),
        ("sequence", |sealed| sealed.record.sequence += 1),
        ("id", |sealed| sealed.record.entry.id += 100),
        ("at", |sealed| sealed.record.entry.at -= 1),
        ("actor", |sealed| sealed.record.entry.actor = "user:someone_else".into()),
        ("action", |sealed| sealed.record.entry.action = "api_key.revoked".into()),
        ("object type", |sealed| sealed.record.entry.object_type = "user".into()),
        ("object id", |sealed| sealed.record.entry.object_id.push('x')),
        ("detail", |sealed| sealed.record.entry.detail = "{\"name\": \"key\"}".into()),
        ("previous hash", |sealed| sealed.previous_hash.0[31] ^= 1),
        ("hash", |sealed| sealed.hash.0[0] ^= 0x80),
    ];
    for position in 0..7 {
        for (field, edit) in edits {
            let name = format!("{field} of record {position}");
            check(&name, |records, _| edit(&mut records[position]), Some((BreakKind::Altered, position)));
        }
    }
}

#[test]
fn removals_reorderings_and_truncations() {
    for position in 0..7 {
        let name = format!("record {position} deleted");
        let expected = if position == 6 { BreakKind::Truncated } else { BreakKind::Removed };
        check(&name, |records, _| drop(records.remove(position)), Some((expected, position)));
    }
    for first in 0..7 {
        for second in first + 1..7 {
            let name = format!("records {first} and {second} swapped");
            check(&name, |records, _| records.swap(first, second), Some((BreakKind::Reordered, first)));
        }
    }
    check("the first three deleted", |records, _| drop(records.drain(..3)), Some((BreakKind::Removed, 0)));
    check("the last two cut off", |records, _| records.truncate(5), Some((BreakKind::Truncated, 5)));
    check("everything cut off", |records, _| records.clear(), Some((BreakKind::Truncated, 0)));
    check("a record repeated", |records, _| records.insert(3, records[2].clone()), Some((BreakKind::Reordered, 3)));
    check(
        "moved to the end",
        |records, _| {
            let moved = records.remove(2);
            records.push(moved);
        },
        Some((BreakKind::Reordered, 2)),
    );
    // Cut off, with the head edited to match: the hash of the new last record is not the head's.
    check(
        "cut off, head sequence edited",
        |records, head| {
            records.truncate(5);
            head.sequence = 5;
        },
        Some((BreakKind::Altered, 4)),
    );
    check("the head's hash edited", |_, head| head.hash.0[5] ^= 1, Some((BreakKind::Altered, 6)));
    check("the head of another chain", |_, head| head.chain = "acc2".into(), Some((BreakKind::Altered, 0)));
    // The whole tail re-sealed after an edit is consistent in itself; only the head can tell.
    check(
        "record 3 edited and the tail re-sealed",
        |records, _| {
            let mut edited: Vec<Entry> = records[3..].iter().map(|sealed| sealed.record.entry.clone()).collect();
            edited[0].detail = "{}".into();
            let before = Head { chain: "acc1".into(), sequence: 3, hash: records[2].hash };
            let (resealed, _) = before.extend(edited);
            records.truncate(3);
            records.extend(resealed);
        },
        Some((BreakKind::Altered, 6)),
    );
}

#[test]
fn breaks_are_named() {
    let fault = Break { kind: BreakKind::Removed, position: 3, sequence: 4, id: None };
    assert_eq!(fault.code(), "audit_record_removed");
    assert_eq!(fault.to_string(), "Records were removed before record 4: sequence 4 is missing.");
    let fault = Break { kind: BreakKind::Altered, position: 0, sequence: 1, id: Some(17) };
    assert_eq!(fault.code(), "audit_record_altered");
    assert!(fault.to_string().starts_with("Record 1 (sequence 1 (id 17)) was altered"), "{fault}");
}

/// The canonical bytes and hash of one record, pinned. The expected hash was computed outside Rust, with Python's
/// hashlib over the bytes the module's documentation describes:
/// `python3 -c 'import hashlib,struct; f=[b"acc1",b"1",b"42",b"1800000000",b"user:u1",b"api_key.created",
/// b"api_key",b"k42",b"{\"name\":\"n\"}",bytes(32)]; print(hashlib.sha256(b"keyward-audit-v1"+b"".join(
/// struct.pack(">I",len(x))+x for x in f)).hexdigest())'`.
#[test]
fn canonical_bytes_are_stable() {
    let record = Record {
        chain: "acc1".into(),
        sequence: 1,
        entry: Entry {
            id: 42,
            at: 1_800_000_000,
            actor: "user:u1".into(),
            action: "api_key.created".into(),
            object_type: "api_key".into(),
            object_id: "k42".into(),
            detail: "{\"name\":\"n\"}".into(),
        },
    };
    let bytes = canonical_bytes(&GENESIS, &record);
    assert!(bytes.starts_with(b"keyward-audit-v1\0\0\0\x04acc1\0\0\0\x011\0\0\0\x0242\0\0\0\x0a1800000000"));
    assert!(bytes.ends_with(&[&[0, 0, 0, 32][..], &[0; 32]].concat()));
    assert_eq!(bytes.len(), 16 + 10 * 4 + 4 + 1 + 2 + 10 + 7 + 15 + 7 + 3 + 12 + 32);
    assert_eq!(seal(&GENESIS, &record).to_string(), "6b148f2b85eaa75d2ab44f0fa810e8eb75fbf78a27d46a8674dbd540fdbb6a20");
    // The export's line round-trips, the hashes as hex.
    let (sealed, _) = Head::empty("acc1").extend([record.entry.clone()]);
    let line = serde_json::to_string(&sealed[0]).expect("serializable");
    assert!(line.contains("\"previous_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\""));
    assert_eq!(serde_json::from_str::<SealedRecord>(&line).expect("round trip"), sealed[0]);
    assert!(RecordHash::parse("00").is_none());
}
