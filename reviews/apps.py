from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "External fact-checks"

    def ready(self) -> None:
        from claims.selectors.matching import register_match_source
        from claims.services.evidence import register_evidence_attacher

        from .matching import review_matches
        from .services import review_attach_by_id

        register_match_source("reviews", review_matches)
        # The claim page's matches panel adds a matched review as evidence.
        register_evidence_attacher("review", review_attach_by_id)
