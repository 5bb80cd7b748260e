from django.urls import path

from interviews import import_views, views, views_consent

app_name = "interviews"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/members/", views.member_list, name="member_list"),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("projects/<int:pk>/attributes/", views.attribute_list, name="attribute_list"),
    path("projects/<int:pk>/attributes/new/", views.attribute_edit, name="attribute_create"),
    path(
        "projects/<int:pk>/attributes/<int:attribute_pk>/edit/",
        views.attribute_edit,
        name="attribute_edit",
    ),
    path(
        "projects/<int:pk>/attributes/<int:attribute_pk>/delete/",
        views.attribute_delete,
        name="attribute_delete",
    ),
    path("projects/<int:pk>/interviewees/", views.interviewee_list, name="interviewee_list"),
    path("projects/<int:pk>/interviewees/new/", views.interviewee_edit, name="interviewee_create"),
    path(
        "projects/<int:pk>/interviewees/<int:interviewee_pk>/",
        views.interviewee_detail,
        name="interviewee_detail",
    ),
    path(
        "projects/<int:pk>/interviewees/<int:interviewee_pk>/edit/",
        views.interviewee_edit,
        name="interviewee_edit",
    ),
    path(
        "projects/<int:pk>/interviewees/<int:interviewee_pk>/consent-form/",
        views_consent.consent_form,
        name="consent_form",
    ),
    path(
        "projects/<int:pk>/interviewees/<int:interviewee_pk>/consent-form/delete/",
        views_consent.consent_form_delete,
        name="consent_form_delete",
    ),
    path("projects/<int:pk>/sources/", views.source_list, name="source_list"),
    path("projects/<int:pk>/sources/import/", import_views.source_import, name="source_import"),
    path(
        "projects/<int:pk>/sources/import/<str:key>/batch/",
        import_views.source_import_batch,
        name="source_import_batch",
    ),
    path(
        "projects/<int:pk>/sources/import/<str:key>/",
        import_views.source_import_review,
        name="source_import_review",
    ),
    path(
        "projects/<int:pk>/sources/import/jobs/<uuid:guid>/speakers/",
        import_views.import_speakers,
        name="import_speakers",
    ),
    path(
        "projects/<int:pk>/sources/<int:source_pk>/speakers/",
        import_views.source_speakers,
        name="source_speakers",
    ),
    path("projects/<int:pk>/sources/<int:source_pk>/", views.source_detail, name="source_detail"),
    path("projects/<int:pk>/sources/<int:source_pk>/edit/", views.source_edit, name="source_edit"),
    path(
        "projects/<int:pk>/sources/<int:source_pk>/delete/",
        views.source_delete,
        name="source_delete",
    ),
    path("projects/<int:pk>/jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:guid>/", views.job_detail, name="job_detail"),
]
