from django.shortcuts import render

from floor.models import Item


def index(request):
    return render(request, "floor/index.html", {"items": Item.objects.all()[:8]})
