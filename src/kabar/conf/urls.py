from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from kabar.conf import admin_site, lockout_admin
from kabar.site import views as site_views

lockout_admin.register()
admin_site.brand()

urlpatterns = [
    path("admin/", admin.site.urls),
    # set_language: the admin's language chooser posts here (the language cookie; reader pages
    # take their language from the path instead).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("kabar.api.urls")),
    # robots.txt, sitemaps and icons live at the root, where crawlers look for them.
    path("", include("kabar.syndication.root_urls")),
    path("", site_views.language_redirect, name="language-redirect"),
]
urlpatterns += i18n_patterns(
    path("feeds/", include("kabar.syndication.feed_urls")),
    path("comments/", include("kabar.comments.urls")),
    path("", include("kabar.site.urls")),
    prefix_default_language=True,
)
if settings.SERVE_MEDIA:
    # The embedded server has no front web server, so stored article images are served
    # here; behind nginx or a CDN set KABAR_SERVE_MEDIA=false and serve MEDIA_ROOT there.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}
        )
    ]

handler404 = "kabar.site.views.page_not_found"
