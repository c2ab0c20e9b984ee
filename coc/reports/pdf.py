"""HTML to an A4 PDF with WeasyPrint (fonts embedded, text layer kept)."""

from __future__ import annotations

import logging

from coc.errors import CocError

# WeasyPrint logs each layout step at INFO (18 lines a PDF in an operator's log)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def to_pdf(html: str) -> bytes:
    """The PDF of one report page; CocError with the reason when WeasyPrint or the system
    libraries it needs (Pango) are missing."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz libraries missing
        raise CocError(
            f"không tạo được PDF: thiếu WeasyPrint hoặc thư viện Pango ({exc}); "
            "cài bằng: pip install weasyprint và apt-get install libpango-1.0-0"
        ) from None
    return HTML(string=html).write_pdf()
