import pytest

from saleor_distribution.saleor import jws
from tests.fixtures.saleor_deliveries import all_captured_deliveries, load_delivery

CAPTURED = all_captured_deliveries()


@pytest.mark.parametrize("delivery", CAPTURED, ids=[d.name for d in CAPTURED])
def test_every_captured_delivery_verifies_with_the_captured_jwks(delivery, captured_jwks):
    kid = jws.verify_detached(delivery.body, delivery.headers["Saleor-Signature"], captured_jwks)

    assert kid == "Ga2QOoCefeFhi9eNK9PPLDmczSGfzZppFysUJaNZGMw"


def test_captured_set_is_complete():
    assert len(CAPTURED) == 42


@pytest.mark.parametrize("position", [0, 100, -1])
def test_one_changed_byte_fails_verification(captured_jwks, position):
    delivery = load_delivery("order_fully_paid")
    body = bytearray(delivery.body)
    body[position] = body[position] ^ 0x01

    with pytest.raises(jws.SignatureError):
        jws.verify_detached(bytes(body), delivery.headers["Saleor-Signature"], captured_jwks)


def test_signature_by_another_key_under_the_known_kid_fails(captured_jwks, other_key):
    delivery = load_delivery("order_created")
    forged = other_key.sign(delivery.body, kid="Ga2QOoCefeFhi9eNK9PPLDmczSGfzZppFysUJaNZGMw")

    with pytest.raises(jws.SignatureError) as excinfo:
        jws.verify_detached(delivery.body, forged, captured_jwks)
    assert not isinstance(excinfo.value, jws.UnknownKeyError)


def test_unknown_kid_is_reported_as_such(captured_jwks, other_key):
    delivery = load_delivery("order_created")

    with pytest.raises(jws.UnknownKeyError) as excinfo:
        jws.verify_detached(delivery.body, other_key.sign(delivery.body), captured_jwks)
    assert excinfo.value.kid == other_key.kid


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not-a-jws",
        "a.b.c",
        # a normal (attached, b64) JWS is not what Saleor sends
        "eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.c2ln",
        # HS256 header: refused before any key is used
        "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln",
    ],
)
def test_malformed_signatures_are_refused(captured_jwks, signature):
    delivery = load_delivery("order_created")

    with pytest.raises(jws.SignatureError):
        jws.verify_detached(delivery.body, signature, captured_jwks)


def test_our_test_signer_signs_like_saleor(signing_key):
    # The fake's signatures have Saleor's exact header, so tests of the endpoint are faithful.
    import jwt

    delivery = load_delivery("customer_created")
    signature = signing_key.sign(delivery.body)
    header = jwt.get_unverified_header(signature)

    assert signature.split(".")[1] == ""
    assert header == {
        "alg": "RS256",
        "b64": False,
        "crit": ["b64"],
        "kid": signing_key.kid,
        "typ": "JWT",
    }
    assert (
        jws.verify_detached(delivery.body, signature, {"keys": [signing_key.jwk()]})
        == signing_key.kid
    )
