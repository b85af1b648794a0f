"""`pcgd backup` / `pcgd restore`: the database, the secret key and the stored files in one file.

The archive is a plain tar (`tar tf` lists it) followed by one trailer line
`PCGD-BACKUP-SHA256 <hex>` holding the SHA-256 of every byte before it, so a single damaged byte
anywhere (data, tar headers, padding) is refused before anything is touched. Members:
  database.dump   `pg_dump -Fc` taken on an exported snapshot: the counts in the manifest are
                  of exactly that snapshot, even while the service keeps saving;
  secret.key      PCGD_DATA_DIR/secret.key (sessions, CSRF tokens, the demo logins' passwords);
  files/…         every other regular file of PCGD_DATA_DIR (uploads…), the embedded
                  server's folder `pg/` excepted (it is the database above);
  manifest.json   format, versions, row counts and the SHA-256 of every member.

Restore checks the whole file, then loads the dump in ONE transaction (psql -1): the public
schema is dropped and recreated, so a failure leaves the database as it was. A database that
holds data is refused unless `replace`; so is one other sessions are using (stop the service).
Then the key and the files are written, migrations run (an older backup into newer code), and
the restored counts are compared with the manifest's.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import asyncpg

from pcgd import db
from pcgd.errors import UserError
from pcgd.ops import pgtools
from pcgd.settings import Settings

FORMAT = "pcgd-backup"
VERSION = 1
TRAILER = re.compile(rb"\nPCGD-BACKUP-SHA256 ([0-9a-f]{64})\n\Z")
TRAILER_LEN = len(b"\nPCGD-BACKUP-SHA256 ") + 64 + 1
CHUNK = 1 << 20
# Tables whose rows the manifest counts (and restore compares); any other table is dumped too.
COUNTED = ("admin_unit", "user_account", "household", "person", "person_year",
           "commune_age_count", "school", "audit_entry")
IGNORED_WHEN_EMPTY = ("migration", "cache_generation")  # what `pcgd db upgrade` alone fills

Step = Callable[[str], None]


class BackupDamaged(UserError):
    """The archive is not what `pcgd backup` wrote: nothing was restored."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}; không khôi phục gì (nothing restored)")


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    sha256: str
    manifest: dict[str, Any]
    seconds: dict[str, float]


@dataclass(frozen=True, slots=True)
class RestoreResult:
    path: Path
    counts: dict[str, int]
    files: int
    secret_key: bool
    seconds: dict[str, float]


# --- backup ---------------------------------------------------------------------------------


