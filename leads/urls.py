"""Browser pages of the leads app, and sign-in/out.

Login and logout live here rather than in the project urls because they are
the only account pages so far; they use django.contrib.auth's views as is.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from leads import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Django's LogoutView accepts POST only: a link could log people out from another site.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("rulebook/", views.rulebook_page, name="rulebook"),
]
