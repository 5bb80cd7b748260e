from django.urls import path

from coding import (
    api,
    views,
    views_agreement,
    views_analysis,
    views_codebook,
    views_memos,
    views_suggestions,
)

app_name = "coding"

urlpatterns = [
    path("projects/<int:pk>/codebook/", views_codebook.codebook, name="codebook"),
    path("projects/<int:pk>/sources/<int:source_pk>/code/", views.workspace, name="workspace"),
    path(
        "api/projects/<int:pk>/sources/<int:source_pk>/codings/",
        api.codings,
        name="api_codings",
    ),
    path(
        "api/projects/<int:pk>/sources/<int:source_pk>/codings/<int:coding_pk>/",
        api.coding_detail,
        name="api_coding",
    ),
    path("api/projects/<int:pk>/pins/", api.pins, name="api_pins"),
]

# Codebook editor, codebook files, history
urlpatterns += [
    path("projects/<int:pk>/codebook/new/", views_codebook.code_create, name="code_create"),
    path(
        "projects/<int:pk>/codebook/template/",
        views_codebook.codebook_template,
        name="codebook_template",
    ),
    path(
        "projects/<int:pk>/codebook/export/", views_codebook.codebook_export, name="codebook_export"
    ),
    path(
        "projects/<int:pk>/codebook/import/", views_codebook.codebook_import, name="codebook_import"
    ),
    path("projects/<int:pk>/codes/<int:code_pk>/", views_codebook.code_detail, name="code_detail"),
    path("projects/<int:pk>/codes/<int:code_pk>/move/", views_codebook.code_move, name="code_move"),
    path(
        "projects/<int:pk>/codes/<int:code_pk>/merge/", views_codebook.code_merge, name="code_merge"
    ),
    path(
        "projects/<int:pk>/codes/<int:code_pk>/delete/",
        views_codebook.code_delete,
        name="code_delete",
    ),
    path("projects/<int:pk>/history/", views_codebook.history, name="history"),
    path(
        "projects/<int:pk>/history/<int:change_pk>/restore/",
        views_codebook.change_restore,
        name="change_restore",
    ),
]

# Retrieval, queries, search
urlpatterns += [
    path("projects/<int:pk>/retrieval/", views_analysis.retrieval, name="retrieval"),
    path("projects/<int:pk>/queries/", views_analysis.query, name="query"),
    path(
        "projects/<int:pk>/queries/<int:query_pk>/",
        views_analysis.saved_query,
        name="saved_query",
    ),
    path(
        "projects/<int:pk>/queries/<int:query_pk>/delete/",
        views_analysis.saved_query_delete,
        name="saved_query_delete",
    ),
    path("projects/<int:pk>/search/", views_analysis.search, name="search"),
]

# Memos
urlpatterns += [
    path("projects/<int:pk>/memos/", views_memos.memo_list, name="memo_list"),
    path("projects/<int:pk>/memos/new/", views_memos.memo_add, name="memo_add"),
    path("projects/<int:pk>/memos/<int:memo_pk>/", views_memos.memo_edit, name="memo_edit"),
    path(
        "projects/<int:pk>/memos/<int:memo_pk>/delete/",
        views_memos.memo_remove,
        name="memo_remove",
    ),
]


urlpatterns += [
    path("projects/<int:pk>/agreement/", views_agreement.agreement, name="agreement"),
    path(
        "projects/<int:pk>/agreement/export.<str:fmt>",
        views_agreement.agreement_export,
        name="agreement_export",
    ),
    path(
        "projects/<int:pk>/agreement/review/",
        views_agreement.agreement_review,
        name="agreement_review",
    ),
    path(
        "projects/<int:pk>/agreement/resolve/",
        views_agreement.agreement_resolve,
        name="agreement_resolve",
    ),
]

# Coding help: rules, code by speaker, the learned classifier, suggestions to review
urlpatterns += [
    path("projects/<int:pk>/coding-help/", views_suggestions.coding_help, name="coding_help"),
    path(
        "projects/<int:pk>/coding-help/rules/new/", views_suggestions.rule_edit, name="rule_create"
    ),
    path(
        "projects/<int:pk>/coding-help/rules/<int:rule_pk>/",
        views_suggestions.rule_edit,
        name="rule_edit",
    ),
    path(
        "projects/<int:pk>/coding-help/rules/<int:rule_pk>/delete/",
        views_suggestions.rule_delete,
        name="rule_delete",
    ),
    path("projects/<int:pk>/coding-help/train/", views_suggestions.train, name="suggestions_train"),
    path(
        "projects/<int:pk>/coding-help/suggest-new/",
        views_suggestions.suggest_new,
        name="suggestions_suggest_new",
    ),
    path(
        "projects/<int:pk>/coding-help/thresholds/",
        views_suggestions.model_thresholds,
        name="suggestions_thresholds",
    ),
    path("projects/<int:pk>/coding-help/queue/", views_suggestions.queue, name="suggestion_queue"),
    path(
        "projects/<int:pk>/coding-help/accept-all/",
        views_suggestions.accept_all,
        name="suggestions_accept_all",
    ),
    path(
        "api/projects/<int:pk>/suggestions/<int:suggestion_pk>/",
        views_suggestions.decide,
        name="suggestion_decide",
    ),
    path(
        "api/projects/<int:pk>/sources/<int:source_pk>/suggestions/",
        views_suggestions.source_suggestions,
        name="api_suggestions",
    ),
]
