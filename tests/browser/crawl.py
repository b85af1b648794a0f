"""A new user's first hour, as a crawler: log in, start from `/`, follow the links.

Used by `test_crawl.py`. One browser context (one session) per account. Every link of the
navigation and of the home page is visited (level 1); the links found there are visited too
(level 2), deduplicated by route shape so a list of 60 provinces costs a few pages, not 60.
Each page is checked for a 4xx/5xx answer and for English, raw keys, raw floats or ISO dates in
its visible text. The first page of each route shape is rendered in Chromium (JavaScript errors,
failed scripts, styles or favicon); later pages of a shape already rendered are fetched in the
same session without rendering, which keeps the walk of ~20 accounts within seconds per account.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

# Text a Vietnamese page must never show: English error strings and raw machine keys.
ENGLISH = re.compile(
    r"internal error|outside your units|not found|login required|role not allowed|unknown unit"
    r"|cannot detect|traceback|exception|server error|bad request|forbidden|not allowed"
    r"|validation failed|unknown field|expected `|no data for|have no data|survey year \d"
    r"|\bpasses\b|\bis empty\b|\bnone\b|\btrue\b|\bfalse\b",
    re.IGNORECASE,
)
RAW_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:\.[a-z0-9]+)*_[a-z0-9_]+\b")
# 0.86 or 10.0: a dot then 1–2 or 4+ digits is never a Vietnamese number (1.023 is one thousand).
RAW_FLOAT = re.compile(r"(?<![\d.,])\d+\.(?:\d{1,2}|\d{4,})(?![\d.])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

PER_SHAPE = 1  # level-2 pages of one route shape visited per account
MAX_LEVEL2 = 40  # level-2 pages per account at most

_PAGE_JS = """() => {
  const b = document.body.cloneNode(true);
  b.querySelectorAll('code, script, style, template, [hidden]').forEach(e => e.remove());
  return {text: b.innerText, links: Array.from(document.querySelectorAll('a[href]')).map(a => ({
    // an <a> inside an SVG map has an SVGAnimatedString href: resolve its text
    href: typeof a.href === 'string' ? a.href
      : new URL(a.getAttribute('href'), document.baseURI).href,
    raw: a.getAttribute('href'), download: a.hasAttribute('download'),
    nav: !!a.closest('header'), empty: a.hasAttribute('data-empty')}))};
}"""


class _Page(HTMLParser):
    """Visible text and links of an HTML page, the way `_PAGE_JS` reads them in the browser."""

    _SKIP = {"code", "script", "style", "template", "head", "title"}
    _VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "source", "track", "wbr"}

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.text: list[str] = []
        self.links: list[dict[str, Any]] = []
        self._stack: list[tuple[str, bool, bool]] = []  # tag, hidden, in header

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = (self._stack[-1][1] if self._stack else False) or tag in self._SKIP \
            or "hidden" in values
        header = (self._stack[-1][2] if self._stack else False) or tag == "header"
        if tag == "a" and values.get("href"):
            raw = values["href"] or ""
            self.links.append({"href": urljoin(self.base, raw), "raw": raw,
                               "download": "download" in values, "nav": header,
                               "empty": "data-empty" in values})
        if tag not in self._VOID:
            self._stack.append((tag, hidden, header))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not (self._stack and self._stack[-1][1]):
            self.text.append(data)


@dataclass
class Visit:
    url: str
    status: int
    level: int
    source: str  # the page the link was on
    rendered: bool
    problems: list[str] = field(default_factory=list)
    final: str = ""  # where redirects ended


@dataclass
class CrawlResult:
    account: str
    visits: list[Visit] = field(default_factory=list)
    downloads: dict[str, int] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)  # action → the URL it was done on
    problems: list[str] = field(default_factory=list)
    seconds: Counter[str] = field(default_factory=Counter)  # wall time per kind of step

    @property
    def failures(self) -> list[str]:
        out = list(self.problems)
        for v in self.visits:
            out += [f"{v.url} (from {v.source}): {p}" for p in v.problems]
        return out


def shape(url: str) -> str:
    """A route's shape: ids and codes become `#`, query values dropped (keys kept)."""
    parts = urlsplit(url)
    path = re.sub(r"/[^/]*\d[^/]*", "/#", parts.path)
    keys = sorted({k for k, _ in parse_qsl(parts.query) if k not in ("year",)})
    return path + ("?" + "&".join(keys) if keys else "")


