"""Admin for outlets' section mappings, and the list of section labels no mapping covers yet.

The mapping page (``SectionMappingAdmin``) shows, above its list, every outlet label that filed
articles under "unsorted", with how many, and a form per label: choose a section, press "Map",
and the mapping is created and the waiting articles re-filed. The same mappings are edited
inline on each outlet's page (``SectionMappingInline``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabar.news.models import Outlet, Section, SectionMapping
from kabar.news.section_map import map_label, unmapped_labels


class PublicSectionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class SectionMappingForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SectionMapping
        fields = ["outlet", "label", "section"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "section" in self.fields:
            field = self.fields["section"]
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = Section.objects.public()  # nothing is mapped to "unsorted"


class MapLabelForm(forms.Form):
    outlet = forms.ModelChoiceField(queryset=Outlet.objects.all(), widget=forms.HiddenInput)
    label = forms.CharField(max_length=200, widget=forms.HiddenInput)
    section = PublicSectionChoice(queryset=Section.objects.public(), label=_("section"))


class SectionMappingInline(admin.TabularInline[SectionMapping, Outlet]):
    model = SectionMapping
    form = SectionMappingForm
    extra = 0
    fields = ["label", "section"]
    verbose_name = _("section mapping")
    verbose_name_plural = _("section mappings (the outlet's section names or paths → kabar sections)")


@admin.register(SectionMapping)
class SectionMappingAdmin(admin.ModelAdmin[SectionMapping]):
    form = SectionMappingForm
    list_display = ["label", "outlet", "section", "created_at"]
    list_filter = ["outlet", "section"]
    search_fields = ["label"]
    change_list_template = "admin/news/sectionmapping/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SectionMapping]:
        return super().get_queryset(request).select_related("outlet", "section")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.map_label_view)
        return [path("map/", view, name="news_sectionmapping_map"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        labels = unmapped_labels()
        rows = [
            (
                label,
                MapLabelForm(
                    initial={"outlet": label.outlet_id, "label": label.label},
                    prefix=f"u{i}",
                ),
            )
            for i, label in enumerate(labels)
        ]
        context = {
            "unmapped_rows": rows,
            "unmapped_articles": sum(label.articles for label in labels),
            "may_map": self.has_add_permission(request),
            "map_url": reverse("admin:news_sectionmapping_map"),
            "unsorted_pk": Section.objects.unsorted().pk,
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def map_label_view(self, request: HttpRequest) -> HttpResponse:
        """POST from the unmapped list: map one label of one outlet to a section, re-filing its articles."""
        back = HttpResponseRedirect(reverse("admin:news_sectionmapping_changelist"))
        if request.method != "POST":
            return back
        if not self.has_add_permission(request):
            raise PermissionDenied
        prefix = request.POST.get("prefix", "")
        form = MapLabelForm(request.POST, prefix=prefix or None)
        if not form.is_valid():
            messages.error(request, gettext("Choose a section for the label, then press “Map”."))
        else:
            outlet = get_object_or_404(Outlet, pk=form.cleaned_data["outlet"].pk)
            mapping, moved = map_label(outlet, form.cleaned_data["label"], form.cleaned_data["section"])
            messages.success(
                request,
                gettext("Mapped “%(label)s” of %(outlet)s to %(section)s; %(count)d article(s) re-filed.")
                % {"label": mapping.label, "outlet": outlet, "section": mapping.section, "count": moved},
            )
        return back
