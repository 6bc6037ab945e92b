from django.urls import path
from django.views.generic import TemplateView

app_name = "shop"

_placeholder = TemplateView.as_view(template_name="placeholder.html")

urlpatterns = [
    path("", _placeholder, name="home"),
    path("search/", _placeholder, name="search"),
    path("cart/", _placeholder, name="cart"),
    path("orders/", _placeholder, name="order-list"),
    path("help/", _placeholder, name="help"),
]
