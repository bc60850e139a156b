"""Printed codes: the QR image of a URL (inline SVG, no image library) for posters, badges, stickers and sign-in
codes, the public address a code opens, and the random token inside it."""
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from flask import current_app, make_response, render_template, url_for
from markupsafe import Markup, escape
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.svg import SvgPathImage

BORDER = 4  # the quiet zone the QR standard asks for, in modules
_SVG_HEAD = re.compile(r'^<svg width="[^"]*" height="[^"]*"')


@dataclass(frozen=True)
class QRCode:
    data: str
    matrix: tuple[tuple[bool, ...], ...]  # modules without the quiet zone, True is dark
    svg: Markup


# A pure function of its input (nothing to go stale), and ~15 ms a code: a sheet of stickers reprints fast.
@lru_cache(maxsize=4096)
def make_qr(data: str, label: str = "") -> QRCode:
    """Medium error correction: a sticker on a door gets scratched and dirty."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER, image_factory=SvgPathImage)
    qr.add_data(data, optimize=0)  # one byte-mode segment: what every scanner reads
    qr.make(fit=True)
    svg = qr.make_image().to_string(encoding="unicode")
    # CSS gives the size (mm on paper, % on screen); a page with many codes needs no duplicate ids.
    svg = _SVG_HEAD.sub(f'<svg class="qr" role="img" aria-label="{escape(label or data)}" '
                        'shape-rendering="crispEdges"', svg, count=1)
    svg = svg.replace(' id="qr-path"', "")
    matrix = tuple(tuple(row[BORDER:-BORDER]) for row in qr.get_matrix()[BORDER:-BORDER])
    return QRCode(data=data, matrix=matrix, svg=Markup(svg))


def public_url(endpoint: str, **values) -> str:
    """The full address a phone opens from a printed code: FIELDAPP_BASE_URL when it is set."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def qr_svg(data: str, label: str = "") -> Markup:
    """For templates: {{ qr_svg(url_for(..., _external=True)) }}."""
    return make_qr(data, label).svg


def new_token() -> str:
    """128 bits of randomness, url-safe, 22 characters: short enough for a small, robust QR."""
    return secrets.token_urlsafe(16)


def plausible_token(token: str) -> bool:
    """Cheap guard before a query: our tokens are short url-safe strings."""
    return 16 <= len(token) <= 64


def private(response):
    """Pages whose URL is a secret or whose answer must flip at once: not cached, not indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def private_page(template: str, status: int = 200, **context):
    """A page a printed code opens, or a print sheet carrying codes (see private)."""
    return private(make_response(render_template(template, **context), status))


def refused_page(status: int, title: str, message: str):
    """A code that cannot be used (unknown, expired, replaced): why, in a sentence, and what to do."""
    return private_page("refused.html", status, title=title, message=message)
