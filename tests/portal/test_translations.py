"""The interface's catalogues: complete, current and consistent in every language.

Each language other than English has `locale/<locale>/LC_MESSAGES/django.po`. Every
entry is translated (every plural form the language has), none is fuzzy, each keeps
the placeholders of its source, GNU msgfmt accepts the file with `--check`, and the
catalogue holds exactly the strings the code marks today (Django's makemessages,
run on a copy of the sources, finds nothing new and nothing gone).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.utils.translation import to_locale

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
SOURCES = ["portal", "practices", "exchange", "search", "manage.py", "locale"]
# %(name)s, %s, %d, {name}, {0}: what Python fills in; a translation keeps each one.
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%[sdif]|\{[A-Za-z_0-9]*\}")


def catalogue_path(code: str) -> Path:
    return ROOT / "locale" / to_locale(code) / "LC_MESSAGES" / "django.po"


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_entry_is_translated_and_keeps_its_placeholders(code):
    catalogue = read(catalogue_path(code))
    problems = []
    for message in catalogue:
        if not message.id:
            continue  # the header
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if isinstance(message.id, tuple):
            forms = list(message.string)
            if len(forms) != catalogue.num_plurals or not all(forms):
                problems.append(f"plural forms missing: {message.id[0]!r}")
            allowed = set(_placeholders(message.id[0]) + _placeholders(message.id[1]))
            # A form may leave out the count ("one document"), never add a name.
            for form in forms:
                if not set(_placeholders(form)) <= allowed:
                    problems.append(f"placeholders: {message.id[0]!r} -> {form!r}")
        else:
            if not message.string:
                problems.append(f"untranslated: {message.id!r}")
            elif _placeholders(message.id) != _placeholders(message.string):
                problems.append(f"placeholders: {message.id!r} -> {message.string!r}")
    assert not problems, f"{catalogue_path(code)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("code", LANGUAGES)
def test_gnu_msgfmt_accepts_the_catalogue(code):
    done = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(catalogue_path(code))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


def test_the_catalogues_hold_exactly_the_marked_strings(tmp_path):
    copy = tmp_path / "sources"
    copy.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, copy / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, copy / name)
    locales = [to_locale(code) for code in LANGUAGES]
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-obsolete",
            "--verbosity",
            "0",
            *[f"--locale={name}" for name in locales],
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for code in LANGUAGES:
        kept = {m.id for m in read(catalogue_path(code)) if m.id}
        current = {
            m.id
            for m in read(
                copy / "locale" / to_locale(code) / "LC_MESSAGES" / "django.po"
            )
            if m.id
        }
        assert current - kept == set(), (
            f"{code}: marked but not in {catalogue_path(code)} (run "
            f"`manage.py makemessages -l {to_locale(code)}` and translate them)"
        )
        assert kept - current == set(), (
            f"{code}: in the catalogue but no longer marked (run makemessages)"
        )
