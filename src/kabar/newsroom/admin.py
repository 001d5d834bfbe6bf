"""Admin for the newsroom: translators' languages, on their own page and on each user's page.

Only superusers manage users and groups (Django's default permissions: no role has them).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from kabar.newsroom.models import TranslatorProfile


@admin.register(TranslatorProfile)
class TranslatorProfileAdmin(admin.ModelAdmin[TranslatorProfile]):
    list_display = ["user", "languages"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


class TranslatorProfileInline(admin.StackedInline[TranslatorProfile, User]):
    model = TranslatorProfile
    can_delete = True
    extra = 0
    max_num = 1


class NewsroomUserAdmin(UserAdmin[User]):
    inlines = [*UserAdmin.inlines, TranslatorProfileInline]


admin.site.unregister(User)
admin.site.register(User, NewsroomUserAdmin)
