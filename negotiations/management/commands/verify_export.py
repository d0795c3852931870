from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from negotiations.exports import FINGERPRINT_RE, RECORD_RE, fingerprint, rebuild


def text_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if suffix == ".docx":
        from docx import Document

        document = Document(path)
        return "\n".join([p.text for p in document.paragraphs] + [document.core_properties.subject or ""])
    if suffix in {".md", ".json", ".txt"}:
        return path.read_text(encoding="utf-8")
    raise CommandError(f"{path.name}: unknown kind of file; give a .pdf, .docx, .md or .json export.")


class Command(BaseCommand):
    help = "Recompute an export's fingerprint from the database and say whether the file matches the record."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file.")
        text = text_of(file)
        if file.suffix.lower() == ".json":
            body = json.loads(text)
            claimed = body.get("fingerprint", "").removeprefix("sha256:")
            r = body.get("record", {}).get("record", {})
            kind, object_id, version = r.get("kind"), r.get("id"), r.get("version")
        else:
            found_fp, found_record = FINGERPRINT_RE.search(text), RECORD_RE.search(text)
            if not found_fp or not found_record:
                raise CommandError(f"{file.name}: no Verbatim fingerprint found in this file.")
            claimed = found_fp.group(1)
            kind, object_id, version = found_record.groups()
        record = rebuild(kind, object_id, version)
        if record is None:
            self.stdout.write(f"mismatch: {file.name} names a record ({kind} {object_id}) this database does not hold.")
            raise SystemExit(1)
        actual = fingerprint(record)
        if actual == claimed:
            self.stdout.write(
                f"match: {file.name} is the record {kind} {object_id} ({version}) as this database holds it."
            )
            return
        self.stdout.write(
            f"mismatch: {file.name} carries sha256:{claimed}, but the record in this database gives sha256:{actual}."
        )
        raise SystemExit(1)
