//! A small, strict DNS message codec (RFC 1035 4) for two questions about one name, as DNS-over-HTTPS (RFC 8484)
//! carries them: its TXT records (domain validation's DNS method) and its CAA records (RFC 8659, checked before
//! issuance). The edge sends [`encode_query`]'s bytes and hands the response body to [`decode_txt_response`] or
//! [`decode_caa_response`]; nothing here does I/O, and the message id is an argument (RFC 8484 4.1 recommends 0
//! for cacheability; any value works).
//!
//! What the decoders insist on: the message is a response (QR), standard query opcode, the id and the one
//! question echo the query (name compared ignoring ASCII case, the type asked, class IN), the truncation flag is
//! clear (a truncated answer may hide a record, so it is refused rather than read), and the RCODE is NOERROR or
//! NXDOMAIN (every other code, SERVFAIL and REFUSED among them, is an error). The two decoders differ on NXDOMAIN:
//! for a TXT record it is an error of its own ([`DnsError::NameNotFound`]: the record to find is not there); for
//! CAA it is an answer (`None`), since RFC 8659 3 then goes on to the parent domain. Answer records are read for
//! the queried name and, when the answer holds a CNAME chain, for the names it leads to (at most
//! [`MAXIMUM_CNAME_CHAIN`] hops, no loops): the records of the type asked owned by the chain's end. A TXT record's
//! character-strings are joined without separator (RFC 7208 3.3); a CAA record is its flags octet, tag length, tag
//! and value (RFC 8659 4.1), kept as sent (a tag's meaning is `shared::caa`'s). Names may use compression
//! pointers; a pointer must point strictly backwards and stay inside the message, which rules out loops. Every
//! read is bounds-checked: any input gives a value or an error, never a panic.

use crate::caa::CaaRecord;

/// Resource record type TXT (RFC 1035 3.2.2).
pub const TYPE_TXT: u16 = 16;
/// Resource record type CAA (RFC 8659 4.1).
pub const TYPE_CAA: u16 = 257;
/// Resource record type CNAME.
pub const TYPE_CNAME: u16 = 5;
/// Class IN, the Internet.
pub const CLASS_IN: u16 = 1;
/// The longest CNAME chain followed inside one answer.
pub const MAXIMUM_CNAME_CHAIN: usize = 8;
/// Longest name on the wire, length octets included (RFC 1035 2.3.4).
const MAXIMUM_WIRE_NAME_LENGTH: usize = 255;
/// Longest label (RFC 1035 2.3.4).
const MAXIMUM_LABEL_LENGTH: usize = 63;
/// The header's length in octets.
const HEADER_LENGTH: usize = 12;
/// The CAA flags bit that marks a record critical (RFC 8659 4.1: bit 0, the most significant).
const CAA_ISSUER_CRITICAL: u8 = 0x80;

/// Response code NOERROR.
const RCODE_NO_ERROR: u8 = 0;
/// Response code NXDOMAIN: the name does not exist.
const RCODE_NAME_ERROR: u8 = 3;

/// The record types this codec asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordType {
    /// TXT (RFC 1035 3.3.14): domain validation's DNS method.
    Txt,
    /// CAA (RFC 8659): which certificate authorities may issue for a domain.
    Caa,
}

impl RecordType {
    /// The type's number on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::Txt => TYPE_TXT,
            Self::Caa => TYPE_CAA,
        }
    }
}

/// The query for the `record_type` records of `name` (a host name with or without a trailing dot; labels may hold
/// `_`, as `_keyward-challenge.example.com` does): header with `id` and RD set, one question, class IN.
///
/// # Errors
///
/// [`DnsError::NameInvalid`] when `name` is empty, has an empty label, a label over 63 octets, a character
/// outside printable ASCII, or is over 255 octets on the wire.
pub fn encode_query(id: u16, name: &str, record_type: RecordType) -> Result<Vec<u8>, DnsError> {
    let labels = query_labels(name)?;
    let mut message = Vec::with_capacity(HEADER_LENGTH + name.len() + 6);
    message.extend_from_slice(&id.to_be_bytes());
    // QR 0, opcode 0 (QUERY), AA 0, TC 0, RD 1; RA, Z and RCODE 0.
    message.extend_from_slice(&[0x01, 0x00]);
    // QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0.
    message.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    for label in &labels {
        // query_labels bounds every label to 63 octets.
        message.push(label.len() as u8);
        message.extend_from_slice(label);
    }
    message.push(0);
    message.extend_from_slice(&record_type.code().to_be_bytes());
    message.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(message)
}

