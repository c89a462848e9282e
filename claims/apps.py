from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"

    def ready(self) -> None:
        from sources.models import Document
        from sources.signals import text_attached

        from .receivers import anchor_quotes_in_attached_text

        text_attached.connect(
            anchor_quotes_in_attached_text,
            sender=Document,
            dispatch_uid="claims.anchor_quotes_in_attached_text",
        )
