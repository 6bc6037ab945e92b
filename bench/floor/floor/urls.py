from django.urls import path

from floor.views import index

urlpatterns = [path("", index)]
