from django.urls import path

from interviews.deid import views

app_name = "deid"

_SOURCE = "projects/<int:pk>/sources/<int:source_pk>/"

urlpatterns = [
    path("projects/<int:pk>/deidentify/", views.overview, name="overview"),
    path("projects/<int:pk>/deidentify/detect/", views.detect, name="detect"),
    path("projects/<int:pk>/deidentify/settings/", views.settings_save, name="settings"),
    path("projects/<int:pk>/deidentify/terms/", views.term_add, name="term_add"),
    path(
        "projects/<int:pk>/deidentify/terms/<int:term_pk>/delete/",
        views.term_delete,
        name="term_delete",
    ),
    path("projects/<int:pk>/deidentify/decide/", views.spans_decide, name="decide"),
    path(
        "projects/<int:pk>/deidentify/entities/<int:entity_pk>/",
        views.entity_rename,
        name="entity_rename",
    ),
    path("projects/<int:pk>/deidentify/apply/", views.apply_all, name="apply_all"),
    path("projects/<int:pk>/deidentify/key/", views.key_export, name="key_export"),
    path(_SOURCE + "deidentify/", views.source_review, name="source_review"),
    path(_SOURCE + "deidentify/add/", views.span_add, name="span_add"),
    path(_SOURCE + "deidentify/spans/<int:span_pk>/", views.span_edit, name="span_edit"),
    path(_SOURCE + "deidentify/apply/", views.source_apply, name="source_apply"),
    path(_SOURCE + "identified/", views.identified, name="identified"),
    path(_SOURCE + "revisions/", views.revisions, name="revisions"),
    path(_SOURCE + "correct/", views.correct, name="correct"),
]
