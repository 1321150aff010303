"""Browser pages of the leads app, and the account pages (sign in/out, password).

The account pages use django.contrib.auth's views as they are; they live here
because the leads app owns the base layout they render in. One URL per lead
action (the lead page and the list rows post there); one view runs them all.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from leads.views import actions, home, lead_page, manager, marketing, rep

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Django's LogoutView accepts POST only: a link could log people out from another site.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", home.home, name="home"),
    path("inbox/", rep.rep_inbox_page, name="rep-inbox"),
    path("accepted/", rep.rep_worked_page, name="rep-worked"),
    path("leads/", manager.lead_list_page, name="lead-list"),
    path("leads/<int:pk>/", lead_page.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/accept/", actions.lead_action, {"action": "accept"}, name="lead-accept"),
    path("leads/<int:pk>/reject/", actions.lead_action, {"action": "reject"}, name="lead-reject"),
    path("leads/<int:pk>/touches/", actions.lead_action, {"action": "touch"}, name="lead-touch"),
    path(
        "leads/<int:pk>/qualify-opportunity/",
        actions.lead_action,
        {"action": "qualify_opportunity"},
        name="lead-qualify-opportunity",
    ),
    path("leads/<int:pk>/return/", actions.lead_action, {"action": "return"}, name="lead-return"),
    path("leads/<int:pk>/close-won/", actions.lead_action, {"action": "close_won"}, name="lead-close-won"),
    path("leads/<int:pk>/close-lost/", actions.lead_action, {"action": "close_lost"}, name="lead-close-lost"),
    path("leads/<int:pk>/reassign/", actions.lead_action, {"action": "reassign"}, name="lead-reassign"),
    path("rulebook/", home.rulebook_page, name="rulebook"),
    # The marketer's pages.
    path("marketing/leads/", marketing.marketer_leads_page, name="marketer-leads"),
    path("marketing/leads/new/", marketing.lead_new_page, name="lead-new"),
    path("leads/<int:pk>/qualify/", marketing.lead_qualify_action, name="lead-qualify"),
    path("leads/<int:pk>/disqualify/", marketing.lead_disqualify_action, name="lead-disqualify"),
    path("leads/<int:pk>/recycle/", marketing.lead_recycle_action, name="lead-recycle"),
]
