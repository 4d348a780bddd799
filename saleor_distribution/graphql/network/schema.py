from __future__ import annotations

from typing import Any

import graphene
from graphene_federation import external, key, requires

from saleor_distribution.graphql.core.mutations import require_staff_permission
from saleor_distribution.graphql.core.types import global_id_pk
from saleor_distribution.graphql.network.commission_preview import commission_preview
from saleor_distribution.graphql.network.filters import DistributorFilterInput
from saleor_distribution.graphql.network.mutations.customer_bind import CustomerBind
from saleor_distribution.graphql.network.mutations.distributor_apply import DistributorApply
from saleor_distribution.graphql.network.mutations.distributor_approve import DistributorApprove
from saleor_distribution.graphql.network.mutations.distributor_move import DistributorMove
from saleor_distribution.graphql.network.mutations.distributor_reinstate import (
    DistributorReinstate,
)
from saleor_distribution.graphql.network.mutations.distributor_reject import DistributorReject
from saleor_distribution.graphql.network.mutations.distributor_set_grade import (
    DistributorSetGrade,
)
from saleor_distribution.graphql.network.mutations.distributor_suspend import DistributorSuspend
from saleor_distribution.graphql.network.mutations.grade_create import GradeCreate
from saleor_distribution.graphql.network.mutations.grade_delete import GradeDelete
from saleor_distribution.graphql.network.mutations.grade_update import GradeUpdate
from saleor_distribution.graphql.network.mutations.programme_settings_update import (
    ProgrammeSettingsUpdate,
)
from saleor_distribution.graphql.network.mutations.referral_link_create import (
    ReferralLinkCreate,
)
from saleor_distribution.graphql.network.resolvers import (
    MANAGE_USERS,
    resolve_distributors,
    visible_distributors,
)
from saleor_distribution.graphql.network.sorters import DistributorSortingInput
from saleor_distribution.graphql.network.types import (
    CommissionPreview,
    Distributor,
    DistributorCard,
    DistributorCountableConnection,
    Grade,
    ProgrammeSettings,
    ProgrammeTerms,
)
from saleor_distribution.network import fetch
from saleor_distribution.network.models import DistributorStatus, NetworkPolicy


# Saleor's `User`, extended with the distributor it is (federation entity, key `id`). No
# descriptions on what Saleor defines too: the supergraph would take ours over Saleor's.
@key("id")
class User(graphene.ObjectType):
    id = graphene.ID(required=True)
    distributor = graphene.Field(Distributor, description="The user's distributor profile.")

    def __resolve_reference(self, info: Any, **kwargs: Any) -> User:
        return User(id=self.id)

    @staticmethod
    def resolve_distributor(root: User, info: Any) -> Any:
        # Only the user themself, or staff who may manage users, see it.
        return visible_distributors(info).filter(saleor_user_id=root.id).first()


# Saleor's `Category`, only as far as a product's commission preview needs it: the
# category and its parent decide category overrides. Resolved by Saleor, never by us.
@key("id", resolvable=False)
class Category(graphene.ObjectType):
    id = graphene.ID(required=True)
    parent = external(graphene.Field(lambda: Category))


# Saleor's `Product` (key `id channel`), extended with the viewer's commission preview.
@key("id channel")
class Product(graphene.ObjectType):
    id = graphene.ID(required=True)
    channel = graphene.String()
    category = external(graphene.Field(Category))
    commission_preview = requires(
        graphene.Field(
            CommissionPreview,
            description="What the signed-in distributor would earn per unit, per level "
            "(null for anyone else).",
        ),
        fields="category { id parent { id } }",
    )

    def __resolve_reference(self, info: Any, **kwargs: Any) -> Product:
        return self

    @staticmethod
    def resolve_commission_preview(root: Product, info: Any) -> dict[str, Any] | None:
        category = getattr(root, "category", None)
        category_ids: list[str] = []
        while category is not None and len(category_ids) < 2:
            category_ids.append(category.id)
            category = getattr(category, "parent", None)
        return commission_preview(info, str(root.id), tuple(category_ids))


