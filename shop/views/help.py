"""Help page: a short FAQ on paying and on the wallet (templates/shop/help.html)."""

from django.views.generic import TemplateView


class HelpView(TemplateView):
    template_name = "shop/help.html"
    extra_context = {"title": "Help"}
