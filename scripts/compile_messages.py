"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib, so no gettext binaries are needed."""

from pathlib import Path

import polib

root = Path(__file__).resolve().parent.parent / "locale"
for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
    catalogue = polib.pofile(str(po_path))
    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path.relative_to(root)}: {catalogue.percent_translated()}% translated")
