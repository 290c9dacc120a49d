"""PDFs in the exchange: active content refused on the way in, watermarking on the way
out (pypdf, BSD), and demo files."""

from __future__ import annotations

import io
from typing import Any

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
    # pypdf takes any stream object here; its hints name only ContentStream.
    page.replace_contents(stream)  # type: ignore[arg-type]
    return page


def _stamp(
    width: float, height: float, lines: list[str], top: str | None
) -> PageObject:
    ops = ["q", "0.75 0 0 rg"]
    if top is not None:
        ops += ["BT", "/NSIWatermarkFont 10 Tf"]
        ops.append(f"24 {max(height - 20, 10):.1f} Td {_pdf_string(top)} Tj ET")
    ops += ["BT", "/NSIWatermarkFont 8 Tf", "10 TL"]
    ops.append(f"24 {min(10 * len(lines) + 10, height - 10):.1f} Td")
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


def watermark_pdf(data: bytes, lines: list[str], *, top: str | None = None) -> bytes:
    """`data` with `lines` stamped at the foot of every page, and `top` at its head."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadablePdf("Password-protected PDFs cannot be watermarked.")
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            box = page.mediabox
            stamp = _stamp(float(box.width), float(box.height), lines, top)
            page.merge_page(stamp)
        writer.add_metadata({"/NSIWatermark": " | ".join(lines)})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except UnreadablePdf:
        raise
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


class ActivePdf(Exception):
    """The PDF carries content that runs: JavaScript, a launch action, a program."""


_MAX_EMBEDDED_DEPTH = 3


def _objects(reader: PdfReader):
    """Every dictionary pypdf can reach or find in the cross-reference table.

    Walking the object graph from the trailer finds what a viewer would run; listing
    the cross-reference entries as well catches objects attached in odd places.
    """
    from pypdf.generic import ArrayObject, IndirectObject

    roots: list[Any] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots.extend(IndirectObject(n, generation, reader) for n in numbers)
    roots.extend(IndirectObject(n, 0, reader) for n in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    stack = roots
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except Exception:  # noqa: S112 - a broken reference runs nothing
                continue
        if isinstance(item, DictionaryObject):
            yield item
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _embedded_data(spec: DictionaryObject) -> list[bytes]:
    files = spec.get("/EF")
    if files is None:
        return []
    files = files.get_object()
    found = []
    for stream in files.values():
        try:
            found.append(stream.get_object().get_data())
        except Exception as error:
            raise ActivePdf(
                "This PDF carries an embedded file that cannot be read, so it "
                "cannot be checked. Remove the attachment and upload again."
            ) from error
    return found


def find_active_content(data: bytes, *, check_embedded, depth: int = 0) -> None:
    """Raise ActivePdf, saying what and why, if the PDF holds content that runs.

    Refused: JavaScript anywhere (document names tree, open action, additional
    actions of pages, annotations and form fields), launch actions, XFA forms
    (which carry scripts), and embedded files that `check_embedded(data)` refuses
    (it raises with its own message) or that are themselves active PDFs.
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return  # refused on its own by check_pdf
        objects = list(_objects(reader))
    except ActivePdf:
        raise
    except Exception as error:
        raise UnreadablePdf(f"The PDF cannot be read ({error}).") from error
    for obj in objects:
        action = obj.get("/S")
        if "/JS" in obj or action == "/JavaScript" or "/JavaScript" in obj:
            raise ActivePdf(
                "This PDF contains JavaScript, which the exchange does not accept. "
                "Remove it (or print the document to a new PDF) and upload again."
            )
        if action == "/Launch":
            raise ActivePdf(
                "This PDF contains a launch action, which would start a program on "
                "the reader's computer; the exchange does not accept it. Remove it "
                "and upload again."
            )
        if "/XFA" in obj:
            raise ActivePdf(
                "This PDF contains an XFA form, which can run scripts; the exchange "
                "does not accept it. Flatten or print the form to a new PDF and "
                "upload again."
            )
        if obj.get("/Type") in ("/Filespec", "/F") or "/EF" in obj:
            for embedded in _embedded_data(obj):
                if depth >= _MAX_EMBEDDED_DEPTH:
                    raise ActivePdf(
                        "This PDF nests attachments too deeply to be checked. "
                        "Remove the attachments and upload again."
                    )
                check_embedded(embedded, depth + 1)
