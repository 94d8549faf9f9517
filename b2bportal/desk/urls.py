from django.urls import path

from .views import home

app_name = "desk"
urlpatterns = [path("", home, name="home")]
