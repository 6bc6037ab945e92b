"""Help page. PLACEHOLDER until the FAQ lands; the URL name `shop:help` is in the footer."""

from django.views.generic import TemplateView


class HelpView(TemplateView):
    template_name = "placeholder.html"
    extra_context = {"title": "Help"}
