"""The progress app: each State's implementation of the joint statement."""

from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "practices.progress"
    label = "progress"
    verbose_name = "Progress"
