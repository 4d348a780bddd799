"""graphql-core's executor with shortcuts for plain leaf fields and ordinary results.

A list page of the dashboard answers about a thousand fields, and most are a column of the
row (`code`, `teamSize`, `joinedAt`, a money `amount`): graphene resolves them with its
default resolver (an attribute or dict key) and graphql-core then completes them as a
scalar. Per field graphql-core builds a `Path`, a `GraphQLResolveInfo`, the argument dict
and walks `complete_value`, about 5 µs for what is one `getattr` and one `serialize`.

`ExecutionContext` below does exactly that `getattr` and `serialize` for such fields (the
plan is made once per selection set and request). Other fields run graphql-core's
`execute_field` with the field looked up once per request, a scalar result serialized
directly and an object result's sub-selection executed directly after `is_type_of`. Every
other case goes back to graphql-core's own code: list and abstract types, and any result
that is not an ordinary success (an exception, a null for a non-null field, an
awaitable, a value `serialize` refuses, a failing `is_type_of`), so answers and errors are
graphql-core's, as `tests/graphql/test_execution.py` checks on the clients' documents and
on a schema made of failures. With middleware, every field takes graphql-core's way.
"""

from __future__ import annotations

from asyncio import gather
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphql import (
    ExecutionContext as BaseExecutionContext,
)
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    located_error,
)
from graphql.execution.execute import get_field_def, invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined

# graphene's default resolvers: `getattr(root, name, default)` / `root.get(name, default)`.
DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver, dict_resolver)
# Values that are certainly not awaitable (graphql-core checks every result).
PLAIN_TYPES = frozenset({str, int, float, bool, Decimal, datetime, date})


class PlainLeaf(NamedTuple):
    """A field read by graphene's default resolver and completed as a scalar or enum."""

    field_def: GraphQLField
    resolver: Any  # one of DEFAULT_RESOLVERS
    attname: str
    default_value: Any
    serialize: Any
    non_null: bool


def plain_leaf(field_def: GraphQLField | None) -> PlainLeaf | None:
    if field_def is None or field_def.args:
        return None
    resolve = field_def.resolve
    if not (
        isinstance(resolve, partial)
        and resolve.func in DEFAULT_RESOLVERS
        and len(resolve.args) == 2
        and not resolve.keywords
    ):
        return None
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    named = unwrapped(field_type)
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return None
    attname, default_value = resolve.args
    return PlainLeaf(field_def, resolve.func, attname, default_value, named.serialize, non_null)


def unwrapped(field_type: GraphQLOutputType) -> GraphQLOutputType:
    """The type inside a non-null type."""
    if isinstance(field_type, GraphQLNonNull):
        inner: GraphQLOutputType = field_type.of_type
        return inner
    return field_type


class FieldShape(NamedTuple):
    """Any other field: what completing its value needs, looked up once."""

    field_def: GraphQLField
    serialize: Any  # a scalar or enum field's
    object_type: GraphQLObjectType | None  # an object field's


def field_shape(field_def: GraphQLField | None) -> FieldShape | None:
    if field_def is None:
        return None
    named = unwrapped(field_def.type)
    return FieldShape(
        field_def,
        named.serialize if isinstance(named, GraphQLScalarType | GraphQLEnumType) else None,
        named if isinstance(named, GraphQLObjectType) else None,
    )


