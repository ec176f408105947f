"""Keep the interface's translations in step with the code: Qt's own tools, run over mnist_pad/qt.

    python scripts/update_translations.py            # lupdate (new texts appear, unfinished) + lrelease
    python scripts/update_translations.py --fill zh.json   # also fill unfinished texts from {"English": "中文"}
    python scripts/update_translations.py --check    # exit 1, listing them, when a text lacks a translation

Translators can also open mnist_pad/qt/translations/mnist_pad_zh_CN.ts in Qt Linguist (pyside6-linguist), then
run this script to make the .qm that ships. The .ts has no line numbers (``-locations none``), so moving code
does not change it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "mnist_pad" / "qt"
TRANSLATIONS = SOURCES / "translations"
LANGUAGES = ("zh_CN",)


def tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease from the interpreter's own environment first."""
    here = Path(sys.executable).with_name(f"pyside6-{name}")
    found = str(here) if here.exists() else shutil.which(f"pyside6-{name}")
    if found is None:
        raise SystemExit(f"update_translations: pyside6-{name} not found (it comes with PySide6)")
    return found


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"mnist_pad_{language}.ts"


def lupdate(ts: Path) -> None:
    """Merge the texts of the sources into ``ts`` (translations kept, texts gone from the code dropped)."""
    sources = sorted(str(p) for p in SOURCES.glob("*.py"))
    subprocess.run([tool("lupdate"), "-locations", "none", "-no-obsolete", *sources, "-ts", str(ts)], check=True,
                   capture_output=True, text=True)


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True, text=True)


def untranslated(ts: Path) -> list[tuple[str, str]]:
    """(context, source) of every text without a finished translation."""
    missing = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete") \
                    or not (translation.text or "").strip():
                missing.append((name, message.findtext("source") or ""))
    return missing


def fill(ts: Path, table: dict[str, str]) -> int:
    """Fill unfinished translations of ``ts`` from ``table`` (English source -> translation); returns how many."""
    tree = ET.parse(ts)
    filled = 0
    for message in tree.getroot().iter("message"):
        translation = message.find("translation")
        source = message.findtext("source") or ""
        if translation is not None and translation.get("type") == "unfinished" and table.get(source):
            translation.text = table[source]
            del translation.attrib["type"]
            filled += 1
    ET.indent(tree, space="    ")
    with open(ts, "wb") as out:
        out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(out, encoding="utf-8", xml_declaration=False)
        out.write(b"\n")
    lupdate(ts)  # back into lupdate's own layout
    return filled


def stale(language: str) -> list[tuple[str, str]]:
    """What ``--check`` reports: the texts of the code as it is now that the shipped translations lack."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / ts_path(language).name
        shutil.copy(ts_path(language), copy)
        lupdate(copy)
        return untranslated(copy)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", nargs="*", default=[], help="JSON files {English: translation} to fill from")
    parser.add_argument("--check", action="store_true", help="only report texts without a translation")
    args = parser.parse_args()
    if args.check:
        missing = {language: stale(language) for language in LANGUAGES}
        for language, texts in missing.items():
            for context, source in texts:
                print(f"{language}: {context}: {source!r}")
        return 1 if any(missing.values()) else 0
    table: dict[str, str] = {}
    for path in args.fill:
        table.update(json.loads(Path(path).read_text(encoding="utf-8")))
    TRANSLATIONS.mkdir(exist_ok=True)
    for language in LANGUAGES:
        ts = ts_path(language)
        if not ts.exists():
            ts.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
                          f'<TS version="2.1" language="{language}"></TS>\n', encoding="utf-8")
        lupdate(ts)
        if table:
            print(f"{language}: filled {fill(ts, table)} text(s)")
        lrelease(ts, ts.with_suffix(".qm"))
        left = untranslated(ts)
        print(f"{language}: {len(left)} text(s) without a translation" + ("" if not left else ":"))
        for context, source in left[:20]:
            print(f"  {context}: {source!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
