#!/usr/bin/python3
"""gencerts.py PKI_DIR OUT_DIR GROUPS PER_GROUP - certificates for the bench
domains b<g>x<i>.bench.test (g < GROUPS, i < PER_GROUP): one certificate per
group g, OUT_DIR/g<g>.crt (leaf + CA chain), with the SANs
mta-sts.b<g>x<i>.bench.test for every i, all on one key OUT_DIR/bench.key,
issued by the world's test CA (PKI_DIR/ca.crt, ca.key). One shared key and
~100 SANs per certificate keep generation to seconds for 100k domains while
the handshakes stay realistic (ECDSA P-256, ~3 KiB chain).
Needs python3-cryptography."""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def main():
    pki, out, groups, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(pki, "ca.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    with open(os.path.join(pki, "ca.crt"), "rb") as f:
        ca_pem = f.read()
    ca = x509.load_pem_x509_certificate(ca_pem)
    key = ec.generate_private_key(ec.SECP256R1())
    with open(os.path.join(out, "bench.key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(os.path.join(out, "bench.key"), 0o600)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=365)
    pub = key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(pub)
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key())
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    for g in range(groups):
        names = [x509.DNSName("mta-sts.b%dx%d.bench.test" % (g, i)) for i in range(per)]
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                            "mta-sts.b%dx0.bench.test" % g)]))
                .issuer_name(ca.subject)
                .public_key(pub)
                .serial_number(x509.random_serial_number())
                .not_valid_before(start)
                .not_valid_after(end)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(eku, critical=False)
                .add_extension(ski, critical=False)
                .add_extension(aki, critical=False)
                .sign(ca_key, hashes.SHA256()))
        with open(os.path.join(out, "g%d.crt" % g), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM) + ca_pem)


if __name__ == "__main__":
    main()
