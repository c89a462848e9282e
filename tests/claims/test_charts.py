import datetime
import re
import xml.etree.ElementTree as ElementTree
from decimal import Decimal

import pytest
from django.core.management import call_command

from claims.charts import axis_unit, metric_chart, metric_chart_svg
from claims.models import Metric
from tests.factories import DocumentFactory, FigureClaimFactory, MetricFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"friends\""


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output


def test_each_drawn_claim_and_conflict_gets_one_mark_and_periodless_ones_a_note():
    metric = MetricFactory(name="Iran-Russia trade")
    first = FigureClaimFactory(metric=metric)
    second = FigureClaimFactory(
        metric=metric,
        value=Decimal("2000000000"),
        comparator="exact",
        change_percent=Decimal("-40"),
        change_comparator="approximately",
    )
    open_start = FigureClaimFactory(
        metric=metric,
        value=Decimal("3000000000"),
        period_start=None,
        period_end=datetime.date(2013, 3, 20),
    )
    undated = FigureClaimFactory(
        metric=metric, period_start=None, period_end=None, text="Trade is undated."
    )
    svg = metric_chart_svg(
        metric,
        [first, second, open_start, undated],
        [(second.pk, first.pk), (first.pk, second.pk), (open_start.pk, undated.pk)],
    )
    root = parsed(svg)
    marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "claim-mark"]
    assert sorted(int(g.get("data-claim-id")) for g in marks) == sorted(
        [first.pk, second.pk, open_start.pk]
    )
    assert svg.count('class="claim-mark"') == 3
    # One pair, given twice; the pair with an undrawn claim has nothing to join.
    assert svg.count('class="conflict-mark"') == 1
    assert svg.count('class="implied-mark"') == 1
    assert f"#{undated.pk} $5.3 billion (approx.): Trade is undated." in svg
    assert svg.count('class="chart-note"') == 1


def test_hostile_titles_and_texts_are_escaped():
    metric = MetricFactory(name=HOSTILE)
    document = DocumentFactory(title=HOSTILE)
    claims = [
        FigureClaimFactory(metric=metric, document=document, text=HOSTILE),
        FigureClaimFactory(
            metric=metric,
            document=document,
            text=HOSTILE,
            period_start=None,
            period_end=None,
        ),
    ]
    svg = metric_chart_svg(metric, claims, [])
    assert "<script" not in svg
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp;" in svg
    root = parsed(svg)  # still well-formed XML
    texts = "".join(root.itertext())
    assert HOSTILE in texts


def test_the_trade_axis_reads_in_billions_of_dollars():
    metric = MetricFactory(unit="USD")
    svg = metric_chart_svg(metric, [FigureClaimFactory(metric=metric)], [])
    labels = re.findall(r'class="axis-label"[^>]*>([^<]*)<', svg)
    assert "$ billion" in labels
    assert ">5<" in svg  # a tick at 5 (billion), not 5000000000
    assert "5000000000" not in svg


@pytest.mark.parametrize(
    ("unit", "magnitude", "label"),
    [
        ("USD", Decimal("5300000000"), "$ billion"),
        ("USD", Decimal("16000"), "$"),
        ("EUR", Decimal("7000000"), "€ million"),
        ("RUB", Decimal("7000000"), "RUB million"),
        ("percent", Decimal("80"), "%"),
        ("cars", Decimal("12000"), "cars"),
        ("vehicles", Decimal("2780000"), "million vehicles"),
    ],
)
def test_axis_units_follow_the_unit_and_magnitude(unit, magnitude, label):
    assert axis_unit(unit, magnitude)[0] == label


def test_marks_stay_inside_the_plot_and_the_output_is_deterministic():
    metric = MetricFactory()
    claims = [
        FigureClaimFactory(
            metric=metric,
            value=Decimal(value),
            comparator=comparator,
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
        )
        for value, comparator, year in [
            ("12000", "more_than", 2007),
            ("500", "less_than", 2009),
            ("9000", "exact", 2008),
        ]
    ]
    svg = metric_chart_svg(metric, claims, [(claims[0].pk, claims[1].pk)])
    shuffled = list(reversed(claims))
    assert metric_chart_svg(metric, shuffled, [(claims[1].pk, claims[0].pk)]) == svg
    root = parsed(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    for element in root.iter():
        for name in ("x", "x1", "x2", "cx"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name)) <= width, (name, element.attrib)
        for name in ("y", "y1", "y2", "cy"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name)) <= height, (name, element.attrib)


def test_periods_at_the_ends_of_the_calendar_are_drawn_inside_the_plot():
    # Rows stored before dates were bounded (or written by bulk paths): a period
    # ending on 9999-12-31 made the time axis reach for year 10000, a 500.
    metric = MetricFactory()
    first, last = datetime.date.min, datetime.date.max
    periods = [
        (first, last),
        (datetime.date(9999, 1, 1), last),
        (first, datetime.date(1, 12, 31)),
        (None, last),
        (first, None),
    ]
    claims = [
        FigureClaimFactory(
            metric=metric,
            value=Decimal(1000 * (index + 1)),
            comparator="exact",
            change_percent=Decimal("-40"),
            period_start=start,
            period_end=end,
        )
        for index, (start, end) in enumerate(periods)
    ]

    svg = metric_chart_svg(metric, claims, [(claims[0].pk, claims[1].pk)])

    assert svg.count('class="claim-mark"') == len(claims)
    assert svg.count('class="conflict-mark"') == 1
    root = parsed(svg)
    width = float(root.get("width"))
    for element in root.iter():
        for name in ("x", "x1", "x2", "cx"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name)) <= width, (name, element.attrib)


