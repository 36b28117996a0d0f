"""Usage meter: billable transactions per tenant and month."""

from kontor.platform.usage.meter import Usage, UsageMeter, month_of
from kontor.platform.usage.tables import usage_counters

__all__ = ["Usage", "UsageMeter", "month_of", "usage_counters"]
