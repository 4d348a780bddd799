from enum import Enum


class CommissionErrorCode(Enum):
    INVALID = "invalid"
    INVALID_RATE = "invalid_rate"
    UNKNOWN_GRADE = "unknown_grade"
    NOT_FOUND = "not_found"
    WRONG_INSTALLATION = "wrong_installation"
