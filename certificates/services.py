"""Issuing and revoking certificates.

``issue_certificate`` is connected to ``courses``' ``course_completed`` signal in
``create_app``; ``issue_missing`` reconciles completions a lost signal missed.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from certificates import dataintegrity, did, keys, serials, statuslist
from certificates.credentials import CredentialFacts, open_badge_credential, timestamp
from certificates.jsonld import VC_V2
from certificates.models import Certificate, CertificateStatus
from courses.models import Assignment, Attempt, AttemptStatus, Course, Enrolment
from courses.models.catalog import localized
from courses.services import visibility
from courses.services.outline import outline_of
from lms.db import db, utcnow
from lms.models import User

ISSUE_ATTEMPTS = 3

log = logging.getLogger(__name__)


class CourseNotCompleted(Exception):
    """The learner has not completed the course (or is not enrolled in it)."""


class CourseGivesNoCertificates(Exception):
    """The course is a draft or a class course: only catalogue courses give certificates."""


class AlreadyRevoked(Exception):
    """The certificate is revoked already; revocation is final."""


def find_certificate(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id)
    )


def certificate_by_serial(text: str) -> Certificate | None:
    """The certificate a typed serial names (hyphens, case and look-alikes forgiven), or None.

    Any certificate, for administrators' tools; the public sees only ``public_certificate_by_serial``.
    """
    try:
        serial = serials.normalize(text)
    except serials.InvalidSerial:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial))


def public_certificate_by_serial(text: str) -> Certificate | None:
    """As ``certificate_by_serial``, but only while its course is in the catalogue: a certificate of a draft
    or class course (one withdrawn from the catalogue, or issued before the states) is shown to nobody."""
    try:
        serial = serials.normalize(text)
    except serials.InvalidSerial:
        return None
    return db.session.scalar(
        sa.select(Certificate)
        .join(Course, Course.id == Certificate.course_id)
        .where(Certificate.serial == serial, visibility.certifying_clause())
    )


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.isoformat()


def public_record_json(text: str) -> str | None:
    """The public JSON of the certificate a typed serial names (None when there is none).

    Verification is the platform's busiest public request, so it reads only these columns and
    splices the credential's stored JSON text in as it is, rather than parsing and re-encoding it.
    Only while the course is in the catalogue (``public_certificate_by_serial``).
    """
    try:
        serial = serials.normalize(text)
    except serials.InvalidSerial:
        return None
    row = db.session.execute(
        sa.select(
            Certificate.serial,
            Certificate.status,
            Certificate.holder_name,
            Certificate.course_title,
            Certificate.grade,
            Certificate.issued_at,
            Certificate.revoked_at,
            Certificate.revocation_reason,
            sa.cast(Certificate.credential, sa.Text),
        )
        .join(Course, Course.id == Certificate.course_id)
        .where(Certificate.serial == serial, visibility.certifying_clause())
    ).first()
    if row is None:
        return None
    serial, status, holder, course, grade, issued_at, revoked_at, reason, credential = row
    head = json.dumps(
        {
            "serial": serials.display(serial),
            "status": CertificateStatus(status).value,
            "holder": holder,
            "course": course,
            "grade": grade,
            "issued_at": _iso(issued_at),
            "revoked_at": _iso(revoked_at),
            "revocation_reason": reason,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return head[:-1] + ',"credential":' + credential + "}"


def course_grade(user_id: int, course: Course) -> int | None:
    """The mean of the learner's best score on each required assignment, in percent (None without any)."""
    required = outline_of(course).required_assignment_ids()
    if not required:
        return None
    best = (
        sa.select(sa.func.max(Attempt.score / Attempt.max_score))
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.assignment_id.in_(required),
            Attempt.status == AttemptStatus.GRADED,
            Attempt.max_score > 0,
        )
        .group_by(Attempt.assignment_id)
    )
    fractions = [float(value or 0) for value in db.session.scalars(best)]
    return round(100 * sum(fractions) / len(required))


def status_list_url(list_number: int) -> str:
    return f"{current_app.config['EXTERNAL_URL'].rstrip('/')}/certificates/status/{list_number}"


