from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from interviews.throttle import PasswordChangeView
from interviews.views import ThrottledLoginView

urlpatterns = [
    # First: every API request (the coding page's writes among them) is resolved at once.
    path("", include("api.urls")),
    path("accounts/login/", login_not_required(ThrottledLoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("", include("interviews.urls")),
    path("", include("interviews.deid.urls")),
    path("", include("coding.urls")),
    path("", include("agreement.urls")),
    path("", include("reports.urls")),
    path("", include("exchange.urls")),
]

# A request whose database connection was lost answers 503 with a message (config/web.py).
handler500 = "config.web.server_error"