/// The TXT records for `name` in the response `message` to the TXT query with `id`: each record's
/// character-strings joined, in answer order, following any CNAME chain in the answer. An empty list means the
/// name exists but holds no TXT record (NOERROR, no data).
///
/// # Errors
///
/// A [`DnsError`] for a malformed message, one that does not answer this query, a truncated one, NXDOMAIN
/// ([`DnsError::NameNotFound`]), another response code, or a CNAME chain that is too long or loops.
pub fn decode_txt_response(message: &[u8], id: u16, name: &str) -> Result<Vec<Vec<u8>>, DnsError> {
    let found = decode_response(message, id, name, RecordType::Txt)?.ok_or(DnsError::NameNotFound)?;
    found.iter().map(|data| txt_data(data)).collect()
}

/// The CAA records for `name` in the response `message` to the CAA query with `id`, in answer order, following
/// any CNAME chain in the answer. `None`: the name does not exist (NXDOMAIN); an empty list: it exists and holds
/// no CAA record (NOERROR, no data). RFC 8659 3 treats both alike (the search goes on to the parent domain); they
/// are kept apart for the audit trail.
///
/// # Errors
///
/// A [`DnsError`] for a malformed message or CAA record, one that does not answer this query, a truncated one,
/// a response code other than NOERROR and NXDOMAIN ([`DnsError::ServerFailure`]: SERVFAIL, REFUSED, ...), or a
/// CNAME chain that is too long or loops.
pub fn decode_caa_response(message: &[u8], id: u16, name: &str) -> Result<Option<Vec<CaaRecord>>, DnsError> {
    let Some(found) = decode_response(message, id, name, RecordType::Caa)? else {
        return Ok(None);
    };
    found.iter().map(|data| caa_data(data)).collect::<Result<Vec<_>, _>>().map(Some)
}

/// The data of each `record_type` record for `name` (through CNAMEs) in the response `message` to the query with
/// `id`; `None` for NXDOMAIN. Everything but the record data's own format is checked here.
fn decode_response(
    message: &[u8],
    id: u16,
    name: &str,
    record_type: RecordType,
) -> Result<Option<Vec<Vec<u8>>>, DnsError> {
    let expected = query_labels(name)?;
    let mut reader = Reader { message, position: 0 };
    let received_id = reader.u16()?;
    let flags = reader.u16()?;
    let question_count = reader.u16()?;
    let answer_count = reader.u16()?;
    let _authority_count = reader.u16()?;
    let _additional_count = reader.u16()?;
    if flags & 0x8000 == 0 {
        return Err(DnsError::NotAResponse);
    }
    if received_id != id {
        return Err(DnsError::IdMismatch { expected: id, received: received_id });
    }
    let opcode = ((flags >> 11) & 0x0f) as u8;
    if opcode != 0 {
        return Err(DnsError::Malformed { reason: "the opcode is not QUERY" });
    }
    if flags & 0x0200 != 0 {
        return Err(DnsError::Truncated);
    }
    let rcode = (flags & 0x000f) as u8;
    if rcode != RCODE_NO_ERROR && rcode != RCODE_NAME_ERROR {
        // Checked before the question: resolvers may leave the question out of an error response.
        return Err(DnsError::ServerFailure { rcode });
    }
    if question_count != 1 {
        return Err(DnsError::QuestionMismatch);
    }
    let question_name = reader.name()?;
    let question_type = reader.u16()?;
    let question_class = reader.u16()?;
    if !same_name(&question_name, &expected) || question_type != record_type.code() || question_class != CLASS_IN {
        return Err(DnsError::QuestionMismatch);
    }
    if rcode == RCODE_NAME_ERROR {
        return Ok(None);
    }
    let mut records = Vec::with_capacity(usize::from(answer_count));
    for _ in 0..answer_count {
        records.push(reader.record()?);
    }
    follow(records, expected, record_type.code()).map(Some)
}

/// The data of the `record_type` records for `name` among the answer records, through CNAMEs.
fn follow(records: Vec<Record>, name: Vec<Vec<u8>>, record_type: u16) -> Result<Vec<Vec<u8>>, DnsError> {
    let mut current = name;
    let mut visited: Vec<Vec<Vec<u8>>> = Vec::new();
    loop {
        let mut found = Vec::new();
        let mut alias = None;
        for record in &records {
            if record.class != CLASS_IN || !same_name(&record.owner, &current) {
                continue;
            }
            match &record.data {
                RecordData::Cname(target) => alias = Some(target.clone()),
                RecordData::Other { record_type: other, data } if *other == record_type => found.push(data.clone()),
                RecordData::Other { .. } => {}
            }
        }
        match alias {
            Some(target) if found.is_empty() => {
                visited.push(current);
                if visited.iter().any(|name| same_name(name, &target)) {
                    return Err(DnsError::CnameLoop);
                }
                if visited.len() > MAXIMUM_CNAME_CHAIN {
                    return Err(DnsError::CnameChainTooLong);
                }
                current = target;
            }
            _ => return Ok(found),
        }
    }
}

