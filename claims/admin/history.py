"""A claim's history as an editor reads it: labels and whole texts, not raw values.

django-simple-history's history page shows each change as stored ("in_review ->
disputed", "None", a rationale cut to "[334 chars]"); ClaimHistoryHelper shows
a choice by its label, an empty value as "(empty)", and every text in full.
"""

from typing import Any

from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

EMPTY = "(empty)"
# Long enough for any stored text (a quote is at most 5,000 characters).
WHOLE = 1_000_000


class ClaimHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value) -> Any:
        value = super().prepare_delta_change_value(change, value)
        if value is None or value == "":
            return EMPTY
        field = self.model._meta.get_field(change.field)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return value

    def get_obj_diff_display(self) -> ObjDiffDisplay:
        return ObjDiffDisplay(max_length=WHOLE)
