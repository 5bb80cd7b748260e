"""Full-text search: the engine of the database finds sources, KWIC lines show the hits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.search import kwic, parse_query, search_run
from interviews.models import Source

TEXTS = {
    "Minsk festival": "The festival in Minsk was small. Festivals need money; the festival-goers paid 3.5 roubles.",
    "Harbin cinema": "Cinema audiences in Harbin loved the co-production. Money was short.",
    "Policy paper": "State support: money, tax relief and festival funding. В Минске тоже.",
}


@pytest.fixture
def corpus(project):
    return {
        title: Source.objects.create(project=project, title=title, text=text)
        for title, text in TEXTS.items()
    }


def _hits(project, query, **kwargs):
    result = search_run(project=project, query=query, limit=None, **kwargs)
    return result, [(h.source_title, h.start, h.end, h.match) for h in result.hits]


def _expected(title, *words):
    text = TEXTS[title]
    found = []
    for word in words:
        start = 0
        while (i := text.find(word, start)) != -1:
            found.append((title, i, i + len(word), word))
            start = i + 1
    return sorted(found, key=lambda h: h[1])


def test_parse_query_reads_words_phrases_and_prefixes():
    terms = parse_query('money "co-production" fest*')
    assert [(t.words, t.prefix) for t in terms] == [
        (("money",), False),
        (("co", "production"), False),
        (("fest",), True),
    ]


@pytest.mark.parametrize("query", ["", "   ", '""', "!!! --"])
def test_an_empty_query_is_refused(query):
    with pytest.raises(ValidationError, match="Type one or more words"):
        parse_query(query)


def test_a_word_finds_every_whole_word_occurrence_in_every_source(project, corpus):
    result, hits = _hits(project, "festival")
    # "Festivals" is another word; "festival-goers" holds the word festival.
    assert result.source_count == 2
    assert hits == [
        ("Minsk festival", 4, 12, "festival"),
        ("Minsk festival", 59, 67, "festival"),
        ("Policy paper", 37, 45, "festival"),
    ]
    assert TEXTS["Minsk festival"][59:67] == "festival"


def test_words_must_all_occur_in_a_source(project, corpus):
    result, hits = _hits(project, "money harbin")
    assert result.source_count == 1
    assert hits == _expected("Harbin cinema", "Money", "Harbin")


def test_a_phrase_matches_words_in_sequence(project, corpus):
    result, hits = _hits(project, '"money was short"')
    assert hits == _expected("Harbin cinema", "Money was short")
    result, hits = _hits(project, '"was money"')
    assert hits == []


def test_a_prefix_matches_the_start_of_words(project, corpus):
    result, hits = _hits(project, "fest*")
    assert result.source_count == 2
    assert [h[3] for h in hits] == ["festival", "Festivals", "festival", "festival"]


def test_case_and_cyrillic_fold_alike(project, corpus):
    _result, hits = _hits(project, "минске")
    assert hits == _expected("Policy paper", "Минске")


def test_punctuation_splits_words_the_same_way(project, corpus):
    _result, hits = _hits(project, "3.5")
    assert [h[3] for h in hits] == ["3.5"]
    _result, hits = _hits(project, "production")
    assert hits == _expected("Harbin cinema", "production")


def test_search_stays_in_the_project(project, corpus, other_project):
    Source.objects.create(project=other_project, title="Elsewhere", text="festival festival")
    result, _hits_ = _hits(project, "festival")
    assert result.source_count == 2


def test_index_follows_edits_and_deletes(project, corpus):
    source = corpus["Policy paper"]
    source.text = "Nothing about celebrations here."
    source.save()
    assert _hits(project, "festival")[0].source_count == 1
    assert _hits(project, "celebrations")[0].source_count == 1
    corpus["Minsk festival"].delete()
    assert _hits(project, "festival")[0].source_count == 0


def test_results_are_paginated_by_source(project, corpus):
    result = search_run(project=project, query="money", offset=1, limit=1)
    assert result.source_count == 3
    assert {h.source_title for h in result.hits} == {"Minsk festival"}


def test_kwic_lines_carry_context():
    lines = kwic("one two three four five", parse_query("three"), width=8)
    assert lines == [(8, 13, "one two ", "three", " four fi")]


def test_the_search_page_lists_kwic_lines_with_links(project, corpus, client_for):
    response = client_for("viewer").get(
        reverse("coding:search", args=[project.pk]), {"q": "harbin"}
    )
    assert response.status_code == 200
    source = corpus["Harbin cinema"]
    link = reverse("coding:workspace", args=[project.pk, source.pk]) + "#pos=20-26"
    assert link in response.content.decode()


def test_the_search_page_explains_an_empty_query(project, corpus, client_for):
    response = client_for("viewer").get(reverse("coding:search", args=[project.pk]), {"q": "--"})
    assert "Type one or more words" in response.content.decode()


def test_outsiders_cannot_search(project, corpus, client_for):
    response = client_for("outsider").get(reverse("coding:search", args=[project.pk]), {"q": "x"})
    assert response.status_code == 404


def test_sqlite_index_recovers_when_a_migration_dropped_its_triggers(project, corpus):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL never rebuilds a table, its triggers stay")
    with connection.cursor() as cursor:
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER coding_source_fts_{suffix}")
    Source.objects.create(project=project, title="Late", text="A late festival.")
    result, _ = _hits(project, "late")
    assert result.source_count == 1
    Source.objects.create(project=project, title="Later", text="Later still.")
    assert _hits(project, "still")[0].source_count == 1


def test_phrases_deep_inside_long_texts_are_found(project):
    """PostgreSQL keeps word positions up to 16,383 only; such phrases must still be found."""
    text = "word " * 17_000 + "tax relief at last, and relief tax."
    Source.objects.create(project=project, title="Long", text=text)
    result, hits = _hits(project, '"tax relief"')
    assert result.source_count == 1
    assert [(h[1], h[3]) for h in hits] == [(85_000, "tax relief")]
    assert _hits(project, '"relief at last"')[0].source_count == 1
    assert _hits(project, '"last relief"')[0].source_count == 0


def test_postgresql_index_empties_when_sources_are_truncated(project, corpus):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM coding_source_tsv")
        assert cursor.fetchone()[0] == 3
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE interviews_source CASCADE")
        cursor.execute("SELECT count(*) FROM coding_source_tsv")
        assert cursor.fetchone()[0] == 0


def test_the_page_names_the_terms_as_typed(project, corpus, client_for):
    response = client_for("viewer").get(
        reverse("coding:search", args=[project.pk]), {"q": '"co-production" Harbin'}
    )
    assert "1 source</strong> holds “co-production” and Harbin." in response.content.decode()
