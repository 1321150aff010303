"""REST routes of this app, included under /api/v1/ by leadcourt/api/urls.py.
Appeal and concede keep the lead's paths (``/leads/{id}/appeal/``): they are
things done to a lead, but the court owns them."""

from django.urls import path

from adjudication.apis import appeals, cases

urlpatterns = [
    path("leads/<int:pk>/appeal/", appeals.LeadAppealApi.as_view(), name="lead-appeal"),
    path("leads/<int:pk>/concede/", appeals.LeadConcedeApi.as_view(), name="lead-concede"),
    path("cases/", cases.CaseListApi.as_view(), name="cases"),
    path("cases/<int:pk>/", cases.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:pk>/statements/", cases.CaseStatementCreateApi.as_view(), name="case-statements"),
    path("cases/<int:pk>/verdict/", cases.CaseVerdictApi.as_view(), name="case-verdict"),
]
