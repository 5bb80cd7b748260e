from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("projects/<int:pk>/exchange/", views.exchange_home, name="home"),
    path("projects/<int:pk>/exchange/export/", views.project_export, name="project_export"),
    path("projects/<int:pk>/exchange/codebook.qdc", views.codebook_export, name="codebook_export"),
    path(
        "projects/<int:pk>/exchange/codebook/import/",
        views.codebook_import,
        name="codebook_import",
    ),
    path("exchange/import/", views.project_import, name="project_import"),
    path("exchange/jobs/<uuid:guid>/", views.job_page, name="job"),
    path("exchange/jobs/<uuid:guid>/download/", views.export_download, name="export_download"),
]
