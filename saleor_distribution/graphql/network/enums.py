from __future__ import annotations

import graphene

from saleor_distribution.network import grades, models


class DistributorStatusEnum(graphene.Enum):
    APPLIED = models.DistributorStatus.APPLIED.value
    ACTIVE = models.DistributorStatus.ACTIVE.value
    SUSPENDED = models.DistributorStatus.SUSPENDED.value
    REJECTED = models.DistributorStatus.REJECTED.value


class JoiningModeEnum(graphene.Enum):
    OPEN = models.JoiningMode.OPEN.value
    APPROVAL = models.JoiningMode.APPROVAL.value
    SPEND_THRESHOLD = models.JoiningMode.SPEND_THRESHOLD.value

    @property
    def description(self) -> str:
        return {
            "OPEN": "Anyone who applies is active at once.",
            "APPROVAL": "Applications wait for staff.",
            "SPEND_THRESHOLD": "Active once the customer's paid spend reaches a sum.",
        }[self.name]


class GradeTargetEnum(graphene.Enum):
    SALES = grades.SALES
    DIRECT_COUNT = grades.DIRECT_COUNT
    TEAM_SIZE = grades.TEAM_SIZE

    @property
    def description(self) -> str:
        return {
            "SALES": "The distributor's own paid sales, in the target's currency.",
            "DIRECT_COUNT": "Direct recruits.",
            "TEAM_SIZE": "Everyone below the distributor, at any depth.",
        }[self.name]
