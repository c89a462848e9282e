from django.apps import AppConfig


class FrontcacheConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "frontcache"
    verbose_name = "Front cache"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the events_recorded receiver
