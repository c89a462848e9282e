from django.apps import AppConfig


class SeriesConfig(AppConfig):
    """Official statistical series, and how claims' figures compare with them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "series"
    verbose_name = "Official statistics"

    def ready(self) -> None:
        from claims.panels import register_chart_lines, register_claim_panel

        from . import receivers  # noqa: F401  (connects the claim-change receiver)
        from .pages import official_chart_lines, official_record_panel

        register_claim_panel(official_record_panel)
        register_chart_lines(official_chart_lines)
