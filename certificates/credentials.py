"""The Open Badges 3.0 credential a certificate carries (VC Data Model 2.0, unsigned shape)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from certificates.jsonld import OB_V3, VC_V2


@dataclass(frozen=True)
class CredentialFacts:
    serial: str
    holder_name: str
    course_slug: str
    course_title: str
    course_summary: str
    grade: int | None
    language: str
    issued_at: datetime
    issuer_did: str
    issuer_name: str
    base_url: str
    status_list_url: str
    status_index: int


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def open_badge_credential(facts: CredentialFacts) -> dict[str, Any]:
    """An ``OpenBadgeCredential`` for a completed course, ready to be signed."""
    base = facts.base_url.rstrip("/")
    achievement_id = f"{base}/courses/{facts.course_slug}"
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": facts.course_title,
        "description": facts.course_summary or facts.course_title,
        "criteria": {"narrative": "Every required assignment of the course passed at or above its pass mark."},
        "inLanguage": facts.language,
    }
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": facts.holder_name}
        ],
        "achievement": achievement,
    }
    if facts.grade is not None:
        grade_id = f"{achievement_id}#grade"
        achievement["resultDescription"] = [
            {
                "id": grade_id,
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        ]
        subject["result"] = [{"type": ["Result"], "resultDescription": grade_id, "value": str(facts.grade)}]
    return {
        "@context": [VC_V2, OB_V3],
        "id": f"{base}/verify/{facts.serial}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.course_title,
        "issuer": {"id": facts.issuer_did, "type": ["Profile"], "name": facts.issuer_name, "url": base},
        "validFrom": timestamp(facts.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{facts.status_list_url}#{facts.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(facts.status_index),
            "statusListCredential": facts.status_list_url,
        },
    }
