"""Question importers: GIFT, Moodle XML and IMS QTI (2.1 items, 1.2 numeric) into item specs.

Each importer is a pure function ``parse(data: bytes) -> ImportResult`` that
either returns every item of the file or raises ``ImportFailed`` naming the
line or element at fault: a malformed file imports nothing.
"""
