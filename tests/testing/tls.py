"""OpenSSL client settings for TLS tests.

`--tls-version` (mosquitto_pub, lampi-pub) and `bridge_tls_version` are minimums, as in
Mosquitto: nothing on their command lines can keep a client from TLS 1.3. This OpenSSL
configuration, given as OPENSSL_CONF, caps every OpenSSL client of that process at TLS 1.2."""
import os
from pathlib import Path

TLS12_MAX_CNF = """openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = TLSv1.2
"""


def env_capped_at_tls12(directory: Path, base: dict | None = None) -> dict:
    """A copy of `base` (default: os.environ) with OPENSSL_CONF capping OpenSSL at TLS 1.2; the
    configuration file is written to `directory`."""
    cnf = Path(directory) / "openssl-tls12-max.cnf"
    cnf.write_text(TLS12_MAX_CNF)
    return dict(os.environ if base is None else base, OPENSSL_CONF=str(cnf))
