from django.urls import path

from accounts import invitations, views

app_name = "accounts"

urlpatterns = [
    path("language", views.choose_language, name="language"),
    path("invitations/<str:secret>", invitations.accept, name="invitation"),
    path("account/", views.account, name="account"),
    path("account/preferences", views.preferences, name="preferences"),
    path("account/tokens/<uuid:token_id>/revoke", views.revoke_token, name="revoke_token"),
    path("account/sign-out-everywhere", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("negotiations/<uuid:negotiation_id>/two-factor", views.negotiation_two_factor, name="negotiation_two_factor"),
]
