"""Password reset by e-mail (leadcourt/accounts/views.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from leadcourt.accounts.views import PasswordResetView

urlpatterns = [
    path("account/password/reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
