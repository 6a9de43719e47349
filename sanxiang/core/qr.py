"""QR codes for verification links (certificates, issued documents): one place that draws them, with segno."""

from __future__ import annotations

import io

import segno


def qr_png(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """A PNG QR code (error correction M) for ``url``."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(url: str, *, title: str = "", scale: int = 8, border: int = 4) -> bytes:
    """An SVG QR code (error correction M) for ``url``, with an accessible title."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=border, title=title, encoding="utf-8")
    return buffer.getvalue()
