from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("verify", views.verify_file, name="verify"),
]
