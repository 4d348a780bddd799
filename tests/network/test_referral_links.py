"""Referral links: `/r/<code>` and `/r/<code>/<product>` redirect, count clicks, rate-limit."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from saleor_distribution.core.audit import Actor
from saleor_distribution.network import actions, calculations, fetch
from saleor_distribution.network.models import ReferralClick
from saleor_distribution.network.views import client_ip
from tests.fixtures.network import STAFF_ID, make_installation

IP = "203.0.113.7"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) MicroMessenger/8.0.44"
URLS = {
    "default-channel": {
        "home": "https://shop.example.com/{channel}/",
        "link": "https://shop.example.com/{channel}/?ref={code}",
        "product": "https://shop.example.com/{channel}/products/{product}/?ref={code}",
    },
    "channel-cn": {
        "home": "https://cn.shop.example.com/",
        "link": "https://cn.shop.example.com/?ref={code}&utm_source=distribution",
    },
}


def configure(installation, **changes):
    changes.setdefault("storefront_urls", URLS)
    changes.setdefault("default_channel", "default-channel")
    return actions.update_policy(installation, actor=Actor.staff(STAFF_ID), **changes)


@pytest.fixture
def shop(installation, make_distributor):
    configure(installation)
    return make_distributor(code="ABC123")


def visit(client, url, *, ip=IP, ua=UA):
    return client.get(url, REMOTE_ADDR=ip, headers={"User-Agent": ua})


def test_a_referral_link_redirects_with_the_code_and_records_the_click(client, shop,
                                                                       installation):
    response = visit(client, "/r/abc123")

    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/default-channel/?ref=ABC123"
    assert "no-cache" in response["Cache-Control"]
    click = ReferralClick.objects.get()
    assert (click.installation, click.distributor, click.channel, click.product) == (
        installation, shop, "default-channel", ""
    )
    assert click.target_url == response["Location"]
    assert click.visitor_hash == calculations.visitor_hash(
        "tests-only-secret-key", installation_id=installation.pk, day=click.clicked_at.date(),
        ip=IP, user_agent=UA,
    )
    # Neither the address nor the user agent is stored anywhere on the row.
    stored = " ".join(str(v) for v in ReferralClick.objects.values().get().values())
    assert IP not in stored
    assert "iPhone" not in stored


def test_a_product_link_uses_the_product_template(client, shop):
    response = visit(client, "/r/ABC123/iphone-15-pro")

    assert response["Location"] == (
        "https://shop.example.com/default-channel/products/iphone-15-pro/?ref=ABC123"
    )
    assert ReferralClick.objects.get().product == "iphone-15-pro"


def test_a_product_is_url_quoted(client, shop):
    response = visit(client, "/r/ABC123/%E5%B0%8F%E7%B1%B3%20note")

    assert response["Location"] == (
        "https://shop.example.com/default-channel/products/"
        "%E5%B0%8F%E7%B1%B3%20note/?ref=ABC123"
    )


def test_a_channel_without_a_product_template_falls_back_to_its_link(client, shop):
    response = visit(client, "/r/ABC123/iphone-15-pro?channel=channel-cn")

    assert response["Location"] == "https://cn.shop.example.com/?ref=ABC123&utm_source=distribution"
    click = ReferralClick.objects.get()
    assert (click.channel, click.product) == ("channel-cn", "iphone-15-pro")


def test_an_unknown_channel_uses_the_default_channel(client, shop):
    response = visit(client, "/r/ABC123?channel=nowhere")

    assert response["Location"] == "https://shop.example.com/default-channel/?ref=ABC123"


def test_an_unknown_code_goes_to_the_storefront_home_without_a_ref(client, shop):
    response = visit(client, "/r/NOPE99?channel=channel-cn")

    assert response.status_code == 302
    assert response["Location"] == "https://cn.shop.example.com/"
    assert ReferralClick.objects.count() == 0


def test_a_suspended_distributors_link_goes_home_and_counts_nothing(client, shop):
    actions.suspend(shop, actor=Actor.staff(STAFF_ID))

    response = visit(client, "/r/ABC123/iphone-15-pro")

    assert response["Location"] == "https://shop.example.com/default-channel/"
    assert ReferralClick.objects.count() == 0


def test_without_storefront_templates_a_link_is_not_found(client, installation,
                                                          make_distributor):
    make_distributor(code="ABC123")

    assert visit(client, "/r/ABC123").status_code == 404
    assert visit(client, "/r/NOPE99").status_code == 404
    assert ReferralClick.objects.count() == 0


def test_clicks_beyond_the_rate_limit_are_redirected_but_not_counted(client, shop,
                                                                     installation):
    configure(installation, click_rate_limit=3, click_rate_window_seconds=3600)

    responses = [visit(client, "/r/ABC123") for _ in range(5)]
    other_visitor = visit(client, "/r/ABC123", ua="Mozilla/5.0 (Android 14)")

    assert [r.status_code for r in responses] == [302] * 5
    assert {r["Location"] for r in responses} == {
        "https://shop.example.com/default-channel/?ref=ABC123"
    }
    assert other_visitor.status_code == 302
    assert ReferralClick.objects.count() == 4
    assert ReferralClick.objects.values("visitor_hash").distinct().count() == 2


def test_the_rate_limit_window_slides(installation, shop):
    configure(installation, click_rate_limit=2, click_rate_window_seconds=600)
    t0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def follow(at):
        return actions.follow_referral_link(installation, code="ABC123", ip=IP, user_agent=UA,
                                            now=at).counted

    counted = [follow(t0), follow(t0 + timedelta(seconds=60)), follow(t0 + timedelta(seconds=599)),
               follow(t0 + timedelta(seconds=601)), follow(t0 + timedelta(seconds=661))]

    assert counted == [True, True, False, True, True]


def test_a_limit_of_zero_counts_nothing_and_still_redirects(client, shop, installation):
    configure(installation, click_rate_limit=0)

    assert visit(client, "/r/ABC123").status_code == 302
    assert ReferralClick.objects.count() == 0


def test_the_visitor_hash_changes_with_the_day_and_the_installation():
    day = datetime(2026, 11, 26, tzinfo=UTC).date()

    def visitor(**changes):
        args = {"installation_id": 1, "day": day, "ip": IP, "user_agent": UA, **changes}
        return calculations.visitor_hash("secret", **args)

    assert len(visitor()) == 64
    assert visitor() == visitor()
    assert len({visitor(), visitor(day=day + timedelta(days=1)), visitor(installation_id=2),
                visitor(ip="203.0.113.8"), visitor(user_agent="curl/8")}) == 5
    assert calculations.visitor_hash("other secret", installation_id=1, day=day, ip=IP,
                                     user_agent=UA) != visitor()


def test_links_resolve_their_installation_by_code_or_hint(client, installation, shop,
                                                          make_distributor):
    other = make_installation("shop-b")
    configure(other, storefront_urls={"c": {"home": "https://b.example.com/",
                                            "link": "https://b.example.com/?ref={code}"}},
              default_channel="c")
    b_only = make_distributor(code="BONLY1", installation=other)
    b_twin = make_distributor(code="ABC123", installation=other)

    assert visit(client, "/r/BONLY1")["Location"] == "https://b.example.com/?ref=BONLY1"
    assert visit(client, "/r/ABC123").status_code == 404  # both installations have it
    assert visit(client, f"/r/ABC123?i={other.pk}")["Location"] == (
        "https://b.example.com/?ref=ABC123"
    )
    assert visit(client, f"/r/ABC123?i={installation.pk}")["Location"] == (
        "https://shop.example.com/default-channel/?ref=ABC123"
    )
    assert visit(client, "/r/ABC123?i=9" + "9" * 30).status_code == 404  # ignored, ambiguous
    assert visit(client, "/r/BONLY1?i=-1")["Location"] == "https://b.example.com/?ref=BONLY1"
    assert list(ReferralClick.objects.order_by("pk").values_list("distributor", flat=True)) == [
        b_only.pk, b_twin.pk, shop.pk, b_only.pk
    ]


def test_referral_link_of_a_distributor(installation, shop, settings):
    settings.APP_URL = "https://distribution.example.com"

    assert fetch.referral_link(shop) == "https://distribution.example.com/r/ABC123"
    assert fetch.referral_link(shop, product="iphone-15", channel="channel-cn") == (
        "https://distribution.example.com/r/ABC123/iphone-15?channel=channel-cn"
    )
    make_installation("shop-b")
    assert fetch.referral_link(shop) == (
        f"https://distribution.example.com/r/ABC123?i={installation.pk}"
    )


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy trusted: the header is ignored
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left entry is client-supplied
        (2, "198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "198.51.100.1", "10.0.0.2"),  # fewer entries than proxies: the socket address
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(trusted, forwarded, expected):
    request = RequestFactory().get("/r/ABC123", REMOTE_ADDR="10.0.0.2",
                                   headers={"X-Forwarded-For": forwarded})

    assert client_ip(request, trusted) == expected
