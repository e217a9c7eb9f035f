//! The audit trail's hash chains: one chain per account, and the chain `ca` for what concerns no account (the CRL,
//! CA administrators' actions on no account, deliveries of the mail outbox).
//!
//! A record is written unsealed, in the batch of the change it records; a sealer later gives each chain's unsealed
//! records, in the order they were written, a sequence number (1, 2, 3, … per chain) and a hash that covers the
//! previous record's hash ([`Head::extend`]). [`verify`] re-reads an exported chain and names the first record
//! altered, removed or reordered.
//!
//! **The canonical bytes** of a record ([`canonical_bytes`]), version 1, are fixed and documented so anyone can
//! re-implement the check: the ASCII tag `keyward-audit-v1` followed by ten fields, each written as its length in
//! bytes (4 bytes, big-endian) then its bytes:
//! chain, sequence, id, at (these three as decimal ASCII digits), actor, action, object type, object id, detail
//! (UTF-8, exactly as stored: the detail is JSON text and is hashed as that text, never re-serialized), and the
//! previous record's hash (32 raw bytes; 32 zero bytes before the first record, [`GENESIS`]). The record's hash
//! is the SHA-256 of those bytes ([`seal`]). Length prefixes make the encoding unambiguous: no two different
//! records have the same bytes.
//!
//! What a chain proves: a record cannot be edited, dropped or moved without breaking every hash after it. Someone
//! able to rewrite a whole exported file can recompute every hash after the record they changed, so a file is
//! checked against a head (sequence and hash) obtained separately: the export's header states the head at export
//! time, and `cargo xtask audit-verify FILE --head SEQUENCE:HASH` compares with one noted earlier.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::{hex, hex_decode};

/// The chain of what concerns no account.
pub const CA_CHAIN: &str = "ca";

/// The tag the canonical bytes start with; a new serialization would get a new tag.
pub const CANONICAL_TAG: &[u8] = b"keyward-audit-v1";

/// A record's SHA-256, written as 64 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordHash(pub [u8; 32]);

/// The hash before a chain's first record: 32 zero bytes.
pub const GENESIS: RecordHash = RecordHash([0; 32]);

impl RecordHash {
    /// Reads 64 hex digits (either case).
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = hex_decode(text)?;
        Some(Self(bytes.try_into().ok()?))
    }
}

impl core::fmt::Display for RecordHash {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(&hex(&self.0))
    }
}

impl Serialize for RecordHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for RecordHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("a hash is 64 hex digits"))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for RecordHash {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RecordHash".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "A SHA-256, 64 lower-case hex digits"
        })
    }
}

/// What an audit record says, as written by the change it records (before it is sealed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Entry {
    /// The record's row number (`audit_log.id`): the order records were written in.
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// Who: `user:…`, `api_key:…`, `link` (a validation link), `keyward` (the scheduled handler), `outbox`.
    pub actor: String,
    /// What, e.g. `certificate.issued`, `api_key.created`.
    pub action: String,
    /// The kind of object it was done to: `order`, `certificate`, `user`, `api_key`, `organization`, …
    pub object_type: String,
    /// That object's identifier (an order number, a serial, …).
    pub object_id: String,
    /// The detail, JSON text exactly as stored (and hashed).
    pub detail: String,
}

/// A record in its chain: the chain, its place, and what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Record {
    /// The account's id, or [`CA_CHAIN`].
    pub chain: String,
    /// Its place in the chain, from 1, without gaps.
    pub sequence: u64,
    /// What it says.
    #[serde(flatten)]
    pub entry: Entry,
}

/// A sealed record: the record, the previous record's hash and its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SealedRecord {
    /// The record.
    #[serde(flatten)]
    pub record: Record,
    /// The previous record's hash ([`GENESIS`] for the first).
    pub previous_hash: RecordHash,
    /// [`seal`] of the previous hash and the record.
    pub hash: RecordHash,
}

/// The last sealed record of a chain: its sequence (0 for an empty chain) and hash ([`GENESIS`] when empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Head {
    /// The chain.
    pub chain: String,
    /// The last record's sequence; 0 when the chain is empty.
    pub sequence: u64,
    /// The last record's hash; [`GENESIS`] when the chain is empty.
    pub hash: RecordHash,
}

impl Head {
    /// The head of an empty chain.
    pub fn empty(chain: &str) -> Self {
        Self { chain: chain.to_owned(), sequence: 0, hash: GENESIS }
    }

    /// Seals `entries` (this chain's unsealed records, in the order they were written) after this head: each gets
    /// the next sequence and its hash. Returns the sealed records and the new head.
    pub fn extend(&self, entries: impl IntoIterator<Item = Entry>) -> (Vec<SealedRecord>, Head) {
        let mut head = self.clone();
        let sealed = entries
            .into_iter()
            .map(|entry| {
                let record = Record { chain: head.chain.clone(), sequence: head.sequence + 1, entry };
                let hash = seal(&head.hash, &record);
                let sealed = SealedRecord { record, previous_hash: head.hash, hash };
                head.sequence += 1;
                head.hash = hash;
                sealed
            })
            .collect();
        (sealed, head)
    }
}

