from django.urls import path

from coding import views

app_name = "coding"

urlpatterns = [
    path("projects/<int:pk>/codebook/", views.codebook, name="codebook"),
    path("projects/<int:pk>/sources/<int:source_pk>/code/", views.workspace, name="workspace"),
]

from coding import views_agreement  # noqa: E402

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
