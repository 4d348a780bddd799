"""Who an order is attributed to, and why.

Sources, first accepted wins:
1. `distribution.ref` in the order's metadata (Saleor copies the checkout's metadata onto
   the order; staff may set it later). Customer-controlled, so it must name an active
   distributor's code.
2. The order's voucher code, if the app knows a distributor owns it (`VoucherOwnership`).
3. The customer's binding in force when the order was created.

When the plan pays self-purchase commission and the buyer is an active distributor, the
order is the buyer's own sale (source `self_purchase`) and comes before the three. Without
self-purchase, a source that names the buyer is refused (no self-referral) and the next one
is tried. Every source considered is recorded with its outcome, so staff can answer "why
was this attributed to X".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from saleor_distribution.commissions.calculations import PlanRules
from saleor_distribution.commissions.models import AttributionSource, VoucherOwnership
from saleor_distribution.installations.models import Installation
from saleor_distribution.network import fetch as network_fetch
from saleor_distribution.network.models import Distributor, DistributorStatus
from saleor_distribution.saleor import payloads

REF_METADATA_KEY = "distribution.ref"


@dataclass(frozen=True)
class Buyer:
    saleor_user_id: str | None
    email: str | None

    def is_(self, distributor: Distributor) -> bool:
        if self.saleor_user_id and distributor.saleor_user_id == self.saleor_user_id:
            return True
        return bool(self.email) and distributor.email.lower() == (self.email or "").lower()


@dataclass(frozen=True)
class Attribution:
    distributor: Distributor | None
    source: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def buyer_of(order: payloads.Order) -> Buyer:
    email = order.user_email or (order.user.email if order.user else None)
    return Buyer(saleor_user_id=order.user.id if order.user else None, email=email or None)


def attribution_inputs(order: payloads.Order) -> dict[str, Any]:
    """What attribution depends on in a snapshot; re-attribution happens when it changes."""
    buyer = buyer_of(order)
    return {
        "ref": (payloads.metadata_value(order.metadata, REF_METADATA_KEY) or "").strip() or None,
        "voucher": order.voucher_code or (order.voucher.code if order.voucher else None),
        "customer": buyer.saleor_user_id,
        "email": buyer.email,
    }


def _judge(
    distributor: Distributor | None, buyer: Buyer, rules: PlanRules, missing: str
) -> tuple[bool, str]:
    if distributor is None:
        return False, missing
    if distributor.status != DistributorStatus.ACTIVE:
        return False, f"distributor {distributor.code} is {distributor.status}, not active"
    if buyer.is_(distributor) and not rules.self_purchase:
        return False, f"distributor {distributor.code} is the buyer (no self-referral)"
    return True, f"distributor {distributor.code} is active"


def attribute(
    installation: Installation,
    order: payloads.Order,
    rules: PlanRules,
    by_code: Mapping[str, Distributor] | None = None,
) -> Attribution:
    """`by_code`: the distributors of the orders' referral codes, read beforehand by a
    caller attributing many orders at once (`network_fetch.get_by_codes`: normalised code
    → distributor; a code it lacks has no distributor). Without it, the code is looked up
    here."""
    buyer = buyer_of(order)
    inputs = attribution_inputs(order)
    considered: list[dict[str, Any]] = []

    def decide(
        source: str, value: str | None, distributor: Distributor | None, missing: str, why: str
    ) -> Attribution | None:
        accepted, verdict = _judge(distributor, buyer, rules, missing)
        considered.append(
            {
                "source": source,
                "value": value,
                "outcome": "accepted" if accepted else "refused",
                "reason": verdict,
                "distributor": distributor.pk if distributor else None,
            }
        )
        if not accepted:
            return None
        assert distributor is not None
        refused = "; ".join(f"{c['source']} refused: {c['reason']}" for c in considered[:-1])
        reason = f"{why} ({verdict})" + (f"; {refused}" if refused else "")
        return Attribution(
            distributor=distributor,
            source=source,
            reason=reason,
            details={"inputs": inputs, "considered": considered, "winner": source},
        )

    if rules.self_purchase and buyer.saleor_user_id:
        own = network_fetch.get_for_user(installation, buyer.saleor_user_id)
        if own is not None and own.status == DistributorStatus.ACTIVE:
            found = decide(
                AttributionSource.SELF_PURCHASE,
                own.code,
                own,
                "",
                f"the buyer is distributor {own.code} and the plan pays self-purchase commission",
            )
            if found:
                return found

    ref = inputs["ref"]
    if ref:
        found = decide(
            AttributionSource.REF,
            ref,
            (
                by_code.get(network_fetch.normalise_code(ref))
                if by_code is not None
                else network_fetch.get_by_code(installation, ref)
            ),
            f"no distributor has the code {ref!r}",
            f"{REF_METADATA_KEY}={ref} in the order's metadata",
        )
        if found:
            return found
    else:
        considered.append(
            {
                "source": AttributionSource.REF,
                "value": None,
                "outcome": "absent",
                "reason": f"no {REF_METADATA_KEY} in the order's metadata",
                "distributor": None,
            }
        )

    voucher = inputs["voucher"]
    if voucher:
        ownership = (
            VoucherOwnership.objects.filter(installation=installation, code=voucher.strip().upper())
            .select_related("distributor")
            .first()
        )
        found = decide(
            AttributionSource.VOUCHER,
            voucher,
            ownership.distributor if ownership else None,
            f"voucher {voucher!r} belongs to no distributor",
            f"the order used voucher {voucher}, owned by a distributor",
        )
        if found:
            return found
    else:
        considered.append(
            {
                "source": AttributionSource.VOUCHER,
                "value": None,
                "outcome": "absent",
                "reason": "no voucher on the order",
                "distributor": None,
            }
        )

    binding = network_fetch.current_binding(
        installation, saleor_user_id=buyer.saleor_user_id, email=buyer.email, at=order.created
    )
    if binding is not None:
        found = decide(
            AttributionSource.BINDING,
            binding.distributor.code,
            binding.distributor,
            "",
            f"the customer was bound to {binding.distributor.code} when the order was created "
            f"({binding.source} since {binding.bound_at.isoformat()})",
        )
        if found:
            return found
    else:
        considered.append(
            {
                "source": AttributionSource.BINDING,
                "value": None,
                "outcome": "absent",
                "reason": "the customer had no binding when the order was created",
                "distributor": None,
            }
        )

    reasons = "; ".join(f"{c['source']}: {c['reason']}" for c in considered)
    return Attribution(
        distributor=None,
        source=AttributionSource.NONE,
        reason=f"not attributed ({reasons})",
        details={"inputs": inputs, "considered": considered, "winner": None},
    )
