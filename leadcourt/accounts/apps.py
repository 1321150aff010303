from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "leadcourt.accounts"
    label = "accounts"
    verbose_name = "Users and roles"
