"""Redshift Serverless control plane: namespaces, workgroups, usage limits and tags.

Data only: no SQL runs here (the Redshift Data API executor does that). Resources are
AVAILABLE as soon as they are created. Mirrors what AWS does where a provisioning script
can tell the difference: ``iamRoles`` come back as ``IamRole(applyStatus=in-sync,
iamRoleArn=...)`` strings, a managed admin password lives in a Secrets Manager secret
(created in moto's secretsmanager backend), and no password is ever returned.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.core.model_instances import model_data
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

from .exceptions import (
    ConflictException,
    InvalidPaginationException,
    RedshiftServerlessError,
    ResourceNotFoundException,
    TooManyTagsException,
    ValidationException,
)

SERVICE_NAME = "redshift-serverless"  # botocore's service name and ARN service
MOTO_SERVICE = "redshiftserverless"  # moto's name for the backend (no hyphen)

DEFAULT_DB_NAME = "dev"
DEFAULT_ADMIN_USERNAME = "admin"
AWS_OWNED_KMS_KEY = "AWS_OWNED_KMS_KEY"
DEFAULT_BASE_CAPACITY = 128
CAPACITY_MIN, CAPACITY_MAX, CAPACITY_STEP = 8, 1024, 8
DEFAULT_PORT = 5439
PORT_RANGES = ((5431, 5455), (8191, 8215))
DEFAULT_PERIOD = "monthly"
DEFAULT_BREACH_ACTION = "log"
MAX_TAGS = 50
DEFAULT_PAGE_SIZE = 100
# What a new workgroup reports when created without configParameters.
DEFAULT_CONFIG_PARAMETERS = {
    "auto_mv": "true",
    "datestyle": "ISO, MDY",
    "enable_case_sensitive_identifier": "false",
    "enable_user_activity_logging": "true",
    "query_group": "default",
    "search_path": "$user, public",
    "max_query_execution_time": "14400",
    "require_ssl": "true",
    "use_fips_ssl": "false",
}
_PASSWORD_FORBIDDEN = set("'\"\\/@ ")

T = TypeVar("T")


def _new_id() -> str:
    return str(mock_random.uuid4())


class Namespace(BaseModel):
    """A namespace: the database objects and users (storage side)."""

    def __init__(
        self,
        backend: RedshiftServerlessBackend,
        namespace_name: str,
        admin_username: str | None,
        db_name: str | None,
        iam_roles: list[str],
        default_iam_role_arn: str | None,
        kms_key_id: str | None,
        log_exports: list[str],
    ) -> None:
        self.namespace_name = namespace_name
        self.namespace_id = _new_id()
        self.namespace_arn = backend.arn("namespace", self.namespace_id)
        self.admin_username = admin_username
        self.db_name = db_name or DEFAULT_DB_NAME
        self.iam_roles = list(iam_roles)
        self.default_iam_role_arn = default_iam_role_arn
        self.kms_key_id = kms_key_id or AWS_OWNED_KMS_KEY
        self.log_exports = list(log_exports)
        self.admin_password_secret_arn: str | None = None
        self.admin_password_secret_kms_key_id: str | None = None
        self.status = "AVAILABLE"
        self.creation_date: datetime = utcnow()

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespaceName": self.namespace_name,
            "namespaceArn": self.namespace_arn,
            "namespaceId": self.namespace_id,
            "adminUsername": self.admin_username,
            "dbName": self.db_name,
            # AWS reports each role as a status string, not a bare ARN.
            "iamRoles": [
                f"IamRole(applyStatus=in-sync, iamRoleArn={arn})" for arn in self.iam_roles
            ],
            "defaultIamRoleArn": self.default_iam_role_arn,
            "kmsKeyId": self.kms_key_id,
            "logExports": self.log_exports,
            "adminPasswordSecretArn": self.admin_password_secret_arn,
            "adminPasswordSecretKmsKeyId": self.admin_password_secret_kms_key_id,
            "status": self.status,
            "creationDate": self.creation_date,
        }


class Workgroup(BaseModel):
    """A workgroup: the compute (RPUs), network and endpoint of one namespace."""

    def __init__(
        self,
        backend: RedshiftServerlessBackend,
        workgroup_name: str,
        namespace_name: str,
        base_capacity: int,
        max_capacity: int | None,
        enhanced_vpc_routing: bool,
        publicly_accessible: bool,
        config_parameters: dict[str, str],
        security_group_ids: list[str],
        subnet_ids: list[str],
        port: int,
        ip_address_type: str | None,
        price_performance_target: dict[str, Any] | None,
    ) -> None:
        self.workgroup_name = workgroup_name
        self.workgroup_id = _new_id()
        self.workgroup_arn = backend.arn("workgroup", self.workgroup_id)
        self.namespace_name = namespace_name
        self.base_capacity = base_capacity
        self.max_capacity = max_capacity
        self.enhanced_vpc_routing = enhanced_vpc_routing
        self.publicly_accessible = publicly_accessible
        self.config_parameters = dict(config_parameters)
        self.security_group_ids = list(security_group_ids)
        self.subnet_ids = list(subnet_ids)
        self.port = port
        self.ip_address_type = ip_address_type or "ipv4"
        self.price_performance_target = price_performance_target
        self.address = (
            f"{workgroup_name}.{backend.account_id}.{backend.region_name}"
            f".redshift-serverless.amazonaws.com"
        )
        self.status = "AVAILABLE"
        self.creation_date: datetime = utcnow()

    @property
    def endpoint(self) -> dict[str, Any]:
        return {"address": self.address, "port": self.port, "vpcEndpoints": []}

    def to_dict(self) -> dict[str, Any]:
        return {
            "workgroupName": self.workgroup_name,
            "workgroupArn": self.workgroup_arn,
            "workgroupId": self.workgroup_id,
            "namespaceName": self.namespace_name,
            "baseCapacity": self.base_capacity,
            "maxCapacity": self.max_capacity,
            "enhancedVpcRouting": self.enhanced_vpc_routing,
            "publiclyAccessible": self.publicly_accessible,
            "configParameters": [
                {"parameterKey": key, "parameterValue": value}
                for key, value in self.config_parameters.items()
            ],
            "securityGroupIds": self.security_group_ids,
            "subnetIds": self.subnet_ids,
            "port": self.port,
            "ipAddressType": self.ip_address_type,
            "pricePerformanceTarget": self.price_performance_target,
            "endpoint": self.endpoint,
            "status": self.status,
            "creationDate": self.creation_date,
        }


class UsageLimit(BaseModel):
    """A limit on a workgroup's usage (RPU-hours, or TB for cross-region data sharing)."""

    def __init__(
        self,
        backend: RedshiftServerlessBackend,
        resource_arn: str,
        usage_type: str,
        amount: int,
        period: str,
        breach_action: str,
    ) -> None:
        self.usage_limit_id = _new_id()
        self.usage_limit_arn = backend.arn("usagelimit", self.usage_limit_id)
        self.resource_arn = resource_arn
        self.usage_type = usage_type
        self.amount = amount
        self.period = period
        self.breach_action = breach_action

    def to_dict(self) -> dict[str, Any]:
        return {
            "usageLimitId": self.usage_limit_id,
            "usageLimitArn": self.usage_limit_arn,
            "resourceArn": self.resource_arn,
            "usageType": self.usage_type,
            "amount": self.amount,
            "period": self.period,
            "breachAction": self.breach_action,
        }


