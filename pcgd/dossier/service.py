"""The annual recognition dossier (hồ sơ đề nghị công nhận, NĐ 20/2014 Điều 26–30) of a commune,
a district (survey years ≤ 2024) or a province, assembled from what the product already makes.

`plan()` gathers the evaluation, the lower units with their approval state and recognition
decisions; `checklist()` turns a plan into the list of items the law asks for (present, missing
and why) without building any file, so the page can show it live; `build()` writes every part
into one .zip on disk, one member at a time (bounded memory), then the checklist workbook and the
manifest of SHA-256 sums.

Nothing here computes a figure: the evaluation (`pcgd.compliance`), the forms, lists and tracking
books (`reports`), the maps (`geo`) and the workflow's decisions are reused as they are.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pcgd.compliance import service as compliance
from pcgd.dossier import decisions as wf
from pcgd.dossier.schemas import (
    CHECKLIST,
    DECISIONS,
    FORMS_DIR,
    KIND_VI,
    LISTS_DIR,
    MANIFEST,
    MAP_TITLES,
    MAPS_DIR,
    MINUTES_LOWER,
    MINUTES_SELF,
    MISSING,
    NOT_APPLICABLE,
    NOTE,
    PRESENT,
    REPORT,
    STANDARDS_MAPPED,
    Built,
    Item,
    Plan,
    Progress,
)
from pcgd.units import service as units


async def lower_units(unit: units.Unit, year: int) -> list[units.Unit]:
    """The units a district or province inspects and recognises (Đ30): a district's communes; a
    province's districts (3-tier years) or communes (2-tier years); none for a commune."""
    if unit.kind == "commune":
        return []
    if unit.kind == "province" and units.tier_of(year) == 3:
        return await units.list_units(year, parent=unit, kind="district")
    return await units.communes_under(unit, year)


async def plan(unit: units.Unit, year: int) -> Plan:
    from pcgd import db
    from pcgd.errors import UserError

    if unit.kind == "district" and units.tier_of(year) == 2:
        raise UserError(f"từ năm điều tra 2025 không còn cấp huyện: {unit.name} không lập hồ sơ")
    evaluation = await compliance.evaluate_unit(unit, year, with_children=unit.kind != "commune")
    lower = await lower_units(unit, year)
    communes = [unit] if unit.kind == "commune" else await units.communes_under(unit, year)
    ids = [u.id for u in lower]
    states = await wf.states(ids, year)
    # A decision counts only while its unit stands approved: one handed back (returned) after
    # approval keeps its old decision row in the workflow, but it is not a current decision.
    found = await wf.recognition_decisions(ids, year)
    current = {uid: d for uid, d in found.items() if states.get(uid) in wf.APPROVED}
    rows = await db.pool().fetch(
        "SELECT commune, count(DISTINCT hamlet) AS n FROM household"
        " WHERE year = $1 AND commune = ANY($2::int[]) GROUP BY commune",
        year, [c.id for c in communes],
    )
    return Plan(
        unit=unit, year=year, chain=await units.ancestors(unit), evaluation=evaluation,
        lower=lower, communes=communes, states=states, decisions=current,
        hamlets={r["commune"]: r["n"] for r in rows},
        commune_results=(await compliance.evaluate_communes(communes, year)
                         if unit.kind != "commune" else [evaluation]),
    )


# --- the checklist ----------------------------------------------------------------------------


def _article(p: Plan) -> str:
    return {"commune": "NĐ 20/2014 Điều 26", "district": "NĐ 20/2014 Điều 27",
            "province": "NĐ 20/2014 Điều 28"}[p.unit.kind]


def minutes_name(p: Plan) -> str:
    return MINUTES_SELF if p.unit.kind == "commune" else MINUTES_LOWER