/// The canonical bytes of `record` after `previous` (version 1; the module's documentation states the format).
pub fn canonical_bytes(previous: &RecordHash, record: &Record) -> Vec<u8> {
    let entry = &record.entry;
    let (sequence, id, at) = (record.sequence.to_string(), entry.id.to_string(), entry.at.to_string());
    let fields: [&[u8]; 10] = [
        record.chain.as_bytes(),
        sequence.as_bytes(),
        id.as_bytes(),
        at.as_bytes(),
        entry.actor.as_bytes(),
        entry.action.as_bytes(),
        entry.object_type.as_bytes(),
        entry.object_id.as_bytes(),
        entry.detail.as_bytes(),
        &previous.0,
    ];
    let mut bytes = CANONICAL_TAG.to_vec();
    for field in fields {
        // A field longer than 4 GiB cannot be stored in D1 (a row is at most 2 MB), so the length fits.
        let length = u32::try_from(field.len()).unwrap_or(u32::MAX);
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(field);
    }
    bytes
}

/// The hash of `record` after the record whose hash is `previous`: SHA-256 of [`canonical_bytes`].
pub fn seal(previous: &RecordHash, record: &Record) -> RecordHash {
    RecordHash(Sha256::digest(canonical_bytes(previous, record)).into())
}

/// How a chain is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakKind {
    /// The record was changed after it was sealed: its hash is not the hash of what it says, or it does not
    /// follow the previous record's hash, or it names another chain.
    Altered,
    /// Records are missing before this point: the sequence `Break::sequence` is nowhere in the file.
    Removed,
    /// The record is out of its place: a record with an earlier sequence comes after it, or its own sequence came
    /// already.
    Reordered,
    /// The file ends before the head it was checked against: its last records are missing.
    Truncated,
}

/// The first place where a chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// How.
    pub kind: BreakKind,
    /// The index of the record at fault among the records checked (from 0); the number of records for
    /// [`BreakKind::Truncated`].
    pub position: usize,
    /// The sequence concerned: the record's own for [`BreakKind::Altered`] and [`BreakKind::Reordered`], the
    /// first missing one for [`BreakKind::Removed`] and [`BreakKind::Truncated`].
    pub sequence: u64,
    /// The record's id (`audit_log.id`), when a record is at fault.
    pub id: Option<i64>,
}

impl Break {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self.kind {
            BreakKind::Altered => "audit_record_altered",
            BreakKind::Removed => "audit_record_removed",
            BreakKind::Reordered => "audit_record_reordered",
            BreakKind::Truncated => "audit_chain_truncated",
        }
    }
}

impl core::fmt::Display for Break {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let id = self.id.map(|id| format!(" (id {id})")).unwrap_or_default();
        match self.kind {
            BreakKind::Altered => write!(
                formatter,
                "Record {} (sequence {}{id}) was altered: its hash does not match what it says and the record before \
                 it.",
                self.position + 1,
                self.sequence
            ),
            BreakKind::Removed => write!(
                formatter,
                "Records were removed before record {}: sequence {} is missing.",
                self.position + 1,
                self.sequence
            ),
            BreakKind::Reordered => write!(
                formatter,
                "Record {} (sequence {}{id}) is out of order: it is not the next record of the chain.",
                self.position + 1,
                self.sequence
            ),
            BreakKind::Truncated => write!(
                formatter,
                "The chain was truncated after {} records: sequence {} and later, up to the head, are missing.",
                self.position, self.sequence
            ),
        }
    }
}

impl std::error::Error for Break {}

/// Checks a whole chain, from its first record: each record's sequence follows the previous one's, it carries the
/// previous record's hash, and its hash is [`seal`] of what it says. With `head` (the chain's last sequence and
/// hash, obtained separately or from the export's header), the records must also end exactly there.
///
/// # Errors
///
/// The first [`Break`]: the record altered, the first sequence removed, the record out of order, or the missing
/// end.
pub fn verify(records: &[SealedRecord], head: Option<&Head>) -> Result<(), Break> {
    let chain =
        head.map(|head| head.chain.as_str()).or_else(|| records.first().map(|first| first.record.chain.as_str()));
    let mut previous = GENESIS;
    let mut expected = 1u64;
    for (position, sealed) in records.iter().enumerate() {
        let record = &sealed.record;
        let at_fault = |kind, sequence| Err(Break { kind, position, sequence, id: Some(record.entry.id) });
        if Some(record.chain.as_str()) != chain {
            return at_fault(BreakKind::Altered, record.sequence);
        }
        if record.sequence != expected {
            // Its sequence field edited: the record seals correctly at the expected place.
            let in_place = Record { sequence: expected, ..record.clone() };
            if sealed.previous_hash == previous && seal(&previous, &in_place) == sealed.hash {
                return at_fault(BreakKind::Altered, record.sequence);
            }
            let expected_later = records[position + 1..].iter().any(|later| later.record.sequence == expected);
            if record.sequence < expected || expected_later {
                return at_fault(BreakKind::Reordered, record.sequence);
            }
            return Err(Break { kind: BreakKind::Removed, position, sequence: expected, id: None });
        }
        if sealed.previous_hash != previous || seal(&previous, record) != sealed.hash {
            return at_fault(BreakKind::Altered, record.sequence);
        }
        previous = sealed.hash;
        expected += 1;
    }
    let Some(head) = head else { return Ok(()) };
    let last = expected - 1;
    if head.sequence > last {
        return Err(Break { kind: BreakKind::Truncated, position: records.len(), sequence: expected, id: None });
    }
    if head.sequence < last || head.hash != previous {
        // The head says the chain ends elsewhere or with another hash: the last record is not the one sealed.
        let id = records.last().map(|last| last.record.entry.id);
        return Err(Break { kind: BreakKind::Altered, position: records.len().saturating_sub(1), sequence: last, id });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
