from django.urls import path

from coding.views import (
    codebook,
    erasure,
    history,
    memos,
    retrieval,
    search,
    suggestions,
    workspace,
)

app_name = "coding"

urlpatterns = [
    path("projects/<int:pk>/codebook/", codebook.codebook, name="codebook"),
    path("projects/<int:pk>/sources/<int:source_pk>/code/", workspace.workspace, name="workspace"),
]

# Codebook editor, codebook files, history
urlpatterns += [
    path("projects/<int:pk>/codebook/new/", codebook.code_create, name="code_create"),
    path(
        "projects/<int:pk>/codebook/template/",
        codebook.codebook_template,
        name="codebook_template",
    ),
    path("projects/<int:pk>/codebook/export/", codebook.codebook_export, name="codebook_export"),
    path("projects/<int:pk>/codebook/import/", codebook.codebook_import, name="codebook_import"),
    path("projects/<int:pk>/codes/<int:code_pk>/", codebook.code_detail, name="code_detail"),
    path("projects/<int:pk>/codes/<int:code_pk>/move/", codebook.code_move, name="code_move"),
    path("projects/<int:pk>/codes/<int:code_pk>/merge/", codebook.code_merge, name="code_merge"),
    path(
        "projects/<int:pk>/codes/<int:code_pk>/delete/",
        codebook.code_delete,
        name="code_delete",
    ),
    path("projects/<int:pk>/history/", history.history, name="history"),
    path(
        "projects/<int:pk>/history/<int:change_pk>/restore/",
        history.change_restore,
        name="change_restore",
    ),
]

# Retrieval, queries, search
urlpatterns += [
    path("projects/<int:pk>/retrieval/", retrieval.retrieval, name="retrieval"),
    path("projects/<int:pk>/queries/", retrieval.query, name="query"),
    path(
        "projects/<int:pk>/queries/<int:query_pk>/",
        retrieval.saved_query,
        name="saved_query",
    ),
    path(
        "projects/<int:pk>/queries/<int:query_pk>/delete/",
        retrieval.saved_query_delete,
        name="saved_query_delete",
    ),
    path("projects/<int:pk>/search/", search.search, name="search"),
]

# Memos
urlpatterns += [
    path("projects/<int:pk>/memos/", memos.memo_list, name="memo_list"),
    path("projects/<int:pk>/memos/new/", memos.memo_add, name="memo_add"),
    path("projects/<int:pk>/memos/<int:memo_pk>/", memos.memo_edit, name="memo_edit"),
    path(
        "projects/<int:pk>/memos/<int:memo_pk>/delete/",
        memos.memo_remove,
        name="memo_remove",
    ),
]

# Coding help: rules, code by speaker, the learned classifier, suggestions to review
urlpatterns += [
    path("projects/<int:pk>/coding-help/", suggestions.coding_help, name="coding_help"),
    path("projects/<int:pk>/coding-help/rules/new/", suggestions.rule_edit, name="rule_create"),
    path(
        "projects/<int:pk>/coding-help/rules/<int:rule_pk>/",
        suggestions.rule_edit,
        name="rule_edit",
    ),
    path(
        "projects/<int:pk>/coding-help/rules/<int:rule_pk>/delete/",
        suggestions.rule_delete,
        name="rule_delete",
    ),
    path("projects/<int:pk>/coding-help/train/", suggestions.train, name="suggestions_train"),
    path(
        "projects/<int:pk>/coding-help/suggest-new/",
        suggestions.suggest_new,
        name="suggestions_suggest_new",
    ),
    path(
        "projects/<int:pk>/coding-help/thresholds/",
        suggestions.model_thresholds,
        name="suggestions_thresholds",
    ),
    path("projects/<int:pk>/coding-help/queue/", suggestions.queue, name="suggestion_queue"),
    path(
        "projects/<int:pk>/coding-help/accept-all/",
        suggestions.accept_all,
        name="suggestions_accept_all",
    ),
    path(
        "projects/<int:pk>/coding-help/suggestions/<int:suggestion_pk>/",
        suggestions.decide,
        name="suggestion_decide",
    ),
]

# Erasing an interviewee (it deletes codings and memos, so it lives with them).
urlpatterns += [
    path(
        "projects/<int:pk>/interviewees/<int:interviewee_pk>/erase/",
        erasure.interviewee_erase_view,
        name="interviewee_erase",
    ),
]
