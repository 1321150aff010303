# Browser pages of the leads app (filled in with the minimal pages).
urlpatterns = []
