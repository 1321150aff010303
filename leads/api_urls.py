"""REST routes of this app, included under /api/v1/ by leadcourt/api/urls.py."""

from django.urls import path

from leads import apis

urlpatterns = [
    path("leads/", apis.LeadListCreateApi.as_view(), name="leads"),
    path("leads/<int:pk>/", apis.LeadDetailApi.as_view(), name="lead-detail"),
    path("leads/<int:pk>/qualify/", apis.LeadQualifyApi.as_view(), name="lead-qualify"),
    path("leads/<int:pk>/disqualify/", apis.LeadDisqualifyApi.as_view(), name="lead-disqualify"),
    path("leads/<int:pk>/accept/", apis.LeadAcceptApi.as_view(), name="lead-accept"),
    path("leads/<int:pk>/reject/", apis.LeadRejectApi.as_view(), name="lead-reject"),
    path("leads/<int:pk>/appeal/", apis.LeadAppealApi.as_view(), name="lead-appeal"),
    path("leads/<int:pk>/concede/", apis.LeadConcedeApi.as_view(), name="lead-concede"),
    path(
        "leads/<int:pk>/return-after-followup/",
        apis.LeadReturnAfterFollowupApi.as_view(),
        name="lead-return-after-followup",
    ),
    path(
        "leads/<int:pk>/qualify-opportunity/",
        apis.LeadQualifyOpportunityApi.as_view(),
        name="lead-qualify-opportunity",
    ),
    path("leads/<int:pk>/close-won/", apis.LeadCloseWonApi.as_view(), name="lead-close-won"),
    path("leads/<int:pk>/close-lost/", apis.LeadCloseLostApi.as_view(), name="lead-close-lost"),
    path("leads/<int:pk>/recycle/", apis.LeadRecycleApi.as_view(), name="lead-recycle"),
    path("leads/<int:pk>/assign/", apis.LeadAssignApi.as_view(), name="lead-assign"),
    path("leads/<int:pk>/touches/", apis.LeadTouchCreateApi.as_view(), name="lead-touches"),
    path("rulebook/", apis.RulebookApi.as_view(), name="rulebook"),
]
