"""Reads QR codes back out of the pages the app served, as a phone's camera would: each inline
<svg class="qr"> is rendered to pixels by resvg (a real SVG renderer) and scanned by zxing-cpp (a
maintained barcode reader), so the tests check what a scanner reads, not the SVG's markup."""
import io
import re

import resvg_py
import zxingcpp
from PIL import Image

SVG_RE = re.compile(r'<svg class="qr"[^>]*>.*?</svg>', re.S)
VIEWBOX_RE = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
PIXELS_PER_MODULE = 4


def svgs_in(html: str) -> list[str]:
    """Every QR code's <svg> in a page, in page order."""
    return SVG_RE.findall(html)


def render(svg: str) -> Image.Image:
    """The code as a picture: PIXELS_PER_MODULE pixels a module, on white (the page's paper)."""
    width, height = (int(n) * PIXELS_PER_MODULE for n in VIEWBOX_RE.search(svg).groups())
    png = resvg_py.svg_to_bytes(svg_string=svg, width=width, height=height, background="white")
    return Image.open(io.BytesIO(bytes(png)))


def scan(svg: str) -> zxingcpp.Barcode:
    """The one QR code in the rendered image, read by zxing-cpp (fails if it reads none or several)."""
    found = zxingcpp.read_barcodes(render(svg), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1 and found[0].valid, f"expected one readable QR code, read {len(found)}"
    return found[0]


def qr_urls(html: str) -> list[str]:
    return [scan(svg).text for svg in svgs_in(html)]
