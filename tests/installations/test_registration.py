"""POST /api/register: Saleor hands us a token; we keep it only if that Saleor confirms it."""

from django.db import connection

from saleor_distribution.installations.actions import check_installation_token
from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.webhooks.models import InboxDelivery
from tests.fakes.saleor import APP_ID
from tests.fixtures.saleor_deliveries import make_delivery

TOKEN = "fake-app-token-0123456789abcdef"


def register(client, fake_saleor, token=TOKEN, api_url=None):
    return client.post(
        "/api/register",
        data={"auth_token": token},
        content_type="application/json",
        headers={
            "Saleor-Api-Url": api_url or fake_saleor.api_url,
            "Saleor-Domain": fake_saleor.domain,
            "Saleor-Schema-Version": "3.24",
        },
    )


def raw_token_column(installation_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT auth_token FROM installations_installation WHERE id = %s", [installation_id]
        )
        return cursor.fetchone()[0]


def test_confirmed_token_stores_an_installation_with_the_token_encrypted(db, client, fake_saleor):
    fake_saleor.tokens[TOKEN] = APP_ID

    response = register(client, fake_saleor)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    installation = Installation.objects.get()
    assert installation.saleor_api_url == fake_saleor.api_url
    assert installation.saleor_domain == fake_saleor.domain
    assert installation.app_id == APP_ID
    assert installation.status == InstallationStatus.ACTIVE
    assert installation.jwks == fake_saleor.jwks()
    assert installation.auth_token.reveal() == TOKEN
    raw = raw_token_column(installation.pk)
    assert TOKEN not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token
    assert TOKEN not in repr(installation.auth_token) and TOKEN not in str(installation.auth_token)
    assert fake_saleor.graphql_requests == 1
    assert fake_saleor.jwks_requests == 1


def test_token_the_named_saleor_does_not_confirm_stores_nothing(db, client, fake_saleor):
    response = register(client, fake_saleor, token="made-up-token")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_token"
    assert Installation.objects.count() == 0
    assert fake_saleor.jwks_requests == 0


def test_token_of_another_app_stores_nothing(db, client, fake_saleor):
    fake_saleor.tokens[TOKEN] = APP_ID
    fake_saleor.identifier = "some.other.app"

    response = register(client, fake_saleor)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_token"
    assert "some.other.app" in response.json()["error"]["message"]
    assert Installation.objects.count() == 0


def test_saleor_outside_the_allowlist_is_refused_without_calling_it(
    db, client, fake_saleor, settings
):
    settings.SALEOR_API_URL_ALLOWLIST = ["https://*.saleor.cloud/graphql/"]
    fake_saleor.tokens[TOKEN] = APP_ID

    response = register(client, fake_saleor)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"
    assert Installation.objects.count() == 0
    assert fake_saleor.graphql_requests == 0


def test_saleor_inside_the_allowlist_installs(db, client, fake_saleor, settings):
    settings.SALEOR_API_URL_ALLOWLIST = ["http://127.0.0.1:*/graphql/"]
    fake_saleor.tokens[TOKEN] = APP_ID

    assert register(client, fake_saleor).status_code == 200
    assert Installation.objects.count() == 1


def test_transient_saleor_errors_are_retried(db, client, fake_saleor, settings):
    settings.SALEOR_HTTP_BACKOFF_SECONDS = 0
    fake_saleor.tokens[TOKEN] = APP_ID
    fake_saleor.graphql_failures = 2

    response = register(client, fake_saleor)

    assert response.status_code == 200
    assert fake_saleor.graphql_requests == 3
    assert Installation.objects.count() == 1


def test_unreachable_saleor_stores_nothing(db, client, fake_saleor, settings):
    settings.SALEOR_HTTP_BACKOFF_SECONDS = 0
    settings.SALEOR_HTTP_MAX_RETRIES = 2
    fake_saleor.tokens[TOKEN] = APP_ID
    fake_saleor.graphql_failures = 100

    response = register(client, fake_saleor)

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "saleor_unreachable"
    assert fake_saleor.graphql_requests == 3
    assert Installation.objects.count() == 0


def test_malformed_registration_requests_are_refused(db, client, fake_saleor):
    no_header = client.post(
        "/api/register", data={"auth_token": TOKEN}, content_type="application/json"
    )
    not_json = client.post(
        "/api/register",
        data=b"auth_token=x",
        content_type="application/x-www-form-urlencoded",
        headers={"Saleor-Api-Url": fake_saleor.api_url},
    )
    no_token = client.post(
        "/api/register",
        data={},
        content_type="application/json",
        headers={"Saleor-Api-Url": fake_saleor.api_url},
    )
    relative = register(client, fake_saleor, api_url="/graphql/")

    assert [r.status_code for r in (no_header, not_json, no_token, relative)] == [
        400,
        400,
        400,
        400,
    ]
    assert Installation.objects.count() == 0
    assert fake_saleor.graphql_requests == 0


