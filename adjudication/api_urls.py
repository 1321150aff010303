"""REST routes of this app, included under /api/v1/ by leadcourt/api/urls.py."""

from django.urls import path

from adjudication import apis

urlpatterns = [
    path("cases/", apis.CaseListApi.as_view(), name="cases"),
    path("cases/<int:pk>/", apis.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:pk>/statements/", apis.CaseStatementCreateApi.as_view(), name="case-statements"),
    path("cases/<int:pk>/verdict/", apis.CaseVerdictApi.as_view(), name="case-verdict"),
]
