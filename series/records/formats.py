"""Read the published formats of official series into records, streaming.

Each reader takes the file as bytes and yields one Record per observation; a
record or line that cannot be read raises FormatError naming it and its field.
JSON is streamed with ijson, CSV line by line, so memory does not grow with the
file.
"""

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import ijson

from .countries import (
    WORLD_BANK_AGGREGATES,
    is_country_code,
    normalise_code,
)
from .periods import PeriodCodeError, comtrade_period, parse_period_code

FORMATS = {
    "comtrade-json": "UN Comtrade API v1 JSON",
    "imf-sdmx-csv": "IMF SDMX-CSV (1.0 or 2.0)",
    "worldbank-json": "World Bank API v2 JSON",
    "worldbank-csv": "World Bank bulk CSV",
    "csv": "Tidy CSV: period_start,period_end,value (series given apart)",
}
DATASET_OF_FORMAT = {
    "comtrade-json": "comtrade",
    "imf-sdmx-csv": "imf-imts",
    "worldbank-json": "wb-wdi",
    "worldbank-csv": "wb-wdi",
}
# Values at or above this are refused (the observation column's limit).
LARGEST_VALUE = Decimal("1e21")


class FormatError(ValueError):
    """What in the file cannot be read: where (line or record), which field, why."""

    def __init__(self, where: str, field: str, message: str) -> None:
        self.where = where
        self.field = field
        self.message = message
        super().__init__(
            f"{where}, {field}: {message}" if field else f"{where}: {message}"
        )


@dataclass(frozen=True)
class SeriesKey:
    dataset: str
    indicator: str
    reporter: str
    partner: str
    frequency: str

    def __str__(self) -> str:
        towards = f"→{self.partner}" if self.partner else ""
        where = f"{self.reporter}{towards} ({self.frequency})"
        return f"{self.dataset}:{self.indicator} {where}"


@dataclass(frozen=True)
class SeriesMeta:
    unit: str
    flow: str = ""
    valuation: str = ""
    name: str = ""


@dataclass(frozen=True)
class Record:
    key: SeriesKey
    meta: SeriesMeta
    start: date
    end: date
    value: Decimal | None
    where: str
    estimated: bool = False
    preliminary: bool = False
    not_reported: bool = False


def read(
    format: str, stream: IO[bytes], options: Mapping[str, str] | None = None
) -> Iterator[Record]:
    """Yield the records of `stream` in `format` (one of FORMATS)."""
    if format == "comtrade-json":
        return comtrade_json(stream)
    if format == "imf-sdmx-csv":
        return imf_sdmx_csv(stream)
    if format == "worldbank-json":
        return worldbank_json(stream)
    if format == "worldbank-csv":
        return worldbank_csv(stream)
    if format == "csv":
        return tidy_csv(stream, options or {})
    raise FormatError(
        "file", "format", f"{format!r} is not one of {', '.join(FORMATS)}."
    )


def number(text: object, where: str, field: str) -> Decimal | None:
    """Return a value as Decimal, None for empty or null; FormatError if no number."""
    if text is None or text == "":
        return None
    if isinstance(text, bool):
        raise FormatError(where, field, f"{text!r} is not a number.")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise FormatError(where, field, f"{text!r} is not a number.") from None
    if not value.is_finite() or abs(value) >= LARGEST_VALUE:
        raise FormatError(where, field, f"{text!r} is not a finite number below 10^21.")
    return value


def country(code: object, where: str, field: str, *, world: bool = False) -> str:
    """Return an ISO 3166 alpha-3 code, or FormatError naming the field."""
    if not isinstance(code, str) or not code.strip():
        raise FormatError(where, field, "A country code is required.")
    normal = normalise_code(code)
    if not is_country_code(normal, world=world):
        raise FormatError(where, field, f"{code!r} is not an ISO 3166 alpha-3 code.")
    return normal


def _period(code: object, where: str, field: str) -> tuple[date, date, str]:
    try:
        return parse_period_code(str(code or ""))
    except PeriodCodeError as error:
        raise FormatError(where, field, str(error)) from None


# --- UN Comtrade API v1 -------------------------------------------------------

COMTRADE_FLOWS = {
    "M": ("imports", "CIF"),
    "X": ("exports", "FOB"),
    "RM": ("imports", "CIF"),
    "RX": ("exports", "FOB"),
}


