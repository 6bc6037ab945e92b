from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = gettext_lazy("Accounts")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from accounts import receivers

        user_logged_in.connect(receivers.log_login, dispatch_uid="accounts.log_login")
        user_logged_in.connect(
            receivers.start_staff_session, dispatch_uid="accounts.start_staff_session"
        )
        user_login_failed.connect(
            receivers.log_login_failed, dispatch_uid="accounts.log_login_failed"
        )
        user_logged_out.connect(receivers.log_logout, dispatch_uid="accounts.log_logout")
        user_locked_out.connect(receivers.log_lockout, dispatch_uid="accounts.log_lockout")
