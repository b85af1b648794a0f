"""`pcgd backup` / `pcgd restore` as an operator runs them: a demo province restored into a
fresh database evaluates byte for byte the same, with the same audit trail, key and files; a
damaged archive or a database with data is refused in one line, changing nothing.

Demo of Tây Ninh's old code (72, 2024: province → districts → communes), used by no other test.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from pcgd import db
from pcgd.demo import service as demo

PROVINCE, YEAR, PERSONS = "72", 2024, 1500
PCGD = Path(sys.executable).with_name("pcgd")
# What `pcgd evaluate --unit CODE --year Y --json` prints, for many units in one process (the
# command itself would rerun the migrations check per unit); the test runs the command too.
EVALUATE_ALL = """
import asyncio, os, sys
from pcgd import db
from pcgd.cli.output import emit_json
from pcgd.compliance import service
from pcgd.units import service as units

async def main(year, codes):
    await db.connect(os.environ["DATABASE_URL"], max_size=2)
    for code in codes:
        emit_json(await service.evaluate_unit(await units.resolve(code, year), year))
    await db.close()

asyncio.run(main(int(sys.argv[1]), sys.argv[2:]))
"""


async def run(*args: str, env: dict[str, str]) -> tuple[int, bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        *args, env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out, err


async def audit_and_row_counts(url: str) -> dict[str, object]:
    conn = await asyncpg.connect(url)
    try:
        audit = [tuple(r) for r in await conn.fetch(
            "SELECT action, entity, count(*) FROM audit_entry GROUP BY 1, 2 ORDER BY 1, 2")]
        tables = [r["relname"] for r in await conn.fetch(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND relkind = 'r' ORDER BY relname")]
        rows = {t: await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}
    finally:
        await conn.close()
    return {"audit": audit, "rows": rows}


@dataclass
class Restored:
    source_url: str
    url: str
    archive: Path
    source_dir: Path
    data_dir: Path
    units: list[str]
    restore_out: bytes


@pytest.fixture(scope="module")
async def restored(database: str, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[Restored]:
    built = await demo.build_demo(PROVINCE, YEAR, persons=PERSONS, seed=11)
    async with db.transaction() as conn:  # a few audited changes besides the demo's
        from pcgd.audit import service as audit

        for i in range(3):
            await audit.record(conn, None, "ops.test", "household", str(i))
    units = [PROVINCE, *built["districts"], *built["communes"]]  # type: ignore[misc]
    root = tmp_path_factory.mktemp("backup")
    source_dir = root / "source"
    (source_dir / "uploads").mkdir(parents=True)
    (source_dir / "secret.key").write_bytes(secrets.token_bytes(32))
    (source_dir / "uploads" / "kiem-tra.xlsx").write_bytes(secrets.token_bytes(5000))
    archive = root / "pcgd.backup"
    code, _, err = await run(str(PCGD), "backup", "-o", str(archive),
                             env={"DATABASE_URL": database, "PCGD_DATA_DIR": str(source_dir)})
    assert code == 0, err.decode()

    admin = db.with_database(database, "postgres")
    name = f"pcgd_restored_{uuid.uuid4().hex[:8]}"
    await db.create_database_if_missing(admin, name)
    url = db.with_database(database, name)
    data_dir = root / "restored"
    try:
        code, out, err = await run(str(PCGD), "restore", str(archive), "--json",
                                   env={"DATABASE_URL": url, "PCGD_DATA_DIR": str(data_dir)})
        assert code == 0, err.decode()
        yield Restored(database, url, archive, source_dir, data_dir, units, out)
    finally:
        await db.drop_database(admin, name)


async def test_the_restored_demo_evaluates_byte_for_byte_alike(restored: Restored) -> None:
    outputs, commands = [], []
    for url in (restored.source_url, restored.url):
        env = {"DATABASE_URL": url, "PCGD_DATA_DIR": str(restored.data_dir)}
        code, out, err = await run(sys.executable, "-c", EVALUATE_ALL, str(YEAR),
                                   *restored.units, env=env)
        assert code == 0, err.decode()[-2000:]
        outputs.append(out)
        code, out, err = await run(str(PCGD), "evaluate", "--unit", PROVINCE, "--year",
                                   str(YEAR), "--json", env=env)
        assert code == 0, err.decode()[-2000:]
        commands.append(out)
    original, copy = outputs
    assert original.count(b"\n") == len(restored.units) >= 15
    assert original.splitlines(keepends=True)[0] == commands[0]  # the same bytes as the command's
    assert b'"standards"' in original
    assert original == copy and commands[0] == commands[1]


async def test_audit_trail_rows_key_and_files_are_restored(restored: Restored) -> None:
    source = await audit_and_row_counts(restored.source_url)
    assert source["audit"] and source["rows"]["household"]  # type: ignore[index]
    assert await audit_and_row_counts(restored.url) == source
    assert (restored.data_dir / "secret.key").read_bytes() == (
        restored.source_dir / "secret.key").read_bytes()
    name = Path("uploads") / "kiem-tra.xlsx"
    assert (restored.data_dir / name).read_bytes() == (restored.source_dir / name).read_bytes()
    assert b'"secret_key": true' in restored.restore_out


async def test_a_database_with_data_is_refused_without_replace(restored: Restored) -> None:
    env = {"DATABASE_URL": restored.url, "PCGD_DATA_DIR": str(restored.data_dir)}
    before = await audit_and_row_counts(restored.url)
    code, _, err = await run(str(PCGD), "restore", str(restored.archive), env=env)
    assert code == 1 and err.decode().count("\n") == 1 and "--replace" in err.decode()
    async with asyncpg.create_pool(restored.url, min_size=1, max_size=1) as pool:
        await pool.execute("DELETE FROM audit_entry WHERE action = 'ops.test'")
    code, _, err = await run(str(PCGD), "restore", str(restored.archive), "--replace", env=env)
    assert code == 0, err.decode()
    assert await audit_and_row_counts(restored.url) == before  # the deleted rows are back


async def test_a_damaged_byte_is_refused_in_one_line_and_nothing_changes(
    restored: Restored, tmp_path: Path,
) -> None:
    data = bytearray(restored.archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    before = await audit_and_row_counts(restored.url)
    code, out, err = await run(
        str(PCGD), "restore", str(damaged), "--replace",
        env={"DATABASE_URL": restored.url, "PCGD_DATA_DIR": str(tmp_path / "d")})
    text = err.decode()
    assert code == 1 and out == b""
    assert text.startswith("error: ") and text.count("\n") == 1, text
    assert "SHA-256" in text and "nothing restored" in text
    assert await audit_and_row_counts(restored.url) == before
    assert not (tmp_path / "d" / "secret.key").exists()


@pytest.mark.parametrize("where", ["tar header", "manifest", "trailer", "end"])
def test_any_damaged_byte_is_caught_before_anything_is_read(
    restored: Restored, tmp_path: Path, where: str,
) -> None:
    from pcgd.ops.backup import BackupDamaged, verify

    data = bytearray(restored.archive.read_bytes())
    at = {"tar header": 130, "manifest": data.rfind(b'"format"'), "trailer": len(data) - 10,
          "end": len(data) - 1}[where]
    data[at] ^= 0x01
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    assert verify(restored.archive) > 0
    with pytest.raises(BackupDamaged, match="nothing restored"):
        verify(damaged)
