from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "b2bportal.staff"
    label = "staff"
    verbose_name = "Staff roles"