async def _server_major(conn: asyncpg.Connection) -> tuple[int, str]:
    num = int(await conn.fetchval("SHOW server_version_num"))
    return num // 10000, str(await conn.fetchval("SHOW server_version"))


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    present = {r["relname"] for r in await conn.fetch(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")}
    return {t: int(await conn.fetchval(f'SELECT count(*) FROM "{t}"'))
            for t in COUNTED if t in present}


def _stored_files(data_dir: Path, exclude: set[Path]) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file of the data folder but the database's."""
    found = []
    if not data_dir.is_dir():
        return found
    for root, dirs, files in os.walk(data_dir):
        here = Path(root)
        if here == data_dir:
            dirs[:] = [d for d in dirs if d != "pg"]
        dirs.sort()
        for name in sorted(files):
            path = here / name
            if path in exclude or not path.is_file() or path.is_symlink():
                continue
            if here == data_dir and name == "secret.key":
                continue
            found.append(("files/" + path.relative_to(data_dir).as_posix(), path))
    return found


class _Hashing(io.RawIOBase):
    """A write-through (or read-through) file that hashes every byte it passes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.sha.update(data)
        return self.raw.write(data)

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, source: Path | bytes) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.mode = 0o600
    info.mtime = int(time.time())
    if isinstance(source, bytes):
        info.size = len(source)
        reader = _Hashing(io.BytesIO(source))
    else:
        info.size = source.stat().st_size
        reader = _Hashing(source.open("rb"))
    try:
        tar.addfile(info, reader)  # type: ignore[arg-type]
    finally:
        reader.raw.close()
    return {"path": name, "bytes": info.size, "sha256": reader.sha.hexdigest()}


async def _dump(url: str, target: Path, step: Step) -> dict[str, Any]:
    """pg_dump on an exported snapshot; the manifest's database part (counts of that snapshot)."""
    conn = await asyncpg.connect(url)
    try:
        major, version = await _server_major(conn)
        tools = pgtools.for_server(major)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = await _counts(conn)
            dsn, env = pgtools.libpq_args(url)
            step(f"pg_dump {tools.version} → {target.name}")
            proc = await asyncio.create_subprocess_exec(
                tools.path("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                "--no-owner", "--no-privileges", f"--file={target}", f"--dbname={dsn}",
                env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )
            _, err = await proc.communicate()
            if proc.returncode != 0:
                raise UserError(f"pg_dump thất bại (failed): {_first_line(err)}")
    finally:
        await conn.close()
    return {"server_version": version, "pg_dump": tools.version, "counts": counts,
            "name": db.database_name(url)}


async def backup(url: str, settings: Settings, output: Path, *,
                 step: Step = lambda _: None) -> BackupResult:
    """Write the archive to `output` (atomically: a .partial file renamed at the end)."""
    output = await asyncio.to_thread(output.resolve)
    tmp = await asyncio.to_thread(_workdir, output.parent)
    try:
        t0 = time.perf_counter()
        dump = tmp / "database.dump"
        database = await _dump(url, dump, step)
        dumped = time.perf_counter() - t0
        step("đóng gói (archive)")
        result = await asyncio.to_thread(_write_archive, settings.data_dir, dump, database,
                                         output)
    finally:
        await asyncio.to_thread(shutil.rmtree, tmp, True)
    return BackupResult(result.path, result.bytes, result.sha256, result.manifest,
                        {"dump": dumped, **result.seconds})


def _workdir(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="pcgd-backup-", dir=parent))


def _write_archive(data_dir: Path, dump: Path, database: dict[str, Any],
                   output: Path) -> BackupResult:
    t0 = time.perf_counter()
    partial = output.with_name(output.name + ".partial")
    secret = data_dir / "secret.key"
    files = _stored_files(data_dir, {output, partial})
    with partial.open("wb") as raw:
        hashing = _Hashing(raw)
        with tarfile.open(fileobj=hashing, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            members = [_add(tar, "database.dump", dump)]
            if secret.is_file():
                members.append(_add(tar, "secret.key", secret.read_bytes()))
            members += [_add(tar, name, path) for name, path in files]
            manifest = {
                "format": FORMAT, "version": VERSION,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": database, "members": members,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            _add(tar, "manifest.json", body)
        digest = hashing.sha.hexdigest()
        raw.write(b"\nPCGD-BACKUP-SHA256 " + digest.encode() + b"\n")
        raw.flush()
        os.fsync(raw.fileno())
    partial.replace(output)
    return BackupResult(output, output.stat().st_size, digest, manifest,
                        {"archive": time.perf_counter() - t0})


# --- restore --------------------------------------------------------------------------------


def verify(path: Path) -> int:
    """Check the trailer's SHA-256 over the whole archive; the tar part's length."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            if size < TRAILER_LEN + 1024:
                raise BackupDamaged(f"{path} hỏng hoặc không phải bản sao lưu pcgd (too short)")
            f.seek(size - TRAILER_LEN)
            match = TRAILER.match(f.read(TRAILER_LEN))
            if match is None:
                raise BackupDamaged(f"{path} hỏng hoặc không phải bản sao lưu pcgd"
                                    " (no checksum trailer)")
            f.seek(0)
            sha, left = hashlib.sha256(), size - TRAILER_LEN
            while left:
                block = f.read(min(CHUNK, left))
                if not block:
                    break
                sha.update(block)
                left -= len(block)
    except OSError as exc:
        raise UserError(f"không đọc được {path} (cannot read): {exc.strerror}") from exc
    if sha.hexdigest() != match.group(1).decode():
        raise BackupDamaged(f"{path} đã bị hỏng: tổng kiểm tra SHA-256 không khớp"
                            " (checksum mismatch)")
    return size - TRAILER_LEN


@contextlib.contextmanager
def _opened(path: Path, length: int) -> Iterator[tuple[tarfile.TarFile, dict[str, Any]]]:
    with path.open("rb") as raw:
        try:
            tar = tarfile.open(fileobj=_Window(raw, length), mode="r:")  # type: ignore[arg-type]
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
        except (tarfile.TarError, KeyError, ValueError) as exc:
            raise BackupDamaged(f"{path}: không đọc được mục lục (bad manifest): {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupDamaged(f"{path} không phải bản sao lưu pcgd (not a pcgd backup)")
        if manifest.get("version") != VERSION:
            raise BackupDamaged(f"{path}: phiên bản {manifest.get('version')} không hỗ trợ")
        yield tar, manifest


class _Window(io.RawIOBase):
    """The first `length` bytes of a file (the tar part, without the trailer)."""

    def __init__(self, raw: IO[bytes], length: int) -> None:
        self.raw, self.length = raw, length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 2:
            offset, whence = self.length + offset, 0
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.raw.tell()
        if left <= 0:
            return b""
        return self.raw.read(left if size is None or size < 0 else min(size, left))

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _extract(tar: tarfile.TarFile, entry: dict[str, Any], target: Path) -> None:
    member = tar.extractfile(entry["path"])
    if member is None:
        raise BackupDamaged(f"thiếu {entry['path']} (member missing)")
    sha = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        while block := member.read(CHUNK):
            sha.update(block)
            out.write(block)
    if sha.hexdigest() != entry["sha256"]:
        raise BackupDamaged(f"{entry['path']} hỏng: SHA-256 không khớp (checksum mismatch)")


async def _target_state(url: str) -> tuple[int, bool, int]:
    """(server major, whether the database holds data, other sessions connected)."""
    conn = await asyncpg.connect(url)
    try:
        major, _ = await _server_major(conn)
        tables = [r["relname"] for r in await conn.fetch(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")]
        has_data = False
        for t in tables:
            if t not in IGNORED_WHEN_EMPTY and await conn.fetchval(
                    f'SELECT EXISTS (SELECT 1 FROM "{t}")'):
                has_data = True
                break
        others = int(await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"))
    finally:
        await conn.close()
    return major, has_data, others


def _load(tools: pgtools.PgTools, dump: Path, url: str) -> None:
    """pg_restore's SQL piped into `psql -1`: everything in one transaction, or nothing."""
    dsn, env = pgtools.libpq_args(url)
    restore = subprocess.Popen(
        [tools.path("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    psql = subprocess.run(
        [tools.path("psql"), "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", f"--dbname={dsn}",
         "-c", "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public",
         "-f", "-"],
        stdin=restore.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        check=False,
    )
    assert restore.stdout is not None
    restore.stdout.close()
    restore_err = restore.stderr.read() if restore.stderr else b""
    restore.wait()
    if restore.returncode != 0:
        raise UserError(f"pg_restore thất bại (failed): {_first_line(restore_err)}")
    if psql.returncode != 0:
        raise UserError(f"nạp dữ liệu thất bại, cơ sở dữ liệu giữ nguyên (load failed,"
                        f" nothing changed): {_first_line(psql.stderr)}")


def _write_secret(data_dir: Path, key: bytes) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret.key"
    if path.is_file() and path.read_bytes() != key:
        keep = path.with_name(f"secret.key.before-restore-{int(time.time())}")
        path.replace(keep)
    tmp = path.with_name("secret.key.restoring")
    tmp.write_bytes(key)
    tmp.chmod(0o600)
    tmp.replace(path)


async def restore(url: str, settings: Settings, path: Path, *, replace: bool = False,
                  step: Step = lambda _: None) -> RestoreResult:
    from pcgd.migrate import upgrade

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    step("kiểm tra tổng SHA-256 (verify)")
    length = await asyncio.to_thread(verify, path)
    major, has_data, others = await _target_state(url)
    if has_data and not replace:
        raise UserError(f"cơ sở dữ liệu {db.database_name(url)} đã có dữ liệu: thêm --replace"
                        " để thay thế (database not empty; nothing restored)")
    if others:
        raise UserError(f"{others} phiên khác đang dùng cơ sở dữ liệu: dừng dịch vụ trước"
                        " (stop the service first; nothing restored)")
    tmp = Path(await asyncio.to_thread(tempfile.mkdtemp, "", "pcgd-restore-"))
    try:
        manifest, staged = await asyncio.to_thread(_unpack, path, length, tmp)
        seconds["verify"] = time.perf_counter() - t0
        written = re.match(r"(\d+)", manifest["database"]["pg_dump"])
        tools = pgtools.for_server(major, at_least=int(written.group(1)) if written else 0)
        step(f"nạp vào {db.database_name(url)} bằng pg_restore/psql {tools.version}")
        t1 = time.perf_counter()
        await asyncio.to_thread(_load, tools, tmp / "database.dump", url)
        seconds["load"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        secret = await asyncio.to_thread(_place, staged, settings.data_dir)
        seconds["files"] = time.perf_counter() - t2
    finally:
        await asyncio.to_thread(shutil.rmtree, tmp, True)
    step("nâng cấp (pcgd db upgrade)")
    t3 = time.perf_counter()
    await db.connect(url, max_size=2)
    try:
        await upgrade()
        async with db.pool().acquire() as conn:
            counts = await _counts(conn)
    finally:
        await db.close()
    seconds["upgrade"] = time.perf_counter() - t3
    if counts != manifest["database"]["counts"]:
        raise UserError(f"số dòng sau khôi phục khác bản sao lưu (row counts differ): {counts}")
    return RestoreResult(path, counts, len(staged) - int(secret), secret, seconds)


def _unpack(path: Path, length: int, tmp: Path) -> tuple[dict[str, Any], list[tuple[str, Path]]]:
    """Extract every member into tmp, checking each one's SHA-256; (manifest, staged files)."""
    with _opened(path, length) as (tar, manifest):
        entries = {m["path"]: m for m in manifest["members"]}
        if "database.dump" not in entries:
            raise BackupDamaged(f"{path}: thiếu database.dump (no database in the archive)")
        _extract(tar, entries["database.dump"], tmp / "database.dump")
        staged: list[tuple[str, Path]] = []
        for name, entry in entries.items():
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupDamaged(f"{name}: đường dẫn không hợp lệ (bad path)")
            if name.startswith("files/") or name == "secret.key":
                target = tmp / "stage" / name
                _extract(tar, entry, target)
                staged.append((name, target))
    return manifest, staged


def _place(staged: list[tuple[str, Path]], data_dir: Path) -> bool:
    """Put the key and the stored files in the data folder; whether there was a key."""
    secret = False
    for name, staged_path in staged:
        if name == "secret.key":
            _write_secret(data_dir, staged_path.read_bytes())
            secret = True
            continue
        target = data_dir / name.removeprefix("files/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged_path, target)
    return secret


def _first_line(err: bytes | str | None) -> str:
    text = err.decode(errors="replace") if isinstance(err, bytes) else (err or "")
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    return lines[0][:300] if lines else "(không có thông báo)"
