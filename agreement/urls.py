from django.urls import path

from agreement import views

app_name = "agreement"

urlpatterns = [
    path("projects/<int:pk>/agreement/", views.agreement, name="figures"),
    path("projects/<int:pk>/agreement/export.<str:fmt>", views.agreement_export, name="export"),
    path("projects/<int:pk>/agreement/review/", views.agreement_review, name="review"),
    path("projects/<int:pk>/agreement/resolve/", views.agreement_resolve, name="resolve"),
]
