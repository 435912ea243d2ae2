"""Redshift Serverless errors, serialized by moto from botocore's error shapes.

Each class's ``code`` is the name of an error shape in botocore's ``redshift-serverless``
model, so clients raise e.g. ``client.exceptions.ResourceNotFoundException``.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class RedshiftServerlessError(ServiceException):
    """Base of the errors this backend raises."""


class ResourceNotFoundException(RedshiftServerlessError):
    code = "ResourceNotFoundException"

    def __init__(self, message: str, resource_name: str | None = None) -> None:
        super().__init__(message)
        self.resource_name = resource_name


class ConflictException(RedshiftServerlessError):
    code = "ConflictException"


class ValidationException(RedshiftServerlessError):
    code = "ValidationException"


class TooManyTagsException(RedshiftServerlessError):
    code = "TooManyTagsException"

    def __init__(self, message: str, resource_name: str | None = None) -> None:
        super().__init__(message)
        self.resource_name = resource_name


class InvalidPaginationException(RedshiftServerlessError):
    code = "InvalidPaginationException"
