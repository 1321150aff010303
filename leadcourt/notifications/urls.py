from django.urls import path

from leadcourt.notifications import views

urlpatterns = [
    path("preferences/", views.preferences_page, name="notification-preferences"),
]
