"""Every user-visible text has a simplified-Chinese translation, compiled."""
from __future__ import annotations

import subprocess
import sys

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from tests.support import ROOT as SUPPORT_ROOT

ROOT = SUPPORT_ROOT
CATALOGUES = ROOT / "kiosk" / "translations"


def extracted(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def catalogue(locale: str):
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    return all(message.string) if isinstance(message.string, tuple) else bool(message.string)


def test_every_text_is_translated_to_chinese(tmp_path):
    wanted = extracted(tmp_path)
    zh = catalogue("zh_Hans_CN")
    missing = sorted(m for m in wanted if not translated(zh.get(m)))
    assert not missing, f"{len(missing)} texts without a Chinese translation (run make messages): {missing[:20]}"


def test_compiled_catalogue_matches_the_po():
    zh = catalogue("zh_Hans_CN")
    with (CATALOGUES / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    def text(message):  # the .mo reader gives plural forms as a list, the .po reader as a tuple
        string = message.string
        return tuple(string) if isinstance(string, list) else string

    stale = [m.id for m in zh if m.id and not m.fuzzy and (compiled.get(m.id) is None
                                                          or text(compiled.get(m.id)) != text(m))]
    assert not stale, f"messages.mo is out of date (run make translations): {stale[:10]}"


def test_placeholders_survive_translation():
    import re

    for message in catalogue("zh_Hans_CN"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[0]))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)s", text)) == wanted, message.id
