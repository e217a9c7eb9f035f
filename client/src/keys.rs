//! The key on this machine: elliptic-curve keys made with ring (through rcgen), RSA keys with the `rsa` crate (ring
//! signs with RSA keys but cannot make them), written as PKCS#8 PEM at mode 0600 or inside a PKCS#12 file
//! (`shared::pkcs12`), the CSR built and signed with it (rcgen over ring, from the PKCS#8 for every type), and the
//! test enrollment's challenge signed with it as the Worker verifies (`shared::revocation::verify_possession`:
//! ECDSA `r || s`, Ed25519, RSA PKCS#1 v1.5 with SHA-256).

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, RSA_PKCS1_SHA256,
    RsaKeyPair,
};

use crate::args::KeyChoice;

/// A key pair made here, PKCS#8 DER.
pub struct MachineKey {
    /// The private key, PKCS#8 `PrivateKeyInfo` DER.
    pub pkcs8_der: Vec<u8>,
}

impl MachineKey {
    /// A new key of `choice`.
    pub fn generate(choice: KeyChoice) -> Result<Self, String> {
        let algorithm = match choice {
            KeyChoice::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyChoice::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyChoice::Ed25519 => &rcgen::PKCS_ED25519,
            KeyChoice::Rsa2048 | KeyChoice::Rsa3072 | KeyChoice::Rsa4096 => {
                return generate_rsa(choice.rsa_bits().unwrap_or(2048));
            }
        };
        let key = rcgen::KeyPair::generate_for(algorithm).map_err(|error| format!("key generation: {error}"))?;
        Ok(Self { pkcs8_der: key.serialize_der() })
    }

    /// The key as PEM (`PRIVATE KEY`).
    pub fn pem(&self) -> String {
        shared::encoding::pem_encode("PRIVATE KEY", &self.pkcs8_der)
    }

    /// The key read from PEM.
    pub fn from_pem(text: &str) -> Result<Self, String> {
        let der = shared::encoding::pem_decode("PRIVATE KEY", text)
            .ok_or("the key file is not a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----)")?;
        Ok(Self { pkcs8_der: der })
    }

    /// A PKCS#10 request signed with the key, PEM. The subject says only `common_name`: the certificate says what
    /// the order says, whatever the request asks.
    pub fn csr_pem(&self, common_name: &str) -> Result<String, String> {
        let key = rcgen::KeyPair::try_from(self.pkcs8_der.as_slice()).map_err(|error| format!("the key: {error}"))?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
        // An RSA key reads as RSA PKCS#1 v1.5 with SHA-256 (rcgen's default for an RSA PKCS#8 through ring).
        let request = params.serialize_request(&key).map_err(|error| format!("the CSR: {error}"))?;
        request.pem().map_err(|error| format!("the CSR: {error}"))
    }

    /// The signature over `message` as the Worker verifies it.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        for algorithm in [&ECDSA_P256_SHA256_FIXED_SIGNING, &ECDSA_P384_SHA384_FIXED_SIGNING] {
            if let Ok(key) = EcdsaKeyPair::from_pkcs8(algorithm, &self.pkcs8_der, &rng) {
                return key
                    .sign(&rng, message)
                    .map(|signature| signature.as_ref().to_vec())
                    .map_err(|_| "the key could not sign".to_owned());
            }
        }
        if let Ok(key) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&self.pkcs8_der) {
            return Ok(key.sign(message).as_ref().to_vec());
        }
        if let Ok(key) = RsaKeyPair::from_pkcs8(&self.pkcs8_der) {
            let mut signature = vec![0; key.public().modulus_len()];
            key.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature).map_err(|_| "the key could not sign")?;
            return Ok(signature);
        }
        Err("the key is not an ECDSA P-256/P-384, Ed25519 or RSA key this client can sign with".to_owned())
    }

    /// The key's SubjectPublicKeyInfo, DER (to check that a certificate is this key's).
    pub fn subject_public_key_info(&self) -> Result<Vec<u8>, String> {
        let pair = rcgen::KeyPair::try_from(self.pkcs8_der.as_slice()).map_err(|error| format!("the key: {error}"))?;
        Ok(rcgen::PublicKeyData::subject_public_key_info(&pair))
    }
}

