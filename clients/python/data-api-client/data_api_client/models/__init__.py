"""Contains all the data models used in inputs/outputs"""

from .bulk_create_minimal import BulkCreateMinimal
from .bulk_create_request import BulkCreateRequest
from .bulk_create_response import BulkCreateResponse
from .checks import Checks
from .content_too_large_problem import ContentTooLargeProblem
from .content_too_large_problem_code import ContentTooLargeProblemCode
from .database_timeout_problem import DatabaseTimeoutProblem
from .database_timeout_problem_code import DatabaseTimeoutProblemCode
from .expectation_failed_problem import ExpectationFailedProblem
from .expectation_failed_problem_code import ExpectationFailedProblemCode
from .field_error import FieldError
from .field_error_location import FieldErrorLocation
from .forbidden_problem import ForbiddenProblem
from .forbidden_problem_code import ForbiddenProblemCode
from .health import Health
from .health_status import HealthStatus
from .idempotency_key_reused_problem import IdempotencyKeyReusedProblem
from .idempotency_key_reused_problem_code import IdempotencyKeyReusedProblemCode
from .internal_error_problem import InternalErrorProblem
from .internal_error_problem_code import InternalErrorProblemCode
from .not_acceptable_problem import NotAcceptableProblem
from .not_acceptable_problem_code import NotAcceptableProblemCode
from .not_ready_problem import NotReadyProblem
from .not_ready_problem_code import NotReadyProblemCode
from .payload import Payload
from .precondition_failed_problem import PreconditionFailedProblem
from .precondition_failed_problem_code import PreconditionFailedProblemCode
from .problem import Problem
from .rate_limited_problem import RateLimitedProblem
from .rate_limited_problem_code import RateLimitedProblemCode
from .readiness import Readiness
from .readiness_status import ReadinessStatus
from .record import Record
from .record_create import RecordCreate
from .record_merge_patch import RecordMergePatch
from .record_merge_patch_payload import RecordMergePatchPayload
from .record_not_found_problem import RecordNotFoundProblem
from .record_not_found_problem_code import RecordNotFoundProblemCode
from .record_page import RecordPage
from .record_replace import RecordReplace
from .request_timeout_problem import RequestTimeoutProblem
from .request_timeout_problem_code import RequestTimeoutProblemCode
from .unauthorized_problem import UnauthorizedProblem
from .unauthorized_problem_code import UnauthorizedProblemCode
from .unsupported_media_type_problem import UnsupportedMediaTypeProblem
from .unsupported_media_type_problem_code import UnsupportedMediaTypeProblemCode
from .user_erased import UserErased

__all__ = (
    "BulkCreateMinimal",
    "BulkCreateRequest",
    "BulkCreateResponse",
    "Checks",
    "ContentTooLargeProblem",
    "ContentTooLargeProblemCode",
    "DatabaseTimeoutProblem",
    "DatabaseTimeoutProblemCode",
    "ExpectationFailedProblem",
    "ExpectationFailedProblemCode",
    "FieldError",
    "FieldErrorLocation",
    "ForbiddenProblem",
    "ForbiddenProblemCode",
    "Health",
    "HealthStatus",
    "IdempotencyKeyReusedProblem",
    "IdempotencyKeyReusedProblemCode",
    "InternalErrorProblem",
    "InternalErrorProblemCode",
    "NotAcceptableProblem",
    "NotAcceptableProblemCode",
    "NotReadyProblem",
    "NotReadyProblemCode",
    "Payload",
    "PreconditionFailedProblem",
    "PreconditionFailedProblemCode",
    "Problem",
    "RateLimitedProblem",
    "RateLimitedProblemCode",
    "Readiness",
    "ReadinessStatus",
    "Record",
    "RecordCreate",
    "RecordMergePatch",
    "RecordMergePatchPayload",
    "RecordNotFoundProblem",
    "RecordNotFoundProblemCode",
    "RecordPage",
    "RecordReplace",
    "RequestTimeoutProblem",
    "RequestTimeoutProblemCode",
    "UnauthorizedProblem",
    "UnauthorizedProblemCode",
    "UnsupportedMediaTypeProblem",
    "UnsupportedMediaTypeProblemCode",
    "UserErased",
)
