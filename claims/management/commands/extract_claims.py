"""Propose a document's check-worthy sentences as candidate claims."""

from django.core.management.base import BaseCommand, CommandError

from claims.services.candidates import extract_candidates
from sources.models import Document


class Command(BaseCommand):
    help = (
        "Store the check-worthy sentences of a document's text as proposed "
        "candidates for editors to accept or reject (admin: Candidates). Sentences "
        "proposed before, rejected before or already quoted by a claim are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("document_id", type=int)

    def handle(self, *args, **options):
        document = Document.objects.filter(pk=options["document_id"]).first()
        if document is None:
            raise CommandError(f"There is no document {options['document_id']}.")
        if not document.text:
            raise CommandError(
                f"Document {document.pk} has no stored text; ingest it first "
                f"(manage.py ingest_document FILE --attach-to {document.pk})."
            )
        report = extract_candidates(document_id=document.pk)
        if options["verbosity"] >= 2:
            for candidate in report.candidates:
                self.stdout.write(
                    f"  {candidate.score:.2f} [{candidate.quote_start}:"
                    f"{candidate.quote_end}] {candidate.quote[:100]!r}"
                )
        self.stdout.write(f"Document {document.pk}: {report}.")
