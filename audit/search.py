"""Reusable search machinery for the history screens, CSV and JSON.

The three histories (login, operation, provisioning) share one screen shape
(KDDI manual ch. 1): a period, a free-text box, result checkboxes, kind or
service drop-downs, Search/Reset, sortable columns, pagination, a CSV of the
period only, and a JSON API with the same period rules. A new history:

1. subclass `HistorySearchForm`, setting `result_choices`, `kind_choices`
   (a callable returning Django choices; kind values may be `cat:<code>`),
   `service_choices` if any, `kind_aliases` (label -> value, optional) and
   `sort_fields` (sort key -> model field); result values may also be sent
   as their labels;
2. write a selector that takes the cleaned form data and filters a queryset
   (use `period_bounds(form)` for the [start, end) instants);
3. in the views, build the form with `bind_search_form(FormCls, request.GET)`;
   on the screen render `form`, `paginate(qs, request)`; for the CSV use
   `csv_response(prefix, header, rows)` with only the period applied; for
   JSON use `api_error(form)` when invalid and `iso_jst(dt)` for times.

Period rule: from the 1st of the same month of the previous year up to today
(JST), from <= to; the default is the last 7 days including today.
"""
import codecs
import csv
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

JST = ZoneInfo("Asia/Tokyo")
PAGE_SIZE = 50
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]


def today_jst() -> date:
    return timezone.now().astimezone(JST).date()


def period_limits(today: date) -> tuple[date, date]:
    """(earliest, latest) dates a period may use: the 1st of the same month of
    the previous year, and today."""
    return date(today.year - 1, today.month, 1), today


def default_period(today: date) -> tuple[date, date]:
    """The last 7 days, today included."""
    return today - timedelta(days=6), today


class HistorySearchForm(forms.Form):
    """Base form; the parameter names are `from`, `to`, `q`, `result`
    (repeatable), `kind`, `service`, `sort` (`time`, `-time`, `user_id`, …)."""

    result_choices: list[tuple[str, str]] = []
    kind_choices: Callable[[], list] | None = None
    service_choices: Callable[[], list] | None = None
    kind_aliases: Callable[[], dict[str, str]] | None = None  # label -> value
    sort_fields: dict[str, str] = {"time": "at"}
    default_sort = "-time"

    date_from = forms.DateField(label=_("Period"), input_formats=DATE_FORMATS)
    date_to = forms.DateField(label=_("to"), input_formats=DATE_FORMATS)
    q = forms.CharField(label=_("User ID / name"), required=False, max_length=150)
    result = forms.MultipleChoiceField(
        label=_("Result"), required=False, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, today: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or today_jst()
        self.fields["result"].choices = self.result_choices
        if self.kind_choices is None:
            del self.fields["kind"]
        else:
            self.fields["kind"].choices = self.kind_choices()
        if self.service_choices is None:
            del self.fields["service"]
        else:
            self.fields["service"].choices = self.service_choices()
        if not self.result_choices:
            del self.fields["result"]
        # min/max keep the browser's calendar inside the period rule below.
        earliest, latest = period_limits(self.today)
        limits = {"type": "date", "min": earliest.isoformat(), "max": latest.isoformat()}
        for name in ("from", "to"):
            self.fields[name].widget = forms.DateInput(attrs=limits, format="%Y-%m-%d")

    def clean_sort(self) -> str:
        value = self.cleaned_data.get("sort") or self.default_sort
        if value.lstrip("-") not in self.sort_fields:
            raise forms.ValidationError(
                _("Unknown sort column %(value)s."), params={"value": value}
            )
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        earliest, latest = period_limits(self.today)
        fmt = "%Y/%m/%d"
        if start and start < earliest:
            self.add_error("from", _("The period can start on %(d)s at the earliest.")
                           % {"d": earliest.strftime(fmt)})
        if end and end > latest:
            self.add_error("to", _("The period can end today (%(d)s) at the latest.")
                           % {"d": latest.strftime(fmt)})
        if start and end and start > end and "from" not in self.errors:
            self.add_error("from", _("The start date is after the end date."))
        return data

    def order_by(self) -> list[str]:
        """ORDER BY for the cleaned `sort`, with the time as tie-breaker."""
        sort = self.cleaned_data["sort"]
        desc = sort.startswith("-")
        field = self.sort_fields[sort.lstrip("-")]
        return [("-" if desc else "") + field, "-at", "-id"]


# The parameter names `from` and `to` are Python keywords, so the fields are
# declared as date_from/date_to and renamed once here.
HistorySearchForm.base_fields["from"] = HistorySearchForm.base_fields.pop("date_from")
HistorySearchForm.base_fields["to"] = HistorySearchForm.base_fields.pop("date_to")


def bind_search_form(form_cls: type[HistorySearchForm], params, *, today: date | None = None):
    """Bind `form_cls` to GET params, filling the default period when absent."""
    today = today or today_jst()
    data = params.copy()
    # Scripts may name results and kinds by their Japanese labels as well.
    aliases = {str(label): code for code, label in form_cls.result_choices}
    aliases.update(getattr(form_cls, "result_aliases", {}))
    data.setlist("result", [aliases.get(v, v) for v in data.getlist("result")])
    if data.get("kind") and form_cls.kind_aliases is not None:
        data["kind"] = form_cls.kind_aliases().get(data["kind"], data["kind"])
    start, end = default_period(today)
    if not data.get("from"):
        data["from"] = start.isoformat()
    if not data.get("to"):
        data["to"] = end.isoformat()
    return form_cls(data, today=today)


def period_bounds(form: HistorySearchForm) -> tuple[datetime, datetime]:
    """[start, end) instants of the cleaned period: whole JST days."""
    start = datetime.combine(form.cleaned_data["from"], time(0), tzinfo=JST)
    end = datetime.combine(form.cleaned_data["to"] + timedelta(days=1), time(0), tzinfo=JST)
    return start, end


def paginate(qs: QuerySet, request: HttpRequest, per_page: int = PAGE_SIZE) -> Page:
    """The requested `page` (out of range or junk: the nearest valid page)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def api_error(form: forms.Form) -> JsonResponse:
    """400 naming the first bad parameter: {"error": ..., "parameter": ...}."""
    name, errors = next(iter(form.errors.items()))
    return JsonResponse({"error": str(errors[0]), "parameter": name}, status=400)


def iso_jst(dt: datetime) -> str:
    """ISO 8601 in JST with the +09:00 offset."""
    return dt.astimezone(JST).isoformat()


def csv_time(dt: datetime) -> str:
    """The screens' and CSV's time format: 2020/07/09 13:45:01 (JST)."""
    return dt.astimezone(JST).strftime("%Y/%m/%d %H:%M:%S")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    prefix: str, header: list[str], rows: Iterable[list[str]]
) -> StreamingHttpResponse:
    """A streamed UTF-8 CSV with BOM (so Excel reads Japanese) named
    `<prefix>_yyyyMMdd.csv` after the download date in JST."""
    writer = csv.writer(_Echo())

    def lines():
        yield codecs.BOM_UTF8.decode() + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    filename = f"{prefix}_{today_jst():%Y%m%d}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"  # one account's history
    return response
