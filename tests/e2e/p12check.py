"""Opens a PKCS#12 bundle with pyca/cryptography and prints what it found, as one JSON object.

Usage: p12check.py BUNDLE < password. The password is read from standard input (not from the command line),
UTF-8, without a trailing newline. Exits 0 and prints {"opened": true, ...} when the bundle opens, and exits 0
and prints {"opened": false, "error": ...} when load_pkcs12 refuses it (a wrong password, for instance); any
other failure is a crash with a traceback. The judging is left to the caller (tests/e2e/harness.mjs).
"""

import json
import sys

import cryptography
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def describe_key(key):
    if isinstance(key, rsa.RSAPrivateKey):
        return {"type": "RSA", "bits": key.key_size, "exponent": key.public_key().public_numbers().e}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"type": "EC", "bits": key.curve.key_size, "curve": key.curve.name}
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return {"type": "Ed25519"}
    return {"type": type(key).__name__}


def issued_by(certificate, issuer):
    """True when `issuer`'s name and key signed `certificate`."""
    try:
        certificate.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def describe_certificate(entry):
    certificate = entry.certificate
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": format(certificate.serial_number, "x"),
        "sha256": certificate.fingerprint(hashes.SHA256()).hex(),
        "friendly_name": None if entry.friendly_name is None else entry.friendly_name.decode("utf-8"),
    }


def main():
    path = sys.argv[1]
    password = sys.stdin.buffer.read()
    with open(path, "rb") as bundle:
        data = bundle.read()
    result = {"cryptography": cryptography.__version__}
    try:
        contents = pkcs12.load_pkcs12(data, password)
    except ValueError as error:
        result.update(opened=False, error=str(error))
        print(json.dumps(result))
        return
    leaf = contents.cert
    chain = contents.additional_certs
    result.update(
        opened=True,
        key=None if contents.key is None else describe_key(contents.key),
        certificate=None if leaf is None else describe_certificate(leaf),
        key_matches_certificate=(
            contents.key is not None
            and leaf is not None
            and spki(contents.key.public_key()) == spki(leaf.certificate.public_key())
        ),
        chain=[describe_certificate(entry) for entry in chain],
        # Each certificate was signed by the next one, and the last one by itself.
        chain_links=(
            []
            if leaf is None
            else [
                issued_by(child.certificate, parent.certificate)
                for child, parent in zip([leaf, *chain], [*chain, *chain[-1:]])
            ]
        ),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
