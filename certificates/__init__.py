"""Certificates: completion rules, issuance, signed credentials, PDFs, verification, revocation.

Depends on ``courses`` and ``lms``, never the other way round.
"""
