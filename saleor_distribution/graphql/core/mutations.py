"""The mutation base: permission check, domain call, and `errors { field code message }`
from the domain's `ValidationError`, as Saleor's `BaseMutation` does.

Permissions, everywhere in the API: a mutation the caller may not run returns an error with
code PERMISSION_DENIED and changes nothing; a root query the caller may not run fails with a
GraphQL error whose `extensions.code` is PERMISSION_DENIED. An object the caller may not see
(another customer's, another installation's, a malformed id) is "not found": null in
queries, NOT_FOUND in mutations, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar

import graphene
from django.core.exceptions import ValidationError
from graphql import GraphQLError

from saleor_distribution.graphql.core.types import errors_from_validation

_ERROR_TYPES: dict[str, type[graphene.ObjectType]] = {}

# Codes every mutation may answer with, whatever the domain.
API_ERROR_CODES = {
    "PERMISSION_DENIED": "permission_denied",
    "NOT_FOUND": "not_found",
    "INVALID": "invalid",
}


def error_codes(name: str, *domains: type[Enum], **extra: str) -> type[Enum]:
    """A domain's error-code enum with the API's own codes (and `extra`) added."""
    members: dict[str, str] = {}
    for domain in domains:
        members.update({member.name: member.value for member in domain})
    members.update(API_ERROR_CODES)
    members.update(extra)
    return Enum(name, members)  # type: ignore[return-value]


_CODE_ENUMS: dict[str, type[graphene.Enum]] = {}


def error_type(
    name: str, codes: type[Enum], *, enum_name: str | None = None
) -> type[graphene.ObjectType]:
    """`<Name>Error { field code: <Name>ErrorCode message }` for a domain's error-code Enum
    (error types of one domain may share one code enum: `enum_name`)."""
    if name in _ERROR_TYPES:
        return _ERROR_TYPES[name]
    enum_name = enum_name or f"{name}ErrorCode"
    if enum_name not in _CODE_ENUMS:
        _CODE_ENUMS[enum_name] = graphene.Enum.from_enum(codes, name=enum_name)
    code_enum = _CODE_ENUMS[enum_name]
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


class PermissionDenied(GraphQLError):
    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "PERMISSION_DENIED"})


def require_staff_permission(info: Any, *permissions: str) -> None:
    viewer = info.context.viewer
    for permission in permissions:
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


def renamed_fields(exc: ValidationError, names: Mapping[str, str]) -> ValidationError:
    """A domain refusal with its fields named as the API names them (the others kept as
    they are), e.g. an action's `new_parent` as its mutation's `parentId`."""
    return ValidationError(
        {names.get(field, field): errors for field, errors in exc.error_dict.items()}
    )


def refusal(field: str | None, message: str, code: str) -> ValidationError:
    """A refusal found by the API layer itself (a malformed id, an unknown object)."""
    return ValidationError({field or "__all__": ValidationError(message, code=code)})


class DistributionMutation(graphene.Mutation):
    """Runs `perform`; a `PermissionDenied` or a `ValidationError` it raises becomes the
    result's `errors` (nothing else is returned then). Subclasses set `Output` to their
    result type (with `errors`) and `error_codes` to its code enum."""

    class Meta:
        abstract = True

    error_codes: ClassVar[type[Enum]]

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root: Any, info: Any, **data: Any) -> Any:
        try:
            return cls.perform(root, info, **data)
        except PermissionDenied as exc:
            errors = [{"field": None, "code": "permission_denied", "message": exc.message}]
        except ValidationError as exc:
            errors = mutation_errors(exc, cls.error_codes)
        return cls.Output(errors=errors)
