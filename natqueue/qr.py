"""QR codes for site posters and the resident's own ticket.

Every resident's phone fetches its ticket's code once, so the SVG is written here straight
from the code's modules, one path step per run of dark modules in a row: the library's
SVG writer built an XML element per module and took longer than the code itself (1.6 of
5.6 ms, and 6.8 KB where this is about 3). The code's modules and its mask, chosen by the
library as the standard says, are unchanged. A site's poster code is the same for every
print of it, so the few drawn lately are kept.
"""

import io
from functools import lru_cache
from itertools import groupby

import qrcode


def _code(data: str) -> qrcode.QRCode:
    # Medium error correction: survives a crease or a raindrop on a printed poster.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def svg(data: str) -> bytes:
    """The code on white (its quiet zone included), one unit per module, 1 mm each by default."""
    matrix = _code(data).get_matrix()
    size = len(matrix)
    steps = []
    for y, row in enumerate(matrix):
        x = 0
        for dark, run in groupby(row):
            width = len(list(run))
            if dark:
                steps.append(f"M{x} {y}h{width}v1h-{width}z")
            x += width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}mm" height="{size}mm" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(steps)}" fill="#000"/></svg>'
    ).encode()


def png(data: str, box_size: int = 10) -> bytes:
    code = _code(data)
    code.box_size = box_size
    buf = io.BytesIO()
    code.make_image().save(buf, format="PNG")
    return buf.getvalue()


@lru_cache(maxsize=256)
def site_svg(url: str) -> bytes:
    return svg(url)


@lru_cache(maxsize=256)
def site_png(url: str) -> bytes:
    return png(url)
