from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "External fact-checks"

    def ready(self) -> None:
        from claims.selectors.matching import register_match_source

        from .matching import review_matches

        register_match_source("reviews", review_matches)
