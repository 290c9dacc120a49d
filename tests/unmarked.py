"""Finds user-facing text that is not marked for translation.

The portal's own linter (no maintained one covers Django templates and the
portal's Python together): `templates()` reads each template with Django's own
lexer and reports the words a reader would see outside `{% translate %}` and
`{% blocktranslate %}` (text between tags, and the readable attributes `alt`,
`title`, `aria-label`, `placeholder`); `python()` walks the code's syntax trees
and reports string literals, and f-strings, where the portal hands text to a
person (messages, form labels, help texts and errors, validation errors, model
field names, the labels of choices, JSON and WebSocket error texts, the progress
charts' titles, columns and notes) that are not wrapped in a gettext call. A line
ending in `# i18n: not translated (<why>)` is left out, with its reason.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

WORD = re.compile(r"[^\W\d_]{2,}")
READABLE = frozenset({"alt", "title", "aria-label", "placeholder"})
OPENING = frozenset({"blocktranslate", "blocktrans", "comment", "verbatim"})
CLOSING = frozenset({"endblocktranslate", "endblocktrans", "endcomment", "endverbatim"})
EXEMPT = "# i18n: not translated"
# Where a template's tag or variable stood: not words of the template.
HOLE = "\x00"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in READABLE and value and WORD.search(value.replace(HOLE, " ")):
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data):
        if not self.hidden and WORD.search(data.replace(HOLE, " ")):
            self.found.append((self.getpos()[0], data))


def template_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of every unmarked piece of text in a template's source."""
    depth = 0
    pieces = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            pieces.append(token.contents if depth == 0 else _blank(token.contents))
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.strip() else ""
            depth += name in OPENING
            depth -= name in CLOSING
        # Tags, variables and comments keep their line breaks, so lines still match.
        pieces.append(HOLE + "\n" * token.contents.count("\n"))
    parser = _Text()
    parser.feed("".join(pieces))
    parser.close()
    return [
        (line, " ".join(text.replace(HOLE, " ").split())) for line, text in parser.found
    ]


def _blank(text: str) -> str:
    return "\n" * text.count("\n")


def templates(root: Path, folders: list[str]) -> list[Finding]:
    found = []
    for folder in folders:
        for path in sorted((root / folder).rglob("templates/**/*.html")):
            for line, text in template_text(path.read_text()):
                found.append(Finding(str(path.relative_to(root)), line, text))
    return found


# --- Python ------------------------------------------------------------------------

MESSAGE_LEVELS = frozenset({"debug", "info", "success", "warning", "error"})
TEXT_KEYWORDS = frozenset(
    {
        "label",
        "label1",
        "label2",
        "help_text",
        "verbose_name",
        "verbose_name_plural",
        "empty_label",
    }
)
FIRST_ARGUMENT = frozenset({"ValidationError", "HttpResponseBadRequest"})
CHART_KEYWORDS = frozenset({"title", "description", "columns", "notes"})
ERROR_KEYS = frozenset({"error", "message"})


def _name(call: ast.Call) -> tuple[str, str]:
    """(owner, name) of a call: `messages.success` is ("messages", "success")."""
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return owner, func.attr
    return "", func.id if isinstance(func, ast.Name) else ""


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_text(part) for part in node.values)
    return False


def _texts(node: ast.AST) -> list[ast.AST]:
    """The text literals a value holds: itself, or a list's or dict's items (a
    list of choices' labels, the last item of each pair)."""
    if isinstance(node, ast.List | ast.Tuple):
        found = []
        for item in node.elts:
            if isinstance(item, ast.Tuple) and item.elts:
                found += _texts(item.elts[-1])
            elif _is_text(item):
                found.append(item)
        return found
    if isinstance(node, ast.Dict):
        return [value for value in node.values if _is_text(value)]
    return [node] if _is_text(node) else []


def handed_to_people(call: ast.Call) -> list[ast.AST]:
    """The arguments of `call` that a person reads."""
    owner, name = _name(call)
    found: list[ast.AST] = []
    if owner == "messages" and name in MESSAGE_LEVELS and len(call.args) >= 2:
        found += _texts(call.args[1])
    if name in FIRST_ARGUMENT and call.args:
        found += _texts(call.args[0])
    if name == "add_error" and len(call.args) >= 2:
        found += _texts(call.args[1])
    if name == "send_error" and len(call.args) >= 2:
        found += _texts(call.args[1])
    if name == "JsonResponse" and call.args and isinstance(call.args[0], ast.Dict):
        for key, value in zip(call.args[0].keys, call.args[0].values, strict=True):
            if isinstance(key, ast.Constant) and key.value in ERROR_KEYS:
                found += _texts(value)
    for keyword in call.keywords:
        if keyword.arg in TEXT_KEYWORDS or keyword.arg in ("error_messages", "choices"):
            found += _texts(keyword.value)
        if name == "ChartData" and keyword.arg in CHART_KEYWORDS:
            found += _texts(keyword.value)
    return found


CHOICES = frozenset({"TextChoices", "IntegerChoices", "Choices"})


def choice_labels(cls: ast.ClassDef) -> list[ast.AST]:
    """The labels of an enumeration of choices (`NAME = "value", "Label"`)."""
    bases = {
        b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")
        for b in cls.bases
    }
    if not bases & CHOICES:
        return []
    found: list[ast.AST] = []
    for statement in cls.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
            found += _texts(statement.value.elts[-1])
    return found


def python_text(source: str) -> list[tuple[int, str]]:
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            texts = choice_labels(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id.endswith("CHOICES")
            for target in node.targets
        ):
            texts = _texts(node.value)  # a module's list of (value, label) choices
        elif isinstance(node, ast.Call):
            texts = handed_to_people(node)
        else:
            continue
        for text in texts:
            end = getattr(text, "end_lineno", text.lineno)
            if any(EXEMPT in lines[n - 1] for n in range(text.lineno, end + 1)):
                continue
            found.append((text.lineno, ast.unparse(text)))
    return sorted(found)


def python(root: Path, folders: list[str]) -> list[Finding]:
    found = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            parts = set(path.relative_to(root).parts)
            if parts & {"migrations", "management", "settings"}:
                continue
            for line, text in python_text(path.read_text()):
                found.append(Finding(str(path.relative_to(root)), line, text))
    return found
