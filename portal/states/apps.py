from django.apps import AppConfig


class StatesConfig(AppConfig):
    name = "portal.states"
    label = "states"
    verbose_name = "States register"