def checklist(p: Plan) -> list[Item]:
    """Every item the law asks for, present or missing with the reason (no file is built)."""
    from pcgd.registry.conditions import CONDITION_LABELS
    from pcgd.standards import load_rules
    from reports.forms import catalogue
    from reports.lists import SPECS as LIST_SPECS

    art = _article(p)
    kind = p.unit.kind
    lower_word = KIND_VI[p.lower[0].kind] if p.lower else ""
    items: list[Item] = []
    add = items.append
    has_data = bool(p.evaluation.get("has_data"))
    add(Item("Hồ sơ đề nghị công nhận", "Báo cáo quá trình thực hiện và kết quả PCGD, XMC",
             art, REPORT, PRESENT,
             "" if has_data else f"chưa có dữ liệu điều tra năm {p.year}: báo cáo ghi mức 0"))
    form_folder = f"{FORMS_DIR}/{p.folder(p.unit)}"
    for spec in catalogue.SPECS:
        add(Item("Biểu thống kê", f"{spec.code}: {spec.title}", art,
                 f"{form_folder}/{spec.file_name}", PRESENT))
    add(Item("Biểu thống kê", "Kiểm tra số liệu giữa các biểu", "",
             f"{form_folder}/Kiểm-tra-số-liệu.xlsx", PRESENT))
    for code, title, why in catalogue.NOT_PRODUCED:
        add(Item("Biểu thống kê", f"{code}: {title}", art, "", NOT_APPLICABLE, why))
    if kind == "commune":
        add(Item("Hồ sơ đề nghị công nhận", "Biên bản tự kiểm tra", f"{art}, Điều 30",
                 MINUTES_SELF, PRESENT, "điền thành phần đoàn, ký và đóng dấu trước khi nộp"))
    else:
        add(Item("Hồ sơ đề nghị công nhận", f"Biên bản kiểm tra của {KIND_VI[kind]} đối với các "
                 f"{lower_word}", f"{art}, Điều 29", MINUTES_LOWER, PRESENT,
                 "điền thành phần đoàn, ký và đóng dấu trước khi nộp"))
        for u in p.lower:
            add(Item("Biểu thống kê đơn vị cấp dưới", f"Biểu thống kê của {u.name}", art,
                     f"{FORMS_DIR}/{p.folder(u)}/", PRESENT))
        add(Item("Quyết định công nhận", f"Danh sách quyết định công nhận {lower_word}",
                 art, DECISIONS, PRESENT))
        for u in p.lower:
            state = p.states.get(u.id, "none")
            d = p.decisions.get(u.id)
            if d is not None and state in wf.APPROVED:
                add(Item("Quyết định công nhận", f"Quyết định công nhận {u.name}", art,
                         DECISIONS, PRESENT, f"số {d.number}"))
            else:
                why = (f"{lower_word} chưa được phê duyệt ({wf.STATES_VI.get(state, state)})"
                       if state not in wf.APPROVED else "đã phê duyệt nhưng chưa ghi quyết định")
                add(Item("Quyết định công nhận", f"Quyết định công nhận {u.name}", art, "",
                         MISSING, why))
    # Hồ sơ PCGD-XMC kept at each commune (Đ26 k1).
    for c in p.communes:
        base = f"{LISTS_DIR}/{p.folder(c)}"
        hamlets = p.hamlets.get(c.id, 0)
        for spec in LIST_SPECS:
            add(Item("Hồ sơ PCGD-XMC", f"{c.name}: {spec.title.capitalize()}",
                     "NĐ 20/2014 Điều 26 khoản 1", f"{base}/{spec.code}.xlsx", PRESENT))
        status, why = (PRESENT, f"{hamlets} thôn") if hamlets else (
            MISSING, f"chưa có hộ nào trong năm điều tra {p.year}")
        add(Item("Hồ sơ PCGD-XMC", f"{c.name}: Sổ theo dõi PCGD-XMC", "NĐ 20/2014 Điều 26 khoản 1",
                 f"{base}/" if hamlets else "", status, why))
        if kind == "commune":
            add(Item("Hồ sơ PCGD-XMC", f"{c.name}: Phiếu điều tra PCGD-XMC",
                     "NĐ 20/2014 Điều 26 khoản 1", f"{base}/" if hamlets else "", status, why))
    if kind != "commune":
        add(Item("Hồ sơ PCGD-XMC", "Phiếu điều tra PCGD-XMC của các xã",
                 "NĐ 20/2014 Điều 26 khoản 1", "", NOT_APPLICABLE,
                 "lưu trong hồ sơ PCGD-XMC của từng xã; tải theo thôn ở trang Biểu mẫu của xã"))
    for std in STANDARDS_MAPPED:
        add(Item("Bản đồ", f"Bản đồ {MAP_TITLES[std]}", "", f"{MAPS_DIR}/{std}.png", PRESENT))
    # TT 07 conditions without registry data, and unverified rules.
    book = load_rules()
    for c, result in zip(p.communes, p.commune_results, strict=True):
        for std in result["standards"]:
            for cond in std.get("conditions", []):
                if cond.get("passed") is None:
                    label = CONDITION_LABELS.get(cond["id"], cond["id"])
                    add(Item("Điều kiện bảo đảm (TT 07/2016)", f"{c.name}: {label}",
                             "TT 07/2016/TT-BGDĐT", "", MISSING,
                             "chưa có dữ liệu trường lớp (sổ đăng bộ) để tính điều kiện này"))
    for std in p.evaluation["standards"]:
        for row in std["criteria"]:
            if row.get("unverified"):
                add(Item("Quy tắc chưa đối chiếu văn bản", criterion_label(row, p, book),
                         "", REPORT, NOTE, "ngưỡng lấy theo nguồn thứ ba, chưa đối chiếu "
                         "nguyên văn; đã ghi rõ trong báo cáo"))
    if kind != "commune":
        for child in p.evaluation.get("children", []):
            if not child.get("has_data"):
                add(Item("Số liệu đơn vị cấp dưới", child["unit"]["name"], "", "", MISSING,
                         f"chưa có dữ liệu điều tra năm {p.year}"))
    return items