def _json_objects(stream: IO[bytes], item_prefix: str) -> Iterator[tuple[str, Any]]:
    """Yield ("item", object) for each object at `item_prefix`, and other scalars.

    Also yields ("top", type) first and ("key", (prefix, value)) for scalar values
    outside the items, so a reader can check the envelope as it streams.
    """
    try:
        events = ijson.parse(stream, use_float=False)
        first = next(events, None)
        if first is None:
            raise FormatError("file", "", "The file is empty.")
        yield "top", first[1]
        builder: ijson.ObjectBuilder | None = None
        for prefix, event, value in events:
            if builder is not None:
                builder.event(event, value)
                if prefix == item_prefix and event == "end_map":
                    yield "item", builder.value
                    builder = None
                continue
            if prefix == item_prefix and event == "start_map":
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
            elif event in {"string", "number", "null", "boolean"}:
                yield "key", (prefix, value)
    except ijson.JSONError as error:
        raise FormatError("file", "", f"Not valid JSON: {error}") from None


def comtrade_json(stream: IO[bytes]) -> Iterator[Record]:
    """Yield the records of a UN Comtrade API v1 answer ({"count", "data": [...]})."""
    seen_data = False
    position = 0
    for kind, content in _json_objects(stream, "data.item"):
        if kind == "top":
            if content != "start_map":
                raise FormatError(
                    "file", "", 'Not a Comtrade answer: expected {"data": [...]}.'
                )
            continue
        if kind == "key":
            prefix, value = content
            if prefix == "error" and value:
                raise FormatError("file", "error", f"The answer is an error: {value}")
            if prefix == "count":
                seen_data = True
            continue
        seen_data = True
        position += 1
        yield _comtrade(content, position)
    if not seen_data:
        raise FormatError("file", "data", 'Not a Comtrade answer: no "data" list.')


def _comtrade(item: Mapping[str, Any], position: int) -> Record:
    where = f"record {position}"
    if not isinstance(item, Mapping):
        raise FormatError(where, "", "A record is an object.")
    flow_code = item.get("flowCode")
    if flow_code not in COMTRADE_FLOWS:
        raise FormatError(
            where, "flowCode", f"{flow_code!r} is not one of M, X, RM, RX."
        )
    reporter = country(item.get("reporterISO"), where, "reporterISO")
    partner = country(item.get("partnerISO"), where, "partnerISO", world=True)
    try:
        start, end, frequency = comtrade_period(
            item.get("refYear"), item.get("refMonth")
        )
    except PeriodCodeError as error:
        raise FormatError(where, "refMonth", str(error)) from None
    value = number(item.get("primaryValue"), where, "primaryValue")
    commodity = item.get("cmdCode") or "TOTAL"
    indicator = flow_code if commodity == "TOTAL" else f"{flow_code}.{commodity}"
    flow, valuation = COMTRADE_FLOWS[flow_code]
    reported = item.get("isReported", True)
    return Record(
        key=SeriesKey("comtrade", indicator, reporter, partner, frequency),
        meta=SeriesMeta(
            unit="USD",
            flow=flow,
            valuation=valuation,
            name=f"{item.get('flowDesc') or flow} of goods ({commodity}), "
            f"{item.get('reporterDesc') or reporter} with "
            f"{item.get('partnerDesc') or partner}",
        ),
        start=start,
        end=end,
        value=value,
        where=where,
        estimated=bool(item.get("legacyEstimationFlag")) or reported is False,
        not_reported=reported is False,
    )


# --- IMF SDMX-CSV ---------------------------------------------------------------

SDMX_REQUIRED = ("COUNTRY", "INDICATOR", "TIME_PERIOD", "OBS_VALUE")
SDMX_STATUS_FLAGS = {"E": "estimated", "P": "preliminary", "F": "estimated"}