class ExecutionContext(BaseExecutionContext):
    """graphql-core's `ExecutionContext`, with the shortcuts above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Middleware wraps every resolver: then every field takes graphql-core's way.
        self._shortcut = manager is None or not manager.middlewares
        self._plans: dict[tuple[GraphQLObjectType, int], Any] = {}

    def _plan(
        self, parent_type: GraphQLObjectType, fields: dict[str, list[FieldNode]]
    ) -> list[tuple[str, list[FieldNode], PlainLeaf | None, FieldShape | None]]:
        # Sub-selections are collected once per request (graphql-core's subfields cache),
        # so the same dict comes back for every row of a list; keep it to be sure the id
        # is not a reused one.
        key = (parent_type, id(fields))
        cached = self._plans.get(key)
        if cached is not None and cached[0] is fields:
            plan: list[tuple[str, list[FieldNode], PlainLeaf | None, FieldShape | None]]
            plan = cached[1]
            return plan
        plan = []
        for name, nodes in fields.items():
            field_def = get_field_def(self.schema, parent_type, nodes[0])
            leaf = plain_leaf(field_def)
            plan.append((name, nodes, leaf, None if leaf else field_shape(field_def)))
        self._plans[key] = (fields, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict[str, list[FieldNode]],
    ) -> Any:
        if not self._shortcut:
            return super().execute_fields(parent_type, source_value, path, fields)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        is_dict = isinstance(source_value, dict)
        for name, nodes, leaf, shape in self._plan(parent_type, fields):
            if leaf is None:
                field_path = Path(path, name, parent_type.name)
                if shape is None:
                    result = self.execute_field(parent_type, source_value, nodes, field_path)
                else:
                    result = self._execute_shaped_field(
                        parent_type, source_value, nodes, field_path, shape
                    )
                if result is Undefined:
                    continue
                results[name] = result
                if is_awaitable(result):
                    awaitable_fields.append(name)
                continue
            value = self._plain_leaf_value(
                leaf, parent_type, source_value, is_dict, nodes, path, name
            )
            results[name] = value
            if value is not None and type(value) not in PLAIN_TYPES and is_awaitable(value):
                awaitable_fields.append(name)
        if not awaitable_fields:
            return results

        # As graphql-core's `execute_fields` (not reached by this synchronous API).
        async def get_results() -> dict[str, Any]:
            values = await gather(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, values, strict=True))
            return results

        return get_results()

    def _plain_leaf_value(
        self,
        leaf: PlainLeaf,
        parent_type: GraphQLObjectType,
        source: Any,
        is_dict: bool,
        nodes: list[FieldNode],
        path: Path | None,
        name: str,
    ) -> Any:
        try:
            resolver = leaf.resolver
            if resolver is dict_resolver or (is_dict and resolver is dict_or_attr_resolver):
                value = source.get(leaf.attname, leaf.default_value)
            else:
                value = getattr(source, leaf.attname, leaf.default_value)
        except Exception as raw_error:
            # As graphql-core's `execute_field` reports a resolver's error.
            field_path = Path(path, name, parent_type.name)
            error = located_error(raw_error, nodes, field_path.as_list())
            self.handle_field_error(error, leaf.field_def.type, field_path)
            return None
        if value is None:
            if not leaf.non_null:
                return None
        elif type(value) in PLAIN_TYPES:
            try:
                serialized = leaf.serialize(value)
            except Exception:
                serialized = None  # graphql-core's way raises it again, and reports it
            if serialized is not None and serialized is not Undefined:
                return serialized
        # Anything else (null for a non-null field, an exception or an awaitable as the
        # value, a value `serialize` refuses): graphql-core completes the value read.
        return self._complete_read_value(leaf, parent_type, source, nodes, path, name, value)

    def _complete_read_value(
        self,
        leaf: PlainLeaf,
        parent_type: GraphQLObjectType,
        source: Any,
        nodes: list[FieldNode],
        path: Path | None,
        name: str,
        value: Any,
    ) -> Any:
        field_path = Path(path, name, parent_type.name)
        field_def = leaf.field_def
        if self.is_awaitable(value):
            # Not reached by this synchronous API: graphql-core's `execute_field` awaits
            # it, so read the field again that way.
            return self.execute_field(parent_type, source, nodes, field_path)
        info = self.build_resolve_info(field_def, nodes, parent_type, field_path)
        try:
            return self.complete_value(field_def.type, nodes, info, field_path, value)
        except Exception as raw_error:
            error = located_error(raw_error, nodes, field_path.as_list())
            self.handle_field_error(error, field_def.type, field_path)
            return None

    def _execute_shaped_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_nodes: list[FieldNode],
        path: Path,
        shape: FieldShape,
    ) -> Any:
        """graphql-core's `execute_field`, with the field looked up once per request and
        the ordinary results completed directly: a scalar or enum as `serialize` makes it,
        an object by executing its sub-selection after `is_type_of` (graphql-core's
        `complete_object_value`). Anything else goes through `complete_value`."""
        field_def = shape.field_def
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver
        info = self.build_resolve_info(field_def, field_nodes, parent_type, path)
        try:
            args = (
                get_argument_values(field_def, field_nodes[0], self.variable_values)
                if field_def.args
                else {}
            )
            result = resolve_fn(source, info, **args)
            completed: Any = Undefined
            if type(result) in PLAIN_TYPES:
                if shape.serialize is not None:
                    try:
                        serialized = shape.serialize(result)
                    except Exception:
                        serialized = None  # complete_value raises it again, and reports it
                    if serialized is not None and serialized is not Undefined:
                        return serialized
            elif (
                shape.object_type is not None
                and result is not None
                and result is not Undefined
                and not isinstance(result, Exception)
                and not self.is_awaitable(result)
            ):
                completed = self._complete_object(shape.object_type, field_nodes, info, path,
                                                  result)
            if completed is Undefined:
                if self.is_awaitable(result):
                    return self._await_result(return_type, field_nodes, info, path, result)
                completed = self.complete_value(return_type, field_nodes, info, path, result)
            if self.is_awaitable(completed):
                return self._await_completed(return_type, field_nodes, path, completed)
            return completed
        except Exception as raw_error:
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, return_type, path)
            return None

    def _complete_object(
        self,
        object_type: GraphQLObjectType,
        field_nodes: list[FieldNode],
        info: Any,
        path: Path,
        result: Any,
    ) -> Any:
        """graphql-core's `complete_object_value` when `is_type_of` answers at once;
        Undefined (for `complete_value`) when it answers with an awaitable."""
        if object_type.is_type_of:
            is_type_of = object_type.is_type_of(result, info)
            if self.is_awaitable(is_type_of):
                close = getattr(is_type_of, "close", None)
                if close is not None:
                    close()  # complete_value asks again
                return Undefined
            if not is_type_of:
                raise invalid_return_type_error(object_type, result, field_nodes)
        sub_field_nodes = self.collect_subfields(object_type, field_nodes)
        return self.execute_fields(object_type, result, path, sub_field_nodes)

    # graphql-core's `execute_field` for awaitable results (not reached by this
    # synchronous API).

    def _await_result(
        self, return_type: Any, field_nodes: list[FieldNode], info: Any, path: Path,
        result: Any,
    ) -> Any:
        async def await_result() -> Any:
            try:
                completed = self.complete_value(
                    return_type, field_nodes, info, path, await result
                )
                if self.is_awaitable(completed):
                    return await completed
                return completed
            except Exception as raw_error:
                error = located_error(raw_error, field_nodes, path.as_list())
                self.handle_field_error(error, return_type, path)
                return None

        return await_result()

    def _await_completed(
        self, return_type: Any, field_nodes: list[FieldNode], path: Path, completed: Any
    ) -> Any:
        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                error = located_error(raw_error, field_nodes, path.as_list())
                self.handle_field_error(error, return_type, path)
                return None

        return await_completed()
