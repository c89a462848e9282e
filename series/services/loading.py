"""Load a file of official observations: one vintage per changed series, or none.

The file is read as a stream (records in batches), so memory does not grow with
it: what is kept per file is one entry per series, not per record. Everything is
one transaction: a bad record anywhere stores nothing. A series whose every
observation in the file equals what is already stored gets no new vintage, so
loading the same file twice stores nothing new and says so.
"""

import hashlib
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField, Max, OuterRef, Subquery
from psycopg import sql

from factcheck.jobs import defer
from factcheck.services import Actor, acting_user

from ..models import Dataset, MetricSeriesLink, Observation, Series, Vintage
from ..records.formats import FormatError, Record, SeriesKey, read

# Deferred by the names series.tasks registers (a service never imports its tasks).
REFRESH_METRIC_COMPARISONS_TASK = "series.refresh_metric_comparisons"
LOAD_UPLOAD_TASK = "series.load_upload"
BATCH_SIZE = 5000
# Revisions listed in a vintage's `changes` (all are counted).
REVISIONS_LISTED = 50

KNOWN_DATASETS: dict[str, dict[str, str]] = {
    "comtrade": {
        "name": "UN Comtrade",
        "publisher": "United Nations Statistics Division",
        "url": "https://comtradeplus.un.org/",
        "licence": "UN Comtrade terms of use",
    },
    "imf-imts": {
        "name": "IMF International Trade in Goods (IMTS, formerly DOTS)",
        "publisher": "International Monetary Fund",
        "url": "https://data.imf.org/",
        "licence": "IMF copyright and usage terms",
    },
    "wb-wdi": {
        "name": "World Bank World Development Indicators",
        "publisher": "World Bank",
        "url": "https://data.worldbank.org/",
        "licence": "CC BY 4.0",
    },
}


