from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("points/<uuid:point_id>/", views.point, name="point"),
    path("formulations/<uuid:formulation_id>/reopen", views.reopen, name="reopen"),
    path("formulations/<uuid:formulation_id>/versions", views.add_version, name="add_version"),
    path("formulations/<uuid:formulation_id>/consent", views.consent, name="consent"),
    path("sessions/<uuid:session_id>/formulations/new", views.new_formulation, name="new_formulation"),
    path("sessions/<uuid:session_id>/formulations", views.propose, name="propose"),
    path("sessions/<uuid:session_id>/formulations/<uuid:formulation_id>/agree", views.agree, name="agree"),
]
