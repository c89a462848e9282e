"""The matching API (#17): has this been checked before? And the candidates' queue.

- POST /api/v1/claims/match/ {"text", "limit", "metric", "language", "document"}
- GET /api/v1/claims/{id}/similar/?limit=
- /api/v1/candidates/ list (filter by document, state), retrieve with its best
  match, POST .../accept/ (optional edits, or "link_to" and "relation" to link it to
  an existing claim instead of making a duplicate), POST .../reject/.

Matching is a read: anyone may ask, throttled as every anonymous read (the default
`anon` and `user` scopes). Candidates need the candidate permissions editors and
reviewers hold (migration 0009), as in the admin.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck.api.fields import PrimaryKeyField, SlugKeyField, WholeNumberField
from factcheck.api.filters import FilterBackend, IdFilter
from factcheck.api.parsers import LimitedJSONParser
from factcheck.api.serializers import StrictFieldsMixin
from sources.models import Document, Person

from ..matching.languages import detect_language
from ..matching.scoring import RELATIONS
from ..models import Candidate, Claim, ClaimLink, Metric
from ..selectors.matching import (
    MAX_LIMIT,
    MAX_TEXT_LENGTH,
    ClaimMatch,
    ExtraMatch,
    candidate_matches,
    extra_matches,
    facts_of_claim,
    match_text,
    similar_claims,
    text_facts,
)
from ..services.candidates import (
    accept_candidate,
    accept_candidate_linked,
    reject_candidates,
)
from .representations import ClaimSerializer

LANGUAGES = [("en", "English"), ("ru", "Russian"), ("fa", "Persian")]
# Named in the schema (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
MATCH_RELATIONS = [(relation, relation) for relation in RELATIONS]
CANDIDATE_STATES = Candidate.State.choices
LINK_RELATIONS = ClaimLink.Relation.choices


class MetricSlugField(SlugKeyField):
    """A metric by slug; "" is refused (DRF's relation fields read it as null)."""

    def run_validation(self, data=empty):
        if data == "":
            raise serializers.ValidationError(
                "Name a metric by its slug, or send null for none."
            )
        return super().run_validation(data)


class MatchInputSerializer(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(
        max_length=MAX_TEXT_LENGTH, help_text="The claim to look for, in any words."
    )
    limit = WholeNumberField(min_value=1, max_value=MAX_LIMIT, default=10)
    metric = MetricSlugField(
        slug_field="slug",
        queryset=Metric.objects.all(),
        required=False,
        allow_null=True,
        help_text="The metric's slug, when the asker knows what the figure measures.",
    )
    language = serializers.ChoiceField(
        choices=LANGUAGES,
        required=False,
        help_text="en, ru or fa; read from the script when left out.",
    )
    document = PrimaryKeyField(
        queryset=Document.objects.all(),
        required=False,
        allow_null=True,
        help_text="The document the text comes from: its date resolves 'last year'.",
    )


# A match shows a claim short (its page has the rest): at most this many
# characters of its text, cut at a word with "…". Ten matches stay a few KB.
MATCH_TEXT_CHARS = 300


def short_text(text: str, limit: int = MATCH_TEXT_CHARS) -> str:
    """Return `text`, or its first words up to `limit` characters and "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


class MatchedClaimSerializer(serializers.Serializer):
    """A stored claim, short: enough to recognise it and follow the link."""

    id = serializers.IntegerField()
    text = serializers.CharField(
        max_length=MATCH_TEXT_CHARS,
        help_text=f"The claim's text, its first {MATCH_TEXT_CHARS} characters at "
        'most (cut at a word, ending "…"); the claim\'s page has all of it.',
    )
    figure = serializers.CharField(
        allow_null=True, help_text='e.g. "$5.3 billion (approx.)"'
    )
    period = serializers.DictField(
        allow_null=True, help_text="{start, end, label} of the figure's period."
    )
    status = serializers.CharField()
    document = serializers.DictField(help_text="{id, title, url}")
    url = serializers.URLField(help_text="The claim's public page.")


class MatchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["claim", "review"],
        help_text="claim: one of ours; review: a fact-check another desk published.",
    )
    claim = MatchedClaimSerializer(required=False)
    review = serializers.DictField(
        required=False,
        help_text="For kind review: {id, claim_reviewed, url, publisher {name, "
        "site}, rating {as_published, status}, date_published, language, figure}.",
    )
    score = serializers.FloatField(min_value=0, max_value=1)
    relation = serializers.ChoiceField(choices=MATCH_RELATIONS)
    reasons = serializers.ListField(child=serializers.CharField())


class MatchResultsSerializer(serializers.Serializer):
    results = MatchResultSerializer(many=True)


# The most likely duplicates a new claim's answer names (possible_duplicates).
POSSIBLE_DUPLICATES = 5


class ClaimWarningSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field whose value looks wrong.")
    message = serializers.CharField()


class ClaimCreatedSerializer(ClaimSerializer):
    """The answer to POST /api/v1/claims/: the claim, likely duplicates, warnings."""

    possible_duplicates = MatchResultSerializer(
        many=True,
        read_only=True,
        help_text=f"At most {POSSIBLE_DUPLICATES} stored claims this one matches as "
        "`same`, best first; the claim was stored all the same.",
    )
    warnings = ClaimWarningSerializer(
        many=True,
        read_only=True,
        help_text="Values that look like slips; the claim was stored as sent.",
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "possible_duplicates", "warnings"]


def match_representation(match: ClaimMatch, request: Request) -> dict:
    """Return one match as the API shows it (the claim short, then why)."""
    claim = match.claim
    period = None
    if claim.period_start or claim.period_end:
        period = {
            "start": claim.period_start,
            "end": claim.period_end,
            "label": claim.period_label,
        }
    return {
        "kind": "claim",
        "claim": {
            "id": claim.pk,
            "text": short_text(claim.text),
            "figure": claim.figure_display or None,
            "period": period,
            "status": claim.status,
            "document": {
                "id": claim.document_id,
                "title": claim.document.title,
                "url": claim.document.url,
            },
            "url": request.build_absolute_uri(reverse("claim-page", args=[claim.pk])),
        },
        "score": match.score,
        "relation": match.relation,
        "reasons": match.reasons,
    }


def _results(
    matches: list[ClaimMatch],
    request: Request,
    extra: list[ExtraMatch] | None = None,
    limit: int = MAX_LIMIT,
) -> Response:
    """Answer our claims and other sources' matches (reviews) ranked together."""
    ranked: list[tuple[float, int, dict]] = [
        (match.score, index, match_representation(match, request))
        for index, match in enumerate(matches)
    ]
    ranked += [
        (
            match.score,
            len(matches) + index,
            {
                **match.result,
                "score": match.score,
                "relation": match.relation,
                "reasons": match.reasons,
            },
        )
        for index, match in enumerate(extra or [])
    ]
    ranked.sort(key=lambda entry: (-entry[0], entry[1]))
    return Response({"results": [entry[2] for entry in ranked[:limit]]})


class ClaimMatchView(APIView):
    """Find stored claims that state what a text states (same, conflicting, related)."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [LimitedJSONParser]

    @extend_schema(
        summary="Has this been checked before?",
        description="Stored claims matching a text, best first: `same` (same "
        "subject, figures agreeing within the tolerance, periods overlapping), "
        "`conflicting` (same subject and period, figures that do not meet) or "
        "`related`, with a score from 0 to 1 and the reasons. A figure that differs "
        "beyond the tolerance is never `same`.",
        request=MatchInputSerializer,
        responses={200: MatchResultsSerializer},
        examples=[
            OpenApiExample(
                "A paraphrase of the Iran-Russia trade claim",
                request_only=True,
                value={
                    "text": "Iran and Russia traded about $5.3bn in the Iranian "
                    "year 1391.",
                    "limit": 5,
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ValidationError({"text": ["Send a JSON object with a text."]})
        given = MatchInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        text = data["text"]
        matches = match_text(
            text=text,
            limit=data["limit"],
            metric=data.get("metric"),
            language=data.get("language") or detect_language(text),
            document=data.get("document"),
        )
        facts = text_facts(
            text=text,
            language=data.get("language") or detect_language(text),
            document=data.get("document"),
        )
        extra = extra_matches(facts, limit=data["limit"], metric=data.get("metric"))
        return _results(matches, request, extra, data["limit"])


class SimilarClaimsView(APIView):
    """The stored claims that match a stored claim, itself excluded."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Claims like this one",
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"1 to {MAX_LIMIT}, 10 when left out",
            )
        ],
        responses={200: MatchResultsSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        claim = get_object_or_404(
            Claim.objects.select_related("metric", "speaker", "document"), pk=pk
        )
        limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT)
        raw = request.query_params.get("limit", "10")
        try:
            count = limit.run_validation(raw)
        except serializers.ValidationError as error:
            raise ValidationError({"limit": error.detail}) from error
        extra = extra_matches(facts_of_claim(claim), limit=count, metric=claim.metric)
        return _results(similar_claims(claim=claim, limit=count), request, extra, count)


