"""The language of a document's text: detected, stored, shown, and refused when unread.

The texts are made for these tests (their figures are illustrative).
"""

import pytest
from rest_framework.test import APIClient

from claims.models import Candidate
from claims.services.candidates import extract_candidates
from sources.languages import detect_document_language
from tests.factories import DocumentFactory

RUSSIAN = (
    "Товарооборот России и Ирана за январь — октябрь вырос на 18,2% и составил "
    "3,9 млрд долларов, сообщил министр. Это было отмечено на встрече."
)
PERSIAN = (
    "به گزارش ایرنا، حجم تجارت ایران و روسیه در سال ۱۴۰۱ به ۴ میلیارد دلار رسید و "
    "این رقم برای دو کشور مهم است."
)
ENGLISH = "Exports rose by 12 percent to $4.2 billion in 2021, the ministry said."
GERMAN = (
    "Der Handel zwischen Iran und Russland ist im Jahr 2021 um 12 Prozent auf 4,2 "
    "Milliarden Dollar gestiegen, wie das Ministerium mitteilte."
)
ARABIC = (
    "قال الوزير إن حجم التجارة بين إيران وروسيا في عام ٢٠٢١ ارتفع إلى أربعة مليارات "
    "دولار، وهذا رقم مهم على الرغم من العقوبات التي فرضت."
)
UKRAINIAN = (
    "Товарообіг між Іраном та Росією у 2021 році зріс на 12 відсотків, що було "
    "відзначено на зустрічі, яка відбулася в Тегерані."
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (RUSSIAN, "ru"),
        (PERSIAN, "fa"),
        (ENGLISH, "en"),
        (GERMAN, "de"),
        (ARABIC, "ar"),
        (UKRAINIAN, "uk"),
        ("12 345", "und"),
    ],
)
def test_the_language_of_a_text_is_told_by_script_and_common_words(text, language):
    assert detect_document_language(text) == language


@pytest.mark.django_db
def test_a_saved_document_stores_the_language_of_its_text_and_the_api_shows_it(
    superuser,
):
    document = DocumentFactory(text=PERSIAN)
    assert document.text_language == "fa"
    api = APIClient()
    api.force_login(superuser)
    body = api.get(f"/api/v1/documents/{document.pk}/").json()
    assert body["text_language"] == "fa"


@pytest.mark.django_db
def test_the_admin_shows_the_language_of_the_text(admin_client):
    document = DocumentFactory(text=RUSSIAN)
    page = admin_client.get(f"/admin/sources/document/{document.pk}/change/")
    assert page.status_code == 200
    assert "Language of the text" in page.content.decode()


@pytest.mark.django_db
def test_a_document_in_an_unread_language_says_so_and_proposes_nothing(superuser):
    document = DocumentFactory(text=GERMAN)
    report = extract_candidates(document_id=document.pk)
    assert report.created == 0
    assert "reads as 'de'" in str(report)
    assert "English, Russian, Persian" in str(report)
    assert not Candidate.objects.filter(document=document).exists()
    api = APIClient()
    api.force_login(superuser)
    response = api.post(f"/api/v1/documents/{document.pk}/extract/")
    assert response.status_code == 409
    # The schema's Error shape (tests/factcheck/test_openapi.py): one detail.
    assert list(response.json()) == ["detail"]
    assert "reads as 'de'" in response.json()["detail"]


@pytest.mark.django_db
def test_a_russian_document_gets_candidates_quoted_verbatim_with_figures():
    document = DocumentFactory(text=RUSSIAN)
    report = extract_candidates(document_id=document.pk)
    assert report.language == "ru"
    stored = list(Candidate.objects.filter(document=document).order_by("quote_start"))
    assert stored
    assert all(c.quote in RUSSIAN for c in stored)
    assert {(c.unit, c.value) for c in stored} >= {("USD", 3_900_000_000)}
