"""Small pieces every mutation of the money API shares: the API's error-code enums (the
domain's codes plus PERMISSION_DENIED), global ids, and running a mutation body so that a
permission failure or a domain `ValidationError` becomes `errors { field code message }`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from graphql_relay import from_global_id

from saleor_distribution.graphql.core.mutations import PermissionDenied, mutation_errors

PERMISSION_DENIED = "permission_denied"


def api_error_codes(name: str, domain_codes: type[Enum]) -> type[Enum]:
    """The domain's error codes plus PERMISSION_DENIED (an API concern, not the domain's)."""
    members = {member.name: member.value for member in domain_codes}
    members.setdefault("PERMISSION_DENIED", PERMISSION_DENIED)
    return Enum(name, members)  # type: ignore[return-value]


def parse_id(global_id: Any, expected_type: str) -> int | None:
    """The primary key in a global id of `expected_type`; None for anything else."""
    try:
        type_name, pk = from_global_id(str(global_id))
        value = int(pk)
    except (TypeError, ValueError, UnicodeDecodeError):
        return None
    return value if type_name == expected_type and value > 0 else None


def run_mutation(
    result: Callable[..., Any],
    codes: type[Enum],
    body: Callable[[], dict[str, Any]],
    *,
    fields: Mapping[str, str] | None = None,
) -> Any:
    """`result(**body())`, or `result(errors=[...])` when the body is refused: by a permission
    check (PERMISSION_DENIED) or by the domain (its codes; `fields` renames the domain's field
    names to the mutation's input names)."""
    try:
        return result(errors=[], **body())
    except PermissionDenied as exc:
        return result(errors=[{"field": None, "code": PERMISSION_DENIED, "message": str(exc)}])
    except ValidationError as exc:
        errors = mutation_errors(exc, codes)
        for error in errors:
            if error["field"] in (fields or {}):
                error["field"] = (fields or {})[error["field"]]
        return result(errors=errors)


def enum_value(value: Any) -> Any:
    """A graphene enum argument (the member, in graphene 3) as its plain value."""
    return getattr(value, "value", value)


def refuse(field: str | None, message: str, code: str) -> ValidationError:
    """A ValidationError for input the API refuses before calling the domain."""
    return ValidationError({field or "__all__": ValidationError(message, code=code)})
