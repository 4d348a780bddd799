"""Read helpers for the network: codes, ancestors, teams, bindings, the programme's policy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet

from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.network.calculations import normalise_code
from saleor_distribution.network.models import (
    CustomerBinding,
    Distributor,
    Grade,
    Invitation,
    NetworkPolicy,
    ReferralClick,
    ReferralLink,
    TeamLevelCount,
)

__all__ = ["normalise_code"]

MAX_PAGE_SIZE = 100


def get_by_code(installation: Installation, code: str) -> Distributor | None:
    """The distributor owning a referral code, case-insensitively."""
    if not code or not code.strip():
        return None
    return Distributor.objects.filter(installation=installation, code=normalise_code(code)).first()


def get_by_codes(installation: Installation, codes: Iterable[str]) -> dict[str, Distributor]:
    """The distributors owning these referral codes, by normalised code, in one query."""
    normalised = {normalise_code(code) for code in codes if code and code.strip()}
    if not normalised:
        return {}
    rows = Distributor.objects.filter(installation=installation, code__in=normalised)
    return {row.code: row for row in rows}


def get_for_user(installation: Installation, saleor_user_id: str) -> Distributor | None:
    return Distributor.objects.filter(
        installation=installation, saleor_user_id=saleor_user_id
    ).first()


def grades(installation: Installation) -> QuerySet[Grade]:
    """The installation's grades, lowest rank first."""
    return Grade.objects.filter(installation=installation).order_by("rank", "pk")


def get_policy(installation: Installation) -> NetworkPolicy:
    """The installation's network policy, created with the defaults on first use."""
    policy, _ = NetworkPolicy.objects.get_or_create(installation=installation)
    return policy


# What a commission chain reads of each ancestor. The other columns (times, counters, names)
# are left out of `ancestors` by default: turning five timestamps per row into Python
# datetimes costs more than the query itself on a 30-deep chain.
CHAIN_FIELDS = (
    "id",
    "installation_id",
    "saleor_user_id",
    "email",
    "code",
    "status",
    "grade_id",
    "parent_id",
    "path",
    "depth",
)


