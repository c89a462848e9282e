"""ISO 3166 alpha-3 country codes, and the source-specific codes that map onto them."""

from functools import cache

import pycountry

WORLD = "WLD"
# Codes sources use that are not countries: Comtrade's "World" partner.
SOURCE_ALIASES = {"W00": WORLD}
# World Bank aggregates (regions, income groups): rows of these are skipped.
WORLD_BANK_AGGREGATES = frozenset(
    "AFE AFW ARB CEB CSS EAP EAR EAS ECA ECS EMU EUU FCS HIC HPC IBD IBT IDA IDB "
    "IDX INX LAC LCN LDC LIC LMC LMY LTE MEA MIC MNA NAC OED OSS PRE PSS PST SAS "
    "SSA SSF SST TEA TEC TLA TMN TSA TSS UMC WLD".split()
)


@cache
def _alpha3_codes() -> frozenset[str]:
    return frozenset(country.alpha_3 for country in pycountry.countries)


def is_country_code(code: str, *, world: bool = False) -> bool:
    """Say whether `code` is an ISO 3166 alpha-3 code (or WLD, with `world`)."""
    return code in _alpha3_codes() or (world and code == WORLD)


def normalise_code(code: str) -> str:
    """Return a source's country code as this service keeps it (W00 -> WLD)."""
    code = code.strip().upper()
    return SOURCE_ALIASES.get(code, code)
