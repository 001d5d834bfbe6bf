"""Comment pages, under the language prefix: ``/<lang>/comments/…`` (none is page-cached)."""

from __future__ import annotations

from django.urls import path

from kabar.comments import views

app_name = "comments"

urlpatterns = [
    path("article/<int:article>/new/", views.new_comment, name="new"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("<int:comment>/report/", views.report, name="report"),
    path("<int:comment>/translate/", views.translate, name="translate"),
]
