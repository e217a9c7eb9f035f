//! A small strict CBOR reader (RFC 8949) for what WebAuthn sends: attestation objects, COSE keys and
//! authenticator extensions. Definite lengths only; unsigned and negative integers, byte and text strings, arrays,
//! maps, `false`, `true` and `null`. Indefinite lengths, tags, floats and other simple values are refused, nesting
//! is bounded by [`MAX_DEPTH`] and every length is checked against the bytes left before anything is allocated, so
//! no input makes it panic or allocate more than its own size.

use core::fmt;

/// The deepest nesting accepted (an attestation object is three levels deep, a COSE key two).
pub const MAX_DEPTH: usize = 8;

/// One decoded CBOR item, borrowing strings from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// Major type 0.
    Unsigned(u64),
    /// Major type 1: the value is `-1 - n`, kept as an `i128` so every encodable value fits.
    Negative(i128),
    /// Major type 2.
    Bytes(&'a [u8]),
    /// Major type 3, valid UTF-8.
    Text(&'a str),
    /// Major type 4.
    Array(Vec<Value<'a>>),
    /// Major type 5, pairs in the order sent (a repeated key is refused).
    Map(Vec<(Value<'a>, Value<'a>)>),
    /// `false` or `true`.
    Bool(bool),
    /// `null`.
    Null,
}

impl<'a> Value<'a> {
    /// The value as a signed integer, if it is one that fits an `i64`.
    pub fn integer(&self) -> Option<i64> {
        match self {
            Self::Unsigned(value) => i64::try_from(*value).ok(),
            Self::Negative(value) => i64::try_from(*value).ok(),
            _ => None,
        }
    }

    /// The map's entry under the text key `key`.
    pub fn get_text(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Self::Map(entries) => entries.iter().find(|(name, _)| *name == Value::Text(key)).map(|(_, value)| value),
            _ => None,
        }
    }

    /// The map's entry under the integer key `key` (COSE labels).
    pub fn get_integer(&self, key: i64) -> Option<&Value<'a>> {
        match self {
            Self::Map(entries) => entries.iter().find(|(name, _)| name.integer() == Some(key)).map(|(_, value)| value),
            _ => None,
        }
    }

    /// The bytes of a byte string.
    pub fn bytes(&self) -> Option<&'a [u8]> {
        match self {
            Self::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The text of a text string.
    pub fn text(&self) -> Option<&'a str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// Why bytes are not the CBOR this reader accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CborError {
    /// The input ends inside an item.
    Truncated,
    /// Bytes are left after the item.
    TrailingBytes,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An indefinite length, a tag, a float or a simple value other than `false`, `true` and `null`.
    Unsupported,
    /// A length or argument in a longer form than needed, or reserved additional information.
    NotWellFormed,
    /// A text string that is not UTF-8.
    InvalidText,
    /// The same key twice in one map.
    DuplicateKey,
}

impl fmt::Display for CborError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Truncated => "the CBOR ends inside an item",
            Self::TrailingBytes => "bytes follow the CBOR item",
            Self::TooDeep => "the CBOR is nested too deeply",
            Self::Unsupported => "the CBOR holds an indefinite length, a tag, a float or an unknown simple value",
            Self::NotWellFormed => "the CBOR is not well formed",
            Self::InvalidText => "a CBOR text string is not UTF-8",
            Self::DuplicateKey => "a CBOR map repeats a key",
        })
    }
}

/// Decodes `input` as exactly one item.
pub fn decode(input: &[u8]) -> Result<Value<'_>, CborError> {
    let (value, used) = decode_prefix(input)?;
    if used != input.len() {
        return Err(CborError::TrailingBytes);
    }
    Ok(value)
}

/// Decodes the item at the start of `input`: the item and how many bytes it took (authenticator data carries a
/// COSE key followed by more).
pub fn decode_prefix(input: &[u8]) -> Result<(Value<'_>, usize), CborError> {
    let mut reader = Reader { input, position: 0 };
    let value = reader.item(0)?;
    Ok((value, reader.position))
}

