"""The claim-matching evaluation data (bench/data/matching*.jsonl) is sound."""

import json

from bench import matching_data


def test_data_validates_and_meets_the_minimums():
    report = matching_data.validate()
    assert report.errors == []
    assert report.shortfalls() == []
    counts = report.counts
    assert counts["queries"] >= 150
    assert counts["language:ru"] >= 10
    assert counts["language:fa"] >= 10
    assert counts["relation:same"] >= 40
    assert counts["relation:conflicting"] >= 20
    assert counts["relation:related"] >= 20
    assert counts["kind:unrelated"] >= 20
    assert counts["kind:figure_near_miss"] >= 15
    assert counts["kind:year_near_miss"] >= 10
    assert counts["kind:country_near_miss"] >= 5
    assert counts["kind:synthetic"] >= 30
    assert 40 <= counts["synthetic_claims"] <= 80
    assert 6 <= counts["synthetic_metrics"] <= 10


def test_every_fixture_claim_is_the_same_claim_of_some_query():
    counts = matching_data.validate().counts
    assert counts["fixture_claims"] == 72
    assert counts["fixture_claims_same"] == counts["fixture_claims"]


def test_near_misses_are_never_same():
    for query in matching_data.load_queries():
        kind = query.get("variant", query["kind"])
        if kind in matching_data.NEVER_SAME:
            for item in query["expected"]:
                assert item["relation"] != "same", query["id"]
                assert "same" not in item.get("accept", []), query["id"]


def test_validator_reports_bad_labels(tmp_path):
    rows = matching_data.load_queries()
    by_id = {row["id"]: row for row in rows}
    by_id["q001"]["expected"][1]["relation"] = "same"  # 56 ($2bn) beside 53 ($5.3bn)
    by_id["q010"]["expected"][0]["relation"] = "same"  # a figure near-miss
    by_id["q020"]["expected"][0]["claim"] = 999  # no such fixture claim
    by_id["q030"]["language"] = "de"
    rows.append(dict(by_id["q002"]))  # duplicate id
    path = tmp_path / "matching.jsonl"
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
        encoding="utf-8",
    )
    errors = "\n".join(matching_data.validate(queries_path=path).errors)
    assert "'q001': 53 and 56 cannot both hold" in errors
    assert "'q010': a figure_near_miss is never labelled or accepted same" in errors
    assert "claim 999 is not in fixtures/seed.json" in errors
    assert "'q030': language must be one of" in errors
    assert "query id 'q002' used 2 times" in errors


def test_main_prints_counts(capsys):
    assert matching_data.main([]) == 0
    out = capsys.readouterr().out
    assert "conflicting" in out
    assert "fa" in out
    assert out.rstrip().endswith("OK")


def test_the_held_out_split_is_marked_and_written_for_the_test(tmp_path):
    rows = matching_data.load_queries()
    held_out = [row for row in rows if row.get("split") == "heldout"]
    assert len(held_out) >= 30
    assert {row["language"] for row in held_out} == {"en", "ru", "fa"}
    assert all(
        row["note"].startswith(matching_data.WRITTEN_FOR_THE_TEST) for row in held_out
    )
    held_out[0]["note"] = "A paraphrase."
    held_out[1]["split"] = "train"
    path = tmp_path / "matching.jsonl"
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
        encoding="utf-8",
    )
    errors = "\n".join(matching_data.validate(queries_path=path).errors)
    assert f"{held_out[0]['id']!r}: a query with a split says it was" in errors
    assert f"{held_out[1]['id']!r}: split must be one of" in errors
