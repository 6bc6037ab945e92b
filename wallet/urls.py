from django.urls import path
from django.views.generic import TemplateView

app_name = "wallet"

urlpatterns = [
    path("", TemplateView.as_view(template_name="placeholder.html"), name="home"),
]
