from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "b2bportal.desk"
    label = "desk"
    verbose_name = "Desk"
