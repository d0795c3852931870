from django.urls import path

from negotiations import views

app_name = "negotiations"

urlpatterns = [
    path("", views.index, name="index"),
    path("negotiations/<uuid:negotiation_id>/", views.detail, name="detail"),
    path("search", views.search, name="search"),
]
