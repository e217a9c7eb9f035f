//! `cargo xtask audit-verify` run as a binary on an export the way the Worker writes it, intact and tampered
//! with: exit status 0 for the intact file; non-zero, naming the record's line, for an edited, deleted or swapped
//! record, a cut-off end, and a head noted elsewhere that the file does not pass through.

use shared::api::audit::{EXPORT_FORMAT, ExportHeader};
use shared::audit::{Entry, Head, RecordHash, SealedRecord};

/// An export of a five-record chain, as the Worker writes it.
fn export() -> (Vec<String>, Head) {
    let entries = (1..=5).map(|id| Entry {
        id: id * 10,
        at: 1_800_000_000 + id,
        actor: "user:u1".into(),
        action: "api_key.created".into(),
        object_type: "api_key".into(),
        object_id: format!("k{id}"),
        detail: "{}".into(),
    });
    let (records, head) = Head::empty("acc1").extend(entries);
    let header = ExportHeader { format: EXPORT_FORMAT.into(), head: head.clone(), exported_at: 1_800_000_100 };
    let mut lines = vec![serde_json::to_string(&header).expect("serializes")];
    lines.extend(records.iter().map(|record| serde_json::to_string(record).expect("serializes")));
    (lines, head)
}

/// Writes `lines` to a file, runs the real binary on it, and compares the exit status and the message.
fn check(name: &str, lines: &[String], extra: &[&str], expected: Result<&str, &str>) {
    let directory = std::env::temp_dir().join(format!("keyward-audit-verify-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temporary directory");
    let path = directory.join(format!("{}.jsonl", name.replace([' ', ','], "_")));
    std::fs::write(&path, lines.join("\n") + "\n").expect("writes the export");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("audit-verify")
        .arg(&path)
        .args(extra)
        .output()
        .expect("runs xtask");
    let said = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    match expected {
        Ok(text) => assert!(output.status.success() && said.contains(text), "{name}: {said}"),
        Err(text) => assert!(!output.status.success() && said.contains(text), "{name}: {said}"),
    }
}

#[test]
fn audit_verify_names_the_first_bad_record() {
    let (lines, head) = export();
    let edit = |line: usize, from: &str, to: &str| {
        let mut copy = lines.clone();
        assert!(copy[line].contains(from), "{from} in line {line}");
        copy[line] = copy[line].replacen(from, to, 1);
        copy
    };
    let without = |line: usize| {
        let mut copy = lines.clone();
        copy.remove(line);
        copy
    };
    let mut swapped = lines.clone();
    swapped.swap(2, 4);
    check("intact", &lines, &[], Ok("valid: chain acc1, 5 records"));
    let noted = format!("3:{}", serde_json::from_str::<SealedRecord>(&lines[3]).expect("record").hash);
    check("intact, noted head", &lines, &["--head", &noted], Ok("valid"));
    let detail = edit(3, "\"detail\":\"{}\"", "\"detail\":\"{ }\"");
    check("detail edited", &detail, &[], Err("audit_record_altered (line 4)"));
    check("actor edited", &edit(2, "user:u1", "user:u2"), &[], Err("audit_record_altered (line 3)"));
    check("record deleted", &without(2), &[], Err("audit_record_removed (line 3)"));
    check("first deleted", &without(1), &[], Err("audit_record_removed (line 2)"));
    check("last deleted", &without(5), &[], Err("audit_chain_truncated"));
    check("swapped", &swapped, &[], Err("audit_record_reordered (line 3)"));
    check("not an export", &lines[1..], &[], Err("line 1 is not an export header"));
    let other = format!("5:{}", RecordHash([7; 32]));
    check("another noted head", &lines, &["--head", &other], Err("does not pass through the noted head"));
    assert_eq!(head.sequence, 5);
}
