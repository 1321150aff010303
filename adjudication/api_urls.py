"""REST routes of this app, included under /api/v1/ by leadcourt/api/urls.py."""

urlpatterns = []
