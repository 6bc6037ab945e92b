"""The Russian catalogues are complete: every message translated, none fuzzy, the same
placeholders as the English, every plural form filled, the compiled .mo up to date, and
nothing the code says missing (a fresh ``makemessages`` run finds no new message).

Catalogues: ``locale/ru/LC_MESSAGES/*.po`` and every app's ``*/locale/ru/LC_MESSAGES/*.po``.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    [*ROOT.glob("locale/ru/LC_MESSAGES/*.po"), *ROOT.glob("*/locale/ru/LC_MESSAGES/*.po")]
)
# What the project-wide catalogue covers: everything but support/ (its own catalogue),
# tests and tooling (the project's admin templates, templates/admin/, are in it). The same
# list as the Makefile's `messages`.
MAKEMESSAGES_IGNORE = [
    "support/*",
    ".venv/*",
    "tests/*",
    "bench/*",
    "staticfiles/*",
    "media/*",
]
PRINTF = re.compile(r"%\((\w+)\)[sd]|%[sd]")
BRACES = re.compile(r"\{(\w*)\}")


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _placeholders(text: str) -> tuple[list[str], list[str]]:
    return sorted(PRINTF.findall(text)), sorted(BRACES.findall(text))


def test_there_is_a_russian_catalogue():
    assert ROOT / "locale/ru/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated_and_none_is_fuzzy(path):
    catalogue = polib.pofile(str(path))
    assert not catalogue.metadata_is_fuzzy, f"{path}: the header is marked fuzzy"
    assert "nplurals=4" in catalogue.metadata.get("Plural-Forms", ""), "Russian plural forms"
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(i, "") for i in range(4)]
            if not all(forms):
                problems.append(f"plural form missing: {entry.msgid!r}")
            translations = forms
        else:
            if not entry.msgstr:
                problems.append(f"untranslated: {entry.msgid!r}")
            translations = [entry.msgstr]
        expected = _placeholders(entry.msgid)
        for text in translations:
            if text and _placeholders(text) != expected:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    assert problems == [], f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_matches_the_po_file(path):
    """The .mo is what Django reads: it must hold exactly the .po's translations (run
    `make messages` after editing the .po)."""
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled.relative_to(ROOT)} is missing: run `make messages`"
    po = {
        _key(e): (e.msgstr, dict(e.msgstr_plural))
        for e in polib.pofile(str(path))
        if not e.obsolete and e.msgid
    }
    mo = {
        _key(e): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(compiled)) if e.msgid
    }
    assert mo == po, f"{compiled.relative_to(ROOT)} is stale: run `make messages`"


def _extract(tmp_path: Path) -> polib.POFile:
    """A fresh extraction of the project's messages, made in a copy of the source tree so
    the working tree is never written."""
    if shutil.which("xgettext") is None:
        reason = "xgettext not found: install gettext (apt-get install gettext, or make i18n-deps)"
        if os.environ.get("REQUIRE_GETTEXT_TESTS") == "1":  # CI: must run
            pytest.fail(reason)
        pytest.skip(reason)
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "media", "staticfiles", "test-artifacts", "*.sqlite3", "__pycache__"
        ),
    )
    shutil.rmtree(copy / "locale")
    (copy / "locale").mkdir()
    ignores = [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", *ignores, "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DEBUG": "1", "PATH": os.environ.get("PATH", "")},
    )
    return polib.pofile(str(copy / "locale/ru/LC_MESSAGES/django.po"))


def test_every_message_in_the_code_is_in_the_russian_catalogue(tmp_path):
    """A new English string without a translation fails here: `make messages`, then
    translate what it added."""
    extracted = {_key(e) for e in _extract(tmp_path) if e.msgid}
    catalogue = polib.pofile(str(ROOT / "locale/ru/LC_MESSAGES/django.po"))
    translated = {
        _key(e) for e in catalogue if not e.obsolete and (e.msgstr or all(e.msgstr_plural.values()))
    }
    missing = sorted(
        f"{ctx + ': ' if ctx else ''}{msgid!r}" for ctx, msgid in extracted - translated
    )
    assert missing == [], "Not in locale/ru/LC_MESSAGES/django.po:\n" + "\n".join(missing)