def _sign(certificate: Certificate, course: Course) -> dict[str, Any]:
    key = keys.credential_signing_key(current_app)
    assert certificate.status_list is not None and certificate.status_index is not None  # noqa: S101
    facts = CredentialFacts(
        serial=certificate.serial,
        holder_name=certificate.holder_name,
        course_slug=course.slug,
        course_title=certificate.course_title,
        course_summary=localized(course.summary, certificate.language, course.language),
        grade=certificate.grade,
        language=certificate.language,
        issued_at=certificate.issued_at,
        issuer_did=did.did_key(key.public_key()),
        issuer_name=current_app.config["CERTIFICATE_ISSUER_NAME"],
        base_url=current_app.config["EXTERNAL_URL"],
        status_list_url=status_list_url(certificate.status_list),
        status_index=certificate.status_index,
    )
    return dataintegrity.add_proof(open_badge_credential(facts), key, timestamp(certificate.issued_at))


def issue_certificate(user_id: int, course_id: int) -> Certificate:
    """The learner's certificate for a completed course: the existing one, or a new signed one.

    Safe to call twice and from concurrent requests: the row is inserted in a
    savepoint, and a unique (learner, course) violation means another call won,
    whose certificate is returned. Flushes. Raises ``CourseGivesNoCertificates`` for a draft or
    class course, ``CourseNotCompleted``, or ``keys.SigningKeyMissing``/``keys.DevelopmentKeyRefused``
    without a usable key.
    """
    course = db.session.get_one(Course, course_id)
    if not visibility.issues_certificates(course):
        raise CourseGivesNoCertificates(f"course {course_id} is a {course.state.value} course")
    existing = find_certificate(user_id, course_id)
    if existing is not None:
        return existing
    registration = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )
    if registration is None or registration.completed_at is None:
        raise CourseNotCompleted(f"user {user_id} has not completed course {course_id}")
    user = db.session.get_one(User, user_id)
    keys.credential_signing_key(current_app)
    language = user.preferred_language if user.preferred_language in current_app.config["LANGUAGES"] else "kk"
    for _attempt in range(ISSUE_ATTEMPTS):
        certificate = Certificate(
            serial=serials.new_serial(),
            user_id=user_id,
            course_id=course_id,
            holder_name=user.full_name,
            course_title=localized(course.title, language, course.language),
            grade=course_grade(user_id, course),
            hours=course.hours,
            language=language,
            issued_at=utcnow().replace(microsecond=0),
            credential={},
        )
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
                db.session.flush()
                # Sequential bits: certificate n has bit n-1; a list holds the specification's minimum.
                list_offset, certificate.status_index = divmod(certificate.id - 1, statuslist.MINIMUM_BITS)
                certificate.status_list = list_offset + 1
                certificate.credential = _sign(certificate, course)
                db.session.flush()
        except sa.exc.IntegrityError:
            winner = find_certificate(user_id, course_id)
            if winner is not None:
                return winner
            continue  # a serial collision (one in 2**60): draw again
        return certificate
    raise RuntimeError("could not draw a free serial")


def on_course_completed(_sender: object, *, user_id: int, course_id: int, **_extra: object) -> None:
    """``course_completed`` receiver: issue at once, in the completing transaction.

    The learner's completion never fails because of the certificate: a failure to issue
    (no signing key, say) is logged and rolled back to a savepoint, and
    ``flask --app wsgi certificates issue`` issues what was missed. A draft or class course gives
    none: its completion stands alone.
    """
    try:
        with db.session.begin_nested():
            issue_certificate(user_id, course_id)
    except CourseGivesNoCertificates:
        log.debug("course %s gives no certificates; user %s completed it", course_id, user_id)
    except Exception:
        log.exception(
            "could not issue the certificate of user %s for course %s; run `certificates issue`", user_id, course_id
        )


def _completions(course_id: int | None) -> sa.Select[int, int]:
    query = (
        sa.select(Enrolment.user_id, Enrolment.course_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.completed_at.is_not(None))
    )
    return query if course_id is None else query.where(Enrolment.course_id == course_id)


def pending_completions(course_id: int | None = None) -> list[tuple[int, int]]:
    """(learner, course) of every completed enrolment without a certificate in a course that gives them
    (the catalogue's), of one course or all, oldest first."""
    query = (
        _completions(course_id)
        .outerjoin(
            Certificate,
            sa.and_(Certificate.user_id == Enrolment.user_id, Certificate.course_id == Enrolment.course_id),
        )
        .where(Certificate.id.is_(None), visibility.certifying_clause())
        .order_by(Enrolment.id)
    )
    return [(user_id, course) for user_id, course in db.session.execute(query)]