/// A TXT record's character-strings, joined (RFC 7208 3.3).
fn txt_data(data: &[u8]) -> Result<Vec<u8>, DnsError> {
    if data.is_empty() {
        return Err(DnsError::Malformed { reason: "a TXT record holds no character-string" });
    }
    let mut text = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some((&length, tail)) = rest.split_first() {
        let string = tail.get(..usize::from(length));
        let string = string.ok_or(DnsError::Malformed { reason: "a character-string runs past its record" })?;
        text.extend_from_slice(string);
        rest = &tail[string.len()..];
    }
    Ok(text)
}

/// A CAA record (RFC 8659 4.1): flags, tag length (at least 1), tag, and the value filling the rest. The tag is
/// kept as sent; one that is not US-ASCII letters and digits is simply a tag no one knows.
fn caa_data(data: &[u8]) -> Result<CaaRecord, DnsError> {
    let [flags, tag_length, rest @ ..] = data else {
        return Err(DnsError::Malformed { reason: "a CAA record is shorter than its flags and tag length" });
    };
    if *tag_length == 0 {
        return Err(DnsError::Malformed { reason: "a CAA record's tag is empty" });
    }
    let Some((tag, value)) = rest.split_at_checked(usize::from(*tag_length)) else {
        return Err(DnsError::Malformed { reason: "a CAA record's tag runs past its record" });
    };
    Ok(CaaRecord {
        critical: flags & CAA_ISSUER_CRITICAL != 0,
        tag: String::from_utf8_lossy(tag).into_owned(),
        value: value.to_vec(),
    })
}

/// `name` as wire labels, checked.
fn query_labels(name: &str) -> Result<Vec<Vec<u8>>, DnsError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(DnsError::NameInvalid);
    }
    let mut wire_length = 1;
    let mut labels = Vec::new();
    for label in name.split('.') {
        let printable = label.bytes().all(|byte| byte.is_ascii_graphic() && byte != b'.' && byte != b'\\');
        if label.is_empty() || label.len() > MAXIMUM_LABEL_LENGTH || !printable {
            return Err(DnsError::NameInvalid);
        }
        wire_length += 1 + label.len();
        labels.push(label.to_ascii_lowercase().into_bytes());
    }
    if wire_length > MAXIMUM_WIRE_NAME_LENGTH {
        return Err(DnsError::NameInvalid);
    }
    Ok(labels)
}

/// Names compare label by label ignoring ASCII case (RFC 4343); labels here are already lower-cased.
fn same_name(left: &[Vec<u8>], right: &[Vec<u8>]) -> bool {
    left == right
}

/// One answer record, as far as this codec cares.
struct Record {
    owner: Vec<Vec<u8>>,
    class: u16,
    data: RecordData,
}

/// What a record carries.
enum RecordData {
    /// A CNAME's target.
    Cname(Vec<Vec<u8>>),
    /// Any other type: its number and data, read by the decoder of the type asked.
    Other {
        /// The record type.
        record_type: u16,
        /// The RDATA, as sent.
        data: Vec<u8>,
    },
}

/// A bounds-checked cursor over a message.
struct Reader<'a> {
    message: &'a [u8],
    position: usize,
}

