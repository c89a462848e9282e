"""manage.py fetch_series SOURCE ...: build (and, when allowed, send) the request."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from series.records.formats import FormatError
from series.services.fetching import SOURCES, build_requests, fetch_and_load


class Command(BaseCommand):
    help = (
        "Build the request for a reporter's series from UN Comtrade (preview API, "
        "no key), the IMF (SDMX 3.0, IMTS) or the World Bank (API v2), and with "
        "SERIES_FETCH_ONLINE=1 send it and load the answer as new vintages; "
        "otherwise print the requests (curl) and send nothing. --mirror also "
        "fetches the partner's reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=SOURCES)
        parser.add_argument("--reporter", required=True)
        parser.add_argument("--partner", default="")
        parser.add_argument("--years", required=True, help="2009-2014 or 2012")
        parser.add_argument("--frequency", choices=["A", "M"], default="A")
        parser.add_argument("--indicator", default="", help="World Bank only.")
        parser.add_argument("--mirror", action="store_true")

    def handle(self, *args, **options):
        first, _, last = options["years"].partition("-")
        try:
            first_year, last_year = int(first), int(last or first)
        except ValueError:
            raise CommandError("--years: write 2009-2014 or 2012.") from None
        pairs = [(options["reporter"].upper(), options["partner"].upper())]
        if options["mirror"] and options["partner"]:
            pairs.append(pairs[0][::-1])
        requests = [
            request
            for reporter, partner in pairs
            for request in build_requests(
                source=options["source"],
                reporter=reporter,
                partner=partner,
                first_year=first_year,
                last_year=last_year,
                frequency=options["frequency"],
                indicator=options["indicator"],
            )
        ]
        if not settings.SERIES_FETCH_ONLINE:
            self.stdout.write(
                "Offline (SERIES_FETCH_ONLINE is off): nothing sent. The requests:"
            )
            for request in requests:
                self.stdout.write(f"  {request.curl()}  # --format {request.format}")
            return
        for request in requests:
            try:
                report = fetch_and_load(request=request)
            except FormatError as error:
                raise CommandError(f"{request.url}: {error}. Nothing stored.") from None
            self.stdout.write(f"{request.url}: {report.summary()}")
