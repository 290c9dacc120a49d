"""PDFs in the exchange: watermarking on the way out (pypdf, BSD) and demo files."""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

_FONT = DictionaryObject(
    {
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }
)


class UnreadablePdf(Exception):
    """The file says it is a PDF but pypdf cannot read it."""


def _pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsi (Latin-1 subset), escaped."""
    encoded = text.encode("cp1252", errors="replace").decode("latin-1")
    escaped = encoded.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def _text_page(width: float, height: float, operations: str) -> PageObject:
    page = PageObject.create_blank_page(width=width, height=height)
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject(
                {NameObject("/NSIWatermarkFont"): _FONT}
            )
        }
    )
    stream = DecodedStreamObject()
    stream.set_data(operations.encode("latin-1"))
    page.replace_contents(stream)
    return page


def _stamp(width: float, height: float, lines: list[str]) -> PageObject:
    ops = ["q", "0.75 0 0 rg", "BT", "/NSIWatermarkFont 8 Tf", "10 TL"]
    ops.append(f"24 {min(40, height - 10):.1f} Td")
    for line in lines:
        ops.append(f"{_pdf_string(line)} Tj T*")
    ops += ["ET", "Q"]
    return _text_page(width, height, "\n".join(ops))


def check_pdf(data: bytes) -> int:
    """The page count of a readable PDF; raises UnreadablePdf otherwise."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadablePdf("Password-protected PDFs cannot be watermarked.")
        return len(reader.pages)
    except UnreadablePdf:
        raise
    except Exception as error:
        raise UnreadablePdf(f"The PDF cannot be read ({error}).") from error


def watermark_pdf(data: bytes, lines: list[str]) -> bytes:
    """`data` with `lines` stamped at the foot of every page."""
    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        for page in writer.pages:
            box = page.mediabox
            page.merge_page(_stamp(float(box.width), float(box.height), lines))
        writer.add_metadata({"/NSIWatermark": " | ".join(lines)})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except Exception as error:
        raise UnreadablePdf(f"The PDF cannot be watermarked ({error}).") from error


def make_text_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small one-page PDF with a title and short paragraphs (demo content)."""
    ops = ["BT", "/NSIWatermarkFont 16 Tf", "20 TL", "56 780 Td"]
    ops.append(f"{_pdf_string(title)} Tj T*")
    ops += ["/NSIWatermarkFont 10 Tf", "14 TL", "T*"]
    for paragraph in paragraphs:
        ops.append(f"{_pdf_string(paragraph)} Tj T*")
    ops.append("ET")
    writer = PdfWriter()
    writer.add_page(_text_page(595, 842, "\n".join(ops)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
