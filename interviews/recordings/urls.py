from django.urls import path

from interviews.recordings import views

# Included by interviews.urls, so the names are "interviews:recording_…".
urlpatterns = [
    path(
        "projects/<int:pk>/sources/<int:source_pk>/recording/",
        views.recording_file,
        name="recording_file",
    ),
    path(
        "projects/<int:pk>/sources/<int:source_pk>/recording/attach/",
        views.recording_attach,
        name="recording_attach",
    ),
    path(
        "projects/<int:pk>/sources/<int:source_pk>/recording/remove/",
        views.recording_remove,
        name="recording_remove",
    ),
]