/// A new RSA key of `bits` (exponent 65537), PKCS#8 DER, made with the system's randomness (through ring).
fn generate_rsa(bits: usize) -> Result<MachineKey, String> {
    use rsa::pkcs8::EncodePrivateKey;
    let key = rsa::PrivateKey::new(&mut SystemRng(SystemRandom::new()), bits)
        .map_err(|error| format!("RSA key generation: {error}"))?;
    let document = key.to_pkcs8_der().map_err(|error| format!("RSA key as PKCS#8: {error}"))?;
    Ok(MachineKey { pkcs8_der: document.as_bytes().to_vec() })
}

/// ring's system randomness as the `rsa` crate takes it.
struct SystemRng(SystemRandom);

/// The system gave no randomness.
#[derive(Debug)]
struct NoRandomness;

impl std::fmt::Display for NoRandomness {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("the system gave no randomness")
    }
}

impl std::error::Error for NoRandomness {}

impl rsa::rand_core::TryRng for SystemRng {
    type Error = NoRandomness;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, destination: &mut [u8]) -> Result<(), Self::Error> {
        ring::rand::SecureRandom::fill(&self.0, destination).map_err(|_| NoRandomness)
    }
}

/// ring's `SystemRandom` is the operating system's cryptographic generator.
impl rsa::rand_core::TryCryptoRng for SystemRng {}

/// Random bytes from the system.
pub fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).map_err(|_| "no system randomness".to_owned())?;
    Ok(bytes)
}

/// A PKCS#12 file (the modern profile) holding the key, the certificate and the chain, under `password`.
pub fn bundle(
    key: &MachineKey,
    certificate_der: &[u8],
    chain_der: &[Vec<u8>],
    name: &str,
    password: &str,
    iterations: u32,
) -> Result<Vec<u8>, String> {
    let contents = shared::pkcs12::BundleContents {
        private_key_pkcs8_der: &key.pkcs8_der,
        certificate_der,
        chain_der,
        friendly_name: name,
    };
    let salts = shared::pkcs12::BundleSalts {
        key_salt: random()?,
        key_iv: random()?,
        certificates_salt: random()?,
        certificates_iv: random()?,
        mac_salt: random()?,
    };
    shared::pkcs12::build(&contents, password, shared::pkcs12::Profile::Modern, iterations, &salts)
        .map_err(|error| format!("the PKCS#12 file: {error}"))
}

/// The key and certificate (DER) read back from a PKCS#12 file.
pub fn open_bundle(bytes: &[u8], password: &str) -> Result<(MachineKey, Vec<u8>), String> {
    let opened = shared::pkcs12::open(bytes, password).map_err(|error| format!("the PKCS#12 file: {error}"))?;
    let certificate = opened.certificates_der.first().cloned().ok_or("the PKCS#12 file holds no certificate")?;
    Ok((MachineKey { pkcs8_der: opened.private_key_pkcs8_der.clone() }, certificate))
}

/// The certificate's subject as RFC 4514 text (the last RDN first, as `openssl x509 -subject -nameopt RFC2253`).
pub fn subject_rfc4514(certificate_der: &[u8]) -> Result<String, String> {
    use der::Decode;
    let certificate =
        x509_cert::Certificate::from_der(certificate_der).map_err(|error| format!("the certificate: {error}"))?;
    let mut parts = Vec::new();
    let relatives: Vec<_> = certificate.tbs_certificate().subject().iter_rdn().collect();
    for relative in relatives.into_iter().rev() {
        let mut values = Vec::new();
        for attribute in relative.iter() {
            // organizationIdentifier (S/MIME BR 7.1.4.2.2 d) by its name, as OpenSSL writes it; x509-cert knows
            // no name for it and would write the OID and the DER in hex, which RFC 4514 also allows.
            if attribute.oid.to_string() == "2.5.4.97" {
                let value = der::asn1::Utf8StringRef::try_from(&attribute.value)
                    .map(|text| text.as_str().to_owned())
                    .or_else(|_| {
                        der::asn1::PrintableStringRef::try_from(&attribute.value).map(|text| text.as_str().to_owned())
                    });
                if let Ok(value) = value {
                    values.push(format!("organizationIdentifier={}", escape(&value)));
                    continue;
                }
            }
            values.push(attribute.to_string());
        }
        parts.push(values.join("+"));
    }
    Ok(parts.join(","))
}

