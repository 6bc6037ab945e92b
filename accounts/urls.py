from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"

_placeholder = TemplateView.as_view(template_name="placeholder.html")

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", _placeholder, name="signup"),
    path("password_change/", _placeholder, name="password_change"),
    path("addresses/", _placeholder, name="address-list"),
]
