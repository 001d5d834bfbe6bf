from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from kabar.site import views as site_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", site_views.language_redirect, name="language-redirect"),
]
urlpatterns += i18n_patterns(path("", include("kabar.site.urls")), prefix_default_language=True)
# Serves uploads only when DEBUG is on (``static`` returns nothing otherwise); production uses the web server.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "kabar.site.views.page_not_found"
