"""Build the request for a source's series, and (when allowed) fetch and load it.

Offline is the default (settings.SERIES_FETCH_ONLINE): the request is built and
shown, nothing is sent. Plain urllib: the official clients (comtradeapicall,
wbgapi, sdmx1) would add dependencies for three GET requests. The answer is loaded
as a new vintage by the same loaders as a file (load_series_file).
"""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pycountry
from django.conf import settings

from factcheck.services import Actor

from ..records.formats import FormatError
from .loading import LoadReport, load_series_file

SOURCES = ("comtrade", "imf", "worldbank")
COMTRADE_URL = "https://comtradeapi.un.org/public/v1/preview/C/{frequency}/HS"
IMF_URL = "https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+/{key}"
WORLD_BANK_URL = "https://api.worldbank.org/v2/country/{country}/indicator/{indicator}"


class FetchNotAllowed(RuntimeError):
    """Fetching is off (settings.SERIES_FETCH_ONLINE)."""


@dataclass(frozen=True)
class FetchRequest:
    url: str
    format: str
    headers: dict[str, str] = field(default_factory=dict)

    def curl(self) -> str:
        headers = " ".join(f"-H '{k}: {v}'" for k, v in self.headers.items())
        return f"curl -sS {headers} '{self.url}'".replace("  ", " ")


def m49(alpha3: str) -> str:
    """Return a country's numeric code (Comtrade's reporterCode/partnerCode)."""
    country = pycountry.countries.get(alpha_3=alpha3.upper())
    if country is None:
        raise FormatError(
            "options", "reporter", f"{alpha3!r} is not an ISO alpha-3 code."
        )
    return str(int(country.numeric))


def build_requests(
    *,
    source: str,
    reporter: str,
    partner: str = "",
    first_year: int,
    last_year: int,
    frequency: str = "A",
    indicator: str = "",
) -> list[FetchRequest]:
    """Return the requests that fetch a reporter's series (and months, per year)."""
    if source == "comtrade":
        base = COMTRADE_URL.format(frequency=frequency)
        requests = []
        years = range(first_year, last_year + 1)
        periods = (
            [",".join(str(y) for y in years)]
            if frequency == "A"
            else [",".join(f"{y}{m:02d}" for m in range(1, 13)) for y in years]
        )
        for period in periods:
            query = {
                "reporterCode": m49(reporter),
                "partnerCode": m49(partner),
                "period": period,
                "cmdCode": "TOTAL",
                "flowCode": "M,X",
            }
            requests.append(
                FetchRequest(f"{base}?{urlencode(query, safe=',')}", "comtrade-json")
            )
        return requests
    if source == "imf":
        key = f"{reporter}.XG_FOB_USD+MG_CIF_USD.{partner}.{frequency}"
        return [
            FetchRequest(
                IMF_URL.format(key=key), "imf-sdmx-csv", {"Accept": "text/csv"}
            )
        ]
    if source == "worldbank":
        wb_query = urlencode(
            {"format": "json", "per_page": 1000, "date": f"{first_year}:{last_year}"},
            safe=":",
        )
        url = WORLD_BANK_URL.format(country=reporter, indicator=indicator)
        return [FetchRequest(f"{url}?{wb_query}", "worldbank-json")]
    raise ValueError(f"Unknown source {source!r}: one of {', '.join(SOURCES)}.")


def fetch_and_load(*, request: FetchRequest, by: Actor = None) -> LoadReport:
    """Send `request` and load its answer as new vintages; FetchNotAllowed if off."""
    if not settings.SERIES_FETCH_ONLINE:
        raise FetchNotAllowed(
            "Fetching is off: set SERIES_FETCH_ONLINE=1 where the network is reachable."
        )
    retrieved_at = datetime.now(tz=UTC)
    http = Request(request.url, headers=request.headers)  # noqa: S310 - https only
    with urlopen(http, timeout=settings.SERIES_FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310
        content = answer.read()
    return load_series_file(
        stream=io.BytesIO(content),
        format=request.format,
        file_name=request.url[-255:],
        by=by,
        retrieved_at=retrieved_at,
    )
