"""REST routes of this app, included under /api/v1/ by leadcourt/api/urls.py.
Appeal and concede (``/leads/{id}/appeal/``, ``/concede/``) are the court's
routes (``adjudication/api_urls.py``)."""

from django.urls import path

from leads.apis import leads, rulebook, transitions

urlpatterns = [
    path("leads/", leads.LeadListCreateApi.as_view(), name="leads"),
    path("leads/<int:pk>/", leads.LeadDetailApi.as_view(), name="lead-detail"),
    path("leads/<int:pk>/qualify/", transitions.LeadQualifyApi.as_view(), name="lead-qualify"),
    path("leads/<int:pk>/disqualify/", transitions.LeadDisqualifyApi.as_view(), name="lead-disqualify"),
    path("leads/<int:pk>/accept/", transitions.LeadAcceptApi.as_view(), name="lead-accept"),
    path("leads/<int:pk>/reject/", transitions.LeadRejectApi.as_view(), name="lead-reject"),
    path(
        "leads/<int:pk>/return-after-followup/",
        transitions.LeadReturnAfterFollowupApi.as_view(),
        name="lead-return-after-followup",
    ),
    path(
        "leads/<int:pk>/qualify-opportunity/",
        transitions.LeadQualifyOpportunityApi.as_view(),
        name="lead-qualify-opportunity",
    ),
    path("leads/<int:pk>/close-won/", transitions.LeadCloseWonApi.as_view(), name="lead-close-won"),
    path("leads/<int:pk>/close-lost/", transitions.LeadCloseLostApi.as_view(), name="lead-close-lost"),
    path("leads/<int:pk>/recycle/", transitions.LeadRecycleApi.as_view(), name="lead-recycle"),
    path("leads/<int:pk>/assign/", transitions.LeadAssignApi.as_view(), name="lead-assign"),
    path("leads/<int:pk>/touches/", transitions.LeadTouchCreateApi.as_view(), name="lead-touches"),
    path("rulebook/", rulebook.RulebookApi.as_view(), name="rulebook"),
]
