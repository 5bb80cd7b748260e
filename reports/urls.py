from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("projects/<int:pk>/reports/", views.index, name="index"),
    path("projects/<int:pk>/reports/passages/", views.passages, name="passages"),
    path("projects/<int:pk>/reports/saved/", views.saved_save, name="saved_save"),
    path("projects/<int:pk>/reports/saved/<int:saved_pk>/", views.saved_run, name="saved_run"),
    path(
        "projects/<int:pk>/reports/saved/<int:saved_pk>/delete/",
        views.saved_delete,
        name="saved_delete",
    ),
    path("projects/<int:pk>/reports/summary/", views.summary_save, name="summary_save"),
    path(
        "projects/<int:pk>/reports/exemplar/<int:coding_pk>/",
        views.exemplar_toggle,
        name="exemplar_toggle",
    ),
    path("projects/<int:pk>/reports/<slug:kind>/", views.report, name="report"),
    path("projects/<int:pk>/reports/<slug:kind>/export/<slug:fmt>/", views.export, name="export"),
]