impl Reader<'_> {
    fn bytes(&mut self, count: usize) -> Result<&[u8], DnsError> {
        let end = self.position.checked_add(count).ok_or(DnsError::Incomplete)?;
        let slice = self.message.get(self.position..end).ok_or(DnsError::Incomplete)?;
        self.position = end;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, DnsError> {
        let bytes = self.bytes(2)?;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn u32(&mut self) -> Result<u32, DnsError> {
        let bytes = self.bytes(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// A name at the cursor, following compression pointers; the cursor ends after the name's own octets.
    fn name(&mut self) -> Result<Vec<Vec<u8>>, DnsError> {
        let mut labels = Vec::new();
        let mut wire_length = 1;
        // Where the cursor resumes: after the first pointer, or after the terminating zero.
        let mut resume = None;
        let mut position = self.position;
        loop {
            let length = *self.message.get(position).ok_or(DnsError::Incomplete)?;
            match length & 0xc0 {
                0x00 if length == 0 => {
                    position += 1;
                    break;
                }
                0x00 => {
                    let start = position + 1;
                    let end = start + usize::from(length);
                    let label = self.message.get(start..end).ok_or(DnsError::Incomplete)?;
                    wire_length += 1 + label.len();
                    if wire_length > MAXIMUM_WIRE_NAME_LENGTH {
                        return Err(DnsError::Malformed { reason: "a name is longer than 255 octets" });
                    }
                    labels.push(label.to_ascii_lowercase());
                    position = end;
                }
                0xc0 => {
                    let low = *self.message.get(position + 1).ok_or(DnsError::Incomplete)?;
                    let target = usize::from(u16::from_be_bytes([length & 0x3f, low]));
                    // Strictly backwards: each hop lowers the position, so pointers cannot loop.
                    if target >= position {
                        return Err(DnsError::Malformed { reason: "a compression pointer does not point backwards" });
                    }
                    resume.get_or_insert(position + 2);
                    position = target;
                }
                _ => return Err(DnsError::Malformed { reason: "a label type is reserved (RFC 6891)" }),
            }
        }
        self.position = resume.unwrap_or(position);
        Ok(labels)
    }

    /// One resource record; its data must fill its RDLENGTH exactly.
    fn record(&mut self) -> Result<Record, DnsError> {
        let owner = self.name()?;
        let record_type = self.u16()?;
        let class = self.u16()?;
        let _time_to_live = self.u32()?;
        let data_length = usize::from(self.u16()?);
        let data_start = self.position;
        let data_end = data_start + data_length;
        if data_end > self.message.len() {
            return Err(DnsError::Incomplete);
        }
        let data = match record_type {
            TYPE_CNAME => {
                let target = self.name()?;
                if self.position != data_end {
                    return Err(DnsError::Malformed { reason: "a CNAME's target does not fill its record" });
                }
                RecordData::Cname(target)
            }
            _ => RecordData::Other { record_type, data: self.bytes(data_length)?.to_vec() },
        };
        Ok(Record { owner, class, data })
    }
}

/// Why a DNS answer could not be read, or says the record is not there. About the domain being checked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnsError {
    /// The name to query is not a valid DNS name.
    NameInvalid,
    /// The message ends before a field it announces.
    Incomplete,
    /// The message breaks a rule of RFC 1035.
    Malformed {
        /// Which rule.
        reason: &'static str,
    },
    /// The message is a query, not a response (QR clear).
    NotAResponse,
    /// The response answers another query id.
    IdMismatch {
        /// The id sent.
        expected: u16,
        /// The id in the response.
        received: u16,
    },
    /// The response's question is not the one asked (name, type, class IN, exactly one).
    QuestionMismatch,
    /// The truncation flag is set: part of the answer is missing.
    Truncated,
    /// NXDOMAIN: the name does not exist.
    NameNotFound,
    /// Another response code than NOERROR and NXDOMAIN (SERVFAIL, REFUSED, ...).
    ServerFailure {
        /// The RCODE.
        rcode: u8,
    },
    /// The answer's CNAME chain is longer than [`MAXIMUM_CNAME_CHAIN`].
    CnameChainTooLong,
    /// The answer's CNAME chain comes back to a name it already passed.
    CnameLoop,
}

impl DnsError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NameInvalid => "dns_name_invalid",
            Self::Incomplete => "dns_response_incomplete",
            Self::Malformed { .. } => "dns_response_malformed",
            Self::NotAResponse => "dns_not_a_response",
            Self::IdMismatch { .. } => "dns_id_mismatch",
            Self::QuestionMismatch => "dns_question_mismatch",
            Self::Truncated => "dns_response_truncated",
            Self::NameNotFound => "dns_name_not_found",
            Self::ServerFailure { .. } => "dns_server_failure",
            Self::CnameChainTooLong => "dns_cname_chain_too_long",
            Self::CnameLoop => "dns_cname_loop",
        }
    }

    /// The request field: the domain whose record was looked up.
    pub fn field(&self) -> &'static str {
        "name"
    }

    /// Whether the resolver answered properly and the name simply does not exist (as opposed to a resolver
    /// or transport problem worth retrying later).
    pub fn is_definitive(&self) -> bool {
        matches!(self, Self::NameNotFound)
    }
}

impl core::fmt::Display for DnsError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let retry = "Keyward could not check DNS this time; try again in a few minutes.";
        match self {
            Self::NameInvalid => formatter.write_str("The name to look up is not a valid DNS name."),
            Self::Incomplete => write!(formatter, "The DNS resolver's answer was cut short. {retry}"),
            Self::Malformed { reason } => {
                write!(formatter, "The DNS resolver's answer is malformed: {reason}. {retry}")
            }
            Self::NotAResponse => write!(formatter, "The DNS resolver did not send a response. {retry}"),
            Self::IdMismatch { expected, received } => write!(
                formatter,
                "The DNS resolver answered another query (id {received}, expected {expected}). {retry}"
            ),
            Self::QuestionMismatch => {
                write!(formatter, "The DNS resolver's answer is about another question. {retry}")
            }
            Self::Truncated => write!(formatter, "The DNS resolver's answer was truncated. {retry}"),
            Self::NameNotFound => formatter.write_str(
                "The DNS name does not exist (NXDOMAIN): publish the TXT record, wait for it to reach your DNS \
                 servers, then check again.",
            ),
            Self::ServerFailure { rcode } => {
                write!(formatter, "The DNS resolver reported an error (response code {rcode}). {retry}")
            }
            Self::CnameChainTooLong => write!(
                formatter,
                "The name leads through more than {MAXIMUM_CNAME_CHAIN} CNAME records: point it more directly."
            ),
            Self::CnameLoop => formatter.write_str("The name's CNAME records form a loop: fix them in your DNS zone."),
        }
    }
}

