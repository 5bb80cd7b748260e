"""Full-text search: the engine of the database finds sources, KWIC lines show the hits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.search import CJK_RANGES, kwic, parse_query, search_run
from interviews.models import Source
from tests.migrations import migrate_to, migrate_to_the_end

TEXTS = {
    "Minsk festival": "The festival in Minsk was small. Festivals need money; the festival-goers paid 3.5 roubles.",
    "Harbin cinema": "Cinema audiences in Harbin loved the co-production. Money was short.",
    "Policy paper": "State support: money, tax relief and festival funding. В Минске тоже.",
}


def sources_of(project, texts: dict[str, str]) -> dict[str, Source]:
    return {
        title: Source.objects.create(project=project, title=title, text=text)
        for title, text in texts.items()
    }


@pytest.fixture
def corpus(project):
    return sources_of(project, TEXTS)


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


# Chinese, Japanese and Korean: every character is a word, a run of them a phrase -------------

CJK_TEXTS = {
    "Beijing interview": "中国电影在白俄罗斯很受欢迎。我们看了很多电影。",
    "Minsk interview": "他们在明斯克看电视，也去影院。",
    "Festival notes": "The film festival showed Netflix电影 and 中国 films.",
    "Tokyo interview": "日本のアニメはベラルーシでも人気です。",
    "Seoul interview": "한국 영화는 벨라루스에서도 인기가 있다.",
}


@pytest.fixture
def cjk_corpus(project):
    return sources_of(project, CJK_TEXTS)


def test_a_cjk_run_is_a_phrase_of_its_characters():
    terms = parse_query('电影 电* "Netflix 电影" film')
    assert [(t.words, t.prefix, t.label) for t in terms] == [
        (("电", "影"), False, "电影"),
        (("电",), False, "电"),
        (("netflix", "电", "影"), False, "“Netflix 电影”"),
        (("film",), False, "film"),
    ]
    assert parse_query("アニメ")[0].words == ("ア", "ニ", "メ")
    assert parse_query("film电影")[0].words == ("film", "电", "影")


def test_a_chinese_word_is_found_inside_a_sentence(project, cjk_corpus):
    result, hits = _hits(project, "电影")
    assert result.source_count == 2
    assert hits == [
        ("Beijing interview", 2, 4, "电影"),
        ("Beijing interview", 20, 22, "电影"),
        ("Festival notes", 32, 34, "电影"),
    ]
    assert CJK_TEXTS["Beijing interview"][20:22] == "电影"
    assert CJK_TEXTS["Festival notes"][25:34] == "Netflix电影"


def test_chinese_characters_apart_do_not_match_the_word(project, cjk_corpus):
    # The Minsk interview holds 电 (in 电视) and 影 (in 影院), but not side by side.
    assert _hits(project, "电")[0].source_count == 3
    assert _hits(project, "影")[0].source_count == 3
    result, hits = _hits(project, "电影")
    assert result.source_count == 2
    assert "Minsk interview" not in {h[0] for h in hits}
    assert _hits(project, "影院")[1] == [("Minsk interview", 12, 14, "影院")]
    assert _hits(project, "电影院")[0].source_count == 0
    assert _hits(project, "视影")[0].source_count == 0


def test_punctuation_between_chinese_characters_is_passed_over(project):
    Source.objects.create(project=project, title="Split", text="电，影 and 电 影")
    assert _hits(project, "电影")[1] == [("Split", 0, 3, "电，影"), ("Split", 8, 11, "电 影")]


def test_a_mixed_latin_and_chinese_query(project, cjk_corpus):
    result, hits = _hits(project, "film 电影")
    assert result.source_count == 1
    assert hits == [
        ("Festival notes", 4, 8, "film"),
        ("Festival notes", 32, 34, "电影"),
    ]
    # A CJK character needs no space from the Latin word beside it, in a phrase too.
    assert _hits(project, '"Netflix 电影"')[1] == [("Festival notes", 25, 34, "Netflix电影")]
    assert _hits(project, "netflix")[1] == [("Festival notes", 25, 32, "Netflix")]
    assert _hits(project, '"showed 电影"')[0].source_count == 0
    # "films" is another word; the prefix stops where the Chinese begins.
    assert _hits(project, "netfl*")[1] == [("Festival notes", 25, 32, "Netflix")]


def test_a_star_after_a_chinese_character_adds_nothing(project, cjk_corpus):
    assert _hits(project, "电*")[1] == _hits(project, "电")[1]
    assert [h[3] for h in _hits(project, "电*")[1]] == ["电", "电", "电", "电"]


def test_a_japanese_kana_word_is_found(project, cjk_corpus):
    result, hits = _hits(project, "アニメ")
    assert result.source_count == 1
    assert hits == [("Tokyo interview", 3, 6, "アニメ")]
    assert _hits(project, "ベラルーシ")[1] == [("Tokyo interview", 7, 12, "ベラルーシ")]
    assert _hits(project, "でも")[1] == [("Tokyo interview", 12, 14, "でも")]
    assert _hits(project, "アメ")[0].source_count == 0


def test_a_korean_word_is_found_inside_a_word(project, cjk_corpus):
    assert _hits(project, "벨라루스")[1] == [("Seoul interview", 7, 11, "벨라루스")]


def test_kwic_offsets_are_code_points():
    # 𠀀 (CJK extension B) is one code point, two UTF-16 units.
    text = "𠀀中国电影在白俄罗斯很受欢迎"
    lines = kwic(text, parse_query("电影"), width=3)
    assert lines == [(3, 5, "𠀀中国", "电影", "在白俄")]
    assert text[3:5] == "电影"
    assert _hits_in(text, "𠀀") == [(0, 1)]


def _hits_in(text, query):
    return [(s, e) for s, e, *_ in kwic(text, parse_query(query))]


def test_the_search_page_links_to_the_chinese_word(project, cjk_corpus, client_for):
    response = client_for("viewer").get(reverse("coding:search", args=[project.pk]), {"q": "电影"})
    page = response.content.decode()
    assert "2 sources</strong> hold 电影." in page
    source = cjk_corpus["Beijing interview"]
    link = reverse("coding:workspace", args=[project.pk, source.pk])
    assert f'<a href="{link}#pos=20-22"><mark>电影</mark></a>' in page
    assert f"{link}#pos=2-4" in page


def test_a_search_that_matches_nothing_says_so(project, cjk_corpus, client_for):
    response = client_for("viewer").get(
        reverse("coding:search", args=[project.pk]), {"q": "电影院 film"}
    )
    page = response.content.decode()
    assert "No source holds 电影院 and film." in page
    assert "<mark>" not in page


def test_phrases_of_frequent_words_are_found_on_both_databases(project):
    """PostgreSQL keeps 255 positions of a word; a phrase past them must still be found."""
    Source.objects.create(project=project, title="Zhong", text="中" * 300 + "国")
    Source.objects.create(project=project, title="The", text="the " * 300 + "the end")
    assert _hits(project, "中国")[1] == [("Zhong", 299, 301, "中国")]
    assert _hits(project, '"the end"')[1] == [("The", 1200, 1207, "the end")]
    assert _hits(project, "国中")[0].source_count == 0
    assert _hits(project, '"end the"')[0].source_count == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_sources_written_before_it(project):
    from django.db import connection

    migrate_to(connection, ("coding", "0005_code_pins"))
    try:
        Source.objects.create(project=project, title="Before", text="中国电影在白俄罗斯很受欢迎。")
        # The index as it was saw the whole sentence as one word (asked of its own table:
        # today's queries read columns it did not have).
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT count(*) FROM coding_source_tsv "
                    "WHERE vector @@ to_tsquery('simple', %s)",
                    ["电"],
                )
            else:
                cursor.execute(
                    "SELECT count(*) FROM coding_source_fts WHERE coding_source_fts MATCH %s",
                    ['"电"'],
                )
            assert cursor.fetchone()[0] == 0
    finally:
        # Forward through 0006 (which indexes the source) to today's schema, so the tests
        # after this one find every table and column.
        migrate_to_the_end(connection)
    assert _hits(project, "电影")[1] == [("Before", 2, 4, "电影")]
    # The new triggers keep the index in step from now on.
    Source.objects.create(project=project, title="After", text="白俄罗斯电影")
    assert _hits(project, "电影")[0].source_count == 2


# PostgreSQL: a source saved through the ORM has its text prepared in Python ---------------

# ASCII, every CJK range's first and last character, and characters just outside them.
PREPARED_TEXT = (
    "".join(map(chr, range(32, 127)))
    + " Minsk's co-production, 3.5 roubles (e-mail: olga@example.org) a\\b [x] `y` naïve — “q” "
    + " ".join(chr(first) + chr(last) for first, last in CJK_RANGES)
    + " 〃、。〄 ！Ａ ゠・ 😀 ㆎ 中国电影film电影 한국 영화 日本のアニメ"
)


def test_the_text_is_prepared_as_the_trigger_prepares_it():
    import re

    from coding.search import CJK_CHAR, PG_PUNCTUATION_CLASS, pg_search_text

    expected = CJK_CHAR.sub(r" \g<0> ", re.sub(PG_PUNCTUATION_CLASS, " ", PREPARED_TEXT))
    assert pg_search_text(PREPARED_TEXT) == expected
    assert pg_search_text("No CJK here — “none”.") == "No CJK here — “none” "


def test_every_cjk_character_starts_with_a_byte_the_quick_check_looks_for():
    from coding.search import CJK_LEAD_BYTES

    for first, last in CJK_RANGES:
        assert chr(first).encode()[0] in CJK_LEAD_BYTES
        assert chr(last).encode()[0] in CJK_LEAD_BYTES


def _pg_index_row(source_id: int):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT vector::text, capped, crowded, partial FROM coding_source_tsv "
            "WHERE source_id = %s",
            [source_id],
        )
        return cursor.fetchone()


@pytest.mark.parametrize(
    "text",
    [
        PREPARED_TEXT,
        # Too long for one tsvector (170,000 different words): the beginning that fits.
        " ".join(
            "".join(chr(97 + (n // 26**k) % 26) for k in range(4)) + "x" + str(n)
            for n in range(170_000)
        ),
    ],
    ids=["punctuation and cjk", "too long"],
)
def test_a_source_saved_through_the_orm_has_the_vector_the_trigger_makes(project, text):
    from django.db import connection

    from coding.search import PG_PREPARED_FLAG, pg_vector_sql

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    saved = Source.objects.create(project=project, title="Saved", text=text)
    # bulk_create sends no signals: the trigger indexes this one.
    [by_trigger] = Source.objects.bulk_create([Source(project=project, title="Bulk", text=text)])
    row = _pg_index_row(saved.pk)
    assert row == _pg_index_row(by_trigger.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [PG_PREPARED_FLAG])
        assert cursor.fetchone()[0] == ""
        if len(text) > 1_000_000:
            assert row[3] is True
        else:
            cursor.execute(f"SELECT {pg_vector_sql('%s')}::text", [text])
            vector = cursor.fetchone()[0]
            assert row == (vector, False, [], False)
            assert "'电'" in vector and "'olga'" in vector and "'example'" in vector
    # The flag does not outlive the insert: a source written by SQL is indexed too.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE interviews_source SET text = %s WHERE id = %s", ["电影 again", saved.pk]
        )
    assert "'again'" in _pg_index_row(saved.pk)[0]


# PostgreSQL: the vector of a source written through the ORM is stored by a task -----------

NEW_TEXT = "Cinema in Minsk: the festival's co-production money, 电影 for Harbin audiences."
QUERIES = ["minsk", "cinema money", '"co-production"', "fest*", "电影", '"minsk the"', "tax"]


def _postgresql_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")


@pytest.fixture
def tasks_kept(settings):
    """Tasks kept in the database for the task worker, as the site keeps them."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def test_a_new_source_is_found_by_its_text_until_its_task_stores_the_vector(
    project, corpus, tasks_kept
):
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from coding.search import pg_vector_sql
    from coding.tasks import index_sources

    _postgresql_only()
    source = Source.objects.create(project=project, title="Minsk cinema", text=NEW_TEXT)
    assert _pg_index_row(source.pk) is None
    [queued] = DBTaskResult.objects.filter(task_path="coding.tasks.index_sources")
    assert queued.args_kwargs == {"args": [[source.pk]], "kwargs": {}}
    before = {query: _hits(project, query)[1] for query in QUERIES}
    assert [hit[:3] for hit in before["minsk"]] == [
        ("Minsk cinema", 10, 15),
        ("Minsk festival", 16, 21),
    ]
    assert before['"co-production"'][0][:2] == ("Harbin cinema", 37)
    assert ("Minsk cinema", 32, 45, "co-production") in before['"co-production"']
    assert before["电影"] == [("Minsk cinema", 53, 55, "电影")]
    assert before['"minsk the"'] == [("Minsk cinema", 10, 20, "Minsk: the")]
    assert "Minsk cinema" not in {hit[0] for hit in before["tax"]}

    # What the task worker runs.
    assert index_sources.call([source.pk]) == {"indexed": 1}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pg_vector_sql('%s')}::text", [NEW_TEXT])
        assert _pg_index_row(source.pk) == (cursor.fetchone()[0], False, [], False)
    assert {query: _hits(project, query)[1] for query in QUERIES} == before


def test_the_task_passes_over_a_source_deleted_before_it_ran(project, tasks_kept):
    from coding.tasks import index_sources

    _postgresql_only()
    gone = Source.objects.create(project=project, title="Gone", text=NEW_TEXT)
    kept = Source.objects.create(project=project, title="Kept", text="Another text.")
    gone_pk = gone.pk
    gone.delete()
    assert index_sources.call([gone_pk, kept.pk]) == {"indexed": 1}
    assert _pg_index_row(gone_pk) is None
    assert _pg_index_row(kept.pk) == ("'another':1 'text':2", False, [], False)


def test_a_task_kept_outside_the_database_is_enqueued_once_the_source_is_committed(
    project, settings, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from coding.tasks import index_sources

    _postgresql_only()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = index_sources.get_backend()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            source = Source.objects.create(project=project, title="Later", text=NEW_TEXT)
            assert backend.results == []
        assert backend.results == []
    [result] = backend.results
    assert result.args == [[source.pk]]
    assert _pg_index_row(source.pk) is None