def ancestors(
    distributor: Distributor, *, fields: Sequence[str] | None = CHAIN_FIELDS
) -> list[Distributor]:
    """The upline, nearest (the parent) first, in one query (ids come from the path).

    Only `fields` are loaded (the chain fields by default); any other field is read from the
    database when first accessed, one query per instance, so pass `fields=None` for whole rows
    when the caller needs them.
    """
    ids = distributor.ancestor_ids
    if not ids:
        return []
    rows: Iterable[Distributor]
    if fields is None:
        rows = Distributor.objects.filter(installation_id=distributor.installation_id, pk__in=ids)
    else:
        # A raw query skips the queryset compiler, a third of the time on a hot path (every
        # order's commission chain); the model still maps the columns and defers the rest.
        columns = ("id", *(field for field in fields if field not in ("id", "pk")))
        rows = Distributor.objects.raw(
            _select_by_ids(columns, len(ids)), [distributor.installation_id, *ids]
        )
    by_id = {row.pk: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def ancestors_of_many(
    distributors: Sequence[Distributor], *, fields: Sequence[str] | None = None
) -> dict[int, list[Distributor]]:
    """The uplines of several distributors (nearest first), in one query: whole rows, or
    only `fields` as in `ancestors`."""
    ids = {pk for distributor in distributors for pk in distributor.ancestor_ids}
    if not ids:
        return {distributor.pk: [] for distributor in distributors}
    installation_ids = {distributor.installation_id for distributor in distributors}
    assert len(installation_ids) == 1, "ancestors of one installation at a time"
    installation_id = installation_ids.pop()
    by_id: dict[int, Distributor]
    if fields is None:
        by_id = Distributor.objects.filter(installation_id=installation_id).in_bulk(ids)
    else:
        columns = ("id", *(field for field in fields if field not in ("id", "pk")))
        rows = Distributor.objects.raw(
            _select_by_ids(columns, len(ids)), [installation_id, *sorted(ids)]
        )
        by_id = {row.pk: row for row in rows}
    return {
        distributor.pk: [by_id[i] for i in distributor.ancestor_ids if i in by_id]
        for distributor in distributors
    }


@lru_cache(maxsize=256)
def _select_by_ids(fields: tuple[str, ...], count: int) -> str:
    name = connection.ops.quote_name
    meta = Distributor._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    column.update({field.attname: field.column for field in meta.concrete_fields})
    columns = ", ".join(name(column[field]) for field in fields)
    placeholders = ", ".join(["%s"] * count)
    return (
        f"SELECT {columns} FROM {name(meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {name('installation_id')} = %s AND {name('id')} IN ({placeholders})"
    )


def is_in_subtree(node: Distributor, root: Distributor) -> bool:
    """Whether `node` is `root` or below it (from the paths of the given instances)."""
    return node.installation_id == root.installation_id and node.path.startswith(root.path)


# --- teams ------------------------------------------------------------------------------------


def team_size(distributor: Distributor) -> int:
    """Everyone below the distributor, at any depth (a maintained counter: one row read)."""
    return Distributor.objects.values_list("team_size", flat=True).get(pk=distributor.pk)


SEARCH_MATCHES_LISTED = 5_000


def search(distributors: QuerySet[Distributor], term: str) -> QuerySet[Distributor]:
    """The distributors whose referral code starts with `term`, or whose email or display
    name contains it (any case).

    The matches are read first, on their own: a page sorted by an indexed column and
    filtered by a text match makes PostgreSQL walk that index hoping to meet matches soon,
    which for a rare term means reading every row in index order (seconds on a million).
    Few matches (at most SEARCH_MATCHES_LISTED) are then paged by id; for more, the
    sorted walk is the fast plan and the filter is left as it is.
    """
    term = term.strip()
    if not term:
        return distributors
    matching = distributors.filter(
        Q(code__startswith=normalise_code(term))
        | Q(email__icontains=term)
        | Q(display_name__icontains=term)
    )
    ids = list(matching.order_by().values_list("pk", flat=True)[: SEARCH_MATCHES_LISTED + 1])
    if len(ids) > SEARCH_MATCHES_LISTED:
        return matching
    return distributors.filter(pk__in=ids)


def distributor_count(installation: Installation) -> int:
    """How many distributors the installation has, whatever their status: every one is a
    root or in exactly one root's team, so this is Σ (1 + team size) over the roots, read
    from the maintained counters (an index scan of the roots, not a count of every row)."""
    # Hand-written: every unfiltered staff list counts, and building the ORM's aggregate
    # took longer than PostgreSQL takes to answer it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT SUM(team_size + 1) FROM {Distributor._meta.db_table} "  # noqa: S608
            "WHERE installation_id = %s AND parent_id IS NULL",
            [installation.pk],
        )
        (total,) = cursor.fetchone()
    return int(total or 0)


def team_counts_by_depth(distributor: Distributor) -> dict[int, int]:
    """{1: children, 2: grandchildren, ...} from the maintained per-level counters."""
    rows = TeamLevelCount.objects.filter(ancestor_id=distributor.pk, count__gt=0)
    return dict(rows.order_by("relative_depth").values_list("relative_depth", "count"))


