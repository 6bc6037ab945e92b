from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = gettext_lazy("Shop")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from shop.receivers import merge_cart_on_login

        user_logged_in.connect(merge_cart_on_login, dispatch_uid="shop.merge_cart_on_login")