class NetworkQueries(graphene.ObjectType):
    distributor_card = graphene.Field(
        DistributorCard,
        code=graphene.String(required=True),
        description="The public card of a referral code's owner (needs Saleor-Api-Url).",
    )
    programme_terms = graphene.Field(
        ProgrammeTerms, description="The programme's public terms (needs Saleor-Api-Url)."
    )
    distributors = graphene.Field(
        DistributorCountableConnection,
        first=graphene.Int(),
        after=graphene.String(),
        search=graphene.String(description="A referral code, or part of an email or name."),
        filter=DistributorFilterInput(),
        sort_by=DistributorSortingInput(),
        description="Every distributor (MANAGE_USERS). Default order: newest first.",
    )
    distributor = graphene.Field(
        Distributor,
        id=graphene.ID(required=True),
        description="A distributor by id: staff (MANAGE_USERS) any, a customer their own.",
    )
    distributor_by_user = graphene.Field(
        Distributor,
        user_id=graphene.ID(required=True),
        description="The distributor a Saleor user is, if any (MANAGE_USERS).",
    )
    grades = graphene.List(
        graphene.NonNull(Grade), required=True, description="The grades (MANAGE_USERS)."
    )
    programme_settings = graphene.Field(
        ProgrammeSettings, description="The programme's network rules (MANAGE_USERS)."
    )

    @staticmethod
    def resolve_distributor_card(root: Any, info: Any, code: str) -> Any:
        installation = info.context.viewer.installation
        if installation is None:
            return None
        distributor = fetch.get_by_code(installation, code)
        if distributor is None or distributor.status != DistributorStatus.ACTIVE:
            return None
        return distributor

    @staticmethod
    def resolve_programme_terms(root: Any, info: Any) -> NetworkPolicy | None:
        installation = info.context.viewer.installation
        return fetch.get_policy(installation) if installation is not None else None

    @staticmethod
    def resolve_distributors(
        root: Any,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        search: str | None = None,
        filter: dict[str, Any] | None = None,
        sort_by: dict[str, Any] | None = None,
    ) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        return resolve_distributors(
            info, DistributorCountableConnection, first=first, after=after, search=search,
            filter=filter, sort_by=sort_by,
        )

    @staticmethod
    def resolve_distributor(root: Any, info: Any, id: str) -> Any:
        pk = global_id_pk(id, "Distributor")
        return visible_distributors(info).filter(pk=pk).first() if pk is not None else None

    @staticmethod
    def resolve_distributor_by_user(root: Any, info: Any, user_id: str) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        return visible_distributors(info).filter(saleor_user_id=user_id).first()

    @staticmethod
    def resolve_grades(root: Any, info: Any) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        installation = info.context.viewer.installation
        return list(fetch.grades(installation))

    @staticmethod
    def resolve_programme_settings(root: Any, info: Any) -> NetworkPolicy:
        require_staff_permission(info, MANAGE_USERS)
        return fetch.get_policy(info.context.viewer.installation)


class NetworkMutations(graphene.ObjectType):
    distributor_approve = DistributorApprove.Field()
    distributor_reject = DistributorReject.Field()
    distributor_suspend = DistributorSuspend.Field()
    distributor_reinstate = DistributorReinstate.Field()
    distributor_set_grade = DistributorSetGrade.Field()
    distributor_move = DistributorMove.Field()
    grade_create = GradeCreate.Field()
    grade_update = GradeUpdate.Field()
    grade_delete = GradeDelete.Field()
    programme_settings_update = ProgrammeSettingsUpdate.Field()
    distributor_apply = DistributorApply.Field()
    referral_link_create = ReferralLinkCreate.Field()
    customer_bind = CustomerBind.Field()
