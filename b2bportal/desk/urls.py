from django.urls import path

from .views import add_note, assign, home

app_name = "desk"
urlpatterns = [
    path("", home, name="home"),
    path("documents/<str:family_key>/<str:pk>/notes/", add_note, name="add_note"),
    path("documents/<str:family_key>/<str:pk>/assign/", assign, name="assign"),
]
