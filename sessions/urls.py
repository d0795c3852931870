from django.urls import path

from sessions import views

app_name = "sessions"

urlpatterns = [
    path("<uuid:session_id>/", views.detail, name="detail"),
    path("<uuid:session_id>/stream", views.stream, name="stream"),
    path("<uuid:session_id>/panels/<slug:name>", views.panel, name="panel"),
    path("<uuid:session_id>/agenda", views.add_agenda_item, name="add_agenda_item"),
    path("<uuid:session_id>/agenda/current", views.take_up, name="take_up"),
    path("<uuid:session_id>/attendance", views.attendance, name="attendance"),
    path("<uuid:session_id>/participants", views.add_participant, name="add_participant"),
    path("<uuid:session_id>/close", views.close, name="close"),
    path("entries/<uuid:entry_id>/correct", views.correct, name="correct"),
]