class HashingReader(io.BufferedIOBase):
    """A binary stream that computes the SHA-256 of what is read through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._stream.read(-1 if size is None else size)
        self._hash.update(chunk)
        self.size += len(chunk)
        return chunk

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else 1 << 16)

    def close(self) -> None:
        """Stay open: a text wrapper closing it must not stop the checksum."""

    def hexdigest(self) -> str:
        while self.read(1 << 16):
            pass
        return self._hash.hexdigest()


@dataclass
class LoadReport:
    records: int = 0
    series: int = 0
    series_created: int = 0
    vintages: list[int] = field(default_factory=list)
    unchanged: int = 0
    added: int = 0
    revised: int = 0
    checksum: str = ""
    metrics_refreshed: list[int] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not self.vintages

    def summary(self) -> str:
        if self.nothing_new:
            return (
                f"Nothing new: the {self.records} records of this file (SHA-256 "
                f"{self.checksum[:12]}…) are already stored as they are; no vintage "
                "was added."
            )
        return (
            f"{self.records} records in {self.series} series: {len(self.vintages)} "
            f"new vintages ({self.added} periods added, {self.revised} revised), "
            f"{self.unchanged} series unchanged, {self.series_created} series new."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "series": self.series,
            "series_created": self.series_created,
            "vintages": self.vintages,
            "unchanged_series": self.unchanged,
            "periods_added": self.added,
            "periods_revised": self.revised,
            "checksum": self.checksum,
            "nothing_new": self.nothing_new,
            "summary": self.summary(),
        }


def load_series_file(
    *,
    stream: IO[bytes],
    format: str,
    file_name: str = "",
    options: Mapping[str, str] | None = None,
    by: Actor = None,
    retrieved_at: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> LoadReport:
    """Load a file in `format`; raise FormatError (nothing stored) on a bad record."""
    reader = HashingReader(stream)
    report = LoadReport()
    pending = f"pending:{uuid.uuid4().hex}"
    loader = _Loader(
        pending=pending,
        file_name=file_name[:255],
        file_format=format,
        by=acting_user(by),
        retrieved_at=retrieved_at,
        report=report,
    )
    with transaction.atomic():
        batch: list[Record] = []
        for record in read(format, cast(IO[bytes], reader), options):
            batch.append(record)
            if len(batch) >= batch_size:
                loader.store(batch)
                batch = []
        loader.store(batch)
        report.checksum = reader.hexdigest()
        if report.records == 0:
            raise FormatError("file", "", "The file holds no observations.")
        _record_changes(pending, report)
        Vintage.objects.filter(checksum=pending).update(checksum=report.checksum)
        report.metrics_refreshed = _refresh_linked_metrics(report.vintages)
    return report


@dataclass
class _Loader:
    pending: str
    file_name: str
    file_format: str
    by: Any
    retrieved_at: datetime | None
    report: LoadReport
    # series key -> (series id, id of this load's vintage of it)
    vintage_of: dict[SeriesKey, tuple[int, int]] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)

    def store(self, batch: list[Record]) -> None:
        if not batch:
            return
        self.report.records += len(batch)
        batch = _without_repeats(batch)
        self._ensure_vintages(batch)
        rows = [
            (
                *self.vintage_of[record.key][::-1],
                record.start,
                record.end,
                record.value,
                record.estimated,
                record.preliminary,
                record.not_reported,
            )
            for record in batch
        ]
        try:
            with transaction.atomic():
                _insert_observations(rows)
        except IntegrityError:
            self._explain_repeat(batch)
            repeated = self._repeated(batch)
            _insert_observations(
                [row for row, r in zip(rows, batch, strict=True) if r not in repeated]
            )

    def _dataset(self, code: str, where: str) -> Dataset:
        if code not in self.datasets:
            dataset = Dataset.objects.filter(code=code).first()
            if dataset is None:
                if code not in KNOWN_DATASETS:
                    raise FormatError(
                        where,
                        "dataset",
                        f"No dataset {code!r}: create it in the admin first.",
                    )
                dataset = Dataset.objects.create(code=code, **KNOWN_DATASETS[code])
            self.datasets[code] = dataset
        return self.datasets[code]

    def _ensure_vintages(self, batch: list[Record]) -> None:
        new = {r.key: r for r in batch if r.key not in self.vintage_of}
        if not new:
            return
        by_dataset: dict[str, list[SeriesKey]] = {}
        for key, record in new.items():
            self._dataset(key.dataset, record.where)
            by_dataset.setdefault(key.dataset, []).append(key)
        found: dict[SeriesKey, int] = {}
        for code, keys in by_dataset.items():
            dataset = self.datasets[code]
            rows = Series.objects.filter(
                dataset=dataset,
                reporter__in={k.reporter for k in keys},
                indicator__in={k.indicator for k in keys},
            ).values_list("id", "indicator", "reporter", "partner", "frequency")
            wanted = set(keys)
            for pk, indicator, reporter, partner, frequency in rows:
                key = SeriesKey(code, indicator, reporter, partner, frequency)
                if key in wanted:
                    found[key] = pk
        missing = [key for key in new if key not in found]
        created = Series.objects.bulk_create(
            [
                Series(
                    dataset=self.datasets[key.dataset],
                    indicator=key.indicator,
                    reporter=key.reporter,
                    partner=key.partner,
                    frequency=key.frequency,
                    flow=new[key].meta.flow,
                    unit=new[key].meta.unit,
                    valuation=new[key].meta.valuation,
                    name=new[key].meta.name[:300],
                )
                for key in missing
            ],
            batch_size=1000,
        )
        for key, series in zip(missing, created, strict=True):
            found[key] = series.pk
        self.report.series_created += len(created)
        numbers = dict(
            Vintage.objects.filter(series_id__in=[found[k] for k in new])
            .values("series_id")
            .annotate(last=Max("number"))
            .values_list("series_id", "last")
        )
        vintages = Vintage.objects.bulk_create(
            [
                Vintage(
                    series_id=found[key],
                    number=numbers.get(found[key], 0) + 1,
                    checksum=self.pending,
                    file_name=self.file_name,
                    file_format=self.file_format,
                    retrieved_at=self.retrieved_at,
                    loaded_by=self.by,
                )
                for key in new
            ],
            batch_size=1000,
        )
        for key, vintage in zip(new, vintages, strict=True):
            self.vintage_of[key] = (found[key], vintage.pk)
        self.report.series += len(new)

    def _repeated(self, batch: list[Record]) -> set[Record]:
        """Return the records of `batch` already stored by this load (same value)."""
        repeated = set()
        for record in batch:
            if self._stored(record).exists():
                repeated.add(record)
        return repeated

    def _stored(self, record: Record) -> Any:
        return Observation.objects.filter(
            vintage_id=self.vintage_of[record.key][1],
            period_start=record.start,
            period_end=record.end,
        )

    def _explain_repeat(self, batch: list[Record]) -> None:
        for record in batch:
            earlier = self._stored(record).values_list("value", flat=True).first()
            if earlier is None and not self._stored(record).exists():
                continue
            if earlier != record.value:
                raise _two_values(record, earlier)


# (vintage_id, series_id, period_start, period_end, value, estimated, preliminary,
# not_reported): a batch of observations as plain tuples, not model instances.
OBSERVATION_COLUMNS = (
    "vintage_id",
    "series_id",
    "period_start",
    "period_end",
    "value",
    "estimated",
    "preliminary",
    "not_reported",
)


def _insert_observations(rows: list[tuple[Any, ...]]) -> None:
    """Insert observation rows: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
            table=sql.Identifier(Observation._meta.db_table),
            columns=sql.SQL(", ").join(map(sql.Identifier, OBSERVATION_COLUMNS)),
        )
        # Django's wrapper turns psycopg's UniqueViolation into its IntegrityError.
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    Observation.objects.bulk_create(
        [
            Observation(**dict(zip(OBSERVATION_COLUMNS, row, strict=True)))
            for row in rows
        ],
        batch_size=1000,
    )


def _two_values(record: Record, earlier: object) -> FormatError:
    return FormatError(
        record.where,
        "value",
        f"A second, different value for {record.key} {record.start} to "
        f"{record.end}: {earlier} earlier in this file, {record.value} here.",
    )


