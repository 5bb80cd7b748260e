from django.urls import path

from coding import api, views

app_name = "coding"

urlpatterns = [
    path("projects/<int:pk>/codebook/", views.codebook, name="codebook"),
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
