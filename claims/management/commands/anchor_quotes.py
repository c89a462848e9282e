"""Find every claim's quote again in its document's stored text."""

from django.core.management.base import BaseCommand, CommandError

from claims.services.anchoring import anchor_claims
from sources.models import Document


class Command(BaseCommand):
    help = (
        "Re-anchor the quotes of the claims of every document with a stored text (or "
        "of one, with --document) and list the quotes no longer found. Exits with "
        "status 1 when a quote is not found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--document", type=int, help="Only this document's claims.")

    def handle(self, *args, **options):
        documents = Document.objects.exclude(text="").order_by("pk")
        if options["document"] is not None:
            documents = Document.objects.filter(pk=options["document"])
            document = documents.first()
            if document is None:
                raise CommandError(f"There is no document {options['document']}.")
            if not document.text:
                raise CommandError(f"Document {document.pk} has no stored text.")
        anchored = missing = 0
        for document in documents.iterator():
            report = anchor_claims(document=document)
            anchored += len(report.anchored)
            missing += len(report.missing)
            if options["verbosity"] >= 2 or report.missing:
                self.stdout.write(
                    f"Document {document.pk} ({document.title}): "
                    f"{len(report.anchored)} anchored, {len(report.missing)} not found"
                )
            for claim_id, quote in report.missing:
                shown = quote if len(quote) <= 80 else quote[:79] + "…"
                self.stdout.write(f"  not found: claim {claim_id}: {shown!r}")
        self.stdout.write(f"Quotes anchored: {anchored}; not found: {missing}.")
        if missing:
            raise CommandError(f"{missing} quotes were not found in their document.")
