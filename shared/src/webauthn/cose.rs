//! COSE public keys (RFC 9052/9053, as WebAuthn's attested credential data carries them) for the two algorithms
//! Keyward accepts: ES256 (alg -7, kty EC2, crv P-256, x and y of 32 bytes each) and RS256 (alg -257, kty RSA, n
//! of 2048 to 8192 bits, e). [`CoseKey::verify`] checks a signature with ring: ES256 signatures are ASN.1 DER
//! (WebAuthn 6.5.6), RS256 PKCS#1 v1.5 with SHA-256.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

use super::cbor::{self, Value};

/// COSE algorithm ES256: ECDSA with SHA-256 on P-256.
pub const ES256: i64 = -7;
/// COSE algorithm RS256: RSASSA-PKCS1-v1_5 with SHA-256.
pub const RS256: i64 = -257;
/// The algorithms offered at registration, in order of preference.
pub const ALGORITHMS: [i64; 2] = [ES256, RS256];

/// COSE key type EC2.
const KTY_EC2: i64 = 2;
/// COSE key type RSA.
const KTY_RSA: i64 = 3;
/// COSE curve P-256.
const CRV_P256: i64 = 1;

/// A credential's public key, parsed from its COSE form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoseKey {
    /// ES256: the uncompressed point `04 || x || y`.
    Es256 {
        /// The SEC 1 uncompressed point, 65 bytes.
        point: Vec<u8>,
    },
    /// RS256: the modulus and public exponent, big-endian, without leading zeros.
    Rs256 {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
}

/// Why a COSE key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoseError {
    /// Not a CBOR map, or a field of the wrong type or size.
    Malformed,
    /// An algorithm, key type or curve other than ES256 on P-256 and RS256.
    Unsupported,
    /// An RSA modulus outside 2048 to 8192 bits, or an exponent that is not odd and above 1.
    WeakRsa,
}

impl CoseKey {
    /// Parses the COSE key `bytes` (exactly one CBOR map).
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CoseError> {
        let value = cbor::decode(bytes).map_err(|_| CoseError::Malformed)?;
        Self::from_value(&value)
    }

    /// Parses a decoded COSE key map.
    pub fn from_value(value: &Value<'_>) -> Result<Self, CoseError> {
        if !matches!(value, Value::Map(_)) {
            return Err(CoseError::Malformed);
        }
        let kty = value.get_integer(1).and_then(Value::integer).ok_or(CoseError::Malformed)?;
        let alg = value.get_integer(3).and_then(Value::integer).ok_or(CoseError::Malformed)?;
        match (kty, alg) {
            (KTY_EC2, ES256) => {
                let curve = value.get_integer(-1).and_then(Value::integer).ok_or(CoseError::Malformed)?;
                if curve != CRV_P256 {
                    return Err(CoseError::Unsupported);
                }
                let x = value.get_integer(-2).and_then(Value::bytes).ok_or(CoseError::Malformed)?;
                let y = value.get_integer(-3).and_then(Value::bytes).ok_or(CoseError::Malformed)?;
                if x.len() != 32 || y.len() != 32 {
                    return Err(CoseError::Malformed);
                }
                Ok(Self::Es256 { point: [&[4u8][..], x, y].concat() })
            }
            (KTY_RSA, RS256) => {
                let n = value.get_integer(-1).and_then(Value::bytes).ok_or(CoseError::Malformed)?;
                let e = value.get_integer(-2).and_then(Value::bytes).ok_or(CoseError::Malformed)?;
                let n = strip_leading_zeros(n);
                let e = strip_leading_zeros(e);
                let bits = n.len() * 8 - n.first().map_or(8, |byte| byte.leading_zeros() as usize);
                if !(2048..=8192).contains(&bits) {
                    return Err(CoseError::WeakRsa);
                }
                let odd_above_one = e.last().is_some_and(|last| last & 1 == 1) && !(e.len() == 1 && e[0] == 1);
                if !odd_above_one || e.len() > 4 {
                    return Err(CoseError::WeakRsa);
                }
                Ok(Self::Rs256 { n: n.to_vec(), e: e.to_vec() })
            }
            (KTY_EC2 | KTY_RSA, _) | (_, ES256 | RS256) => Err(CoseError::Unsupported),
            _ => Err(CoseError::Unsupported),
        }
    }

    /// The COSE algorithm (`-7` or `-257`).
    pub fn algorithm(&self) -> i64 {
        match self {
            Self::Es256 { .. } => ES256,
            Self::Rs256 { .. } => RS256,
        }
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Es256 { point } => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point).verify(message, signature).is_ok()
            }
            Self::Rs256 { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature)
                .is_ok(),
        }
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|byte| *byte != 0).unwrap_or(bytes.len());
    &bytes[first..]
}
