from django.urls import path

from coding import views

app_name = "coding"

urlpatterns = [
    path("projects/<int:pk>/codebook/", views.codebook, name="codebook"),
    path("projects/<int:pk>/sources/<int:source_pk>/code/", views.workspace, name="workspace"),
]
