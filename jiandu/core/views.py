"""The landing page until the staff UI shell (#3) replaces it."""

from django.shortcuts import render

from jiandu.core.selectors import platform_counts


def home(request):
    return render(request, "core/home.html", {"counts": platform_counts()})
