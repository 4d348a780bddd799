"""Pure rules of the network: no ORM, no settings, no clock (the time is an argument)."""

from __future__ import annotations

import hmac
import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from hashlib import sha256
from typing import TypeVar
from urllib.parse import quote

from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import DistributorStatus, JoiningMode, TouchModel

T = TypeVar("T")

# Crockford-style alphabet: no 0/O, 1/I/L, U, so a code read aloud or off a poster is unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# Codes chosen by staff may use any letter or digit (vanity codes such as "ABC123").
CUSTOM_CODE_RE = re.compile(r"^[A-Z0-9]{4,16}$")


def normalise_code(code: str) -> str:
    return code.strip().upper()


def is_valid_code(code: str) -> bool:
    return bool(CUSTOM_CODE_RE.fullmatch(normalise_code(code)))


def encode_code(number: int, length: int) -> str:
    """`number` in the code alphabet, left-padded to `length` (deterministic bulk-load codes)."""
    assert number >= 0
    base = len(CODE_ALPHABET)
    digits = []
    while number:
        number, remainder = divmod(number, base)
        digits.append(CODE_ALPHABET[remainder])
    encoded = "".join(reversed(digits)).rjust(length, CODE_ALPHABET[0])
    assert len(encoded) == length, "number too large for the code length"
    return encoded


# --- status -----------------------------------------------------------------------------------

S = DistributorStatus
# (from, to) pairs staff or the programme may make. Rejected applicants may apply again;
# suspended and rejected distributors may be reinstated.
ALLOWED_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.APPLIED, S.ACTIVE),
        (S.APPLIED, S.REJECTED),
        (S.ACTIVE, S.SUSPENDED),
        (S.SUSPENDED, S.ACTIVE),
        (S.REJECTED, S.ACTIVE),
        (S.REJECTED, S.APPLIED),
    }
)


def can_transition(current: str, target: str) -> bool:
    return (current, target) in ALLOWED_TRANSITIONS


def join_status(
    mode: str,
    *,
    threshold_amount: Decimal,
    threshold_currency: str,
    paid_spend: Mapping[str, Decimal] | None,
) -> str | NetworkErrorCode:
    """The status a new applicant gets under the joining mode, or why they cannot join.

    Spend-threshold: the customer's paid spend in the threshold's currency (given by the
    caller, which owns the orders) must reach the threshold; other currencies do not count.
    """
    if mode == JoiningMode.OPEN:
        return S.ACTIVE
    if mode == JoiningMode.APPROVAL:
        return S.APPLIED
    assert mode == JoiningMode.SPEND_THRESHOLD, mode
    spent = (paid_spend or {}).get(threshold_currency, Decimal(0))
    if spent >= threshold_amount:
        return S.ACTIVE
    return NetworkErrorCode.SPEND_THRESHOLD_NOT_MET


# --- tree -------------------------------------------------------------------------------------


def path_ids(path: str) -> list[int]:
    """Ids on a path, root first ("/1/5/9/" -> [1, 5, 9])."""
    return [int(part) for part in path.strip("/").split("/") if part]


def child_path(parent_path: str | None, pk: int) -> str:
    return f"{parent_path or '/'}{pk}/"


