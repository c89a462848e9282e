"""Files in the sources' real published formats, for the series tests.

The shapes are copied from real answers (see ../shared/EVIDENCE.md: ropensci/comtradr's
recorded Comtrade answer, the IMF's SDMX-CSV, MkkTO98/MacroForge's World Bank
answer, the World Bank bulk CSV). Every value below is MADE UP FOR THE TESTS: none is
an official figure for Iran, Russia or anyone else.
"""

import json
from typing import Any

# The fields of a real Comtrade v1 record that this service reads, plus a few it
# ignores, in the real order.
COMTRADE_RECORD: dict[str, Any] = {
    "typeCode": "C",
    "freqCode": "A",
    "refPeriodId": 20120101,
    "refYear": 2012,
    "refMonth": 52,
    "period": "2012",
    "reporterCode": 643,
    "reporterISO": "RUS",
    "reporterDesc": "Russian Federation",
    "flowCode": "X",
    "flowDesc": "Export",
    "partnerCode": 364,
    "partnerISO": "IRN",
    "partnerDesc": "Iran",
    "partner2Code": 0,
    "classificationCode": "H4",
    "cmdCode": "TOTAL",
    "cifvalue": None,
    "fobvalue": 1000000000.0,
    "primaryValue": 1000000000.0,
    "legacyEstimationFlag": 0,
    "isReported": True,
    "isAggregate": False,
}


def comtrade_record(**changes: Any) -> dict[str, Any]:
    """Return a Comtrade record with `changes` (values made up for the tests)."""
    return {**COMTRADE_RECORD, **changes}


def comtrade_file(*records: dict[str, Any], error: str = "") -> bytes:
    """Return a Comtrade v1 answer holding `records`."""
    return json.dumps(
        {
            "elapsedTime": "0.03 secs",
            "count": len(records),
            "data": list(records),
            "error": error,
        }
    ).encode()


# Values made up for the tests; the header is the IMF's real SDMX-CSV 1.0 header.
IMF_CSV_10 = (
    "DATAFLOW,COUNTRY,INDICATOR,COUNTERPART_COUNTRY,FREQUENCY,TIME_PERIOD,OBS_VALUE,"
    "SCALE,PRECISION,DECIMALS_DISPLAYED,TRADE_FLOW,VALUATION,UNIT,DERIVATION_TYPE,"
    "OVERLAP,STATUS\r\n"
    "IMF.STA:IMTS(1.0.0),RUS,XG_FOB_USD,IRN,A,2012,1200000000,6,,,XG,FOB,USD,M,OL,\r\n"
    "IMF.STA:IMTS(1.0.0),RUS,MG_CIF_USD,IRN,A,2012,300000000,6,,,MG,CIF,USD,M,OL,E\r\n"
)
# SDMX-CSV 2.0 as the SDMX 3.0 API answers (values made up for the tests).
IMF_CSV_20 = (
    "STRUCTURE,STRUCTURE_ID,ACTION,COUNTRY,INDICATOR,COUNTERPART_COUNTRY,FREQUENCY,"
    "TIME_PERIOD,OBS_VALUE,SCALE\r\n"
    "dataflow,IMF.STA:IMTS(1.0.0),R,IRN,MG_CIF_USD,RUS,M,2012-M03,90000000,6\r\n"
    "dataflow,IMF.STA:IMTS(1.0.0),R,IRN,MG_CIF_USD,RUS,Q,2012-Q2,270000000,6\r\n"
)


def world_bank_json(*rows: dict[str, Any]) -> bytes:
    """Return a World Bank API v2 answer (page header, then the rows)."""
    header = {
        "page": 1,
        "pages": 1,
        "per_page": 1000,
        "total": len(rows),
        "sourceid": "2",
        "lastupdated": "2026-04-08",
    }
    return json.dumps([header, list(rows)]).encode()


def world_bank_row(**changes: Any) -> dict[str, Any]:
    """Return a World Bank row (value made up for the tests)."""
    row = {
        "indicator": {"id": "NY.GDP.MKTP.CD", "value": "GDP (current US$)"},
        "country": {"id": "IR", "value": "Iran, Islamic Rep."},
        "countryiso3code": "IRN",
        "date": "2021",
        "value": 123456789.5,
        "unit": "",
        "obs_status": "",
        "decimal": 0,
    }
    return {**row, **changes}


# The bulk CSV's real layout: BOM, CRLF, four preamble lines, one column per year.
# Values made up for the tests.
WORLD_BANK_CSV = (
    "\ufeff"
    '"Data Source","World Development Indicators",\r\n'
    "\r\n"
    '"Last Updated Date","2024-10-24",\r\n'
    "\r\n"
    '"Country Name","Country Code","Indicator Name","Indicator Code","2011","2012",'
    '"2013",\r\n'
    '"Iran, Islamic Rep.","IRN","GDP (current US$)","NY.GDP.MKTP.CD","100","200",'
    '"",\r\n'
    '"World","WLD","GDP (current US$)","NY.GDP.MKTP.CD","1000","2000","3000",\r\n'
    '"Russian Federation","RUS","GDP (current US$)","NY.GDP.MKTP.CD","","","300",\r\n'
).encode()

TIDY_CSV = (
    b"period_start,period_end,value,estimated\n"
    b"2012-01-01,2012-12-31,1500,\n"
    b"2013-01-01,2013-12-31,1600,yes\n"
)
