"""Markings on every file that leaves the exchange: tier, recipient, time, download id.

Each download is marked for its reader before a byte is sent:

- PDF: every page stamped, the tier at the top, the whole marking at the foot
  (`exchange.pdf.watermark_pdf`).
- DOCX: the marking in the header and footer of every section (python-docx), the
  first-page and even-page variants included, above what was there.
- XLSX: the marking in the header and footer of every worksheet (openpyxl), which
  is what prints on every page.
- ODT: the marking in the header and footer of every master page (styles.xml,
  edited with lxml; every other part of the package is copied byte for byte).
- Plain text and CSV: a cover notice at the top and a closing line at the bottom of
  the text itself, in the file's own encoding. Text is the one format that can be
  marked without holding the whole file, so large text files still stream.

A file that cannot be marked (a password-protected PDF, an office file that does not
open, text in an encoding the marking cannot be written in) raises `UnmarkableFile`
and is refused: nothing leaves unmarked.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.tiers import Tier

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
# Formats marked as a whole, in memory (the rest stream with a cover notice).
WHOLE_FILE_TYPES = frozenset({PDF, DOCX, XLSX, ODT})
# A spreadsheet's header or footer holds at most this many characters in Excel.
XLSX_HEADER_MAX = 255

COVER_END = "==== end of marking ===="
# The language of a PDF's watermark (see mark_whole_file).
PDF_MARKING_LANGUAGE = "en"


class UnmarkableFile(Exception):
    """The file cannot be marked for its reader, so it is not sent."""


@dataclass(frozen=True)
class Marking:
    """What every download carries: the tier, who it is for, when, and its id."""

    tier: str
    recipient: str
    state: str
    when: str
    download_id: str
    record_url: str

    @property
    def tier_words(self) -> str:
        return str(Tier(self.tier).label).upper()

    @property
    def recipient_line(self) -> str:
        return _("%(tier)s - downloaded by %(name)s, %(state)s") % {
            "tier": self.tier_words,
            "name": self.recipient,
            "state": self.state,
        }

    @property
    def download_line(self) -> str:
        return _("%(when)s - download %(id)s - do not forward") % {
            "when": self.when,
            "id": self.download_id,
        }

    @property
    def record_line(self) -> str:
        return _("Record of this download: %(url)s") % {"url": self.record_url}

    def lines(self) -> list[str]:
        return [self.recipient_line, self.download_line, self.record_line]


def marking_for(
    user, *, tier: str, download_id: str, record_url: str, media_type: str = ""
) -> Marking:
    """The marking of one download, in the reader's language (a PDF's in
    PDF_MARKING_LANGUAGE, its date too)."""
    language = PDF_MARKING_LANGUAGE if media_type == PDF else translation.get_language()
    with translation.override(language):
        return _marking(user, tier=tier, download_id=download_id, record_url=record_url)


def _marking(user, *, tier: str, download_id: str, record_url: str) -> Marking:
    return Marking(
        tier=tier,
        recipient=user.display_name,
        state=user.state.name if user.state_id else _("no State"),
        when=date_format(timezone.localtime(), "DATETIME_FORMAT"),
        download_id=download_id,
        record_url=record_url,
    )


def mark_whole_file(data: bytes, media_type: str, marking: Marking) -> bytes:
    """`data` (a PDF, DOCX, XLSX or ODT) marked for its reader."""
    if media_type == PDF:
        from exchange.pdf import UnreadablePdf, watermark_pdf

        # The watermark is drawn in a standard PDF font, which holds the Latin
        # script only: its words stay in English whatever the reader's language.
        with translation.override(PDF_MARKING_LANGUAGE):
            lines, top = marking.lines(), marking.tier_words
        try:
            return watermark_pdf(data, lines, top=top)
        except UnreadablePdf as error:
            raise UnmarkableFile(str(error)) from error
    marker = {DOCX: _mark_docx, XLSX: _mark_xlsx, ODT: _mark_odt}.get(media_type)
    if marker is None:
        raise UnmarkableFile(
            _("Files of this type (%(type)s) cannot be marked.") % {"type": media_type}
        )
    try:
        return marker(data, marking)
    except UnmarkableFile:
        raise
    except Exception as error:
        raise UnmarkableFile(
            _("The file cannot be opened to be marked (%(error)s).")
            % {"error": type(error).__name__}
        ) from error


# --- DOCX


def _mark_docx(data: bytes, marking: Marking) -> bytes:
    import docx

    document = docx.Document(io.BytesIO(data))
    header_text = f"{marking.recipient_line}\n{marking.download_line}"
    footer_text = "\n".join(marking.lines())
    for index, section in enumerate(document.sections):
        parts = [
            (section.header, header_text),
            (section.first_page_header, header_text),
            (section.even_page_header, header_text),
            (section.footer, footer_text),
            (section.first_page_footer, footer_text),
            (section.even_page_footer, footer_text),
        ]
        for part, text in parts:
            # A later section that follows the one before shows its marked parts.
            if index and part.is_linked_to_previous:
                continue
            _prepend_paragraph(part, text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _prepend_paragraph(part, text: str) -> None:
    existing = part.paragraphs
    if len(existing) == 1 and not existing[0].text and not existing[0].runs:
        paragraph = existing[0]
    elif existing:
        paragraph = existing[0].insert_paragraph_before()
    else:
        paragraph = part.add_paragraph()
    lines = text.split("\n")
    run = paragraph.add_run(lines[0])
    run.bold = True
    for line in lines[1:]:
        run.add_break()
        run.add_text(line)


# --- XLSX


def _xlsx_text(text: str) -> str:
    return text.replace("&", "&&")  # "&" starts a formatting code in a header


def _mark_xlsx(data: bytes, marking: Marking) -> bytes:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
    header = _xlsx_text(marking.recipient_line)
    footer = _xlsx_text(f"{marking.tier_words} - {marking.download_line}")
    for sheet in workbook.worksheets:
        for item in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
            _mark_header_part(item, header)
        for item in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
            _mark_header_part(item, footer)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _mark_header_part(item, text: str) -> None:
    """Our text in the centre, above what was there if everything still fits."""
    old = item.center.text or ""
    item.center.text = f"{text}\n{old}" if old else text
    others = [item.left.text or "", item.right.text or ""]
    if len(item.center.text) + sum(map(len, others)) > XLSX_HEADER_MAX:
        item.center.text = text
        if len(text) + sum(map(len, others)) > XLSX_HEADER_MAX:
            item.left.text = item.right.text = None


# --- ODT

_ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _odf_paragraphs(parent, lines: list[str]) -> None:
    from lxml import etree

    for position, line in enumerate(lines):
        paragraph = etree.Element(f"{{{_ODF['text']}}}p")
        paragraph.text = line
        parent.insert(position, paragraph)


def _mark_odt(data: bytes, marking: Marking) -> bytes:
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(data))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    styles = etree.fromstring(source.read("styles.xml"), parser)
    pages = styles.findall(".//office:master-styles/style:master-page", _ODF)
    if not pages:
        raise UnmarkableFile(_("The document has no page style to carry a marking."))
    header_lines = [marking.recipient_line, marking.download_line]
    for page in pages:
        for name, lines in (("header", header_lines), ("footer", marking.lines())):
            part = page.find(f"style:{name}", _ODF)
            if part is None:
                part = etree.Element(f"{{{_ODF['style']}}}{name}")
                # Headers (and their left and first variants) come first in a
                # master page, footers right after them.
                headers = [
                    c
                    for c in page
                    if isinstance(c.tag, str)
                    and etree.QName(c).localname.startswith("header")
                ]
                page.insert(0 if name == "header" else len(headers), part)
            _odf_paragraphs(part, lines)
    marked = etree.tostring(styles, xml_declaration=True, encoding="UTF-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            body = marked if entry.filename == "styles.xml" else source.read(entry)
            target.writestr(entry, body, compress_type=entry.compress_type)
    return out.getvalue()


# --- Plain text: a cover notice, written in the file's own encoding


@dataclass(frozen=True)
class TextCover:
    """The bytes that go before and after a text file's own bytes, and how many of
    its first bytes (a byte order mark, which the cover now carries) to leave out."""

    head: bytes
    tail: bytes
    skip: int

    def length_for(self, size: int) -> int:
        return len(self.head) + size - self.skip + len(self.tail)


_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def _text_encoding(first: bytes, *, complete: bool) -> tuple[str, bytes]:
    for mark, name in _BOMS:
        if first.startswith(mark):
            return name, mark
    try:
        codecs.getincrementaldecoder("utf-8")().decode(first, final=complete)
    except UnicodeDecodeError:
        raise UnmarkableFile(
            _(
                "This text file is not in UTF-8 or UTF-16, so the marking cannot "
                "be written into it. Ask its owner to save it as UTF-8 and upload "
                "it as a new version."
            )
        ) from None
    return "utf-8", b""


def text_cover(first: bytes, marking: Marking, *, complete: bool) -> TextCover:
    """The cover notice for a text file that begins with `first` (the whole file
    when `complete`, else its first chunk, which may end inside a character)."""
    encoding, bom = _text_encoding(first, complete=complete)
    sample = first[:65536].decode(encoding, errors="ignore")
    newline = "\r\n" if "\r\n" in sample else "\n"
    head = [f"==== {marking.tier_words} ====", *marking.lines(), COVER_END, "", ""]
    tail = [
        "",
        f"==== {marking.tier_words} - download {marking.download_id} - "
        "end of document ====",
        "",
    ]
    return TextCover(
        head=bom + newline.join(head).encode(encoding),
        tail=newline.join(tail).encode(encoding),
        skip=len(bom),
    )


def without_cover(data: bytes) -> bytes:
    """A marked UTF-8 text download with its cover notice taken off again: the
    file's own bytes, for checking a download against its upload's hash."""
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    body = data[len(bom) :]
    end = body.find(COVER_END.encode())
    if not body.startswith(b"==== ") or end < 0:
        return data
    body = body[end + len(COVER_END) :]
    newline = b"\r\n" if body.startswith(b"\r\n") else b"\n"
    body = body[2 * len(newline) :]
    tail = body.rfind(newline + b"==== ")
    if tail >= 0 and body.endswith(b" end of document ====" + newline):
        body = body[:tail]
    return bom + body