def inserted_level_deltas(ancestor_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """A new node adds one at level k of its k-th ancestor (ancestors nearest first)."""
    return {(ancestor, k): 1 for k, ancestor in enumerate(ancestor_ids, start=1)}


def moved_level_deltas(
    old_ancestor_ids: Sequence[int],
    new_ancestor_ids: Sequence[int],
    subtree_levels: Mapping[int, int],
) -> dict[tuple[int, int], int]:
    """Changes to (ancestor, level) counts when a subtree moves.

    `subtree_levels` maps a level below the moved node to its count, with 0 -> 1 for the
    node itself. The k-th old ancestor loses `subtree_levels[j]` at level k + j, the k-th new
    ancestor gains it; a common ancestor at the same distance nets to zero and is dropped.
    """
    deltas: Counter[tuple[int, int]] = Counter()
    for sign, ancestors in ((-1, old_ancestor_ids), (1, new_ancestor_ids)):
        for k, ancestor in enumerate(ancestors, start=1):
            for level, count in subtree_levels.items():
                deltas[(ancestor, k + level)] += sign * count
    return {key: value for key, value in deltas.items() if value}


# --- binding ----------------------------------------------------------------------------------


class BindingOutcome(StrEnum):
    BOUND = "bound"  # the customer had no binding in force
    REBOUND = "rebound"  # last touch: a newer code took the customer
    REPLACED_EXPIRED = "replaced_expired"  # the previous binding had run out
    UNCHANGED = "unchanged"  # already bound to this distributor


@dataclass(frozen=True)
class CurrentBinding:
    distributor_id: int
    expires_at: datetime | None
    protected_until: datetime | None

    def in_force(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class BindingRules:
    touch: str
    days: int | None  # None: permanent
    protection_days: int
    new_customers_only: bool


def decide_binding(
    rules: BindingRules,
    *,
    current: CurrentBinding | None,
    distributor_id: int,
    now: datetime,
    is_new_customer: bool | None,
) -> BindingOutcome | NetworkErrorCode:
    """What binding the customer to `distributor_id` does under `rules`, or why it is refused.

    - Already bound to this distributor (in force): unchanged, in either touch model.
    - New-customers-only refuses anyone the caller does not vouch for as new (None = unknown).
    - First touch: a binding in force keeps the customer. Last touch: a newer code takes the
      customer, except during the protection period (保护期) of the binding in force.
    - A binding that ran out counts as none.
    """
    in_force = current is not None and current.in_force(now)
    if in_force and current is not None and current.distributor_id == distributor_id:
        return BindingOutcome.UNCHANGED
    if rules.new_customers_only and is_new_customer is not True:
        return NetworkErrorCode.NOT_NEW_CUSTOMER
    if current is None:
        return BindingOutcome.BOUND
    if not in_force:
        return BindingOutcome.REPLACED_EXPIRED
    if rules.touch == TouchModel.FIRST_TOUCH:
        return NetworkErrorCode.ALREADY_BOUND
    assert rules.touch == TouchModel.LAST_TOUCH, rules.touch
    if current.protected_until is not None and now < current.protected_until:
        return NetworkErrorCode.BINDING_PROTECTED
    return BindingOutcome.REBOUND


def binding_window(rules: BindingRules, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(expires_at, protected_until) of a binding made at `now`."""
    expires_at = now + timedelta(days=rules.days) if rules.days else None
    protected_until = now + timedelta(days=rules.protection_days) if rules.protection_days else None
    return expires_at, protected_until


# --- referral links ---------------------------------------------------------------------------

URL_TEMPLATE_KINDS = {
    # kind: (placeholders it must contain, placeholders it may contain)
    "home": (frozenset(), frozenset({"channel"})),
    "link": (frozenset({"code"}), frozenset({"channel", "code"})),
    "product": (frozenset({"code", "product"}), frozenset({"channel", "code", "product"})),
}


def url_template_problem(kind: str, template: object) -> str | None:
    """Why a storefront URL template is unusable, or None if it is fine."""
    if kind not in URL_TEMPLATE_KINDS:
        return f"unknown template kind {kind!r} (expected home, link or product)"
    if not isinstance(template, str) or not template.startswith(("https://", "http://")):
        return f"the {kind} template must be an absolute http(s) URL"
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return f"the {kind} template has unbalanced braces"
    required, allowed = URL_TEMPLATE_KINDS[kind]
    if not names <= allowed:
        return f"the {kind} template may only use {{{'}, {'.join(sorted(allowed))}}}"
    if not required <= names:
        return f"the {kind} template must contain {{{'}, {'.join(sorted(required))}}}"
    return None


def render_storefront_url(template: str, *, channel: str, code: str = "", product: str = "") -> str:
    return template.format(
        channel=quote(channel, safe=""), code=quote(code, safe=""), product=quote(product, safe="")
    )


def visitor_hash(
    secret: str | bytes, *, installation_id: int, day: date, ip: str, user_agent: str
) -> str:
    """A keyed hash of who clicked, changing every day and per installation.

    The raw IP address and user agent are never stored: this hash is enough to rate-limit and
    to count unique visitors of a day, and because the day is part of it, one visitor's clicks
    cannot be linked across days.
    """
    key = sha256(b"saleor_distribution.network.referral_click" + _bytes(secret)).digest()
    message = f"{installation_id}\n{day.isoformat()}\n{ip}\n{user_agent}".encode()
    return hmac.new(key, message, sha256).hexdigest()


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
