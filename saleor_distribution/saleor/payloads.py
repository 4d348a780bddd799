"""Typed views of Saleor's webhook payloads. The only place a raw payload is read.

Payloads are the JSON of our subscriptions (`graphql/subscriptions/`), deferred and built by
Saleor after the event (APP-CONTRACT §2.3). Money arrives as JSON numbers; pydantic reads a
JSON number into `Decimal` from its text, so no value ever passes through a float.
Unknown fields are ignored, so a richer subscription (or an older one) still parses.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["PayloadError", "ValidationError"]


class PayloadError(ValueError):
    """The body is not the payload its event promises."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Ref(_Model):
    id: str


class MetadataItem(_Model):
    key: str
    value: str


Metadata = Annotated[list[MetadataItem], Field(default_factory=list)]


def metadata_value(items: list[MetadataItem], key: str) -> str | None:
    for item in items:
        if item.key == key:
            return item.value
    return None


class Recipient(_Model):
    id: str


class Principal(_Model):
    typename: str = Field(alias="__typename")
    id: str | None = None


class Money(_Model):
    amount: Decimal
    currency: str


class AmountOnly(_Model):
    amount: Decimal
    currency: str | None = None


class TaxedMoney(_Model):
    gross: Money
    net: Money
    tax: Money | None = None


class Channel(_Model):
    id: str
    slug: str
    currency_code: str = Field(alias="currencyCode")


class UserRef(_Model):
    id: str
    email: str | None = None


class Category(_Model):
    id: str
    slug: str | None = None
    parent: Ref | None = None


class Product(_Model):
    id: str
    name: str | None = None
    slug: str | None = None
    category: Category | None = None


class Variant(_Model):
    id: str
    sku: str | None = None
    product: Product | None = None


class OrderLine(_Model):
    id: str
    product_name: str = Field("", alias="productName")
    variant_name: str = Field("", alias="variantName")
    product_sku: str | None = Field(None, alias="productSku")
    product_variant_id: str | None = Field(None, alias="productVariantId")
    quantity: int
    quantity_fulfilled: int = Field(0, alias="quantityFulfilled")
    variant: Variant | None = None
    unit_price: TaxedMoney = Field(alias="unitPrice")
    undiscounted_unit_price: TaxedMoney | None = Field(None, alias="undiscountedUnitPrice")
    total_price: TaxedMoney = Field(alias="totalPrice")
    unit_discount: Money | None = Field(None, alias="unitDiscount")
    is_gift: bool = Field(False, alias="isGift")


class OrderDiscount(_Model):
    id: str | None = None
    type: str
    value_type: str | None = Field(None, alias="valueType")
    value: Decimal | None = None
    total: Money


class VoucherRef(_Model):
    id: str
    code: str | None = None


class LineQuantity(_Model):
    id: str | None = None
    quantity: int
    order_line: Ref | None = Field(None, alias="orderLine")


class Fulfillment(_Model):
    id: str
    status: str
    created: datetime | None = None
    lines: list[LineQuantity] = Field(default_factory=list)


class GrantedRefund(_Model):
    id: str
    status: str | None = None
    amount: Money
    shipping_costs_included: bool = Field(False, alias="shippingCostsIncluded")
    lines: list[LineQuantity] | None = None


class Order(_Model):
    id: str
    number: str
    created: datetime
    updated_at: datetime = Field(alias="updatedAt")
    status: str
    origin: str | None = None
    checkout_id: str | None = Field(None, alias="checkoutId")
    user: UserRef | None = None
    user_email: str | None = Field(None, alias="userEmail")
    channel: Channel
    metadata: Metadata
    private_metadata: Metadata = Field(alias="privateMetadata")
    lines: list[OrderLine]
    subtotal: TaxedMoney
    total: TaxedMoney
    shipping_price: TaxedMoney | None = Field(None, alias="shippingPrice")
    total_charged: Money = Field(alias="totalCharged")
    total_authorized: Money | None = Field(None, alias="totalAuthorized")
    total_refunded: Money = Field(alias="totalRefunded")
    total_granted_refund: Money | None = Field(None, alias="totalGrantedRefund")
    total_refund_pending: Money | None = Field(None, alias="totalRefundPending")
    charge_status: str = Field(alias="chargeStatus")
    authorize_status: str | None = Field(None, alias="authorizeStatus")
    is_paid: bool = Field(alias="isPaid")
    discounts: list[OrderDiscount] = Field(default_factory=list)
    voucher: VoucherRef | None = None
    voucher_code: str | None = Field(None, alias="voucherCode")
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    granted_refunds: list[GrantedRefund] = Field(default_factory=list, alias="grantedRefunds")

    @property
    def currency(self) -> str:
        return self.channel.currency_code


class Checkout(_Model):
    id: str
    token: str | None = None
    updated_at: datetime | None = Field(None, alias="updatedAt")
    email: str | None = None
    user: UserRef | None = None
    channel: Channel | None = None
    metadata: Metadata
    voucher_code: str | None = Field(None, alias="voucherCode")


class Customer(_Model):
    id: str
    email: str
    first_name: str = Field("", alias="firstName")
    last_name: str = Field("", alias="lastName")
    is_active: bool = Field(True, alias="isActive")
    is_staff: bool = Field(False, alias="isStaff")
    date_joined: datetime | None = Field(None, alias="dateJoined")
    updated_at: datetime | None = Field(None, alias="updatedAt")
    language_code: str | None = Field(None, alias="languageCode")
    metadata: Metadata


class AppRef(_Model):
    id: str
    identifier: str | None = None


class Envelope(_Model):
    """What every delivery carries (our `EventMetadata` fragment) plus the object's id.

    Read by the webhook endpoint before a delivery is stored: cheap, and enough for the
    recipient check, staleness and the inbox's object id.
    """

    typename: str | None = Field(None, alias="__typename")
    issued_at: datetime | None = Field(None, alias="issuedAt")
    version: str | None = None
    recipient: Recipient | None = None
    issuing_principal: Principal | None = Field(None, alias="issuingPrincipal")
    order: Ref | None = None
    checkout: Ref | None = None
    user: Ref | None = None
    app: Ref | None = None
    transaction: Ref | None = None

    @property
    def object_id(self) -> str:
        for ref in (self.order, self.checkout, self.user, self.app, self.transaction):
            if ref is not None:
                return ref.id
        return ""


class _Event(_Model):
    issued_at: datetime = Field(alias="issuedAt")
    version: str | None = None
    recipient: Recipient | None = None
    issuing_principal: Principal | None = Field(None, alias="issuingPrincipal")


class OrderEvent(_Event):
    # Null when the order was gone by the time Saleor built the deferred payload.
    order: Order | None


class CheckoutEvent(_Event):
    # Checkout payloads can be null under load (APP-CONTRACT §10.1): hints only.
    checkout: Checkout | None


class CustomerEvent(_Event):
    user: Customer | None


class AppEvent(_Event):
    app: AppRef | None


EventT = TypeVar("EventT", bound=_Event)


def parse_envelope(body: bytes) -> Envelope:
    try:
        envelope = Envelope.model_validate_json(body)
    except ValidationError as exc:
        raise PayloadError("the body is not a Saleor event payload") from exc
    return envelope


def parse_event(model: type[EventT], body: bytes | str) -> EventT:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise PayloadError(f"the body is not a valid {model.__name__} payload") from exc