def page_url(url: str) -> str:
    """Without the fragment; query kept in a stable order."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


def text_problems(text: str) -> list[str]:
    found = []
    for name, pattern in (("English", ENGLISH), ("raw key", RAW_KEY), ("raw number", RAW_FLOAT),
                          ("ISO date", ISO_DATE)):
        hits = sorted({m.group(0) for m in pattern.finditer(text)})
        if hits:
            found.append(f"{name}: {', '.join(hits[:5])}")
    return found


@dataclass
class Shared:
    """What the walks of all accounts share: formats downloaded, one save at a time, the roles
    that already saved a household unchanged."""

    downloads: set[str] = field(default_factory=set)
    save_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    saved_by: set[str] = field(default_factory=set)


class Crawler:
    """One account's walk in its own browser context."""

    def __init__(self, browser: Any, base: str, account: dict[str, Any],
                 rendered_shapes: set[str] | None = None, shared: Shared | None = None) -> None:
        self.browser = browser
        self.base = base
        self.account = account
        self.result = CrawlResult(account["username"])
        self.seen: set[str] = set()
        self.links: dict[str, list[dict[str, Any]]] = {}
        self.rendered_shapes = rendered_shapes if rendered_shapes is not None else set()
        self.downloaded_shapes: set[str] = set() if shared is None else shared.downloads
        self.save_lock = asyncio.Lock() if shared is None else shared.save_lock
        self.context: Any = None
        self.page: Any = None
        self._errors: list[str] = []
        self._landed: int | None = None  # status of the page the login form led to

    async def __aenter__(self) -> Crawler:
        self.context = await self.browser.new_context(locale="vi-VN")
        self.page = await self.context.new_page()
        self.page.on("pageerror", lambda exc: self._errors.append(f"JS error: {exc}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.context.close()

    def _console(self, msg: Any) -> None:
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self._errors.append(f"console error: {msg.text[:200]}")

    def _response(self, response: Any) -> None:
        req = response.request
        if response.status >= 400 and req.resource_type != "document" and (
            req.resource_type != "fetch" or response.status >= 500
        ):
            self._errors.append(f"{req.resource_type} {response.url} answered {response.status}")

    # --- steps ----------------------------------------------------------------------------------

    @contextmanager
    def _clock(self, kind: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.result.seconds[kind] += time.perf_counter() - start

    async def login(self) -> None:
        """Open `/` with no query string, land on the login form, log in, come back to `/`."""
        with self._clock("login"):
            await self._login()

    async def _login(self) -> None:
        page = self.page
        await page.goto(self.base + "/")
        if "/login" not in page.url:
            self.result.problems.append(f"/ without a session went to {page.url}, not /login")
            await page.goto(self.base + "/login")
        await page.fill("input[name=username]", self.account["username"])
        await page.fill("input[name=password]", self.account["password"])
        async with page.expect_navigation() as navigation:
            await page.click("button[type=submit]")
        response = await navigation.value
        self._landed = response.status if response else 0
        if page_url(page.url) != self.base + "/":
            self.result.problems.append(f"after login: {page.url}, not /")
        self.result.problems += [f"login: {e}" for e in self._errors]

    async def visit(self, url: str, level: int, source: str, *, render: bool = False) -> Visit:
        """Open a page: rendered when its shape is new (or asked), else fetched."""
        self.seen.add(url)
        key = shape(url)
        render = render or key not in self.rendered_shapes
        visit = await (self._render(url, level, source) if render
                       else self._fetch(url, level, source))
        if render and visit.status == 200:
            self.rendered_shapes.add(key)
        self.result.visits.append(visit)
        return visit

    async def _render(self, url: str, level: int, source: str) -> Visit:
        with self._clock("render"):
            return await self._render_page(url, level, source)

    async def _render_page(self, url: str, level: int, source: str) -> Visit:
        self._errors = []
        try:
            if page_url(self.page.url) == url and self._landed is not None:
                status, self._landed = self._landed, None  # already here (after the login)
            else:
                response = await self.page.goto(url, wait_until="load")
                status = response.status if response else 0
            final = page_url(self.page.url)
            self.seen.add(final)
            found = await self.page.evaluate(_PAGE_JS)
        except Exception as exc:  # a crash of the page is a finding, not a test error
            return Visit(url, 0, level, source, True, [f"navigation failed: {exc}"])
        visit = Visit(url, status, level, source, True, self._status_problems(status), final)
        visit.problems += text_problems(found["text"]) + self._errors
        self.links[url] = found["links"]
        return visit

    async def _fetch(self, url: str, level: int, source: str) -> Visit:
        with self._clock("fetch"):
            return await self._fetch_page(url, level, source)

    async def _fetch_page(self, url: str, level: int, source: str) -> Visit:
        answer = await self.context.request.get(url, headers={"accept": "text/html"})
        body = await answer.text()
        final = page_url(answer.url)
        self.seen.add(final)
        visit = Visit(url, answer.status, level, source, False,
                      self._status_problems(answer.status), final)
        parsed = _Page(final)
        parsed.feed(body)
        visit.problems += text_problems(" ".join(parsed.text))
        self.links[url] = parsed.links
        return visit

    @staticmethod
    def _status_problems(status: int) -> list[str]:
        if status >= 500:
            return [f"answered {status}"]
        if status >= 400 or status == 0:
            return [f"link leads to {status}"]
        return []

    async def download(self, url: str, source: str, *, always: bool = False) -> None:
        """Fetch a file link: once per format in the whole walk unless `always`."""
        key = shape(url)
        if url in self.result.downloads or (key in self.downloaded_shapes and not always):
            return
        self.downloaded_shapes.add(key)
        with self._clock("download"):
            answer = await self.context.request.get(url)
        self.result.downloads[url] = answer.status
        ctype = answer.headers.get("content-type", "")
        if answer.status != 200 or "text/html" in ctype:
            self.result.problems.append(f"download {url} (from {source}): {answer.status} {ctype}")

    def outgoing(self, url: str) -> list[tuple[str, bool]]:
        """Same-site links of a visited page: (address, is a download)."""
        out = []
        for link in self.links.get(url, []):
            raw = link["raw"] or ""
            if raw.startswith(("#", "javascript:", "mailto:")):
                continue
            if not link["href"].startswith(self.base + "/"):
                continue
            target = page_url(link["href"])
            if urlsplit(target).path == "/logout":
                continue
            out.append((target, bool(link["download"])))
        return out

    async def crawl(self) -> CrawlResult:
        home = self.base + "/"
        await self.login()
        await self.visit(home, 0, "login", render=True)
        level1: list[str] = []
        for target, download in self.outgoing(home):
            if download:
                await self.download(target, home)
            elif target not in self.seen and target not in level1:
                level1.append(target)
        for url in level1:
            if url not in self.seen:
                await self.visit(url, 1, home)
        per_shape: Counter[str] = Counter(shape(u) for u in self.seen)
        level2 = 0
        for source in [home, *level1]:
            for target, download in self.outgoing(source):
                if download:
                    await self.download(target, source)
                    continue
                if target in self.seen:
                    continue
                key = shape(target)
                if per_shape[key] >= PER_SHAPE or level2 >= MAX_LEVEL2:
                    continue
                per_shape[key] += 1
                level2 += 1
                await self.visit(target, 2, source)
        return self.result

    # --- main actions ---------------------------------------------------------------------------

    def first_seen(self, pattern: str) -> str | None:
        """The first visited page, or link on a visited page, whose path matches."""
        rx = re.compile(pattern)
        for v in self.result.visits:
            if rx.search(urlsplit(v.final or v.url).path) and v.status == 200:
                return v.final or v.url
        for url in list(self.links):
            for target, _ in self.outgoing(url):
                if rx.search(urlsplit(target).path):
                    return target
        return None

    async def save_household_unchanged(self, url: str) -> None:
        """Open a household in the browser and save it as it is: a new version, no error.

        One save at a time across accounts: two accounts saving the same household at once
        would (rightly) get a 409."""
        async with self.save_lock:
            with self._clock("save"):
                await self._save_unchanged(url)

    async def _save_unchanged(self, url: str) -> None:
        self._errors = []
        await self.page.goto(url)
        await self.page.wait_for_selector("#members tr.member")
        await self.page.click("#save")
        try:
            await self.page.wait_for_function(
                "(t => t !== '' && !t.startsWith('Đang lưu'))"
                "(document.getElementById('save-status').textContent)",
                timeout=15_000,
            )
        except Exception:
            pass
        text = await self.page.locator("#save-status").text_content() or ""
        if not text.startswith("Đã lưu"):
            self.result.problems.append(f"saving {url} unchanged: {text!r}")
        self.result.problems += [f"saving {url}: {e}" for e in self._errors]
        self.result.actions["save household"] = url

    def boards(self) -> list[str]:
        """Visited board pages, areas (provinces, districts) first."""
        found = [v.final or v.url for v in self.result.visits
                 if re.search(r"^/units/[^/]+/board$", urlsplit(v.final or v.url).path)
                 and v.status == 200]
        return sorted(found, key=lambda u: len(urlsplit(u).path))  # short codes: areas

    def all_seen(self, pattern: str) -> list[str]:
        """Every visited page, then every link on a visited page, whose path matches."""
        rx = re.compile(pattern)
        out = [v.final or v.url for v in self.result.visits
               if v.status == 200 and rx.search(urlsplit(v.final or v.url).path)]
        for url in list(self.links):
            empty = {page_url(link["href"]) for link in self.links[url] if link.get("empty")}
            out += [t for t, _ in self.outgoing(url)
                    if rx.search(urlsplit(t).path) and t not in empty]  # units without data
        return list(dict.fromkeys(out))

    async def reach(self, steps: list[str], tries: int = 4) -> str | None:
        """Follow links page by page (the first link matching each pattern in turn), trying a
        few starting points: a lower unit may have no households yet."""
        for start in self.all_seen(steps[0])[:tries]:
            current: str | None = start
            for pattern in steps[1:]:
                if current is None:
                    break
                if current not in self.links:
                    await self.visit(current, 3, "action")
                rx = re.compile(pattern)
                current = next(
                    (t for t, _ in self.outgoing(current) if rx.search(urlsplit(t).path)), None)
            if current is not None:
                return current
        return None

    async def drill_down(self) -> None:
        """From an area's board, open its first lower unit's board by clicking its name."""
        for board in self.boards()[:3]:
            await self.page.goto(board)
            link = self.page.locator("#children a").first
            if await link.count() == 0:
                continue
            self._errors = []
            async with self.page.expect_navigation() as navigation:
                await link.click()
            response = await navigation.value
            target = page_url(self.page.url)
            found = await self.page.evaluate(_PAGE_JS)
            problems = self._status_problems(response.status if response else 0)
            problems += text_problems(found["text"]) + self._errors
            self.result.problems += [f"drill down to {target}: {p}" for p in problems]
            self.result.actions["drill down"] = target
            return
