from django.urls import path

from sessions import minutes_views, views

app_name = "sessions"

urlpatterns = [
    path("console-sw.js", views.service_worker, name="service_worker"),
    path("<uuid:session_id>/", views.detail, name="detail"),
    path("<uuid:session_id>/stream", views.stream, name="stream"),
    path("<uuid:session_id>/earlier", views.earlier, name="earlier"),
    path("<uuid:session_id>/panels/<slug:name>", views.panel, name="panel"),
    path("<uuid:session_id>/agenda", views.add_agenda_item, name="add_agenda_item"),
    path("<uuid:session_id>/agenda/current", views.take_up, name="take_up"),
    path("<uuid:session_id>/attendance", views.attendance, name="attendance"),
    path("<uuid:session_id>/participants", views.add_participant, name="add_participant"),
    path("<uuid:session_id>/close", views.close, name="close"),
    path("<uuid:session_id>/reopen", views.reopen, name="reopen"),
    path("<uuid:session_id>/pending", views.pending, name="pending"),
    path("<uuid:session_id>/minutes", minutes_views.minutes, name="minutes"),
    path("<uuid:session_id>/minutes/narrative", minutes_views.minutes_narrative, name="minutes_narrative"),
    path("<uuid:session_id>/minutes/approve", minutes_views.minutes_approve, name="minutes_approve"),
    path("<uuid:session_id>/minutes/corrigenda", minutes_views.minutes_corrigendum, name="minutes_corrigendum"),
    path(
        "<uuid:session_id>/minutes/corrigenda/<int:number>/approve",
        minutes_views.corrigendum_approve,
        name="corrigendum_approve",
    ),
    path("<uuid:session_id>/summary/retry", minutes_views.retry_summary, name="retry_summary"),
    path("entries/<uuid:entry_id>/correct", views.correct, name="correct"),
    path("entries/<uuid:entry_id>/accept", views.accept_reading, name="accept_reading"),
]
