//! `cargo xtask audit-verify FILE [--head SEQUENCE:HASH]`: checks an audit export (`GET /api/v1/audit/export`, JSON
//! lines: an `ExportHeader`, then the chain's sealed records) with `shared::audit::verify`, and names the first
//! record altered, removed or reordered, or the missing end. The records must end at the header's head; with
//! `--head`, also at a head noted independently (the activity page shows it), which catches a file rewritten
//! whole, header included. Exit status 0 when the chain holds, 1 otherwise.

use std::path::Path;

use shared::api::audit::{EXPORT_FORMAT, ExportHeader};
use shared::audit::{Head, RecordHash, SealedRecord, verify};

/// Runs the command on `args` (the words after `audit-verify`).
pub fn run(args: &[String]) -> Result<(), String> {
    let (file, head) = match args {
        [file] => (file, None),
        [file, flag, head] if flag == "--head" => (file, Some(head.as_str())),
        _ => return Err("usage: cargo xtask audit-verify FILE [--head SEQUENCE:HASH]".into()),
    };
    let text = std::fs::read_to_string(Path::new(file)).map_err(|error| format!("reading {file}: {error}"))?;
    let summary = check(&text, head)?;
    println!("{file}: {summary}");
    Ok(())
}

/// Checks an export's text; `noted` is a head given on the command line (`SEQUENCE:HASH`). Returns a one-line
/// summary of a valid chain, or what is wrong, naming the line.
pub fn check(text: &str, noted: Option<&str>) -> Result<String, String> {
    let mut lines = text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty());
    let (_, first) = lines.next().ok_or("the file is empty: an export starts with its header line")?;
    let header: ExportHeader =
        serde_json::from_str(first).map_err(|error| format!("line 1 is not an export header: {error}"))?;
    if header.format != EXPORT_FORMAT {
        return Err(format!("line 1: format {:?}, expected {EXPORT_FORMAT:?}", header.format));
    }
    let mut records = Vec::new();
    let mut line_numbers = Vec::new();
    for (index, line) in lines {
        let record: SealedRecord =
            serde_json::from_str(line).map_err(|error| format!("line {}: not an audit record: {error}", index + 1))?;
        records.push(record);
        line_numbers.push(index + 1);
    }
    let line_of = |position: usize| line_numbers.get(position).copied().unwrap_or(line_numbers.len() + 2);
    verify(&records, Some(&header.head))
        .map_err(|fault| format!("{} (line {}): {fault}", fault.code(), line_of(fault.position)))?;
    if let Some(noted) = noted {
        let head = parse_head(&header.head.chain, noted)?;
        let shorter = Head { chain: head.chain.clone(), sequence: head.sequence, hash: head.hash };
        let prefix = records.get(..usize::try_from(head.sequence).unwrap_or(usize::MAX)).ok_or_else(|| {
            format!(
                "audit_chain_truncated: the noted head is sequence {}, the file ends at {}",
                head.sequence,
                records.len()
            )
        })?;
        verify(prefix, Some(&shorter)).map_err(|fault| {
            format!(
                "audit_record_altered (line {}): the file does not pass through the noted head {noted}: {fault}",
                line_of(fault.position)
            )
        })?;
    }
    Ok(format!(
        "valid: chain {}, {} records, head {}:{}",
        header.head.chain,
        records.len(),
        header.head.sequence,
        header.head.hash
    ))
}

/// `SEQUENCE:HASH` as the head of `chain`.
fn parse_head(chain: &str, text: &str) -> Result<Head, String> {
    let (sequence, hash) = text.split_once(':').ok_or("--head is SEQUENCE:HASH")?;
    let sequence = sequence.parse().map_err(|_| "--head's sequence is a number".to_owned())?;
    let hash = RecordHash::parse(hash).ok_or("--head's hash is 64 hex digits")?;
    Ok(Head { chain: chain.to_owned(), sequence, hash })
}
