"""Printing many pages with one headless Chromium, driven over its DevTools protocol.

Starting the browser once for all pages instead of once per page saves its start-up
(seconds on a busy machine) for every page. Playwright drives the Chromium found on
PATH; it downloads nothing. Each page is printed exactly as ``chromium --headless
--print-to-pdf --virtual-time-budget`` prints it (same paper, margins, tags; the same
bytes once :func:`needs_analysis.pdf.make_reproducible` has run): the page loads, gets
the same virtual time to finish drawing, then prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
            slots = asyncio.Semaphore(workers)

            async def one(page: Path) -> Path:
                async with slots:
                    return await _print_page(context, page, settle_ms, timeout_s)

            return list(await asyncio.gather(*(one(page) for page in pages)))
        finally:
            await chromium.close()


async def _print_page(context, html: Path, settle_ms: int, timeout_s: float) -> Path:
    from playwright.async_api import Error

    from needs_analysis.pdf import PdfError, make_reproducible

    pdf = html.with_suffix(".pdf")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, PRINT_ATTEMPTS + 1):
        page = await context.new_page()
        try:
            data = await asyncio.wait_for(_load_and_print(page, html, settle_ms), timeout_s)
            break
        except TimeoutError:
            raise PdfError(
                f"{html.name} の PDF 化が{timeout_s:.0f}秒で終わりませんでした。"
            ) from None
        except Error as error:
            if attempt == PRINT_ATTEMPTS:
                detail = str(error).strip().splitlines()[0]
                raise PdfError(f"{html.name} を PDF にできませんでした（{detail}）。") from None
        finally:
            await page.close()
    pdf.write_bytes(data)
    return make_reproducible(pdf)


async def _load_and_print(page, html: Path, settle_ms: int) -> bytes:
    """Load, let virtual time run ``settle_ms`` (timers fire at once), then print."""
    await page.goto(html.resolve().as_uri(), wait_until="load")
    session = await page.context.new_cdp_session(page)
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
    margin = dict.fromkeys(("top", "right", "bottom", "left"), DEFAULT_MARGIN)
    return await page.pdf(
        prefer_css_page_size=True, print_background=True, tagged=True, margin=margin
    )