def test_the_seed_trade_chart_draws_every_dated_trade_figure():
    call_command("loaddata", "seed", verbosity=0)
    metric = Metric.objects.get(slug="iran-russia-trade-volume")
    svg = metric_chart(metric)
    dated = metric.claims.exclude(period_start=None, period_end=None).count()
    assert svg.count('class="claim-mark"') == dated
    assert svg.count('class="conflict-mark"') >= 1  # the editors' own links
    assert "$ billion" in svg


def _label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """Return each claim label's box, as the chart measures text (CHAR_WIDTH)."""
    from claims.drawing.svg import CHAR_WIDTH, LABEL_HEIGHT

    boxes = []
    for element in parsed(svg).iter(f"{SVG}text"):
        if element.get("class") != "claim-label":
            continue
        x, baseline = float(element.get("x")), float(element.get("y"))
        width = len(element.text or "") * CHAR_WIDTH
        left = x if element.get("text-anchor") == "start" else x - width
        boxes.append((left, baseline - LABEL_HEIGHT + 3, left + width, baseline + 3))
    return boxes


def _overlapping(boxes):
    return [
        (one, other)
        for index, one in enumerate(boxes)
        for other in boxes[index + 1 :]
        if not (
            one[2] <= other[0]
            or other[2] <= one[0]
            or one[3] <= other[1]
            or other[3] <= one[1]
        )
    ]


def test_the_seed_trade_chart_labels_never_overlap_and_says_which_it_left_out():
    from claims.services.conflicts import detect_all_conflicts

    # As `make run` loads it: the fixtures, then conflict detection.
    call_command("loaddata", "seed", verbosity=0)
    detect_all_conflicts()
    metric = Metric.objects.get(slug="iran-russia-trade-volume")
    svg = metric_chart(metric)
    boxes = _label_boxes(svg)
    assert boxes
    assert _overlapping(boxes) == []
    drawn = svg.count('class="claim-mark"')
    implied = svg.count('class="implied-mark"')
    notes = re.findall(r'<text class="chart-note unlabelled"[^>]*>([^<]*)<', svg)
    unlabelled = sum(len(re.findall(r"#\d+", note)) for note in notes)
    assert len(boxes) + unlabelled == drawn + implied


def test_a_claim_in_many_conflicts_gets_one_conflict_ring():
    # Figures made for this test: one claim conflicting with five others.
    metric = MetricFactory(unit="USD")
    claims = [
        FigureClaimFactory(metric=metric, value=Decimal(value) * 10**9)
        for value in ("5.3", "1", "2", "3", "4", "8")
    ]
    pairs = [(claims[0].pk, other.pk) for other in claims[1:]]
    svg = metric_chart_svg(metric, claims, pairs)
    rings = re.findall(r'<circle class="conflict-ring" data-claim-id="(\d+)"', svg)
    assert sorted(rings) == sorted(str(claim.pk) for claim in claims)
    assert svg.count('class="conflict-mark"') == 5


def test_the_narrow_chart_keeps_every_mark_and_line_of_text_within_a_phones_width():
    from claims.charts import NARROW, metric_charts
    from claims.drawing.svg import CHAR_WIDTH
    from claims.services.conflicts import detect_all_conflicts

    call_command("loaddata", "seed", verbosity=0)
    detect_all_conflicts()
    metric = Metric.objects.get(slug="iran-russia-trade-volume")
    wide, narrow = metric_charts(metric)
    root = parsed(narrow)
    assert float(root.get("width")) == NARROW.width
    assert narrow.count('class="claim-mark"') == wide.count('class="claim-mark"')
    for element in root.iter():
        for name in ("x", "x1", "x2", "cx"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name)) <= NARROW.width, element.attrib
        plain_text = element.tag == f"{SVG}text" and element.get("font-size") is None
        starts = element.get("text-anchor", "start") == "start"
        if plain_text and starts and element.text:
            right = float(element.get("x")) + len(element.text) * CHAR_WIDTH
            assert right <= NARROW.width, element.text
    assert _overlapping(_label_boxes(narrow)) == []


def test_the_metric_page_serves_the_wide_and_the_narrow_chart(client):
    claim = FigureClaimFactory()  # made for this test
    page = client.get(f"/metrics/{claim.metric.slug}/").content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" width="960"') == 1
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" width="400"') == 1


def test_a_long_metric_name_wraps_on_the_narrow_chart():
    from claims.charts import NARROW

    # A metric name made for this test, longer than a phone's width.
    metric = MetricFactory(
        name="Iran-Russia bilateral trade volume in goods and services, both ways"
    )
    svg = metric_chart_svg(
        metric, [FigureClaimFactory(metric=metric)], [], layout=NARROW
    )
    titles = [
        element.text
        for element in parsed(svg).iter(f"{SVG}text")
        if element.get("font-size") == "18"
    ]
    assert len(titles) > 1
    assert " ".join(titles) == metric.name
    assert all(len(title) * 10.5 <= NARROW.width - NARROW.left for title in titles)
