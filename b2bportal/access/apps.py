from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "b2bportal.access"
    label = "access"
    verbose_name = "API access"