/// An attribute value escaped as RFC 4514 section 2.4 says.
fn escape(value: &str) -> String {
    let mut escaped = String::new();
    for (index, character) in value.chars().enumerate() {
        let special = matches!(character, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (index == 0 && matches!(character, '#' | ' '))
            || (index + 1 == value.chars().count() && character == ' ');
        if special {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::KeyChoice;
    use shared::installation::installation_message;
    use shared::profile::CertifiedKey;
    use shared::revocation::verify_possession;

    /// The key's SubjectPublicKeyInfo, through rcgen.
    fn spki(key: &MachineKey) -> Vec<u8> {
        let pair = rcgen::KeyPair::try_from(key.pkcs8_der.as_slice()).expect("reads");
        rcgen::PublicKeyData::subject_public_key_info(&pair)
    }

    #[test]
    fn each_key_signs_what_the_worker_verifies_and_its_csr_verifies() {
        for choice in [KeyChoice::P256, KeyChoice::P384, KeyChoice::Ed25519, KeyChoice::Rsa2048] {
            let key = MachineKey::generate(choice).expect("a key");
            let again = MachineKey::from_pem(&key.pem()).expect("PEM round trip");
            assert_eq!(again.pkcs8_der, key.pkcs8_der);
            let message = installation_message("40ff", "challenge");
            let signature = key.sign(&message).expect("signs");
            assert_eq!(verify_possession(&spki(&key), &message, &signature), Ok(()), "{choice:?}");
            let other = MachineKey::generate(choice).expect("another key");
            assert!(verify_possession(&spki(&other), &message, &signature).is_err(), "{choice:?}: another key");
            let csr = shared::csr::ParsedCsr::from_pem(&key.csr_pem("host.example.com").expect("a CSR"));
            let csr = csr.unwrap_or_else(|error| panic!("{choice:?}: {error:?}"));
            let certified = shared::profile::ProfileId::SmimeMailboxStrict.profile().check_key(csr.public_key());
            let expected = match choice {
                KeyChoice::Rsa2048 => CertifiedKey::Rsa { bits: 2048 },
                KeyChoice::P256 => CertifiedKey::EcdsaP256,
                KeyChoice::P384 => CertifiedKey::EcdsaP384,
                _ => CertifiedKey::Ed25519,
            };
            assert_eq!(certified, Ok(expected), "{choice:?}: the CSR's key");
            assert_eq!(spki(&key), key.subject_public_key_info().expect("an SPKI"));
        }
    }

    #[test]
    fn a_bundle_gives_back_its_key_and_certificate_and_refuses_another_password() {
        let key = MachineKey::generate(KeyChoice::P256).expect("a key");
        let pair = rcgen::KeyPair::try_from(key.pkcs8_der.as_slice()).expect("reads");
        let mut params = rcgen::CertificateParams::new(vec!["host.example.com".to_owned()]).expect("params");
        params.distinguished_name.push(rcgen::DnType::OrganizationName, "Example, Inc.");
        params.distinguished_name.push(rcgen::DnType::CommonName, "host.example.com");
        let certificate = params.self_signed(&pair).expect("signs").der().to_vec();
        let bytes = bundle(&key, &certificate, &[], "host", "correct horse", 1_000).expect("a bundle");
        let (opened, opened_certificate) = open_bundle(&bytes, "correct horse").expect("opens");
        assert_eq!(opened.pkcs8_der, key.pkcs8_der);
        assert_eq!(opened_certificate, certificate);
        assert!(open_bundle(&bytes, "wrong horse").is_err());
        let subject = subject_rfc4514(&certificate).expect("a subject");
        // rcgen encodes the common name first; RFC 4514 writes the last RDN first, and escapes the comma.
        assert_eq!(subject, "O=Example\\, Inc.,CN=host.example.com");
    }
}
