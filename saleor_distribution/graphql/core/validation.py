"""Limits that refuse abusive queries before they run: nesting depth, a cost budget that
multiplies list fields by their page size, and a cap on federation `_entities`."""

from __future__ import annotations

from typing import Any

from graphene.validation import depth_limit_validator
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

MAX_DEPTH = 10
MAX_COST = 50_000
MAX_PAGE_SIZE = 100  # connections refuse a larger `first`/`last`
MAX_ENTITIES = 100  # as Saleor's FEDERATED_QUERY_MAX_ENTITIES, checked by the view
MAX_FRAGMENT_HOPS = 50


class CostLimitRule(ValidationRule):
    """Cost of a selection = 1 per field, times the page size (`first`/`last`; a variable
    counts as MAX_PAGE_SIZE) of every paginated field above it. Written here because
    graphql-core ships no cost analysis and graphene only a depth limit."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragments = {
            d.name.value: d
            for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        cost = self._cost(node.selection_set, multiplier=1, hops=0)
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"Query cost {cost} exceeds the limit of {MAX_COST}; ask for smaller pages.",
                    node,
                    extensions={"code": "QUERY_TOO_COMPLEX"},
                )
            )

    @staticmethod
    def _page_size(field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value in ("first", "last"):
                value = argument.value
                if isinstance(value, IntValueNode):
                    return max(1, min(int(value.value), MAX_PAGE_SIZE))
                if isinstance(value, VariableNode):
                    return MAX_PAGE_SIZE
        return None

    def _cost(self, selection_set: Any, multiplier: int, hops: int) -> int:
        if selection_set is None or hops > MAX_FRAGMENT_HOPS:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                page = self._page_size(selection)
                child_multiplier = multiplier * page if page else multiplier
                total += multiplier + self._cost(selection.selection_set, child_multiplier, hops)
            elif isinstance(selection, InlineFragmentNode):
                total += self._cost(selection.selection_set, multiplier, hops)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self._cost(fragment.selection_set, multiplier, hops + 1)
        return total


def validation_rules() -> list[type[ValidationRule]]:
    return [depth_limit_validator(max_depth=MAX_DEPTH), CostLimitRule]


def limit_entities(schema: GraphQLSchema) -> None:
    """Refuse `_entities` with more than MAX_ENTITIES representations (after variables are
    substituted, which a validation rule cannot see). The check wraps that one resolver: a
    middleware would run for every field of every query."""
    field = schema.query_type.fields["_entities"] if schema.query_type else None
    if field is None or getattr(field.resolve, "limited", False):
        return
    resolve = field.resolve
    assert resolve is not None

    def limited(root: Any, info: Any, **args: Any) -> Any:
        if len(args.get("representations") or ()) > MAX_ENTITIES:
            raise GraphQLError(
                f"At most {MAX_ENTITIES} entities per request.",
                extensions={"code": "TOO_MANY_ENTITIES"},
            )
        return resolve(root, info, **args)

    limited.limited = True  # type: ignore[attr-defined]
    field.resolve = limited