def _list_models_under(service: str, *classes: type) -> None:
    """List ``classes`` under ``service`` in moto's ``/moto-api/data.json``.

    moto files a model under the second component of its module name, which for this
    package would be "localcloud".
    """
    for cls in classes:
        filed_under = cls.__module__.split(".")[1]
        if model_data.get(filed_under, {}).get(cls.__name__) is cls:
            del model_data[filed_under][cls.__name__]
            if not model_data[filed_under]:
                del model_data[filed_under]
        model_data[service][cls.__name__] = cls


_list_models_under(MOTO_SERVICE, Namespace, Workgroup, UsageLimit)


def encode_token(operation: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{operation}:{offset}".encode()).decode()


def paginate(
    items: Sequence[T],
    operation: str,
    max_results: int | None,
    next_token: str | None,
    error: type[RedshiftServerlessError] = ValidationException,
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next page (None on the last page)."""
    start = 0
    if next_token:
        try:
            name, _, offset = base64.urlsafe_b64decode(next_token).decode().partition(":")
            start = int(offset)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            name, start = "", -1
        if name != operation or start < 0:
            raise error(f"Invalid pagination token: {next_token}")
    size = max_results or DEFAULT_PAGE_SIZE
    end = start + size
    return list(items[start:end]), encode_token(operation, end) if end < len(items) else None


def _check_admin_password(password: str) -> None:
    if not (
        8 <= len(password) <= 64
        and any(c in string.ascii_uppercase for c in password)
        and any(c in string.ascii_lowercase for c in password)
        and any(c in string.digits for c in password)
        and all(c.isprintable() and c.isascii() for c in password)
        and not _PASSWORD_FORBIDDEN & set(password)
    ):
        raise ValidationException(
            "The admin user password must be 8 to 64 characters long, contain at least one "
            "uppercase letter, one lowercase letter and one number, and can't contain "
            "' \" \\ / @ or spaces."
        )


def _check_credentials(
    admin_username: str | None,
    admin_user_password: str | None,
    manage_admin_password: bool | None,
    *,
    managed_now: bool,
) -> None:
    if admin_user_password is not None and manage_admin_password:
        raise ValidationException(
            "You can't use adminUserPassword and manageAdminPassword together."
        )
    if admin_user_password is not None:
        if admin_username is None:
            raise ValidationException(
                "adminUsername and adminUserPassword must be specified together."
            )
        _check_admin_password(admin_user_password)
    elif admin_username is not None and not (manage_admin_password or managed_now):
        raise ValidationException(
            "adminUsername and adminUserPassword must be specified together, "
            "or set manageAdminPassword to true."
        )
    if manage_admin_password is False and managed_now and admin_user_password is None:
        raise ValidationException(
            "To stop managing the admin password in Secrets Manager, also specify "
            "adminUserPassword."
        )


def _check_iam_roles(iam_roles: Iterable[str], default_iam_role_arn: str | None) -> None:
    if default_iam_role_arn is not None and default_iam_role_arn not in iam_roles:
        raise ValidationException(
            f"The default IAM role {default_iam_role_arn} must be one of the namespace's "
            "IAM roles (iamRoles)."
        )


def _check_capacity(base_capacity: int, max_capacity: int | None) -> None:
    for name, value in (("baseCapacity", base_capacity), ("maxCapacity", max_capacity)):
        if value is None:
            continue
        if not CAPACITY_MIN <= value <= CAPACITY_MAX or value % CAPACITY_STEP:
            raise ValidationException(
                f"{name} must be between {CAPACITY_MIN} and {CAPACITY_MAX} RPUs in "
                f"increments of {CAPACITY_STEP}; got {value}."
            )
    if max_capacity is not None and max_capacity < base_capacity:
        raise ValidationException(
            f"maxCapacity ({max_capacity}) must not be less than baseCapacity ({base_capacity})."
        )


def _check_port(port: int) -> None:
    if not any(low <= port <= high for low, high in PORT_RANGES):
        ranges = " or ".join(f"{low}-{high}" for low, high in PORT_RANGES)
        raise ValidationException(f"The port must be in the range {ranges}; got {port}.")


def _config_parameters(items: Iterable[dict[str, str]] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items or ():
        key, value = item.get("parameterKey"), item.get("parameterValue")
        if not key or value is None:
            raise ValidationException("Each configParameter needs parameterKey and parameterValue.")
        params[key] = value
    return params


class RedshiftServerlessBackend(BaseBackend):
    """Redshift Serverless resources of one account in one region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.namespaces: dict[str, Namespace] = {}
        self.workgroups: dict[str, Workgroup] = {}
        self.usage_limits: dict[str, UsageLimit] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self._lock = threading.RLock()  # the server is threaded

    def arn(self, resource_type: str, resource_id: str) -> str:
        return (
            f"arn:{self.partition}:{SERVICE_NAME}:{self.region_name}:{self.account_id}"
            f":{resource_type}/{resource_id}"
        )

    # -- namespaces ------------------------------------------------------------------

    def get_namespace(self, namespace_name: str) -> Namespace:
        try:
            return self.namespaces[namespace_name]
        except KeyError:
            raise ResourceNotFoundException(
                f"Namespace {namespace_name} not found.", resource_name=namespace_name
            ) from None

    def create_namespace(
        self,
        namespace_name: str,
        admin_username: str | None = None,
        admin_user_password: str | None = None,
        manage_admin_password: bool | None = None,
        admin_password_secret_kms_key_id: str | None = None,
        db_name: str | None = None,
        iam_roles: list[str] | None = None,
        default_iam_role_arn: str | None = None,
        kms_key_id: str | None = None,
        log_exports: list[str] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> Namespace:
        _check_credentials(
            admin_username, admin_user_password, manage_admin_password, managed_now=False
        )
        _check_iam_roles(iam_roles or [], default_iam_role_arn)
        self._check_tag_count(None, tags)
        with self._lock:
            if namespace_name in self.namespaces:
                raise ConflictException(f"Namespace {namespace_name} already exists.")
            namespace = Namespace(
                self,
                namespace_name=namespace_name,
                admin_username=admin_username
                or (DEFAULT_ADMIN_USERNAME if manage_admin_password else None),
                db_name=db_name,
                iam_roles=iam_roles or [],
                default_iam_role_arn=default_iam_role_arn,
                kms_key_id=kms_key_id,
                log_exports=log_exports or [],
            )
            if manage_admin_password:
                self._manage_password(namespace, admin_password_secret_kms_key_id)
            self.namespaces[namespace_name] = namespace
            self.tags[namespace.namespace_arn] = {}
            self._add_tags(namespace.namespace_arn, tags)
        return namespace

    def list_namespaces(
        self, max_results: int | None = None, next_token: str | None = None
    ) -> tuple[list[Namespace], str | None]:
        return paginate(list(self.namespaces.values()), "ListNamespaces", max_results, next_token)

    def update_namespace(
        self,
        namespace_name: str,
        admin_username: str | None = None,
        admin_user_password: str | None = None,
        manage_admin_password: bool | None = None,
        admin_password_secret_kms_key_id: str | None = None,
        iam_roles: list[str] | None = None,
        default_iam_role_arn: str | None = None,
        kms_key_id: str | None = None,
        log_exports: list[str] | None = None,
    ) -> Namespace:
        with self._lock:
            namespace = self.get_namespace(namespace_name)
            managed_now = namespace.admin_password_secret_arn is not None
            _check_credentials(
                admin_username, admin_user_password, manage_admin_password, managed_now=managed_now
            )
            if default_iam_role_arn is not None and iam_roles is None:
                raise ValidationException(
                    "To change the default IAM role, you must specify the entire list of IAM roles."
                )
            if iam_roles is not None:
                _check_iam_roles(iam_roles, default_iam_role_arn)
                namespace.iam_roles = list(iam_roles)
                if default_iam_role_arn is not None:
                    namespace.default_iam_role_arn = default_iam_role_arn
                elif namespace.default_iam_role_arn not in iam_roles:
                    namespace.default_iam_role_arn = None
            if admin_username is not None:
                namespace.admin_username = admin_username
            if admin_user_password is not None and managed_now:
                self._unmanage_password(namespace)
            elif manage_admin_password or (managed_now and admin_username is not None):
                namespace.admin_username = namespace.admin_username or DEFAULT_ADMIN_USERNAME
                self._unmanage_password(namespace)
                self._manage_password(
                    namespace,
                    admin_password_secret_kms_key_id or namespace.admin_password_secret_kms_key_id,
                )
            if kms_key_id is not None:
                namespace.kms_key_id = kms_key_id
            if log_exports is not None:
                namespace.log_exports = list(log_exports)
        return namespace

    def delete_namespace(self, namespace_name: str) -> Namespace:
        with self._lock:
            namespace = self.get_namespace(namespace_name)
            in_use = [
                w.workgroup_name
                for w in self.workgroups.values()
                if w.namespace_name == namespace_name
            ]
            if in_use:
                raise ConflictException(
                    f"Namespace {namespace_name} is associated with workgroup {in_use[0]}; "
                    "delete the workgroup first."
                )
            self._unmanage_password(namespace)
            del self.namespaces[namespace_name]
            self.tags.pop(namespace.namespace_arn, None)
            namespace.status = "DELETING"
        return namespace

    def _manage_password(self, namespace: Namespace, kms_key_id: str | None) -> None:
        """Store a generated admin password in a Secrets Manager secret, as AWS does."""
        from moto.secretsmanager.exceptions import ResourceExistsException
        from moto.secretsmanager.models import secretsmanager_backends

        secrets_backend = secretsmanager_backends[self.account_id][self.region_name]
        name = f"redshift!{namespace.namespace_name}-{namespace.admin_username}"
        value = json.dumps({"username": namespace.admin_username, "password": _new_password()})

        def create() -> str:
            created = secrets_backend.create_secret(
                name=name,
                secret_string=value,
                secret_binary=None,
                description=f"Admin password of Redshift Serverless namespace "
                f"{namespace.namespace_name}",
                tags=None,
                kms_key_id=kms_key_id,
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
            return json.loads(created)["ARN"]

        try:
            arn = create()
        except ResourceExistsException:  # left behind by an earlier namespace of that name
            secrets_backend.delete_secret(
                secret_id=name, recovery_window_in_days=None, force_delete_without_recovery=True
            )
            arn = create()
        namespace.admin_password_secret_arn = arn
        namespace.admin_password_secret_kms_key_id = kms_key_id or AWS_OWNED_KMS_KEY

    def _unmanage_password(self, namespace: Namespace) -> None:
        if namespace.admin_password_secret_arn is None:
            return
        from moto.secretsmanager.models import secretsmanager_backends

        secrets_backend = secretsmanager_backends[self.account_id][self.region_name]
        secrets_backend.delete_secret(
            secret_id=namespace.admin_password_secret_arn,
            recovery_window_in_days=None,
            force_delete_without_recovery=True,
        )
        namespace.admin_password_secret_arn = None
        namespace.admin_password_secret_kms_key_id = None

    # -- workgroups ------------------------------------------------------------------

    def get_workgroup(self, workgroup_name: str) -> Workgroup:
        try:
            return self.workgroups[workgroup_name]
        except KeyError:
            raise ResourceNotFoundException(
                f"Workgroup {workgroup_name} not found.", resource_name=workgroup_name
            ) from None

    def create_workgroup(
        self,
        workgroup_name: str,
        namespace_name: str,
        base_capacity: int | None = None,
        max_capacity: int | None = None,
        enhanced_vpc_routing: bool | None = None,
        publicly_accessible: bool | None = None,
        config_parameters: list[dict[str, str]] | None = None,
        security_group_ids: list[str] | None = None,
        subnet_ids: list[str] | None = None,
        port: int | None = None,
        ip_address_type: str | None = None,
        price_performance_target: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> Workgroup:
        base_capacity = DEFAULT_BASE_CAPACITY if base_capacity is None else base_capacity
        _check_capacity(base_capacity, max_capacity)
        port = DEFAULT_PORT if port is None else port
        _check_port(port)
        params = {**DEFAULT_CONFIG_PARAMETERS, **_config_parameters(config_parameters)}
        self._check_tag_count(None, tags)
        with self._lock:
            if workgroup_name in self.workgroups:
                raise ConflictException(f"Workgroup {workgroup_name} already exists.")
            self.get_namespace(namespace_name)
            for other in self.workgroups.values():
                if other.namespace_name == namespace_name:
                    raise ConflictException(
                        f"Namespace {namespace_name} is already associated with workgroup "
                        f"{other.workgroup_name}."
                    )
            workgroup = Workgroup(
                self,
                workgroup_name=workgroup_name,
                namespace_name=namespace_name,
                base_capacity=base_capacity,
                max_capacity=max_capacity,
                enhanced_vpc_routing=bool(enhanced_vpc_routing),
                publicly_accessible=bool(publicly_accessible),
                config_parameters=params,
                security_group_ids=security_group_ids or [],
                subnet_ids=subnet_ids or [],
                port=port,
                ip_address_type=ip_address_type,
                price_performance_target=price_performance_target,
            )
            self.workgroups[workgroup_name] = workgroup
            self.tags[workgroup.workgroup_arn] = {}
            self._add_tags(workgroup.workgroup_arn, tags)
        return workgroup

    def list_workgroups(
        self,
        max_results: int | None = None,
        next_token: str | None = None,
        owner_account: str | None = None,
    ) -> tuple[list[Workgroup], str | None]:
        mine = owner_account in (None, self.account_id)
        workgroups = list(self.workgroups.values()) if mine else []
        return paginate(workgroups, "ListWorkgroups", max_results, next_token)

    def update_workgroup(
        self,
        workgroup_name: str,
        base_capacity: int | None = None,
        max_capacity: int | None = None,
        enhanced_vpc_routing: bool | None = None,
        publicly_accessible: bool | None = None,
        config_parameters: list[dict[str, str]] | None = None,
        security_group_ids: list[str] | None = None,
        subnet_ids: list[str] | None = None,
        port: int | None = None,
        ip_address_type: str | None = None,
        price_performance_target: dict[str, Any] | None = None,
    ) -> Workgroup:
        with self._lock:
            workgroup = self.get_workgroup(workgroup_name)
            new_base = workgroup.base_capacity if base_capacity is None else base_capacity
            new_max = workgroup.max_capacity if max_capacity is None else max_capacity
            _check_capacity(new_base, new_max)
            if port is not None:
                _check_port(port)
            params = _config_parameters(config_parameters)
            workgroup.base_capacity, workgroup.max_capacity = new_base, new_max
            workgroup.config_parameters.update(params)
            if enhanced_vpc_routing is not None:
                workgroup.enhanced_vpc_routing = enhanced_vpc_routing
            if publicly_accessible is not None:
                workgroup.publicly_accessible = publicly_accessible
            if security_group_ids is not None:
                workgroup.security_group_ids = list(security_group_ids)
            if subnet_ids is not None:
                workgroup.subnet_ids = list(subnet_ids)
            if port is not None:
                workgroup.port = port
            if ip_address_type is not None:
                workgroup.ip_address_type = ip_address_type
            if price_performance_target is not None:
                workgroup.price_performance_target = price_performance_target
        return workgroup

    def delete_workgroup(self, workgroup_name: str) -> Workgroup:
        """Delete a workgroup and, as AWS does, its usage limits."""
        with self._lock:
            workgroup = self.get_workgroup(workgroup_name)
            del self.workgroups[workgroup_name]
            self.tags.pop(workgroup.workgroup_arn, None)
            for limit_id, limit in list(self.usage_limits.items()):
                if limit.resource_arn == workgroup.workgroup_arn:
                    del self.usage_limits[limit_id]
            workgroup.status = "DELETING"
        return workgroup

    # -- usage limits ----------------------------------------------------------------

    def _workgroup_by_arn(self, arn: str) -> Workgroup:
        for workgroup in self.workgroups.values():
            if workgroup.workgroup_arn == arn:
                return workgroup
        raise ResourceNotFoundException(f"Resource {arn} not found.", resource_name=arn)

    def get_usage_limit(self, usage_limit_id: str) -> UsageLimit:
        try:
            return self.usage_limits[usage_limit_id]
        except KeyError:
            raise ResourceNotFoundException(
                f"Usage limit {usage_limit_id} not found.", resource_name=usage_limit_id
            ) from None

    def create_usage_limit(
        self,
        resource_arn: str,
        usage_type: str,
        amount: int,
        period: str | None = None,
        breach_action: str | None = None,
    ) -> UsageLimit:
        if amount < 1:
            raise ValidationException(f"The usage limit amount must be positive; got {amount}.")
        with self._lock:
            self._workgroup_by_arn(resource_arn)
            limit = UsageLimit(
                self,
                resource_arn=resource_arn,
                usage_type=usage_type,
                amount=amount,
                period=period or DEFAULT_PERIOD,
                breach_action=breach_action or DEFAULT_BREACH_ACTION,
            )
            self.usage_limits[limit.usage_limit_id] = limit
        return limit

    def list_usage_limits(
        self,
        resource_arn: str | None = None,
        usage_type: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[UsageLimit], str | None]:
        if resource_arn is not None:
            self._workgroup_by_arn(resource_arn)
        limits = [
            limit
            for limit in self.usage_limits.values()
            if resource_arn in (None, limit.resource_arn) and usage_type in (None, limit.usage_type)
        ]
        return paginate(
            limits, "ListUsageLimits", max_results, next_token, error=InvalidPaginationException
        )

    def update_usage_limit(
        self, usage_limit_id: str, amount: int | None = None, breach_action: str | None = None
    ) -> UsageLimit:
        if amount is not None and amount < 1:
            raise ValidationException(f"The usage limit amount must be positive; got {amount}.")
        with self._lock:
            limit = self.get_usage_limit(usage_limit_id)
            if amount is not None:
                limit.amount = amount
            if breach_action is not None:
                limit.breach_action = breach_action
        return limit

    def delete_usage_limit(self, usage_limit_id: str) -> UsageLimit:
        with self._lock:
            limit = self.get_usage_limit(usage_limit_id)
            del self.usage_limits[usage_limit_id]
        return limit

    # -- tags ------------------------------------------------------------------------

    def _tags_of(self, resource_arn: str) -> dict[str, str]:
        try:
            return self.tags[resource_arn]
        except KeyError:
            raise ResourceNotFoundException(
                f"Resource {resource_arn} not found.", resource_name=resource_arn
            ) from None

    def _check_tag_count(self, resource_arn: str | None, tags: list[dict[str, str]] | None) -> None:
        current = set(self.tags.get(resource_arn, {})) if resource_arn else set()
        keys = current | {tag["key"] for tag in tags or ()}
        if len(keys) > MAX_TAGS:
            raise TooManyTagsException(
                f"A resource can have at most {MAX_TAGS} tags.", resource_name=resource_arn
            )

    def _add_tags(self, resource_arn: str, tags: list[dict[str, str]] | None) -> None:
        self.tags[resource_arn].update({tag["key"]: tag["value"] for tag in tags or ()})

    def tag_resource(self, resource_arn: str, tags: list[dict[str, str]]) -> None:
        with self._lock:
            self._tags_of(resource_arn)
            self._check_tag_count(resource_arn, tags)
            self._add_tags(resource_arn, tags)

    def untag_resource(self, resource_arn: str, tag_keys: list[str]) -> None:
        with self._lock:
            tags = self._tags_of(resource_arn)
            for key in tag_keys:
                tags.pop(key, None)

    def list_tags_for_resource(self, resource_arn: str) -> list[dict[str, str]]:
        return [{"key": k, "value": v} for k, v in self._tags_of(resource_arn).items()]


def _new_password() -> str:
    """A random password that meets Redshift's rules (upper, lower, digit; no ' \" \\ / @)."""
    alphabet = string.ascii_letters + string.digits + "!#$%^&*()-_=+"
    chars = [secrets.choice(string.ascii_uppercase), secrets.choice(string.ascii_lowercase)]
    chars += [secrets.choice(string.digits)] + [secrets.choice(alphabet) for _ in range(29)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


redshiftserverless_backends = BackendDict(RedshiftServerlessBackend, SERVICE_NAME)
