from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "leadcourt.notifications"
    label = "notifications"
    verbose_name = "Notifications"
