"""plotly.js as the plotly package ships it: every page carries it, so none needs a network.

Pages made from notebooks refer to the library by a ``<script src>``; :func:`inline_plotly`
puts the library itself in its place, so a page copied or e-mailed on its own still draws.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# A chart's reference to plotly.js (a local plotly.min.js or the CDN copy): the HTML page
# carries the library itself, once, so that it opens on its own and offline.
_PLOTLY_SCRIPT = re.compile(r'<script[^>]*src="[^"]*plotly[^"/]*\.js"[^>]*>\s*</script>')


def plotly_js_source() -> Path:
    """plotly.min.js as shipped inside the plotly package (no network needed)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@lru_cache(maxsize=1)
def _plotly_library() -> str:
    return plotly_js_source().read_text(encoding="utf-8")


def plotly_script() -> str:
    """The script element that carries plotly.js inside a page."""
    return f'<script type="text/javascript">{_plotly_library()}</script>'


def inline_plotly(html: str) -> str:
    """Replace the first reference to plotly.js by the library itself and drop the others."""
    first = _PLOTLY_SCRIPT.search(html)
    if first is None:
        return html
    inline = plotly_script()
    rest = _PLOTLY_SCRIPT.sub("", html[first.end() :])
    return html[: first.start()] + inline + rest
