"""Platform services: tenants, principals and permissions (users and login follow)."""

from kontor.platform.identity import (
    ALL_PERMISSIONS,
    DEVELOPMENT_TENANT,
    Principal,
    development_principal,
)
from kontor.platform.tenants import Tenant, TenantStore, tenants

__all__ = [
    "ALL_PERMISSIONS",
    "DEVELOPMENT_TENANT",
    "Principal",
    "Tenant",
    "TenantStore",
    "development_principal",
    "tenants",
]
