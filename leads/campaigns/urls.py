"""The campaign pages (``leads.campaigns.views``)."""

from django.urls import path

from leads.campaigns import views

urlpatterns = [
    path("campaigns/", views.campaigns_page, name="campaigns"),
    path("campaigns/new/", views.campaign_new_page, name="campaign-new"),
    path("campaigns/<int:pk>/", views.campaign_detail_page, name="campaign-detail"),
    path("campaigns/<int:pk>/go-live/", views.campaign_launch_submit, name="campaign-launch"),
    path("campaigns/<int:pk>/end/", views.campaign_end_submit, name="campaign-end"),
]