def criterion_label(row: dict[str, Any], p: Plan, book: Any) -> str:
    """The criterion's Vietnamese label as the board shows it (pcgd.compliance.pages)."""
    from pcgd.compliance.pages import _commune_row, _share_row

    if p.unit.kind == "commune":
        view = _commune_row(row, book, bool(p.evaluation["dbkk"]))
    else:
        tier = "district" if p.unit.kind == "district" else "province"
        view = _share_row(row, book, p.year, tier)
    return f"{view['label']} (mức độ {row['level']})"


# --- building the .zip ------------------------------------------------------------------------


def _compression(name: str) -> int:
    """Office files and PNGs are compressed already: stored as they are (deflating them again
    costs CPU for nothing); anything else is deflated."""
    packed = name.lower().endswith((".xlsx", ".docx", ".png"))
    return zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED


class _Zip:
    """Members are written one at a time from files on disk; the SHA-256 is read back in blocks."""

    def __init__(self, target: Path) -> None:
        self.zf = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self.manifest: list[dict[str, str]] = []
        self.lock = threading.Lock()  # parts are written from several worker threads

    def add_file(self, arcname: str, source: Path) -> None:
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        with self.lock:
            self.zf.write(source, arcname, compress_type=_compression(arcname))
            self.manifest.append({"path": arcname, "sha256": digest.hexdigest()})

    def add_bytes(self, arcname: str, content: bytes) -> None:
        digest = hashlib.sha256(content).hexdigest()
        with self.lock:
            self.zf.writestr(arcname, content, compress_type=_compression(arcname))
            self.manifest.append({"path": arcname, "sha256": digest})

    def close(self) -> None:
        self.manifest.sort(key=lambda m: m["path"])
        with self.lock:
            self.zf.writestr(MANIFEST, json.dumps(self.manifest, ensure_ascii=False, indent=1))
            self.zf.close()


def steps(p: Plan) -> int:
    """The progress bar's total: one step per part."""
    return 5 + len(p.lower) + len(STANDARDS_MAPPED) + len(p.communes)


