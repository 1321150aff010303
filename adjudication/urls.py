from django.urls import path

from adjudication import views

urlpatterns = [
    path("cases/", views.review_queue_page, name="review-queue"),
    path("cases/<int:pk>/", views.case_detail_page, name="case-detail"),
    path("cases/<int:pk>/verdict/", views.case_verdict_submit, name="case-verdict"),
    path("cases/<int:pk>/statements/", views.case_statement_submit, name="case-statement"),
    path("leads/rejected/", views.rejected_leads_page, name="rejected-leads"),
    path("leads/<int:pk>/appeal/", views.lead_appeal_submit, name="lead-appeal"),
    path("leads/<int:pk>/concede/", views.lead_concede_submit, name="lead-concede"),
]
