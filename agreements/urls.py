from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("sessions/<uuid:session_id>/formulations/new", views.new_formulation, name="new_formulation"),
    path("sessions/<uuid:session_id>/formulations", views.propose, name="propose"),
    path("sessions/<uuid:session_id>/formulations/<uuid:formulation_id>/agree", views.agree, name="agree"),
]