def _without_repeats(batch: list[Record]) -> list[Record]:
    """Drop repeats of a record within the batch; two different values are an error."""
    first: dict[tuple[SeriesKey, Any, Any], Record] = {}
    kept = []
    for record in batch:
        slot = (record.key, record.start, record.end)
        if slot in first:
            if first[slot].value != record.value:
                raise _two_values(record, first[slot].value)
            continue
        first[slot] = record
        kept.append(record)
    return kept


def _record_changes(pending: str, report: LoadReport) -> None:
    """Write each new vintage's changes; drop the vintages that change nothing."""
    earlier = Observation.objects.filter(
        series_id=OuterRef("series_id"),
        period_start=OuterRef("period_start"),
        period_end=OuterRef("period_end"),
        vintage__number__lt=OuterRef("vintage__number"),
    ).order_by("-vintage__number")
    rows = (
        Observation.objects.filter(vintage__checksum=pending)
        .annotate(
            earlier_id=Subquery(earlier.values("id")[:1]),
            earlier_value=Subquery(
                earlier.values("value")[:1],
                output_field=DecimalField(max_digits=28, decimal_places=6),
            ),
        )
        .order_by("vintage_id")
        .values_list(
            "vintage_id",
            "period_start",
            "period_end",
            "value",
            "earlier_id",
            "earlier_value",
        )
    )
    changes: dict[int, dict[str, Any]] = {}
    for vintage_id, start, end, value, earlier_id, earlier_value in rows.iterator(
        chunk_size=2000
    ):
        change = changes.setdefault(
            vintage_id, {"added": 0, "revised": 0, "unchanged": 0, "revisions": []}
        )
        if earlier_id is None:
            change["added"] += 1
        elif earlier_value != value:
            change["revised"] += 1
            if len(change["revisions"]) < REVISIONS_LISTED:
                change["revisions"].append(
                    {
                        "period_start": start.isoformat(),
                        "period_end": end.isoformat(),
                        "before": _plain(earlier_value),
                        "after": _plain(value),
                    }
                )
        else:
            change["unchanged"] += 1
    unchanged = [pk for pk, c in changes.items() if not c["added"] and not c["revised"]]
    for offset in range(0, len(unchanged), 1000):
        chunk = unchanged[offset : offset + 1000]
        Observation.objects.filter(vintage_id__in=chunk).delete()
        Vintage.objects.filter(pk__in=chunk).delete()
    dropped = set(unchanged)
    kept = [pk for pk in changes if pk not in dropped]
    # A thousand vintages at a time: memory stays one entry per series, not a
    # model instance per series.
    for offset in range(0, len(kept), 1000):
        vintages = Vintage.objects.only("pk").in_bulk(kept[offset : offset + 1000])
        for pk, vintage in vintages.items():
            vintage.changes = changes[pk]
        Vintage.objects.bulk_update(vintages.values(), ["changes"])
    report.vintages = sorted(kept)
    report.unchanged = len(unchanged)
    report.added = sum(changes[pk]["added"] for pk in kept)
    report.revised = sum(changes[pk]["revised"] for pk in kept)


def _plain(value: Any) -> str | None:
    """Return a value as text without trailing zeros: 1100000000, 0.5."""
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return text


def linked_metric_ids(series_keys: Iterable[tuple[str, str, str, str]]) -> list[int]:
    """Return the metrics linked to any (dataset, reporter, indicator, partner)."""
    keys = set(series_keys)
    if not keys:
        return []
    links = MetricSeriesLink.objects.filter(
        dataset__code__in={k[0] for k in keys}, reporter__in={k[1] for k in keys}
    ).values_list("metric_id", "dataset__code", "reporter", "terms")
    metrics = set()
    for metric_id, code, reporter, terms in links:
        for term in terms or []:
            key = (code, reporter, term.get("indicator"), term.get("partner", ""))
            if key in keys:
                metrics.add(metric_id)
    return sorted(metrics)


def _refresh_linked_metrics(vintage_ids: list[int]) -> list[int]:
    """Defer the comparison job of every metric linked to a series just loaded."""
    if not vintage_ids:
        return []
    keys: set[tuple[str, str, str, str]] = set()
    for start in range(0, len(vintage_ids), 1000):
        keys.update(
            Series.objects.filter(
                vintages__pk__in=vintage_ids[start : start + 1000]
            ).values_list("dataset__code", "reporter", "indicator", "partner")
        )
    metric_ids = linked_metric_ids(keys)
    for metric_id in metric_ids:
        defer_metric_comparisons(metric_id=metric_id)
    return metric_ids


def defer_metric_comparisons(*, metric_id: int) -> None:
    """Defer the job that recomputes a metric's comparisons (coalesced per metric)."""
    defer(
        REFRESH_METRIC_COMPARISONS_TASK,
        queueing_lock=f"series:comparisons:metric:{metric_id}",
        metric_id=metric_id,
    )
