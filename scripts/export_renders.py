"""PNG renders of the demo's exported minutes and agreed text into docs/,
to look at what a ministry would file. Run after bin/serve has loaded the demo:

    .venv/bin/python scripts/export_renders.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from exports import records  # noqa: E402
from exports.renderers import to_png_pages  # noqa: E402
from negotiations.models import Negotiation  # noqa: E402
from sessions.models import Session  # noqa: E402


def main() -> None:
    docs = ROOT / "docs"
    session = Session.objects.get(number=1, negotiation__title__startswith="Aurelia")
    minutes = records.prepare(records.minutes_record(session), "minutes")
    for i, page in enumerate(to_png_pages(minutes), start=1):
        (docs / f"minutes-page-{i}.png").write_bytes(page)
    agreed = records.prepare(records.agreed_text_record(Negotiation.objects.get(pk=session.negotiation_id)), "agreed")
    for i, page in enumerate(to_png_pages(agreed), start=1):
        (docs / f"agreed-text-page-{i}.png").write_bytes(page)
    (docs / "minutes-sample.pdf").write_bytes(records.render(minutes, "pdf"))


if __name__ == "__main__":
    main()