def completions_without_certificates(course_id: int | None = None) -> int:
    """How many completions are of draft or class courses, which give no certificates (skipped by issuing)."""
    query = _completions(course_id).where(sa.not_(visibility.certifying_clause())).subquery()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(query)) or 0)


def issue_missing(
    course_id: int | None = None,
    *,
    batch: int = 200,
    on_batch: Callable[[int, int], None] | None = None,
    pending: list[tuple[int, int]] | None = None,
) -> int:
    """Issue a certificate for every completed enrolment without one (a missed signal loses nothing).

    Of one course, or of all; draft and class courses give none and are skipped.
    ``on_batch(done, total)`` is called after every ``batch`` completions and after the last:
    the caller commits there, so an interrupted run keeps all but the current batch, and shows
    progress. ``pending`` is what
    ``pending_completions`` returned when the caller needed the total first. Returns how
    many were issued. Flushes; raises ``keys.SigningKeyMissing`` (and the
    like) without a usable key.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    todo = pending_completions(course_id) if pending is None else pending
    issued = 0
    for done, (user_id, course) in enumerate(todo, start=1):
        try:
            issue_certificate(user_id, course)
            issued += 1
        except CourseNotCompleted:
            # The completion was withdrawn after the list was read: nothing to issue.
            log.warning("user %s no longer has course %s completed; skipped", user_id, course)
        except CourseGivesNoCertificates:
            # The course left the catalogue after the list was read.
            log.warning("course %s is no longer in the catalogue; user %s skipped", course, user_id)
        if on_batch is not None and (done % batch == 0 or done == len(todo)):
            on_batch(done, len(todo))
    return issued


def revoke_certificate(certificate: Certificate, actor: User, reason: str) -> None:
    """Revoke for good: status, reason, time and actor recorded; its status-list bit is set. Flushes.

    Raises ``AlreadyRevoked``.
    """
    if certificate.status is CertificateStatus.REVOKED:
        raise AlreadyRevoked(certificate.serial)
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason.strip()
    db.session.flush()


def status_list_bits(list_number: int) -> bytearray:
    """The revocation bitstring of one status list: a set bit for each revoked certificate in it."""
    bits = statuslist.empty()
    revoked = sa.select(Certificate.status_index).where(
        Certificate.status_list == list_number, Certificate.status == CertificateStatus.REVOKED
    )
    for index in db.session.scalars(revoked):
        if index is not None:
            statuslist.set_bit(bits, index)
    return bits


def encoded_status_list(list_number: int) -> str:
    """``encodedList`` for the status list credential the platform serves."""
    return statuslist.encode(status_list_bits(list_number))


def _status_list_version(list_number: int) -> tuple[int, Any]:
    """What changes when a certificate in the list is revoked: how many are, and the latest time."""
    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Certificate.revoked_at)).where(
            Certificate.status_list == list_number, Certificate.status == CertificateStatus.REVOKED
        )
    ).one()
    return int(row[0]), row[1]


#: Signed status lists kept per process, least recently used out first (a list is a few KB).
MAX_KEPT_STATUS_LISTS = 64
_status_credentials: OrderedDict[tuple[str, int], tuple[tuple[tuple[int, Any], str], dict[str, Any]]] = OrderedDict()


def status_list_exists(list_number: int) -> bool:
    """Whether any certificate points to this status list (only those are served)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(Certificate.status_list == list_number))))


def status_list_credential(list_number: int) -> dict[str, Any]:
    """The signed ``BitstringStatusListCredential`` of one list, as the platform serves it.

    Signing canonicalises the document (milliseconds), so the signed copy is kept per
    process until a revocation in the list, or a new signing key (a rotation), changes it.
    """
    app = current_app
    key = keys.credential_signing_key(app)
    version = (_status_list_version(list_number), did.did_key(key.public_key()))
    cache_key = (str(app.config["EXTERNAL_URL"]), list_number)
    cached = _status_credentials.get(cache_key)
    if cached is not None and cached[0] == version:
        _status_credentials.move_to_end(cache_key)
        return cached[1]
    url = status_list_url(list_number)
    valid_from = timestamp(utcnow())
    document: dict[str, Any] = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did.did_key(key.public_key()),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_status_list(list_number),
        },
    }
    signed = dataintegrity.add_proof(document, key, valid_from)
    _status_credentials[cache_key] = (version, signed)
    _status_credentials.move_to_end(cache_key)
    while len(_status_credentials) > MAX_KEPT_STATUS_LISTS:
        _status_credentials.popitem(last=False)
    return signed
