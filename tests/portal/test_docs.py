"""The README and docs/ name only files and commands that exist.

A file is named in backticks from the top of the repository (`portal/urls.py`) or
as a Markdown link relative to the page; a command as `manage.py <name>` or
`./task <name>`.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP = ("portal/", "practices/", "exchange/", "search/", "tests/", "deploy/", "docs/")
TOP_FILES = ("task", "pyproject.toml", ".env.example", "manage.py")
NAMED = re.compile(r"`([^`\s]+)`|\]\(([^)\s]+)\)")
# A name with a placeholder in it (`<chart>`, `…`, `*`) stands for many files.
PLACEHOLDER = re.compile(r"[<>*…{}]")


def _named_paths():
    for page in PAGES:
        for match in NAMED.finditer(page.read_text(encoding="utf-8")):
            backticked, linked = match.groups()
            name = (backticked or linked).split("#")[0].rstrip(".,;")
            if not name or PLACEHOLDER.search(name):
                continue
            if linked:
                if linked.startswith(("http://", "https://", "mailto:")):
                    continue
                yield page, linked, page.parent / name
            elif name.startswith(TOP) or name in TOP_FILES:
                yield page, name, ROOT / name.split(":")[0]


def test_every_file_the_docs_name_exists():
    named = list(_named_paths())
    assert len(named) > 50, "the docs name files; the pattern finds them"
    missing = [
        f"{page.relative_to(ROOT)}: {name}"
        for page, name, path in named
        if not path.exists()
    ]
    assert not missing, "Files named in the docs but absent:\n  " + "\n  ".join(missing)


def test_every_command_the_docs_name_exists():
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    commands = set(re.findall(r"manage\.py ([a-z_]+)", text))
    assert {"load_demo", "audit_verify", "rotate_exchange_key"} <= commands
    assert not sorted(commands - set(get_commands()))
    tasks = set(re.findall(r"\./task ([a-z]+)", text))
    script = (ROOT / "task").read_text(encoding="utf-8")
    offered = set(re.findall(r"^    ([a-z]+)\) ", script, flags=re.MULTILINE))
    assert {"run", "test", "lint"} <= tasks
    assert not sorted(tasks - offered)
