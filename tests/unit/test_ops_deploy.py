"""deploy/: the systemd unit passes `systemd-analyze verify`, the nginx site passes `nginx -t`,
and the environment file documents every setting with the values the proxy relies on.

The tools come from deploy/install-system-deps.sh (`make test` runs it): missing is a failure.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pcgd.settings import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS_SOURCE = Path(__file__).resolve().parents[2] / "pcgd" / "settings.py"
PCGD = Path(sys.executable).with_name("pcgd")


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None)
    if found is None:
        pytest.fail(f"{name} missing: run deploy/install-system-deps.sh")
    return found


def verify_unit(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    unit = tmp_path / "pcgd.service"
    # The unit names the install location of the runbook; here the binary is this venv's.
    unit.write_text(text.replace("/opt/pcgd/.venv/bin/pcgd", str(PCGD)))
    return subprocess.run([tool("systemd-analyze"), "verify", str(unit)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_systemd_unit_verifies_cleanly(tmp_path: Path) -> None:
    text = (DEPLOY / "pcgd.service").read_text()
    result = verify_unit(text, tmp_path)
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")
    assert "ExecStartPre=/opt/pcgd/.venv/bin/pcgd db upgrade" in text
    assert re.search(r"^KillMode=mixed$", text, re.M) and "ExecReload=/bin/kill -HUP" in text
    # The check is real: a bad value is reported.
    broken = verify_unit(text.replace("KillMode=mixed", "KillMode=sometimes"), tmp_path)
    assert "KillMode" in broken.stderr or "kill mode" in broken.stderr


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pcgd.example.gov.vn")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    crt, pem = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def nginx_test(site: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` of the site inside a minimal main configuration rooted in tmp_path."""
    crt, pem = _certificate(tmp_path)
    site = site.replace("/etc/ssl/pcgd/fullchain.pem", str(crt))
    site = site.replace("/etc/ssl/pcgd/privkey.pem", str(pem))
    (tmp_path / "site.conf").write_text(site)
    temp = "\n".join(f"  {kind}_temp_path {tmp_path}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n{temp}\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    return subprocess.run(
        [tool("nginx"), "-t", "-q", "-p", str(tmp_path), "-e", "stderr",
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx-pcgd.conf").read_text()
    result = nginx_test(site, tmp_path)
    assert result.returncode == 0, result.stderr
    broken = nginx_test(site.replace("client_max_body_size 21m;", "client_max_body_size 21 m;"),
                        tmp_path)
    assert broken.returncode == 1 and "client_max_body_size" in broken.stderr


def _env_file() -> tuple[dict[str, str], list[str]]:
    """Assignments of deploy/pcgd.env (commented-out ones included) and its lines."""
    lines = (DEPLOY / "pcgd.env").read_text().splitlines()
    values = {}
    for i, line in enumerate(lines):
        match = re.match(r"^#? ?([A-Z_]+)=(.*)$", line)
        if match:
            assert lines[i - 1].startswith("#") and len(lines[i - 1]) > 10, (
                f"{match.group(1)}: no comment above it")
            values[match.group(1)] = match.group(2)
    return values, lines


def test_env_file_documents_every_setting_and_agrees_with_the_proxy() -> None:
    values, lines = _env_file()
    read = set(re.findall(r'"(PCGD_[A-Z_]+|DATABASE_URL)"', SETTINGS_SOURCE.read_text()))
    assert read <= set(values), f"settings without a line in deploy/pcgd.env: {read - set(values)}"
    assert set(values) <= read, f"lines for settings nobody reads: {set(values) - read}"
    active = {k: v for k, v in values.items() if f"{k}={v}" in lines}
    settings = load_settings(active)
    assert (settings.workers, settings.db_pool_size, settings.max_upload_mb) == (4, 20, 20)
    assert settings.workers * settings.db_pool_size <= 80  # room under max_connections 100
    site = (DEPLOY / "nginx-pcgd.conf").read_text()
    body = re.search(r"client_max_body_size (\d+)m;", site)
    assert body and int(body.group(1)) == settings.max_upload_mb + 1
    assert f"server {settings.host}:{settings.port};" in site
