"""URLs of the marketer's pages (``leads.marketing_views``).

Included before ``leads.urls`` in the project urls; the lead action URLs sit
beside the lead page (``/leads/<pk>/…``) so the lead page can post to them.
"""

from django.urls import path

from leads import marketing_views as views

urlpatterns = [
    path("marketing/leads/", views.marketer_leads_page, name="marketer-leads"),
    path("marketing/leads/new/", views.lead_new_page, name="lead-new"),
    path("leads/<int:pk>/qualify/", views.lead_qualify_action, name="lead-qualify"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify_action, name="lead-disqualify"),
    path("leads/<int:pk>/recycle/", views.lead_recycle_action, name="lead-recycle"),
    path("campaigns/", views.campaigns_page, name="campaigns"),
    path("campaigns/new/", views.campaign_new_page, name="campaign-new"),
    path("campaigns/<int:pk>/", views.campaign_detail_page, name="campaign-detail"),
    path("campaigns/<int:pk>/go-live/", views.campaign_launch_submit, name="campaign-launch"),
    path("campaigns/<int:pk>/end/", views.campaign_end_submit, name="campaign-end"),
]