async def build(p: Plan, target: Path, progress: Progress | None = None, *,
                jobs: int | None = None) -> Built:
    """Write the whole dossier into `target` (.zip). With `jobs` > 1 (default
    `default_jobs()`), the units' form sets and the communes' tracking books are written by that
    many worker processes (`pcgd.dossier.workers`) while this process does the rest."""
    from pcgd.dossier import documents, workers

    total = steps(p)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, label)

    work = Path(tempfile.mkdtemp(prefix="pcgd-dossier-"))
    out = _Zip(target)

    async def documents_part() -> None:
        maps: dict[str, bytes] = {}
        for std in STANDARDS_MAPPED:
            png = await map_png(p, std)
            if png:
                maps[std] = png
                await asyncio.to_thread(out.add_bytes, f"{MAPS_DIR}/{std}.png", png)
            tick(f"bản đồ {MAP_TITLES[std]}")
        report = await asyncio.to_thread(documents.report_docx, p, maps)
        await asyncio.to_thread(out.add_bytes, REPORT, report)
        tick("báo cáo")
        minutes = await asyncio.to_thread(documents.minutes_docx, p)
        await asyncio.to_thread(out.add_bytes, minutes_name(p), minutes)
        tick("biên bản")
        if p.unit.kind != "commune":
            content = await asyncio.to_thread(documents.decisions_xlsx, p)
            await asyncio.to_thread(out.add_bytes, DECISIONS, content)
        tick("quyết định công nhận")

    with_phieu = p.unit.kind == "commune"
    jobs = default_jobs() if jobs is None else jobs
    jobs = min(jobs, len(p.lower) + len(p.communes))

    async def forms_part() -> None:
        for u in [p.unit, *p.lower]:
            paths = await workers.write_forms(u, p.year, work / "forms" / u.code)
            await _zipped(out, paths, f"{FORMS_DIR}/{p.folder(u)}")
            tick(f"biểu thống kê {u.name}")

    async def lists_part() -> None:
        await _name_lists(p, work, out)
        for c in p.communes:
            paths = await workers.write_books(c, p.year, work / "lists" / c.code, with_phieu)
            await _zipped(out, paths, f"{LISTS_DIR}/{p.folder(c)}")
            tick(f"danh sách, sổ theo dõi {c.name}")

    async def pooled_part() -> None:
        loop = asyncio.get_running_loop()
        executor = workers.pool(jobs)

        async def run(label: str, base: str, job: Callable[..., list[str]], *args: Any) -> None:
            paths = await loop.run_in_executor(executor, job, *args)
            await _zipped(out, [Path(x) for x in paths], base)
            tick(label)

        try:
            await asyncio.gather(
                _name_lists(p, work, out),
                *(run(f"biểu thống kê {u.name}", f"{FORMS_DIR}/{p.folder(u)}",
                      workers.forms_job, u, p.year, str(work / "forms" / u.code))
                  for u in [p.unit, *p.lower]),
                *(run(f"danh sách, sổ theo dõi {c.name}", f"{LISTS_DIR}/{p.folder(c)}",
                      workers.books_job, c, p.year, str(work / "lists" / c.code), with_phieu)
                  for c in p.communes))
        finally:  # in a thread: joining the workers must not hold up a server's event loop
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    try:
        # Independent parts at once: while one waits on PostgreSQL (lists, counts) the others
        # use the CPU (forms, maps, Word); the .zip takes one member at a time.
        if jobs > 1:
            await asyncio.gather(documents_part(), pooled_part())
        else:
            await asyncio.gather(documents_part(), forms_part(), lists_part())
        items = checklist(p)
        content = await asyncio.to_thread(documents.checklist_xlsx, p, items)
        await asyncio.to_thread(out.add_bytes, CHECKLIST, content)
        tick("danh mục hồ sơ")
        await asyncio.to_thread(out.close)
        return Built(target, out.manifest, items)
    except BaseException:
        out.zf.close()
        await asyncio.to_thread(target.unlink, missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def default_jobs() -> int:
    """Worker processes for a dossier's workbooks: PCGD_DOSSIER_JOBS (default 2, 1 on one core).
    Measured in docs/dossier.md: on 2 shared cores, 89 s before and 40 s with two workers for
    a province of 1M persons, run back to back."""
    from pcgd.settings import get_settings

    return get_settings().dossier_jobs


async def _zipped(out: _Zip, paths: list[Path], base: str) -> None:
    """Add written workbooks to the .zip under `base`, deleting each once added."""
    for path in paths:
        await asyncio.to_thread(out.add_file, f"{base}/{path.name}", path)
        await asyncio.to_thread(path.unlink)


LIST_BATCH = 16  # communes whose list rows are read in one query (a few thousand rows at 1M)


async def _name_lists(p: Plan, work: Path, out: _Zip) -> None:
    """Every commune's name lists, each list read in one query per batch of communes (36
    queries instead of 552 at 92 communes, while the rows held stay those of one batch), each
    commune's written to disk in xlsxwriter's constant-memory mode, then zipped."""
    from reports import lists

    batches = [p.communes[i:i + LIST_BATCH] for i in range(0, len(p.communes), LIST_BATCH)]
    for spec, batch in ((spec, batch) for spec in lists.SPECS for batch in batches):
        for commune, _rows, form in await lists.lists_by_commune(batch, p.year, spec):
            folder = work / "lists" / commune.code
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{spec.code}.xlsx"
            await _written(out, form, folder / name, f"{LISTS_DIR}/{p.folder(commune)}/{name}")


def write_workbook(form: Any, path: Path) -> None:
    """One form as .xlsx (name lists stream their rows: constant memory)."""
    from reports.xlsx import write_form

    write_form(form, path)


async def _written(out: _Zip, form: Any, path: Path, arcname: str) -> None:
    """Write to a temporary file, add it to the .zip, delete it."""
    await asyncio.to_thread(write_workbook, form, path)
    await asyncio.to_thread(out.add_file, arcname, path)
    await asyncio.to_thread(path.unlink)


async def map_png(p: Plan, std: str) -> bytes | None:
    """The map of the standard's recognised levels (geo): the lower units of a district or
    province; for a commune, the communes of the area it belongs to."""
    from geo import classes
    from geo import service as geo

    if p.unit.kind == "commune":
        area = p.chain[0] if p.chain else None
        if area is None:
            return None
        code, communes = area.code, True
    else:
        code, communes = p.unit.code, p.unit.kind == "province" and p.tier == 2
    data = await geo.build_map(code, p.year, classes.Selection(std), communes=communes)
    return await geo.render(data, "png", scale=1.2)
