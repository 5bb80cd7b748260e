from django.urls import path

from coding import views, views_agreement, views_analysis, views_codebook, views_memos

app_name = "coding"

urlpatterns = [
    path("projects/<int:pk>/codebook/", views_codebook.codebook, name="codebook"),
    path("projects/<int:pk>/sources/<int:source_pk>/code/", views.workspace, name="workspace"),
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
