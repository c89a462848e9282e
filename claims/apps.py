from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"

    def ready(self) -> None:
        from factcheck.caching import register_version_reader
        from sources.models import Document, Person, Publisher
        from sources.signals import source_changing, text_attached

        from .receivers import anchor_quotes_in_attached_text, guard_published_sources
        from .selectors.versions import resource_versions

        register_version_reader(resource_versions)

        text_attached.connect(
            anchor_quotes_in_attached_text,
            sender=Document,
            dispatch_uid="claims.anchor_quotes_in_attached_text",
        )
        for model in (Person, Publisher, Document):
            source_changing.connect(
                guard_published_sources,
                sender=model,
                dispatch_uid=f"claims.guard_published_sources.{model.__name__}",
            )
