"""The load generator's side of bench/load.py: a lean HTTP/1.1 client and synthetic households.

Raw asyncio streams with keep-alive instead of httpx: ~50 µs of client CPU per request, so 200
clients on the same 2-core machine do not become the bottleneck they measure.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
from typing import Any

HAMLETS = ("Thôn 1", "Thôn 2", "Thôn 3", "Tổ dân phố 4")

# --- a small HTTP/1.1 client ----------------------------------------------------------------------


class Http:
    """One keep-alive connection; cookies from Set-Cookie are sent back on every request."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
            self.writer = None

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            await self._open()
        assert self.reader is not None and self.writer is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                "Accept: application/json"]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, close = 0, False, False
        for line in lines[1:]:
            if not line:
                continue
            k, _, v = line.partition(":")
            k, v = k.strip().lower(), v.strip()
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
            elif k == "connection" and v.lower() == "close":
                close = True
            elif k == "set-cookie":
                pair = v.split(";", 1)[0]
                name, _, value = pair.partition("=")
                if value and "max-age=0" not in v.lower():
                    self.cookies[name.strip()] = value.strip()
                else:
                    self.cookies.pop(name.strip(), None)
        if chunked:
            data = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                data += await self.reader.readexactly(size + 2)
                del data[-2:]
            payload = bytes(data)
        else:
            payload = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, payload


# --- synthetic households -----------------------------------------------------------------------

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Hữu", "Thanh", "Gia", "Quốc")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Khánh",
         "Lan", "Linh", "Long", "Mai", "Nam", "Ngân", "Phúc", "Quân", "Sơn", "Tâm", "Thảo",
         "Trang", "Tuấn", "Vy", "Yến")


def _name(rnd: random.Random, surname: str, serial: int) -> str:
    # The serial keeps names unique inside a household (the same name and birth date is an error).
    return f"{surname} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)} {serial}"


def _child(rnd: random.Random, surname: str, serial: int, year: int) -> dict[str, Any]:
    age = rnd.randint(1, 17)
    born = year - age
    m: dict[str, Any] = {
        "full_name": _name(rnd, surname, serial), "sex": rnd.choice("MF"), "relation": "con",
        "birth_date": dt.date(born, rnd.randint(1, 12), rnd.randint(1, 28)).isoformat(),
    }
    if 3 <= age <= 5:
        m.update(enrolled_level="MN", enrolled_grade=str(age))
    elif 6 <= age <= 17:
        grade = age - 5
        level = "TH" if grade <= 5 else "THCS" if grade <= 9 else "THPT"
        m.update(enrolled_level=level, enrolled_grade=str(grade))
        if grade >= 6:
            m["th_completed_year"] = born + 11
        if grade >= 10:
            m["thcs_graduated_year"] = born + 15
    return m


def new_household(rnd: random.Random, code: str, year: int) -> dict[str, Any]:
    surname = rnd.choice(SURNAMES)
    head_born = year - rnd.randint(30, 60)
    members: list[dict[str, Any]] = [
        {"full_name": _name(rnd, surname, 1), "sex": "M", "relation": "chu_ho",
         "birth_date": dt.date(head_born, rnd.randint(1, 12), rnd.randint(1, 28)).isoformat(),
         "th_completed_year": head_born + 11, "thcs_graduated_year": head_born + 15},
        {"full_name": _name(rnd, rnd.choice(SURNAMES), 2), "sex": "F", "relation": "vợ",
         "birth_date": str(head_born + rnd.randint(-3, 5)), "th_completed_year": head_born + 13},
    ]
    for serial in range(3, 3 + rnd.randint(1, 3)):
        members.append(_child(rnd, surname, serial, year))
    return {"household_code": code, "hamlet": rnd.choice(HAMLETS),
            "address": f"Số {rnd.randint(1, 300)} đường {rnd.randint(1, 40)}", "members": members}


def changed_household(rnd: random.Random, saved: dict[str, Any]) -> dict[str, Any]:
    """What a user sends back after editing: new address, one member renamed, another's ethnicity
    corrected (a counted field, so the indicator counts change too), same people."""
    members = []
    for m in saved["members"]:
        m = {k: v for k, v in m.items() if k != "person_year_id"}
        members.append(m)
    target = rnd.randrange(len(members))
    members[target]["full_name"] = members[target]["full_name"].rsplit(" ", 1)[0] + (
        f" {rnd.randint(100, 999)}"
    )
    other = members[rnd.randrange(len(members))]
    other["ethnicity"] = "" if other["ethnicity"] else "Tày"
    return {"household_code": saved["household_code"], "hamlet": saved["hamlet"],
            "address": f"Số {rnd.randint(1, 300)} ngõ {rnd.randint(1, 40)}",
            "members": members, "version": saved["version"]}


