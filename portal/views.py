"""Portal pages."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Portal home with the シスログ＠Cloud entry (manual §2.1)."""
    return render(request, "portal/home.html")