impl std::error::Error for DnsError {}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "_keyward-challenge.example.com";
    const ID: u16 = 0x1234;

    /// A name in wire form, uncompressed.
    fn wire_name(name: &str) -> Vec<u8> {
        let mut bytes = Vec::new();
        for label in name.split('.').filter(|label| !label.is_empty()) {
            bytes.push(label.len() as u8);
            bytes.extend_from_slice(label.as_bytes());
        }
        bytes.push(0);
        bytes
    }

    /// A record: owner bytes (wire form, possibly a pointer), type, class, data.
    fn record(owner: &[u8], record_type: u16, class: u16, data: &[u8]) -> Vec<u8> {
        let mut bytes = owner.to_vec();
        bytes.extend_from_slice(&record_type.to_be_bytes());
        bytes.extend_from_slice(&class.to_be_bytes());
        bytes.extend_from_slice(&300u32.to_be_bytes());
        bytes.extend_from_slice(&(data.len() as u16).to_be_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    /// TXT data of character-strings.
    fn txt(strings: &[&[u8]]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for string in strings {
            bytes.push(string.len() as u8);
            bytes.extend_from_slice(string);
        }
        bytes
    }

    /// A response to the TXT question: header with `flags`, the question for `NAME`, then `answers` (already
    /// encoded).
    fn response(flags: u16, answers: &[Vec<u8>]) -> Vec<u8> {
        response_to(TYPE_TXT, flags, answers)
    }

    /// A response to the question for `NAME` of `question_type`, as [`response`].
    fn response_to(question_type: u16, flags: u16, answers: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = ID.to_be_bytes().to_vec();
        bytes.extend_from_slice(&flags.to_be_bytes());
        bytes.extend_from_slice(&1u16.to_be_bytes());
        bytes.extend_from_slice(&(answers.len() as u16).to_be_bytes());
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        bytes.extend_from_slice(&wire_name(NAME));
        bytes.extend_from_slice(&question_type.to_be_bytes());
        bytes.extend_from_slice(&CLASS_IN.to_be_bytes());
        for answer in answers {
            bytes.extend_from_slice(answer);
        }
        bytes
    }

    /// A pointer to the question's name (offset 12).
    const QUESTION_POINTER: [u8; 2] = [0xc0, 12];
    /// Standard response flags: QR, RD, RA, NOERROR.
    const OK: u16 = 0x8180;

    /// Decodes `message` as the answer to `NAME` with `ID` and compares with `expected`.
    fn check(message: &[u8], expected: Result<Vec<&[u8]>, DnsError>) {
        let decoded = decode_txt_response(message, ID, NAME);
        let expected = expected.map(|records| records.into_iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
        assert_eq!(decoded, expected, "message {message:02x?}");
    }

    #[test]
    fn the_query_is_rfc_1035_wire_form() {
        let query = encode_query(0xabcd, "_Keyward-Challenge.Example.com.", RecordType::Txt).unwrap();
        let mut expected = vec![0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(&wire_name("_keyward-challenge.example.com"));
        expected.extend_from_slice(&[0, 16, 0, 1]);
        assert_eq!(query, expected);
    }

    #[test]
    fn names_that_cannot_be_queried_are_refused() {
        let long_label = "a".repeat(64);
        let long_name = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62)].join(".");
        for name in ["", ".", "a..b", "a b.com", "é.com", &long_label, &long_name, "a\\.b"] {
            assert_eq!(encode_query(0, name, RecordType::Caa), Err(DnsError::NameInvalid), "{name:?}");
        }
        let longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".");
        assert_eq!(encode_query(0, &longest, RecordType::Txt).unwrap().len(), HEADER_LENGTH + 255 + 4);
    }

    #[test]
    fn answers_are_read_joined_and_in_order() {
        let value = b"keyward-domain-verification=abc";
        check(&response(OK, &[record(&QUESTION_POINTER, TYPE_TXT, CLASS_IN, &txt(&[value]))]), Ok(vec![value]));
        // Several character-strings are concatenated without a separator (RFC 7208 3.3).
        check(
            &response(
                OK,
                &[record(&QUESTION_POINTER, TYPE_TXT, CLASS_IN, &txt(&[b"keyward-domain-", b"verification=abc"]))],
            ),
            Ok(vec![value]),
        );
        // Several records, an uncompressed owner in another case, and an empty string.
        check(
            &response(
                OK,
                &[
                    record(&QUESTION_POINTER, TYPE_TXT, CLASS_IN, &txt(&[b"v=spf1 -all"])),
                    record(&wire_name("_KEYWARD-challenge.EXAMPLE.com"), TYPE_TXT, CLASS_IN, &txt(&[b""])),
                ],
            ),
            Ok(vec![b"v=spf1 -all", b""]),
        );
        // No data: the name exists without TXT records.
        check(&response(OK, &[]), Ok(vec![]));
        // Records for other names, other classes and other types are not this name's TXT records.
        check(
            &response(
                OK,
                &[
                    record(&wire_name("other.example.com"), TYPE_TXT, CLASS_IN, &txt(&[b"no"])),
                    record(&QUESTION_POINTER, TYPE_TXT, 3, &txt(&[b"chaos"])),
                    record(&QUESTION_POINTER, 1, CLASS_IN, &[192, 0, 2, 1]),
                ],
            ),
            Ok(vec![]),
        );
    }

    #[test]
    fn cname_chains_in_the_answer_are_followed() {
        // _keyward-challenge.example.com CNAME a.example.net; a.example.net CNAME b.example.net; b TXT "x".
        let mut message = response(OK, &[]);
        let answers_start = message.len();
        let a_name = wire_name("a.example.net");
        message.extend_from_slice(&record(&QUESTION_POINTER, TYPE_CNAME, CLASS_IN, &a_name));
        // The first CNAME's data starts after owner (2), type, class, ttl, rdlength (10).
        let a_offset = (answers_start + 12) as u8;
        let mut b_target = vec![1, b'b'];
        b_target.extend_from_slice(&[0xc0, a_offset + 2]);
        message.extend_from_slice(&record(&[0xc0, a_offset], TYPE_CNAME, CLASS_IN, &b_target));
        message.extend_from_slice(&record(&wire_name("b.example.net"), TYPE_TXT, CLASS_IN, &txt(&[b"x"])));
        message[7] = 3;
        check(&message, Ok(vec![b"x"]));

        // A loop: the name points to itself through another.
        let looping = response(
            OK,
            &[
                record(&QUESTION_POINTER, TYPE_CNAME, CLASS_IN, &wire_name("a.example.net")),
                record(&wire_name("a.example.net"), TYPE_CNAME, CLASS_IN, &wire_name(NAME)),
            ],
        );
        check(&looping, Err(DnsError::CnameLoop));

        // A chain longer than allowed.
        let mut answers = vec![record(&QUESTION_POINTER, TYPE_CNAME, CLASS_IN, &wire_name("c0.example.net"))];
        for hop in 0..MAXIMUM_CNAME_CHAIN {
            let owner = wire_name(&format!("c{hop}.example.net"));
            let target = wire_name(&format!("c{}.example.net", hop + 1));
            answers.push(record(&owner, TYPE_CNAME, CLASS_IN, &target));
        }
        check(&response(OK, &answers), Err(DnsError::CnameChainTooLong));
    }

    #[test]
    fn response_codes_flags_and_echoes_are_checked() {
        let answer = [record(&QUESTION_POINTER, TYPE_TXT, CLASS_IN, &txt(&[b"x"]))];
        check(&response(0x8183, &[]), Err(DnsError::NameNotFound));
        check(&response(0x8182, &[]), Err(DnsError::ServerFailure { rcode: 2 }));
        check(&response(0x8185, &[]), Err(DnsError::ServerFailure { rcode: 5 }));
        check(&response(0x0100, &answer), Err(DnsError::NotAResponse));
        check(&response(0x8380, &answer), Err(DnsError::Truncated));
        check(&response(0x8980, &answer), Err(DnsError::Malformed { reason: "the opcode is not QUERY" }));
        let mut other_id = response(OK, &answer);
        other_id[1] = 0x35;
        check(&other_id, Err(DnsError::IdMismatch { expected: ID, received: 0x1235 }));
        let mut other_type = response(OK, &answer);
        let question_type = HEADER_LENGTH + wire_name(NAME).len() + 1;
        other_type[question_type] = 1;
        check(&other_type, Err(DnsError::QuestionMismatch));
        let mut other_name = response(OK, &answer);
        other_name[HEADER_LENGTH + 1] = b'-';
        check(&other_name, Err(DnsError::QuestionMismatch));
        let mut two_questions = response(OK, &answer);
        two_questions[5] = 2;
        check(&two_questions, Err(DnsError::QuestionMismatch));
        assert!(DnsError::NameNotFound.is_definitive());
        assert!(!DnsError::Truncated.is_definitive());
    }

    #[test]
    fn malformed_records_and_names_are_refused() {
        let answer = |data: &[u8]| response(OK, &[record(&QUESTION_POINTER, TYPE_TXT, CLASS_IN, data)]);
        check(&answer(&[]), Err(DnsError::Malformed { reason: "a TXT record holds no character-string" }));
        check(&answer(&[5, b'a']), Err(DnsError::Malformed { reason: "a character-string runs past its record" }));
        // RDLENGTH past the end of the message.
        let mut long_data = answer(&txt(&[b"abc"]));
        let length_at = long_data.len() - 6;
        long_data[length_at] = 0x10;
        check(&long_data, Err(DnsError::Incomplete));
        // A pointer to itself, forwards, and out of the message.
        let backwards = Err(DnsError::Malformed { reason: "a compression pointer does not point backwards" });
        let position = response(OK, &[]).len() as u8;
        check(&response(OK, &[record(&[0xc0, position], TYPE_TXT, CLASS_IN, &txt(&[b"x"]))]), backwards.clone());
        check(&response(OK, &[record(&[0xff, 0xff], TYPE_TXT, CLASS_IN, &txt(&[b"x"]))]), backwards.clone());
        // A reserved label type (0b01 and 0b10 prefixes).
        check(
            &response(OK, &[record(&[0x41, 0], TYPE_TXT, CLASS_IN, &txt(&[b"x"]))]),
            Err(DnsError::Malformed { reason: "a label type is reserved (RFC 6891)" }),
        );
        // A name over 255 octets, built from pointers to a long name would be refused too; here a flat one.
        let mut long_owner = Vec::new();
        for _ in 0..5 {
            long_owner.push(63);
            long_owner.extend_from_slice(&[b'a'; 63]);
        }
        long_owner.push(0);
        check(
            &response(OK, &[record(&long_owner, TYPE_TXT, CLASS_IN, &txt(&[b"x"]))]),
            Err(DnsError::Malformed { reason: "a name is longer than 255 octets" }),
        );
        // A CNAME whose target leaves bytes in its record.
        let mut target = wire_name("a.example.net");
        target.push(0);
        check(
            &response(OK, &[record(&QUESTION_POINTER, TYPE_CNAME, CLASS_IN, &target)]),
            Err(DnsError::Malformed { reason: "a CNAME's target does not fill its record" }),
        );
        // An announced answer that is not there.
        let mut missing = response(OK, &[]);
        missing[7] = 1;
        check(&missing, Err(DnsError::Incomplete));
        check(&[], Err(DnsError::Incomplete));
    }

    #[test]
    fn every_prefix_and_every_byte_flip_of_a_response_decodes_without_panicking() {
        let mut message = response(
            OK,
            &[
                record(&QUESTION_POINTER, TYPE_CNAME, CLASS_IN, &wire_name("a.example.net")),
                record(&wire_name("a.example.net"), TYPE_TXT, CLASS_IN, &txt(&[b"keyward-", b"domain"])),
            ],
        );
        check(&message, Ok(vec![b"keyward-domain"]));
        for length in 0..message.len() {
            let decoded = decode_txt_response(&message[..length], ID, NAME);
            assert!(decoded.is_err(), "prefix of {length} octets decoded: {decoded:?}");
        }
        // Every byte set to a handful of troublesome values: no panic, whatever the result.
        for index in 0..message.len() {
            let original = message[index];
            for value in [0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0, 0xc1, 0xff] {
                message[index] = value;
                let _ = decode_txt_response(&message, ID, NAME);
            }
            message[index] = original;
        }
    }

    /// CAA data: flags, tag length, tag, value.
    fn caa(flags: u8, tag: &str, value: &str) -> Vec<u8> {
        let mut bytes = vec![flags, tag.len() as u8];
        bytes.extend_from_slice(tag.as_bytes());
        bytes.extend_from_slice(value.as_bytes());
        bytes
    }

    /// A decoded CAA record.
    fn caa_record(critical: bool, tag: &str, value: &str) -> CaaRecord {
        CaaRecord { critical, tag: tag.to_owned(), value: value.as_bytes().to_vec() }
    }

    /// Decodes `message` as the answer to the CAA query for `NAME` with `ID` and compares with `expected`.
    fn check_caa(message: &[u8], expected: Result<Option<Vec<CaaRecord>>, DnsError>) {
        assert_eq!(decode_caa_response(message, ID, NAME), expected, "message {message:02x?}");
    }

    #[test]
    fn the_caa_query_asks_type_257() {
        let query = encode_query(0, "Example.com", RecordType::Caa).unwrap();
        let mut expected = vec![0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(&wire_name("example.com"));
        expected.extend_from_slice(&[0x01, 0x01, 0, 1]);
        assert_eq!(query, expected);
    }

    #[test]
    fn caa_answers_are_records_no_data_or_no_name() {
        let answer = |records: &[Vec<u8>]| {
            let records: Vec<_> =
                records.iter().map(|data| record(&QUESTION_POINTER, TYPE_CAA, CLASS_IN, data)).collect();
            response_to(TYPE_CAA, OK, &records)
        };
        check_caa(
            &answer(&[caa(0, "issuemail", "ca.example"), caa(128, "tbs", ""), caa(0x81, "Issue", ";")]),
            Ok(Some(vec![
                caa_record(false, "issuemail", "ca.example"),
                caa_record(true, "tbs", ""),
                caa_record(true, "Issue", ";"),
            ])),
        );
        // Reserved flag bits do not make a record critical.
        check_caa(
            &answer(&[caa(0x7f, "issue", "ca.example")]),
            Ok(Some(vec![caa_record(false, "issue", "ca.example")])),
        );
        // NOERROR without CAA data (other types are not CAA), and NXDOMAIN.
        let other_type = record(&QUESTION_POINTER, TYPE_TXT, CLASS_IN, &txt(&[b"issue"]));
        check_caa(&response_to(TYPE_CAA, OK, &[other_type]), Ok(Some(vec![])));
        check_caa(&response_to(TYPE_CAA, 0x8183, &[]), Ok(None));
        // SERVFAIL, REFUSED, and an answer to the TXT question are errors.
        check_caa(&response_to(TYPE_CAA, 0x8182, &[]), Err(DnsError::ServerFailure { rcode: 2 }));
        check_caa(&response_to(TYPE_CAA, 0x8185, &[]), Err(DnsError::ServerFailure { rcode: 5 }));
        check_caa(&response(OK, &[]), Err(DnsError::QuestionMismatch));
        check_caa(&response(0x8183, &[]), Err(DnsError::QuestionMismatch));
        check_caa(&response_to(TYPE_CAA, 0x8380, &[]), Err(DnsError::Truncated));
        // Malformed CAA data.
        let malformed = |reason| Err(DnsError::Malformed { reason });
        check_caa(&answer(&[vec![0]]), malformed("a CAA record is shorter than its flags and tag length"));
        check_caa(&answer(&[vec![0, 0, b'x']]), malformed("a CAA record's tag is empty"));
        check_caa(&answer(&[vec![0, 6, b'i', b's']]), malformed("a CAA record's tag runs past its record"));
    }

    #[test]
    fn caa_records_are_those_at_the_end_of_the_cname_chain() {
        let message = response_to(
            TYPE_CAA,
            OK,
            &[
                record(&QUESTION_POINTER, TYPE_CNAME, CLASS_IN, &wire_name("alias.example.net")),
                // Another class than IN is not read.
                record(&QUESTION_POINTER, TYPE_CAA, 3, &caa(0, "issue", "chaos.example")),
                record(&wire_name("alias.example.net"), TYPE_CAA, CLASS_IN, &caa(0, "issuemail", "ca.example")),
                record(&wire_name("other.example.net"), TYPE_CAA, CLASS_IN, &caa(0, "issuemail", "no.example")),
            ],
        );
        check_caa(&message, Ok(Some(vec![caa_record(false, "issuemail", "ca.example")])));
        // A chain to a name without CAA data: no data.
        let dangling = response_to(
            TYPE_CAA,
            OK,
            &[record(&QUESTION_POINTER, TYPE_CNAME, CLASS_IN, &wire_name("alias.example.net"))],
        );
        check_caa(&dangling, Ok(Some(vec![])));
    }

    /// The end-to-end suites' local responder (`tests/e2e/doh-responder.mjs`) answering the CAA query for `NAME`
    /// with id `ID`, where `NAME` is a CNAME of `mx.example.net` and that holds two CAA records. Made in
    /// `tests/e2e/` with:
    ///
    /// ```text
    /// node --input-type=module -e "import { answer } from './doh-responder.mjs'; const zone = new Map([
    ///   ['_keyward-challenge.example.com', { cname: 'mx.example.net' }],
    ///   ['mx.example.net', { caa: ['0 issuemail \"keyward.example\"', '128 issue \";\"'] }]]);
    ///   const query = '123401000001000000000000125f6b6579776172642d6368616c6c656e6765076578616d706c6503636f6d00'
    ///     + '01010001';
    ///   console.log(answer(Buffer.from(query, 'hex'), zone).toString('hex'))"
    /// ```
    const RESPONDER_CAA_ANSWER: &str = "123481800001000300000000125f6b6579776172642d6368616c6c656e6765076578616d706c65\
        03636f6d0001010001c00c000500010000003c0010026d78076578616d706c65036e657400026d78076578616d706c65036e65740001\
        0100010000003c001a000969737375656d61696c6b6579776172642e6578616d706c65026d78076578616d706c65036e6574000101\
        00010000003c0008800569737375653b";

    #[test]
    fn the_local_responder_s_caa_answer_decodes() {
        let message = crate::encoding::hex_decode(RESPONDER_CAA_ANSWER).unwrap();
        check_caa(
            &message,
            Ok(Some(vec![caa_record(false, "issuemail", "keyward.example"), caa_record(true, "issue", ";")])),
        );
    }

    #[test]
    fn errors_have_codes_fields_and_sentences() {
        let errors = [
            DnsError::NameInvalid,
            DnsError::Incomplete,
            DnsError::Malformed { reason: "x" },
            DnsError::NotAResponse,
            DnsError::IdMismatch { expected: 1, received: 2 },
            DnsError::QuestionMismatch,
            DnsError::Truncated,
            DnsError::NameNotFound,
            DnsError::ServerFailure { rcode: 2 },
            DnsError::CnameChainTooLong,
            DnsError::CnameLoop,
        ];
        let mut codes: Vec<_> = errors.iter().map(DnsError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        for error in &errors {
            assert!(error.code().starts_with("dns_"));
            assert_eq!(error.field(), "name");
            assert!(error.to_string().ends_with('.'), "{error}");
        }
    }
}
