"""The service's URLs plus `bench/noop`, a Django endpoint that does nothing, so a benchmark
can measure the server, the middleware and the client without any of the app's work."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from saleor_distribution.urls import urlpatterns as service_urlpatterns


@csrf_exempt
@require_POST
def noop_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [*service_urlpatterns, path("bench/noop", noop_view, name="bench-noop")]
