"""The mutation base: permission check, domain call, and `errors { field code message }`
from the domain's `ValidationError`, as Saleor's `BaseMutation` does."""

from __future__ import annotations

from enum import Enum
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from saleor_distribution.graphql.core.types import errors_from_validation

_ERROR_TYPES: dict[str, type[graphene.ObjectType]] = {}


def error_type(name: str, codes: type[Enum]) -> type[graphene.ObjectType]:
    """`<Name>Error { field code: <Name>ErrorCode message }` for a domain's error-code Enum."""
    if name in _ERROR_TYPES:
        return _ERROR_TYPES[name]
    code_enum = graphene.Enum.from_enum(codes, name=f"{name}ErrorCode")
    error = type(
        f"{name}Error",
        (graphene.ObjectType,),
        {
            "field": graphene.String(description="The input field the error is about."),
            "code": graphene.Field(code_enum, required=True),
            "message": graphene.String(required=True),
            "__doc__": f"An error of a {name} mutation.",
        },
    )
    _ERROR_TYPES[name] = error
    return error


class PermissionDenied(Exception):
    pass


def require_staff_permission(info: Any, permission: str) -> None:
    viewer = info.context.viewer
    if not viewer.has_permission(permission):
        raise PermissionDenied(f"You need the {permission} permission.")


def require_customer(info: Any) -> None:
    viewer = info.context.viewer
    if not viewer.is_customer:
        raise PermissionDenied("Sign in as a customer of this shop.")


def mutation_errors(exc: ValidationError, codes: type[Enum]) -> list[dict[str, Any]]:
    """Domain errors as GraphQL error objects. A code outside the enum (e.g. a Django
    validator's "invalid") becomes the enum's INVALID member."""
    known = {member.value for member in codes}
    fallback = codes["INVALID"].value
    return [
        {**error, "code": error["code"] if error["code"] in known else fallback}
        for error in errors_from_validation(exc)
    ]
