from enum import Enum


class InstallationErrorCode(Enum):
    NOT_ALLOWED = "not_allowed"
    INVALID_TOKEN = "invalid_token"
    WRONG_APP = "wrong_app"
    SALEOR_UNREACHABLE = "saleor_unreachable"
    INVALID_REQUEST = "invalid_request"