struct Reader<'a> {
    input: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, CborError> {
        let byte = *self.input.get(self.position).ok_or(CborError::Truncated)?;
        self.position += 1;
        Ok(byte)
    }

    fn take(&mut self, length: u64) -> Result<&'a [u8], CborError> {
        let left = self.input.len() - self.position;
        let length = usize::try_from(length).map_err(|_| CborError::Truncated)?;
        if length > left {
            return Err(CborError::Truncated);
        }
        let taken = &self.input[self.position..self.position + length];
        self.position += length;
        Ok(taken)
    }

    /// The argument of an initial byte's additional information `info` (RFC 8949 3), in its shortest form.
    fn argument(&mut self, info: u8) -> Result<u64, CborError> {
        let (bytes, minimum) = match info {
            0..=23 => return Ok(u64::from(info)),
            24 => (1, 24),
            25 => (2, 0x100),
            26 => (4, 0x1_0000),
            27 => (8, 0x1_0000_0000),
            31 => return Err(CborError::Unsupported),
            _ => return Err(CborError::NotWellFormed),
        };
        let mut value = 0u64;
        for byte in self.take(bytes)? {
            value = (value << 8) | u64::from(*byte);
        }
        if value < minimum {
            return Err(CborError::NotWellFormed);
        }
        Ok(value)
    }

    fn item(&mut self, depth: usize) -> Result<Value<'a>, CborError> {
        if depth > MAX_DEPTH {
            return Err(CborError::TooDeep);
        }
        let initial = self.byte()?;
        let (major, info) = (initial >> 5, initial & 0x1f);
        if major == 7 {
            return match info {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                _ => Err(CborError::Unsupported),
            };
        }
        let argument = self.argument(info)?;
        match major {
            0 => Ok(Value::Unsigned(argument)),
            1 => Ok(Value::Negative(-1 - i128::from(argument))),
            2 => Ok(Value::Bytes(self.take(argument)?)),
            3 => core::str::from_utf8(self.take(argument)?).map(Value::Text).map_err(|_| CborError::InvalidText),
            4 => {
                // Each element takes at least one byte: a count beyond the bytes left cannot be honest.
                self.check_count(argument)?;
                let mut items = Vec::new();
                for _ in 0..argument {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                self.check_count(argument.saturating_mul(2))?;
                let mut entries: Vec<(Value<'a>, Value<'a>)> = Vec::new();
                for _ in 0..argument {
                    let key = self.item(depth + 1)?;
                    if entries.iter().any(|(existing, _)| *existing == key) {
                        return Err(CborError::DuplicateKey);
                    }
                    let value = self.item(depth + 1)?;
                    entries.push((key, value));
                }
                Ok(Value::Map(entries))
            }
            // Major type 6: tags.
            _ => Err(CborError::Unsupported),
        }
    }

    fn check_count(&self, items: u64) -> Result<(), CborError> {
        let left = (self.input.len() - self.position) as u64;
        if items > left { Err(CborError::Truncated) } else { Ok(()) }
    }
}

/// An encoder for the same subset, for tests (a software authenticator's attestation objects and COSE keys).
#[cfg(test)]
pub mod encode {
    /// The head of an item of major type `major` with argument `argument`, in its shortest form.
    pub fn head(major: u8, argument: u64) -> Vec<u8> {
        let major = major << 5;
        match argument {
            0..=23 => vec![major | argument as u8],
            24..=0xff => vec![major | 24, argument as u8],
            0x100..=0xffff => [vec![major | 25], (argument as u16).to_be_bytes().to_vec()].concat(),
            0x1_0000..=0xffff_ffff => [vec![major | 26], (argument as u32).to_be_bytes().to_vec()].concat(),
            _ => [vec![major | 27], argument.to_be_bytes().to_vec()].concat(),
        }
    }

    /// A signed integer.
    pub fn integer(value: i64) -> Vec<u8> {
        if value >= 0 { head(0, value as u64) } else { head(1, (-1 - value) as u64) }
    }

    /// A byte string.
    pub fn bytes(value: &[u8]) -> Vec<u8> {
        [head(2, value.len() as u64), value.to_vec()].concat()
    }

    /// A text string.
    pub fn text(value: &str) -> Vec<u8> {
        [head(3, value.len() as u64), value.as_bytes().to_vec()].concat()
    }

    /// A map of already encoded keys and values.
    pub fn map(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut out = head(5, entries.len() as u64);
        for (key, value) in entries {
            out.extend_from_slice(key);
            out.extend_from_slice(value);
        }
        out
    }
}
