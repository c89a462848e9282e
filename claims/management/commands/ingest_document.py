"""Store the text of a file, or of every text and HTML file in a folder."""

import sys
from collections import Counter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from claims.models import Claim
from claims.services.candidates import extract_candidates
from factcheck.jobs.models import Job
from factcheck.services import record_save
from sources.ingest import (
    ATTACHED,
    CREATED,
    DUPLICATE,
    NEW_VERSION,
    IngestError,
    IngestResult,
    ingest_document,
)
from sources.models import Document, Person, Publisher

SUFFIXES = (".txt", ".html", ".htm")
LABELS = {
    CREATED: "new",
    ATTACHED: "attached to an existing document",
    DUPLICATE: "duplicate",
    NEW_VERSION: "new version",
}


def describe_error(error: Exception) -> str:
    """Return a validation or ingest error as one readable line."""
    if isinstance(error, IngestError):
        return str(error)
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class Command(BaseCommand):
    help = (
        "Store the text of PATH (a .txt or .html file, or a folder of them: every "
        "*.txt, *.html and *.htm directly inside) as documents. The same text twice "
        "is a duplicate; a changed text at a known URL is a new version. A text whose "
        "URL, or given title, is that of an existing document without text is "
        "attached to it, and that document's claims are anchored in it. Exits with "
        "status 1 when a file fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--title", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--publisher", default="", help="Publisher name.")
        parser.add_argument(
            "--author",
            action="append",
            default=[],
            help="Author name (repeat for several); matched by name or alias.",
        )
        parser.add_argument("--published", default="", help="YYYY-MM-DD, YYYY-MM, YYYY")
        parser.add_argument("--type", default="", choices=["", *Document.Type.values])
        parser.add_argument("--language", default="", help="BCP 47 tag, e.g. en")
        parser.add_argument(
            "--attach-to",
            type=int,
            dest="attach_to",
            help="Store the text on this existing document, which has none yet.",
        )
        parser.add_argument(
            "--no-extract",
            action="store_false",
            dest="extract",
            help="Do not propose candidate claims from the stored text.",
        )

    def handle(self, *args, **options):
        self.extract = options["extract"]
        self.extraction = None
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        if path.is_dir():
            files = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            for option in ("title", "url", "attach_to"):
                if options[option]:
                    raise CommandError(
                        f"--{option.replace('_', '-')} names one document; "
                        "give a file, not a folder."
                    )
            if not files:
                raise CommandError(f"No *.txt, *.html or *.htm files in {path}.")
        else:
            files = [path]
        if path.is_dir():
            with transaction.atomic():
                metadata = self._metadata(options)
            self._ingest_folder(files, metadata, options["verbosity"])
            return
        try:
            # A publisher or author named for a file that fails is not kept either.
            with transaction.atomic():
                result = self._ingest(path, self._metadata(options))
        except (ValidationError, OSError) as error:
            raise CommandError(f"{path}: {describe_error(error)}") from error
        self._report(path, result)

    def _ingest_folder(self, files: list[Path], metadata: dict, verbosity: int):
        counts: Counter = Counter()
        failed: list[tuple[Path, str]] = []
        progress = tqdm(
            files,
            unit="file",
            file=getattr(self.stderr, "_out", sys.stderr),
            disable=verbosity == 0,
        )
        for file in progress:
            try:
                result = self._ingest(file, metadata)
            except (ValidationError, OSError) as error:
                failed.append((file, describe_error(error)))
                continue
            counts[result.status] += 1
            if verbosity >= 2 or _not_found(result):
                self._report(file, result)
        self.stdout.write(
            f"{len(files)} files: {counts[CREATED]} new, "
            f"{counts[DUPLICATE]} duplicate, {counts[NEW_VERSION]} new version, "
            f"{counts[ATTACHED]} attached, "
            f"{len(failed)} failed."
        )
        for file, reason in failed:
            self.stdout.write(f"  failed: {file.name}: {reason}")
        if failed:
            raise CommandError(f"{len(failed)} of {len(files)} files failed.")

    def _ingest(self, file: Path, metadata: dict) -> IngestResult:
        result = ingest_document(
            content=file.read_bytes(), filename=file.name, **metadata
        )
        if self.extract and result.status != DUPLICATE:
            # Editors find the new text's checkable sentences waiting in the admin.
            self.extraction = extract_candidates(document_id=result.document.pk)
        return result

    def _report(self, file: Path, result: IngestResult) -> None:
        label = LABELS[result.status]
        self.stdout.write(f"{file.name}: {label}. {result.message}")
        for job in result.jobs:
            job.refresh_from_db()
            if job.state != Job.State.SUCCEEDED:
                self.stdout.write(f"  {job.kind}: {job.state} (job {job.pk}).")
                continue
            quotes = dict(
                Claim.objects.filter(pk__in=_not_found(result)).values_list(
                    "pk", "quote"
                )
            )
            self.stdout.write(f"  Quotes anchored: {len(job.result['anchored'])}.")
            for claim_id, quote in sorted(quotes.items()):
                shown = quote if len(quote) <= 80 else quote[:79] + "…"
                self.stdout.write(f"  not found: claim {claim_id}: {shown!r}")
        if self.extraction is not None:
            self.stdout.write(f"  Candidate claims: {self.extraction}.")

    def _metadata(self, options) -> dict:
        publisher = None
        if options["publisher"].strip():
            name = " ".join(options["publisher"].split())
            publisher = Publisher.objects.filter(name__iexact=name).first()
            if publisher is None:
                publisher = record_save(instance=Publisher(), values={"name": name})
        authors = []
        for name in options["author"]:
            name = " ".join(name.split())
            if not name:
                continue
            person = Person.objects.named(name).order_by("pk").first()
            if person is None:
                person = record_save(instance=Person(), values={"name": name})
            authors.append(person)
        return {
            "title": options["title"],
            "url": options["url"],
            "publisher": publisher,
            "authors": authors,
            "published": options["published"] or None,
            "type": options["type"],
            "language": options["language"],
            "attach_to": options["attach_to"],
        }


def _not_found(result: IngestResult) -> list[int]:
    """Return the claims whose quotes anchoring (run already, inline) did not find."""
    missing: list[int] = []
    for job in result.jobs:
        job.refresh_from_db()
        if job.state == Job.State.SUCCEEDED:
            missing.extend(job.result.get("not_found", []))
    return missing
