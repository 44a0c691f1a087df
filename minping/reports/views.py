from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minping.campaigns.models import Campaign


def index(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.all()
    return render(request, "reports/index.html", {"campaigns": campaigns})
