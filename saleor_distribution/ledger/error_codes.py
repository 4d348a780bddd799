from enum import Enum


class LedgerErrorCode(Enum):
    INSUFFICIENT_FUNDS = "insufficient_funds"
    INVALID_AMOUNT = "invalid_amount"
    CURRENCY_MISMATCH = "currency_mismatch"
    REQUIRED = "required"
