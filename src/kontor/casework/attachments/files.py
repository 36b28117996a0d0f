"""Where attachments' files lie: one folder per tenant, gone with a deleted broker system."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from kontor.casework.attachments.tables import attachments
from kontor.messaging import UnitOfWork
from kontor.platform import BrokerSystemEnding

FOLDER = "attachments"
"""The data dir's folder of attachments; a tenant's files lie in its subfolder."""


def tenant_folder(data_dir: Path, tenant_id: str) -> Path:
    """The folder of the tenant's attachment files (tenant ids are safe folder names)."""
    return data_dir / FOLDER / tenant_id


def files_deleted_with_tenants(data_dir: Path) -> BrokerSystemEnding:
    """A deletion step of broker systems: their attachment folders go once the deletion commits
    (counted as ``attachment_files``)."""

    def delete_files(uow: UnitOfWork, tenant_ids: list[str]) -> dict[str, int]:
        count = uow.connection.execute(
            select(func.count()).where(attachments.c.tenant_id.in_(tenant_ids))
        ).scalar_one()

        def remove_folders() -> None:
            for tenant_id in tenant_ids:
                shutil.rmtree(tenant_folder(data_dir, tenant_id), ignore_errors=True)

        uow.on_commit(remove_folders)
        return {"attachment_files": int(count)}

    return delete_files
