from enum import Enum


class NetworkErrorCode(Enum):
    NOT_FOUND = "not_found"
    OTHER_INSTALLATION = "other_installation"
    ALREADY_DISTRIBUTOR = "already_distributor"
    CODE_INVALID = "code_invalid"
    CODE_TAKEN = "code_taken"
    INVALID_TRANSITION = "invalid_transition"
    SPEND_THRESHOLD_NOT_MET = "spend_threshold_not_met"
    INVITER_NOT_FOUND = "inviter_not_found"
    INVITER_NOT_ACTIVE = "inviter_not_active"
    CYCLE = "cycle"
    INVALID_GRADE = "invalid_grade"
    SELF_BINDING = "self_binding"
    DISTRIBUTOR_NOT_ACTIVE = "distributor_not_active"
    ALREADY_BOUND = "already_bound"
    BINDING_PROTECTED = "binding_protected"
    NOT_NEW_CUSTOMER = "not_new_customer"
    CUSTOMER_REQUIRED = "customer_required"
    INVALID_POLICY = "invalid_policy"
    INVALID_URL_TEMPLATE = "invalid_url_template"
    CONCURRENT_CHANGE = "concurrent_change"
