//! The download formats of an issued certificate: PEM, DER, the PEM chain (certificate, issuing CA, root) and
//! the PKCS#7 certs-only chain (`.p7b`, what Windows' certificate import wizard reads).

use der::{Decode, Encode};
use pkcs12::cms::content_info::ContentInfo;
use x509_cert::Certificate;

use crate::encoding::pem_encode;

/// A download format, as named in the URL `/api/v1/certificates/{serial}/{format}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownloadFormat {
    /// `pem`: the certificate, PEM.
    Pem,
    /// `der`: the certificate, DER.
    Der,
    /// `chain.pem`: the certificate then the CA certificates, PEM.
    ChainPem,
    /// `p7b`: the certificate and the CA certificates in a PKCS#7 certs-only SignedData, DER.
    Pkcs7,
}

impl DownloadFormat {
    /// Every format, in the order pages list them.
    pub const ALL: [Self; 4] = [Self::Pem, Self::Der, Self::ChainPem, Self::Pkcs7];

    /// The name in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pem => "pem",
            Self::Der => "der",
            Self::ChainPem => "chain.pem",
            Self::Pkcs7 => "p7b",
        }
    }

    /// Reads the name in the URL.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.as_str() == text)
    }

    /// The media type to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pem | Self::ChainPem => "application/x-pem-file",
            Self::Der => "application/pkix-cert",
            Self::Pkcs7 => "application/pkcs7-mime",
        }
    }

    /// The file extension to save it under.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pem => "pem",
            Self::Der => "cer",
            Self::ChainPem => "chain.pem",
            Self::Pkcs7 => "p7b",
        }
    }

    /// The file's bytes, from the certificate and its CA chain (issuing CA first), all DER.
    pub fn render(self, certificate_der: &[u8], chain_der: &[Vec<u8>]) -> Result<Vec<u8>, der::Error> {
        Ok(match self {
            Self::Pem => pem_encode("CERTIFICATE", certificate_der).into_bytes(),
            Self::Der => certificate_der.to_vec(),
            Self::ChainPem => core::iter::once(certificate_der)
                .chain(chain_der.iter().map(Vec::as_slice))
                .map(|der| pem_encode("CERTIFICATE", der))
                .collect::<String>()
                .into_bytes(),
            Self::Pkcs7 => {
                let certificates = core::iter::once(certificate_der)
                    .chain(chain_der.iter().map(Vec::as_slice))
                    .map(Certificate::from_der)
                    .collect::<Result<Vec<_>, _>>()?;
                ContentInfo::try_from(certificates)?.to_der()?
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in DownloadFormat::ALL {
            assert_eq!(DownloadFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(DownloadFormat::parse("p12"), None);
    }

    #[test]
    fn pem_and_der_need_no_parsing() {
        let der = [0x30, 0x03, 0x02, 0x01, 0x01];
        assert_eq!(DownloadFormat::Der.render(&der, &[]).ok(), Some(der.to_vec()));
        let pem = String::from_utf8(DownloadFormat::ChainPem.render(&der, &[der.to_vec()]).unwrap_or_default());
        assert_eq!(pem.map(|text| text.matches("BEGIN CERTIFICATE").count()).ok(), Some(2));
        assert!(DownloadFormat::Pkcs7.render(&der, &[]).is_err(), "PKCS#7 needs real certificates");
    }
}