def team_counts_by_depth_of_many(distributor_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """`team_counts_by_depth` of several distributors in one query."""
    counts: dict[int, dict[int, int]] = {pk: {} for pk in distributor_ids}
    rows = (
        TeamLevelCount.objects.filter(ancestor_id__in=list(counts), count__gt=0)
        .order_by("ancestor_id", "relative_depth")
        .values_list("ancestor_id", "relative_depth", "count")
    )
    for ancestor_id, relative_depth, count in rows:
        counts[ancestor_id][relative_depth] = count
    return counts


def team_count_at_depth(distributor: Distributor, relative_depth: int) -> int:
    assert relative_depth >= 1
    count = (
        TeamLevelCount.objects.filter(ancestor_id=distributor.pk, relative_depth=relative_depth)
        .values_list("count", flat=True)
        .first()
    )
    return count or 0


@dataclass(frozen=True)
class TeamPage:
    """One page of a team in id (join) order; `end_cursor` is the `after` of the next page."""

    items: list[Distributor]
    has_next_page: bool
    end_cursor: int | None


def _page(rows: QuerySet[Distributor], first: int) -> TeamPage:
    assert 1 <= first <= MAX_PAGE_SIZE, "page size out of range"
    items = list(rows[: first + 1])
    has_next = len(items) > first
    items = items[:first]
    return TeamPage(items, has_next, items[-1].pk if items else None)


def direct_team(distributor: Distributor, *, first: int = 20, after: int | None = None) -> TeamPage:
    """The distributor's children, a page at a time (index range scan on (parent, id))."""
    rows = Distributor.objects.filter(
        installation_id=distributor.installation_id, parent_id=distributor.pk
    )
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return _page(rows.order_by("pk"), first)


def team_at_depth(
    distributor: Distributor, relative_depth: int, *, first: int = 20, after: int | None = None
) -> TeamPage:
    """The team `relative_depth` levels below (1 = children), a page at a time.

    Uses the (depth, path) index: equal depth, then the path prefix as a range. Needs a
    `distributor` read after any move (its path locates the subtree).
    """
    assert relative_depth >= 1
    rows = Distributor.objects.filter(
        installation_id=distributor.installation_id,
        depth=distributor.depth + relative_depth,
        path__startswith=distributor.path,
    )
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return _page(rows.order_by("pk"), first)


def first_team_pages(
    distributors: Sequence[Distributor], relative_depth: int, *, first: int
) -> dict[int, TeamPage]:
    """The first page of the team at one depth (1: direct) of each distributor, in one
    query: a UNION ALL of the per-distributor reads of `direct_team` / `team_at_depth`, each
    still an index range scan (a window over every team member would read whole teams)."""
    assert relative_depth >= 1
    assert 1 <= first <= MAX_PAGE_SIZE, "page size out of range"
    if not distributors:
        return {}
    name = connection.ops.quote_name
    meta = Distributor._meta
    columns = ", ".join(name(field.column) for field in meta.concrete_fields)
    table = name(meta.db_table)
    parts: list[str] = []
    params: list[object] = []
    for owner in distributors:
        if relative_depth == 1:
            where = f"{name('parent_id')} = %s"
            args: list[object] = [owner.pk]
        else:
            where = f"{name('depth')} = %s AND {name('path')} LIKE %s"
            # Paths hold digits and slashes only: nothing to escape in the pattern.
            args = [owner.depth + relative_depth, f"{owner.path}%"]
        parts.append(
            f"SELECT * FROM (SELECT {columns}, %s AS team_owner FROM {table} "  # noqa: S608
            f"WHERE {name('installation_id')} = %s AND {where} "
            f"ORDER BY {name('id')} LIMIT %s) AS t{len(parts)}"
        )
        params += [owner.pk, owner.installation_id, *args, first + 1]
    members: dict[int, list[Distributor]] = {owner.pk: [] for owner in distributors}
    for row in Distributor.objects.raw(" UNION ALL ".join(parts), params):
        members[row.team_owner].append(row)  # type: ignore[attr-defined]
    pages = {}
    for owner_pk, rows in members.items():
        rows.sort(key=lambda row: row.pk)
        items = rows[:first]
        pages[owner_pk] = TeamPage(items, len(rows) > first, items[-1].pk if items else None)
    return pages


def descendants(distributor: Distributor) -> QuerySet[Distributor]:
    """Everyone below the distributor, as a queryset (a path-prefix range scan)."""
    return Distributor.objects.filter(
        installation_id=distributor.installation_id, path__startswith=distributor.path
    ).exclude(pk=distributor.pk)


# --- bindings and invitations -----------------------------------------------------------------


def current_binding(
    installation: Installation,
    *,
    saleor_user_id: str | None,
    email: str | None,
    at: datetime,
) -> CustomerBinding | None:
    """The binding in force for a customer at `at` (by Saleor user id, else by email)."""
    who = Q()
    if saleor_user_id:
        who |= Q(customer_saleor_id=saleor_user_id)
    if email:
        who |= Q(customer_email__iexact=email)
    if not who:
        return None
    return (
        CustomerBinding.objects.filter(who, installation=installation, bound_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .select_related("distributor")
        .order_by("-bound_at", "-pk")
        .first()
    )


def invitation_for(installation: Installation, saleor_user_id: str) -> Invitation | None:
    return (
        Invitation.objects.filter(installation=installation, customer_saleor_id=saleor_user_id)
        .select_related("inviter")
        .first()
    )


# --- referral links ---------------------------------------------------------------------------


def installation_for_referral(code: str, installation_id: int | None) -> Installation | None:
    """Which installation a referral link belongs to.

    `/r/<code>` carries no installation. With `?i=<id>` that installation is used; else the
    deployment's only active installation; else the one active installation owning the code
    (None when no installation, or several, own it).
    """
    active = Installation.objects.filter(status=InstallationStatus.ACTIVE)
    if installation_id is not None:
        return active.filter(pk=installation_id).first()
    candidates = list(active.order_by("pk")[:2])
    if len(candidates) == 1:
        return candidates[0]
    owners = list(
        active.filter(
            pk__in=Distributor.objects.filter(code=normalise_code(code)).values("installation_id")
        )[:2]
    )
    return owners[0] if len(owners) == 1 else None


def serves_several_installations() -> bool:
    return Installation.objects.filter(status=InstallationStatus.ACTIVE)[:2].count() > 1


def referral_link(
    distributor: Distributor,
    *,
    product: str = "",
    channel: str = "",
    several_installations: bool | None = None,
) -> str:
    """The shareable link of a distributor (推广链接): `<APP_URL>/r/<code>[/<product>]`.

    `?i=<installation>` is added when the deployment serves several installations
    (`several_installations`, read from the database if not given), so the link does not
    depend on the code being unique across them.
    """
    url = f"{settings.APP_URL}/r/{quote(distributor.code, safe='')}"
    if product:
        url += f"/{quote(product, safe='')}"
    query = {}
    if several_installations is None:
        several_installations = serves_several_installations()
    if several_installations:
        query["i"] = str(distributor.installation_id)
    if channel:
        query["channel"] = channel
    return f"{url}?{urlencode(query)}" if query else url


def referral_links(distributor_ids: Iterable[int]) -> dict[int, list[ReferralLink]]:
    """The share links each distributor made, oldest first (one query)."""
    links: dict[int, list[ReferralLink]] = {pk: [] for pk in distributor_ids}
    for link in ReferralLink.objects.filter(distributor_id__in=list(links)).order_by("pk"):
        links[link.distributor_id].append(link)
    return links


def click_counts(distributor_ids: Iterable[int]) -> dict[int, dict[tuple[str, str], int]]:
    """Counted clicks on each distributor's links, per (channel, product); product "" is
    the shop link (one query)."""
    counts: dict[int, dict[tuple[str, str], int]] = {pk: {} for pk in distributor_ids}
    rows = (
        ReferralClick.objects.filter(distributor_id__in=list(counts))
        .values("distributor_id", "channel", "product")
        .annotate(clicks=Count("pk"))
        .values_list("distributor_id", "channel", "product", "clicks")
    )
    for distributor_id, channel, product, clicks in rows:
        counts[distributor_id][(channel, product)] = clicks
    return counts
