"""Printing many pages with one headless Chromium, driven over its DevTools protocol.

Starting the browser once for all pages instead of once per page saves its start-up
(seconds on a busy machine) for every page. Playwright drives the Chromium found on
PATH; it downloads nothing. Each page is printed exactly as ``chromium --headless
--print-to-pdf --virtual-time-budget`` prints it (same paper, margins, tags; the same
bytes once :func:`needs_analysis.publish.pdf_files.make_reproducible` has run): the page loads, gets
the same virtual time to finish drawing, then prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from needs_analysis.publish.pdf_files import PdfError, make_reproducible
from needs_analysis.publish.plotly_js import plotly_script

# The browser's own print margin when a page states none (its --print-to-pdf default).
DEFAULT_MARGIN = "0.4in"
# The flags the per-page command uses that concern a browser run in a container.
LAUNCH_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
# A print that fails now and then on a busy machine ("Printing failed") is tried again.
PRINT_ATTEMPTS = 2


class BrowserUnavailable(Exception):
    """Playwright is missing or could not start the browser; print page by page instead."""


def print_pages(
    pages: Sequence[Path], browser: Path, workers: int, settle_ms: int, timeout_s: float
) -> list[Path]:
    """A PDF beside each page (same name, .pdf), ``workers`` pages at a time in one browser.

    Runs in a thread of its own, so that it works from inside a running event loop too
    (a notebook). Raises :class:`BrowserUnavailable` before printing anything when the
    browser cannot be driven, and ``PdfError`` when a page does not print.
    """
    job = _print_all(list(pages), browser, max(1, workers), settle_ms, timeout_s)
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(asyncio.run, job).result()


async def _print_all(
    pages: list[Path], browser: Path, workers: int, settle_ms: int, timeout_s: float
) -> list[Path]:
    try:
        from playwright.async_api import Error, async_playwright
    except ImportError as error:
        raise BrowserUnavailable(str(error)) from None
    async with async_playwright() as playwright:
        try:
            chromium = await playwright.chromium.launch(
                executable_path=str(browser), args=list(LAUNCH_ARGS), timeout=timeout_s * 1000
            )
        except Error as error:
            raise BrowserUnavailable(str(error)) from None
        try:
            context = await chromium.new_context()
            context.set_default_timeout(timeout_s * 1000)
            queue: asyncio.Queue[tuple[int, Path]] = asyncio.Queue()
            for item in enumerate(pages):
                queue.put_nowait(item)
            printed: list[Path | None] = [None] * len(pages)

            async def worker() -> None:
                tab = _Tab(context, settle_ms)
                try:
                    while not queue.empty():
                        index, page = queue.get_nowait()
                        printed[index] = await tab.print(page, timeout_s)
                finally:
                    await tab.close()

            await asyncio.gather(*(worker() for _ in range(min(workers, len(pages)))))
            return [path for path in printed if path is not None]
        finally:
            await chromium.close()


class _Tab:
    """One browser tab that prints pages one after another.

    A page that carries plotly.js (as every page with charts does, see
    :func:`needs_analysis.publish.plotly_js.inline_plotly`) is written into the tab's document
    with the library already loaded there, instead of loading and starting the library
    again (most of a page's printing time). The library's own style sheets, which it adds
    to the document when it starts, are added at the same place instead, and what the
    previous page's scripts left on the window is removed. The printed bytes are those of
    the page loaded on its own; tests/test_pdf_browser.py compares them. Any other page
    is loaded on its own (:func:`uses_loaded_library`).
    """

    def __init__(self, context, settle_ms: int):
        self.context = context
        self.settle_ms = settle_ms
        self.page = None
        self.has_library = False

    async def print(self, html: Path, timeout_s: float) -> Path:
        from playwright.async_api import Error

        pdf = html.with_suffix(".pdf")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, PRINT_ATTEMPTS + 1):
            try:
                data = await asyncio.wait_for(self._load_and_print(html), timeout_s)
                break
            except TimeoutError:
                raise PdfError(
                    f"{html.name} の PDF 化が{timeout_s:.0f}秒で終わりませんでした。"
                ) from None
            except Error as error:
                await self.close()  # the next try starts from a fresh tab
                if attempt == PRINT_ATTEMPTS:
                    detail = str(error).strip().splitlines()[0]
                    raise PdfError(f"{html.name} を PDF にできませんでした（{detail}）。") from None
        pdf.write_bytes(data)
        return make_reproducible(pdf)

    async def _load_and_print(self, html: Path) -> bytes:
        if self.page is None:
            self.page = await self.context.new_page()
            self.has_library = False
        text = html.read_text(encoding="utf-8") if html.is_file() else ""
        library = _library_script()
        if uses_loaded_library(text):
            if not self.has_library:
                await self.page.set_content(_HOST.replace("LIBRARY", library), wait_until="load")
                await self.page.evaluate(_KEEP_STYLES)
                self.has_library = True
            await self.page.evaluate(_FORGET_PAGE)
            await self.page.set_content(text.replace(library, _ADD_STYLES, 1), wait_until="load")
        else:
            await self.page.goto(html.resolve().as_uri(), wait_until="load")
            self.has_library = False
        return await _settle_and_print(self.page, self.settle_ms)

    async def close(self) -> None:
        page, self.page = self.page, None
        if page is not None:
            await page.close()


def uses_loaded_library(page: str) -> bool:
    """Whether a page (its HTML) is printed with the tab's already started plotly.js: a
    report page that carries the library and hides the charts' mode bar (its drawing is
    the one thing that comes out differently there)."""
    return _HIDDEN_MODE_BAR in page and _library_script() in page


_HIDDEN_MODE_BAR = ".modebar-container { display: none !important; }"
_HOST = '<html><head><meta charset="utf-8"></head><body>LIBRARY</body></html>'
# The style sheets plotly.js adds to the document when it starts, as text.
_KEEP_STYLES = """() => { window.__naLibraryStyles = Array.from(document.head.querySelectorAll(
  'style'), s => [s.id, Array.from(s.sheet.cssRules, r => r.cssText).join('\\n')]);
  window.__naHostKeys = [...Object.keys(window), '__naHostKeys']; }"""
# What the previous page's scripts left on the window goes before the next page is written.
_FORGET_PAGE = """() => { for (const key of Object.keys(window)) {
  if (!window.__naHostKeys.includes(key)) { try { delete window[key]; } catch (e) {} } } }"""
# Where the library was in the page: add its style sheets as starting it would.
_ADD_STYLES = (
    "<script>for (const [id, css] of window.__naLibraryStyles) {"
    " const s = document.createElement('style'); s.id = id; s.textContent = css;"
    " document.head.appendChild(s); }</script>"
)


def _library_script() -> str:
    """plotly.js as the pages carry it inline."""
    return plotly_script()


async def _settle_and_print(page, settle_ms: int) -> bytes:
    """Let virtual time run ``settle_ms`` (timers fire at once), then print."""
    session = await page.context.new_cdp_session(page)
    try:
        expired = asyncio.get_running_loop().create_future()
        session.on(
            "Emulation.virtualTimeBudgetExpired",
            lambda _: expired.done() or expired.set_result(None),
        )
        await session.send(
            "Emulation.setVirtualTimePolicy",
            {"policy": "pauseIfNetworkFetchesPending", "budget": settle_ms},
        )
        await expired
        # Printing with virtual time still paused fails now and then; let it run again.
        await session.send("Emulation.setVirtualTimePolicy", {"policy": "advance"})
    finally:
        await session.detach()
    margin = dict.fromkeys(("top", "right", "bottom", "left"), DEFAULT_MARGIN)
    return await page.pdf(
        prefer_css_page_size=True, print_background=True, tagged=True, margin=margin
    )
