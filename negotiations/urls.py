from django.urls import path

from negotiations import views

app_name = "negotiations"

urlpatterns = [
    path("", views.index, name="index"),
    path("negotiations/<uuid:negotiation_id>/", views.detail, name="detail"),
    path("search", views.search, name="search"),
    path("negotiations/new", views.new_negotiation, name="new"),
    path("negotiations/<uuid:negotiation_id>/people/", views.people, name="people"),
    path("negotiations/<uuid:negotiation_id>/people/add", views.add_member, name="add_member"),
    path("negotiations/<uuid:negotiation_id>/people/role", views.change_role, name="change_role"),
    path("negotiations/<uuid:negotiation_id>/people/remove", views.remove_member, name="remove_member"),
    path("negotiations/<uuid:negotiation_id>/people/links", views.create_link, name="create_link"),
    path(
        "negotiations/<uuid:negotiation_id>/people/links/<uuid:invitation_id>/revoke",
        views.revoke_link,
        name="revoke_link",
    ),
    path("negotiations/<uuid:negotiation_id>/schedule", views.schedule, name="schedule"),
    path("agenda/<uuid:session_id>/", views.agenda, name="agenda"),
    path("agenda/<uuid:session_id>/add", views.agenda_add, name="agenda_add"),
    path("agenda/<uuid:session_id>/move", views.agenda_move, name="agenda_move"),
    path("agenda/<uuid:session_id>/remove", views.agenda_remove, name="agenda_remove"),
    path("people/", views.staff_people, name="staff_people"),
    path("people/users", views.staff_create_user, name="staff_create_user"),
    path("people/parties", views.staff_create_party, name="staff_create_party"),
    path("people/delegations", views.staff_create_delegation, name="staff_create_delegation"),
    path("people/placements", views.staff_place_user, name="staff_place_user"),
]
