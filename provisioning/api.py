"""GET /api/v1/history/provisioning (SPEC §6): session or API token."""
from django.http import HttpRequest, JsonResponse
from django.utils import translation

from accounts.access import api_view
from audit.search import api_error, bind_search_form, iso_jst

from . import selectors
from .forms import ProvisioningSearchForm

MAX_ROWS = 10000


@api_view(account=False, history=True)
def history(request: HttpRequest) -> JsonResponse:
    """`{"rows": [{time, service, kind, target, result, detail}]}` newest
    first (admins), labels as the manual words them."""
    form = bind_search_form(ProvisioningSearchForm, request.GET)
    form.with_services(selectors.service_names(user=request.user))
    if not form.is_valid():
        return api_error(form)
    qs = selectors.history_search(user=request.user, form=form)
    with translation.override("ja"):
        rows = [
            {"time": iso_jst(r.at), "service": r.service_name, "kind": str(r.get_kind_display()),
             "target": r.target, "result": str(r.get_result_display()), "detail": r.detail}
            for r in qs[:MAX_ROWS]
        ]
    return JsonResponse({"rows": rows}, json_dumps_params={"ensure_ascii": False})
