from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from saleor_distribution.graphql.core.mutations import (
    DistributionMutation,
    error_type,
    refusal,
    renamed_fields,
    require_staff_permission,
)
from saleor_distribution.graphql.core.types import (
    DistributionMoneyInput,
    parse_amount,
    parse_currency,
)
from saleor_distribution.graphql.network.enums import JoiningModeEnum
from saleor_distribution.graphql.network.mutations.common import (
    CODES,
    NetworkApiErrorCode,
    find_distributor,
    staff_actor,
)
from saleor_distribution.graphql.network.resolvers import MANAGE_USERS
from saleor_distribution.graphql.network.types import ProgrammeSettings
from saleor_distribution.network import actions, fetch
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import NetworkPolicy, TouchModel

ProgrammeSettingsError = error_type("ProgrammeSettings", NetworkApiErrorCode, enum_name=CODES)
INVALID = NetworkErrorCode.INVALID_POLICY.value

# The policy's field → the input's field, for errors.
INPUT_FIELDS = {
    "joining_mode": "joiningMode",
    "join_spend_threshold_amount": "joinSpendThreshold",
    "join_spend_threshold_currency": "joinSpendThreshold",
    "binding_days": "bindingDays",
    "binding_touch": "lastTouch",
    "binding_protection_days": "protectionDays",
    "bind_new_customers_only": "bindNewCustomersOnly",
    "storefront_urls": "storefrontUrls",
    "default_channel": "defaultChannel",
    "default_sponsor": "defaultSponsorId",
    "click_rate_limit": "clickRateLimit",
    "click_rate_window_seconds": "clickRateWindowSeconds",
}


class StorefrontUrlsInput(graphene.InputObjectType):
    channel = graphene.String(required=True, description="The channel's slug.")
    home = graphene.String()
    link = graphene.String(description="Must contain {code}.")
    product = graphene.String(description="Must contain {code} and {product}.")


class ProgrammeSettingsInput(graphene.InputObjectType):
    """Only the fields given change; null clears the threshold or the default sponsor."""

    joining_mode = JoiningModeEnum()
    join_spend_threshold = DistributionMoneyInput()
    binding_permanent = graphene.Boolean()
    binding_days = graphene.Int()
    last_touch = graphene.Boolean()
    protection_days = graphene.Int()
    bind_new_customers_only = graphene.Boolean()
    storefront_url_template = graphene.String(
        description="The `link` template of the default channel."
    )
    storefront_urls = graphene.List(
        graphene.NonNull(StorefrontUrlsInput), description="Replaces every channel's templates."
    )
    default_channel = graphene.String()
    click_rate_limit = graphene.Int()
    click_rate_window_seconds = graphene.Int()
    default_sponsor_id = graphene.ID()


class ProgrammeSettingsMutationResult(graphene.ObjectType):
    programme_settings = graphene.Field(ProgrammeSettings)
    errors = graphene.List(graphene.NonNull(ProgrammeSettingsError), required=True)


class ProgrammeSettingsUpdate(DistributionMutation):
    """Change the programme's network rules (MANAGE_USERS); audited."""

    class Arguments:
        input = ProgrammeSettingsInput(required=True)

    Output = ProgrammeSettingsMutationResult
    error_codes = NetworkApiErrorCode

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        installation = info.context.viewer.installation
        changes = policy_changes(info, fetch.get_policy(installation), data["input"])
        try:
            policy = actions.update_policy(installation, actor=staff_actor(info), **changes)
        except ValidationError as exc:
            raise renamed_fields(exc, INPUT_FIELDS) from exc
        return ProgrammeSettingsMutationResult(programme_settings=policy, errors=[])


def policy_changes(info: Any, policy: NetworkPolicy, data: dict[str, Any]) -> dict[str, Any]:
    """The input in the policy's terms (the values are checked by `update_policy`)."""
    changes: dict[str, Any] = {}
    if data.get("joining_mode") is not None:
        changes["joining_mode"] = data["joining_mode"].value
    if "join_spend_threshold" in data:
        threshold = data["join_spend_threshold"]
        if threshold is None:
            changes.update(join_spend_threshold_amount=Decimal(0), join_spend_threshold_currency="")
        else:
            changes["join_spend_threshold_amount"] = parse_amount(
                threshold["amount"], "join_spend_threshold", INVALID
            )
            changes["join_spend_threshold_currency"] = parse_currency(
                threshold["currency"], "join_spend_threshold", INVALID
            )
    permanent = data.get("binding_permanent")
    if permanent is True and data.get("binding_days") is not None:
        raise refusal("bindingDays", "A permanent binding has no length.", INVALID)
    if permanent is True:
        changes["binding_days"] = None
    elif data.get("binding_days") is not None:
        changes["binding_days"] = data["binding_days"]
    elif permanent is False and policy.binding_days is None:
        raise refusal("bindingDays", "Say how many days a binding lasts.", INVALID)
    if data.get("last_touch") is not None:
        changes["binding_touch"] = (
            TouchModel.LAST_TOUCH if data["last_touch"] else TouchModel.FIRST_TOUCH
        )
    for name, field in (
        ("protection_days", "binding_protection_days"),
        ("bind_new_customers_only", "bind_new_customers_only"),
        ("click_rate_limit", "click_rate_limit"),
        ("click_rate_window_seconds", "click_rate_window_seconds"),
        ("default_channel", "default_channel"),
    ):
        if data.get(name) is not None:
            changes[field] = data[name]
    urls = dict(policy.storefront_urls)
    if data.get("storefront_urls") is not None:
        urls = {}
        for item in data["storefront_urls"]:
            templates = {kind: item[kind] for kind in ("home", "link", "product") if item.get(kind)}
            urls[item["channel"]] = templates
        changes["storefront_urls"] = urls
    if data.get("storefront_url_template") is not None:
        channel = changes.get("default_channel", policy.default_channel)
        if not channel:
            raise refusal(
                "storefrontUrlTemplate", "Name the default channel the template is for.", INVALID
            )
        urls = {**urls, channel: {**urls.get(channel, {}), "link": data["storefront_url_template"]}}
        changes["storefront_urls"] = urls
    if "default_sponsor_id" in data:
        sponsor_id = data["default_sponsor_id"]
        changes["default_sponsor"] = (
            find_distributor(info, sponsor_id, "defaultSponsorId") if sponsor_id else None
        )
    return changes