# Candidates ------------------------------------------------------------------


class CandidatePermissions(permissions.DjangoModelPermissions):
    """Reading needs view_candidate; accepting and rejecting change_candidate."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


class CandidateFilter(django_filters.FilterSet):
    document = IdFilter(field_name="document_id", lookup_expr="exact")
    state = django_filters.ChoiceFilter(
        field_name="state", lookup_expr="exact", choices=Candidate.State.choices
    )

    class Meta:
        model = Candidate
        fields = ["document", "state"]


class CandidateSerializer(serializers.ModelSerializer):
    figure = serializers.CharField(source="figure_display", read_only=True)
    suggested_metric: serializers.SlugRelatedField[Metric] = (
        serializers.SlugRelatedField(slug_field="slug", read_only=True)
    )

    class Meta:
        model = Candidate
        fields = [
            "id",
            "document",
            "quote",
            "sentence",
            "figure",
            "value",
            "value_upper",
            "unit",
            "comparator",
            "change_percent",
            "change_comparator",
            "period_start",
            "period_end",
            "period_label",
            "period_resolution",
            "language",
            "suggested_metric",
            "score",
            "reasons",
            "state",
            "claim",
            "decided_at",
        ]
        read_only_fields = fields


class CandidateDetailSerializer(CandidateSerializer):
    best_match = serializers.SerializerMethodField(
        help_text="The stored claim this candidate most likely repeats or "
        "contradicts, if any; accept with link_to to link instead of duplicating."
    )

    class Meta(CandidateSerializer.Meta):
        fields = [*CandidateSerializer.Meta.fields, "best_match"]
        read_only_fields = fields

    @extend_schema_field(MatchResultSerializer(allow_null=True))
    def get_best_match(self, candidate):
        matches = candidate_matches(candidate, limit=1)
        if not matches:
            return None
        return match_representation(matches[0], self.context["request"])


class CandidateAcceptSerializer(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(required=False, max_length=MAX_TEXT_LENGTH)
    metric = MetricSlugField(
        slug_field="slug", queryset=Metric.objects.all(), required=False
    )
    speaker = PrimaryKeyField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )
    speaker_role = serializers.CharField(required=False, allow_blank=True)
    period_label = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The claim's period in words, read against the document's date; "
        "replaces the period read from the candidate's quote.",
    )
    link_to = PrimaryKeyField(
        queryset=Claim.objects.all(),
        required=False,
        help_text="An existing claim this candidate repeats or answers.",
    )
    relation = serializers.ChoiceField(
        choices=ClaimLink.Relation.choices,
        required=False,
        help_text="With link_to: same_claim accepts the candidate as that claim (no "
        "new claim); another relation makes the claim and links it.",
    )

    def validate(self, attrs):
        if ("link_to" in attrs) != ("relation" in attrs):
            missing = "relation" if "link_to" in attrs else "link_to"
            raise serializers.ValidationError(
                {missing: ["Give link_to and relation together."]}
            )
        return attrs


class CandidateAcceptedSerializer(serializers.Serializer):
    candidate = CandidateSerializer()
    claim = serializers.IntegerField(help_text="The claim the candidate stands for.")
    created = serializers.BooleanField(help_text="Whether a new claim was made.")
    link = serializers.IntegerField(
        allow_null=True, help_text="The ClaimLink made, if any."
    )


@extend_schema_view(
    list=extend_schema(summary="List candidates (filter by document and state)"),
    retrieve=extend_schema(summary="A candidate with its best existing match"),
)
class CandidateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Candidate.objects.select_related("document", "suggested_metric").defer(
        "document__text"
    )
    permission_classes = [CandidatePermissions]
    filter_backends = [FilterBackend]
    filterset_class = CandidateFilter
    parser_classes = [LimitedJSONParser]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CandidateDetailSerializer
        return CandidateSerializer

    @extend_schema(
        summary="Accept a candidate, as a new claim or linked to an existing one",
        request=CandidateAcceptSerializer,
        responses={200: CandidateAcceptedSerializer},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk=None) -> Response:
        candidate = self.get_object()
        if not isinstance(request.data, dict):
            raise ValidationError({"text": ["Send a JSON object."]})
        given = CandidateAcceptSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        link_to, relation = data.pop("link_to", None), data.pop("relation", None)
        if not request.user.has_perm("claims.add_claim"):
            self.permission_denied(request, message="You may not add claims.")
        candidate = Candidate.objects.select_related(
            "document", "suggested_metric"
        ).get(pk=candidate.pk)
        try:
            if link_to is not None:
                done = accept_candidate_linked(
                    candidate=candidate,
                    link_to=link_to,
                    relation=relation,
                    by=request.user,
                    **data,
                )
                claim, created, link = done.claim, done.created, done.link
            else:
                claim = accept_candidate(candidate=candidate, by=request.user, **data)
                created, link = True, None
        except DjangoValidationError as refusal:
            raise ValidationError(
                refusal.message_dict
                if hasattr(refusal, "error_dict")
                else {"candidate": refusal.messages}
            ) from refusal
        candidate.refresh_from_db()
        return Response(
            {
                "candidate": CandidateSerializer(candidate).data,
                "claim": claim.pk,
                "created": created,
                "link": link.pk if link else None,
            }
        )

    @extend_schema(
        summary="Reject a proposed candidate (not proposed again)",
        request=None,
        responses={200: CandidateSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk=None) -> Response:
        candidate = self.get_object()
        if candidate.state != Candidate.State.PROPOSED:
            raise ValidationError(
                {
                    "state": [
                        f"Only a proposed candidate is rejected; it is "
                        f"{candidate.state}."
                    ]
                }
            )
        reject_candidates(candidates=[candidate], by=request.user)
        candidate.refresh_from_db()
        return Response(CandidateSerializer(candidate).data)
