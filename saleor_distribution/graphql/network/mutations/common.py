"""What the network's mutations share: their result and error types, and finding the
distributor a staff mutation acts on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import graphene

from saleor_distribution.core.audit import Actor
from saleor_distribution.graphql.core.mutations import (
    DistributionMutation,
    error_codes,
    error_type,
    refusal,
    require_customer,
    require_staff_permission,
)
from saleor_distribution.graphql.core.types import global_id_pk
from saleor_distribution.graphql.network.resolvers import MANAGE_USERS, visible_distributors
from saleor_distribution.graphql.network.types import Distributor, Grade
from saleor_distribution.network import models
from saleor_distribution.network.error_codes import NetworkErrorCode

NetworkApiErrorCode = error_codes("NetworkApiErrorCode", NetworkErrorCode)
# One code enum for every network mutation's errors.
CODES = "DistributorErrorCode"
DistributorError = error_type("Distributor", NetworkApiErrorCode, enum_name=CODES)


GradeError = error_type("Grade", NetworkApiErrorCode, enum_name=CODES)


class DistributorMutationResult(graphene.ObjectType):
    distributor = graphene.Field(Distributor)
    errors = graphene.List(graphene.NonNull(DistributorError), required=True)


class GradeMutationResult(graphene.ObjectType):
    grade = graphene.Field(Grade)
    errors = graphene.List(graphene.NonNull(GradeError), required=True)


def staff_actor(info: Any) -> Actor:
    token = info.context.viewer.token
    return Actor.staff(token.user_id, token.email)


def customer_actor(info: Any) -> Actor:
    token = info.context.viewer.token
    return Actor.customer(token.user_id, token.email)


def find_distributor(info: Any, global_id: Any, field: str) -> models.Distributor:
    """A distributor the caller may see, by global id; else a NOT_FOUND refusal on `field`."""
    pk = global_id_pk(global_id, "Distributor")
    distributor = visible_distributors(info).filter(pk=pk).first() if pk is not None else None
    if distributor is None:
        raise refusal(field, "No such distributor.", NetworkErrorCode.NOT_FOUND.value)
    return distributor


def find_grade(info: Any, global_id: Any, field: str) -> models.Grade:
    """A grade of the caller's installation, by global id; else a NOT_FOUND refusal."""
    pk = global_id_pk(global_id, "Grade")
    grade = (
        models.Grade.objects.filter(installation=info.context.viewer.installation, pk=pk).first()
        if pk is not None
        else None
    )
    if grade is None:
        raise refusal(field, "No such grade.", NetworkErrorCode.NOT_FOUND.value)
    return grade


class StaffDistributorMutation(DistributionMutation):
    """A staff action on one distributor (MANAGE_USERS): `change(distributor, info, **data)`
    calls the network action, which checks the rules and writes the audit event."""

    class Meta:
        abstract = True

    Output = DistributorMutationResult
    error_codes = NetworkApiErrorCode
    change: ClassVar[Callable[..., models.Distributor]]

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> DistributorMutationResult:
        require_staff_permission(info, MANAGE_USERS)
        distributor = find_distributor(info, data.pop("id"), "id")
        changed = cls.change(distributor, info, **data)
        return DistributorMutationResult(distributor=changed, errors=[])


class CustomerMutation(DistributionMutation):
    """A signed-in customer acting for themself."""

    class Meta:
        abstract = True

    error_codes = NetworkApiErrorCode

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> Any:
        require_customer(info)
        return cls.act(info, info.context.viewer.installation, **data)

    @classmethod
    def act(cls, info: Any, installation: Any, **data: Any) -> Any:
        raise NotImplementedError