def test_reinstalling_reuses_the_installation_with_the_new_token(db, client, fake_saleor):
    fake_saleor.tokens[TOKEN] = APP_ID
    assert register(client, fake_saleor).status_code == 200
    first = Installation.objects.get()
    Installation.objects.filter(pk=first.pk).update(status=InstallationStatus.REMOVED)
    fake_saleor.tokens["second-token-abcdefghijklmnop"] = "QXBwOjI="

    assert register(client, fake_saleor, token="second-token-abcdefghijklmnop").status_code == 200

    again = Installation.objects.get()
    assert again.pk == first.pk
    assert again.status == InstallationStatus.ACTIVE
    assert again.app_id == "QXBwOjI="
    assert again.auth_token.reveal() == "second-token-abcdefghijklmnop"
    assert again.removed_at is None


def test_app_deleted_marks_the_installation_removed_and_later_deliveries_are_refused(
    fake_installation, fake_saleor, post_delivery
):
    deleted = make_delivery(
        "APP_DELETED",
        {
            "__typename": "AppDeleted",
            "issuedAt": "2026-11-26T16:00:00+00:00",
            "version": "3.24.0",
            "issuingPrincipal": None,
            "recipient": {"id": APP_ID},
            "app": {"id": APP_ID, "identifier": "saleor.app.distribution"},
        },
        fake_saleor.key,
        fake_saleor.api_url,
    )

    response = post_delivery(deleted)

    assert response.status_code == 200
    fake_installation.refresh_from_db()
    assert fake_installation.status == InstallationStatus.REMOVED
    assert fake_installation.removal_reason == "APP_DELETED"
    assert InboxDelivery.objects.get().outcome == "installation removed"
    later = make_delivery(
        "ORDER_CREATED",
        {
            "__typename": "OrderCreated",
            "issuedAt": "2026-11-26T16:01:00+00:00",
            "recipient": {"id": APP_ID},
            "order": None,
        },
        fake_saleor.key,
        fake_saleor.api_url,
    )
    assert post_delivery(later).status_code == 410
    assert InboxDelivery.objects.count() == 1


def test_app_deleted_for_an_earlier_install_does_not_remove_the_reinstalled_app(
    fake_installation, fake_saleor, post_delivery
):
    Installation.objects.filter(pk=fake_installation.pk).update(app_id="QXBwOjk=")
    deleted = make_delivery(
        "APP_DELETED",
        {
            "__typename": "AppDeleted",
            "issuedAt": "2026-11-26T16:00:00+00:00",
            "recipient": {"id": "QXBwOjk="},
            "app": {"id": APP_ID},
        },
        fake_saleor.key,
        fake_saleor.api_url,
    )

    assert post_delivery(deleted).status_code == 200

    fake_installation.refresh_from_db()
    assert fake_installation.status == InstallationStatus.ACTIVE
    assert InboxDelivery.objects.get().outcome == "ignored: already removed, or reinstalled since"


def test_saleor_answering_app_null_marks_the_installation_removed(fake_installation, fake_saleor):
    fake_saleor.tokens.clear()  # Saleor no longer knows our token

    assert check_installation_token(fake_installation) is False

    fake_installation.refresh_from_db()
    assert fake_installation.status == InstallationStatus.REMOVED
    assert fake_installation.removal_reason == "Saleor no longer recognises the app token"


def test_token_check_keeps_a_working_installation(fake_installation, fake_saleor):
    assert check_installation_token(fake_installation) is True

    fake_installation.refresh_from_db()
    assert fake_installation.status == InstallationStatus.ACTIVE


def test_periodic_token_check_removes_only_uninstalled_installations(
    fake_installation, fake_saleor, captured_installation
):
    from saleor_distribution.installations.tasks import check_installation_tokens

    fake_saleor.tokens.clear()  # the fake Saleor forgot our token; the captured one is unreachable

    assert check_installation_tokens() == 1

    fake_installation.refresh_from_db()
    captured_installation.refresh_from_db()
    assert fake_installation.status == InstallationStatus.REMOVED
    assert captured_installation.status == InstallationStatus.ACTIVE