def _text_lines(stream: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def imf_sdmx_csv(stream: IO[bytes]) -> Iterator[Record]:
    """Yield the records of an IMF SDMX-CSV file, 1.0 (DATAFLOW,...) or 2.0 shape.

    OBS_VALUE is taken as it is: the IMF gives it in full units even where SCALE
    says 6 (millions), so SCALE is not applied.
    """
    try:
        reader = csv.DictReader(_text_lines(stream))
        header = reader.fieldnames or []
        if not header or header[0] not in {"DATAFLOW", "STRUCTURE"}:
            raise FormatError(
                "line 1",
                "",
                "Not SDMX-CSV: the first column is DATAFLOW (1.0) or STRUCTURE (2.0).",
            )
        missing = [column for column in SDMX_REQUIRED if column not in header]
        if missing:
            raise FormatError("line 1", missing[0], "This column is missing.")
        line = 2
        for row in reader:
            yield _sdmx(row, f"line {line}")
            line = reader.line_num + 1
    except UnicodeDecodeError as error:
        raise FormatError("file", "", f"Not UTF-8 text (byte {error.start}).") from None


def _sdmx(row: Mapping[str, str | None], where: str) -> Record:
    if None in row:
        raise FormatError(where, "", "More cells than the header has columns.")
    indicator = (row.get("INDICATOR") or "").strip()
    if not indicator:
        raise FormatError(where, "INDICATOR", "An indicator is required.")
    reporter = country(row.get("COUNTRY"), where, "COUNTRY")
    partner_code = (row.get("COUNTERPART_COUNTRY") or "").strip()
    partner = (
        country(partner_code, where, "COUNTERPART_COUNTRY", world=True)
        if partner_code
        else ""
    )
    start, end, frequency = _period(row.get("TIME_PERIOD"), where, "TIME_PERIOD")
    declared = (row.get("FREQUENCY") or row.get("FREQ") or "").strip()
    if declared and declared != frequency:
        raise FormatError(
            where,
            "TIME_PERIOD",
            f"{row.get('TIME_PERIOD')!r} is not a period of frequency {declared}.",
        )
    value = number(row.get("OBS_VALUE"), where, "OBS_VALUE")
    valuation = (row.get("VALUATION") or "").strip().upper()
    if valuation not in {"FOB", "CIF"}:
        valuation = "FOB" if "FOB" in indicator else "CIF" if "CIF" in indicator else ""
    flow = "exports" if indicator.startswith("X") else ""
    flow = "imports" if indicator.startswith("M") else flow
    status = (row.get("STATUS") or row.get("OBS_STATUS") or "").strip().upper()
    unit = (row.get("UNIT") or "").strip() or (
        "USD" if indicator.endswith("_USD") else "value"
    )
    return Record(
        key=SeriesKey("imf-imts", indicator, reporter, partner, frequency),
        meta=SeriesMeta(unit=unit, flow=flow, valuation=valuation, name=indicator),
        start=start,
        end=end,
        value=value,
        where=where,
        estimated=SDMX_STATUS_FLAGS.get(status) == "estimated",
        preliminary=SDMX_STATUS_FLAGS.get(status) == "preliminary",
        not_reported=value is None,
    )


# --- World Bank -------------------------------------------------------------------


def _world_bank_unit(indicator_name: str) -> str:
    return "USD" if "US$" in indicator_name else "value"


def worldbank_json(stream: IO[bytes]) -> Iterator[Record]:
    """Yield the records of a World Bank API v2 answer: [{page...}, [{...}, ...]].

    Null values (years without data) and regional aggregates are skipped.
    """
    position = 0
    for kind, content in _json_objects(stream, "item.item"):
        if kind == "top":
            if content != "start_array":
                raise FormatError(
                    "file", "", "Not a World Bank answer: expected [{page...}, [rows]]."
                )
            continue
        if kind == "key":
            prefix, value = content
            if prefix.startswith("item.message"):
                raise FormatError("file", "message", f"The answer is an error: {value}")
            continue
        position += 1
        record = _world_bank_row(content, f"record {position}")
        if record is not None:
            yield record


def _world_bank_row(item: Mapping[str, Any], where: str) -> Record | None:
    code = (item.get("countryiso3code") or "").strip().upper()
    if not code or code in WORLD_BANK_AGGREGATES:
        return None
    reporter = country(code, where, "countryiso3code")
    indicator = item.get("indicator") or {}
    indicator_id = indicator.get("id") if isinstance(indicator, Mapping) else None
    if not indicator_id:
        raise FormatError(where, "indicator", "An indicator id is required.")
    value = number(item.get("value"), where, "value")
    if value is None:
        return None
    start, end, frequency = _period(item.get("date"), where, "date")
    name = str(indicator.get("value") or indicator_id)
    return Record(
        key=SeriesKey("wb-wdi", indicator_id, reporter, "", frequency),
        meta=SeriesMeta(unit=item.get("unit") or _world_bank_unit(name), name=name),
        start=start,
        end=end,
        value=value,
        where=where,
        estimated=bool(item.get("obs_status")),
    )


def worldbank_csv(stream: IO[bytes]) -> Iterator[Record]:
    """Yield the records of a World Bank bulk CSV (BOM, preamble, year columns)."""
    try:
        reader = csv.reader(_text_lines(stream))
        header: list[str] = []
        for row in reader:
            if row and row[0] == "Country Name":
                header = row
                break
            if reader.line_num > 10:
                break
        if not header:
            raise FormatError(
                "file",
                "Country Name",
                "Not a World Bank bulk CSV: no header line starting 'Country Name' "
                "after the preamble.",
            )
        for column in ("Country Code", "Indicator Code"):
            if column not in header:
                raise FormatError(f"line {reader.line_num}", column, "Missing column.")
        code_at = header.index("Country Code")
        indicator_at = header.index("Indicator Code")
        name_at = header.index("Indicator Name") if "Indicator Name" in header else None
        years = [
            (position, title)
            for position, title in enumerate(header)
            if title.strip().isdigit()
        ]
        for row in reader:
            where = f"line {reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header) - 1 or len(row) > len(header) + 1:
                raise FormatError(
                    where, "", "The line's cells do not match the header."
                )
            code = row[code_at].strip().upper()
            if code in WORLD_BANK_AGGREGATES:
                continue
            reporter = country(code, where, "Country Code")
            name = row[name_at] if name_at is not None else row[indicator_at]
            for position, year in years:
                cell = row[position] if position < len(row) else ""
                value = number(cell, where, year)
                if value is None:
                    continue
                start, end, frequency = _period(year, where, year)
                yield Record(
                    key=SeriesKey(
                        "wb-wdi", row[indicator_at].strip(), reporter, "", frequency
                    ),
                    meta=SeriesMeta(unit=_world_bank_unit(name), name=name),
                    start=start,
                    end=end,
                    value=value,
                    where=where,
                )
    except UnicodeDecodeError as error:
        raise FormatError("file", "", f"Not UTF-8 text (byte {error.start}).") from None


# --- Tidy CSV -------------------------------------------------------------------

TIDY_REQUIRED = ("period_start", "period_end", "value")
TIDY_OPTIONS = ("dataset", "indicator", "reporter", "partner", "unit")


def tidy_key(options: Mapping[str, str]) -> tuple[SeriesKey, SeriesMeta]:
    """Return the key and metadata the options give (frequency comes per line)."""
    for name in ("dataset", "indicator", "reporter", "unit"):
        if not (options.get(name) or "").strip():
            raise FormatError("options", name, "Required for the csv format.")
    reporter = country(options["reporter"], "options", "reporter")
    partner = options.get("partner") or ""
    if partner:
        partner = country(partner, "options", "partner", world=True)
    meta = SeriesMeta(
        unit=options["unit"],
        flow=options.get("flow", "") or "",
        valuation=(options.get("valuation") or "").upper(),
        name=options.get("name", "") or "",
    )
    return SeriesKey(
        options["dataset"], options["indicator"], reporter, partner, ""
    ), meta


def tidy_csv(stream: IO[bytes], options: Mapping[str, str]) -> Iterator[Record]:
    """Yield the records of period_start,period_end,value[,estimated,preliminary]."""
    base, meta = tidy_key(options)
    try:
        reader = csv.DictReader(_text_lines(stream))
        header = reader.fieldnames or []
        missing = [column for column in TIDY_REQUIRED if column not in header]
        if missing:
            raise FormatError("line 1", missing[0], "This column is missing.")
        line = 2
        for row in reader:
            where = f"line {line}"
            if None in row:
                raise FormatError(where, "", "More cells than the header has columns.")
            start = _date(row["period_start"], where, "period_start")
            end = _date(row["period_end"], where, "period_end")
            if end < start:
                raise FormatError(
                    where, "period_end", "The period ends before it starts."
                )
            length = (end - start).days + 1
            frequency = "M" if length <= 31 else "Q" if length <= 92 else "A"
            value = number(row["value"], where, "value")
            yield Record(
                key=SeriesKey(
                    base.dataset, base.indicator, base.reporter, base.partner, frequency
                ),
                meta=meta,
                start=start,
                end=end,
                value=value,
                where=where,
                estimated=_flag(row.get("estimated")),
                preliminary=_flag(row.get("preliminary")),
                not_reported=value is None,
            )
            line = reader.line_num + 1
    except UnicodeDecodeError as error:
        raise FormatError("file", "", f"Not UTF-8 text (byte {error.start}).") from None


def _date(text: str | None, where: str, field: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise FormatError(
            where, field, f"{text!r} is not a date (YYYY-MM-DD)."
        ) from None


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() in {"1", "true", "yes", "y", "e", "p"}
