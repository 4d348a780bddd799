"""Saleor-issued JWTs: customer access tokens and dashboard tokens."""

import pytest

from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.saleor.tokens import TokenError, verify_saleor_token
from tests.fakes.saleor import APP_ID, mint_token


def test_customer_access_token_identifies_the_customer(fake_installation, fake_saleor):
    token = mint_token(fake_saleor)

    verified = verify_saleor_token(token, saleor_api_url=fake_saleor.api_url)

    assert verified.installation == fake_installation
    assert verified.is_customer
    assert verified.user_id == "VXNlcjo0OA=="
    assert verified.email == "chen.xiaoyu@example.com"
    assert verified.user_permissions == frozenset()


def test_the_issuer_names_the_saleor_when_no_header_does(fake_installation, fake_saleor):
    assert verify_saleor_token(mint_token(fake_saleor)).installation == fake_installation


def test_dashboard_token_carries_the_staff_permissions(fake_installation, fake_saleor):
    token = mint_token(
        fake_saleor,
        token_type="thirdparty",
        user_id="VXNlcjox",
        app=APP_ID,
        user_permissions=["MANAGE_USERS", "MANAGE_ORDERS"],
        permissions=["MANAGE_USERS"],
    )

    verified = verify_saleor_token(token, saleor_api_url=fake_saleor.api_url)

    assert verified.is_dashboard
    assert verified.user_permissions == frozenset({"MANAGE_USERS", "MANAGE_ORDERS"})


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda f, o: mint_token(f, lifetime_seconds=-60), "expired"),
        (lambda f, o: mint_token(f, token_type="refresh"), "not an access or dashboard token"),
        (lambda f, o: mint_token(f, key=o), "signing key is unknown"),
        (lambda f, o: mint_token(f, issuer="https://other.example.com/graphql/"), "another Saleor"),
        (lambda f, o: mint_token(f, token_type="thirdparty", app="QXBwOjk5"), "another app"),
        (lambda f, o: mint_token(f)[:-6] + "AAAAAA", "invalid"),
        (lambda f, o: mint_token(f, user_id=""), "names no user"),
        (lambda f, o: "not.a.jwt", "not a JWT"),
        (lambda f, o: mint_token(f, aud="custom:other-app"), "invalid"),
    ],
    ids=[
        "expired",
        "refresh",
        "other-key",
        "other-issuer",
        "other-app",
        "tampered",
        "no-user",
        "garbage",
        "audience",
    ],
)
def test_bad_tokens_are_refused_with_a_reason(
    fake_installation, fake_saleor, other_key, make, reason
):
    with pytest.raises(TokenError) as excinfo:
        verify_saleor_token(make(fake_saleor, other_key), saleor_api_url=fake_saleor.api_url)

    assert reason in str(excinfo.value)


def test_token_of_a_saleor_that_did_not_install_the_app_is_refused(db, fake_saleor):
    with pytest.raises(TokenError, match="has not installed"):
        verify_saleor_token(mint_token(fake_saleor), saleor_api_url=fake_saleor.api_url)


def test_token_for_a_removed_installation_is_refused(fake_installation, fake_saleor):
    Installation.objects.filter(pk=fake_installation.pk).update(status=InstallationStatus.REMOVED)

    with pytest.raises(TokenError, match="has not installed"):
        verify_saleor_token(mint_token(fake_saleor), saleor_api_url=fake_saleor.api_url)


def test_token_from_one_saleor_presented_to_another_installation_is_refused(
    fake_installation, captured_installation, fake_saleor
):
    token = mint_token(fake_saleor)

    with pytest.raises(TokenError):
        verify_saleor_token(token, saleor_api_url=captured_installation.saleor_api_url)
