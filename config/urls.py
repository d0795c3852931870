from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import SignInView
from config.api import api
from config.health import healthz
from sessions import views as session_views

urlpatterns = [
    path("", include("negotiations.urls")),
    path("sessions/", include("sessions.urls")),
    path("record/", include("agreements.urls")),
    path("", include("exports.urls")),
    path("", include("accounts.urls")),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/sessions/<uuid:session_id>/events", session_views.api_events, name="api-session-events"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "negotiations.views.not_found"
handler403 = "negotiations.views.not_allowed"
handler500 = "config.outage.server_error"  # an unreachable database answers 503, not 500
