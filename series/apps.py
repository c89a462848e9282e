from django.apps import AppConfig


class SeriesConfig(AppConfig):
    """Official statistical series, and how claims' figures compare with them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "series"
    verbose_name = "Official statistics"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the claim-change receiver)
