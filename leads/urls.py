"""Browser pages of the leads app, and the account pages (sign in/out, password).

The account pages use django.contrib.auth's views as they are; they live here
because the leads app owns the base layout they render in.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from leads import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Django's LogoutView accepts POST only: a link could log people out from another site.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", views.home, name="home"),
    path("inbox/", views.rep_inbox_page, name="rep-inbox"),
    path("accepted/", views.rep_worked_page, name="rep-worked"),
    path("leads/", views.lead_list_page, name="lead-list"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    # One URL per action (the lead page and the list rows post here); one view runs them all.
    path("leads/<int:pk>/accept/", views.lead_action, {"action": "accept"}, name="lead-accept"),
    path("leads/<int:pk>/reject/", views.lead_action, {"action": "reject"}, name="lead-reject"),
    path("leads/<int:pk>/touches/", views.lead_action, {"action": "touch"}, name="lead-touch"),
    path(
        "leads/<int:pk>/qualify-opportunity/",
        views.lead_action,
        {"action": "qualify_opportunity"},
        name="lead-qualify-opportunity",
    ),
    path("leads/<int:pk>/return/", views.lead_action, {"action": "return"}, name="lead-return"),
    path("leads/<int:pk>/close-won/", views.lead_action, {"action": "close_won"}, name="lead-close-won"),
    path("leads/<int:pk>/close-lost/", views.lead_action, {"action": "close_lost"}, name="lead-close-lost"),
    path("leads/<int:pk>/reassign/", views.lead_action, {"action": "reassign"}, name="lead-reassign"),
    path("rulebook/", views.rulebook_page, name="rulebook"),
]
