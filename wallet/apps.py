from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = gettext_lazy("Wallet")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from wallet import (
            checks,  # noqa: F401  (registers the settle-window check)
            reauth,
            session,
        )

        user_logged_in.connect(reauth.on_user_logged_in, dispatch_uid="wallet.reauth_on_login")
        user_logged_in.connect(session.on_user_logged_in, dispatch_uid="wallet.confirmed_on_login")
