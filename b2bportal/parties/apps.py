from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "b2bportal.parties"
    label = "parties"
    verbose_name = "Businesses and counterparties"
