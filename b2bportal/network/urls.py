"""Every EnKash webhook path of the catalogue, served at the site root."""

urlpatterns = []
