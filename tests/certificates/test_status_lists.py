"""The revocation status lists: only those that exist, rate limited, a bounded number kept signed in memory."""

from __future__ import annotations

from certificates import services as certificate_services


def test_only_status_lists_that_exist_are_served(client, certificate):
    assert client.get(f"/certificates/status/{certificate.status_list}").status_code == 200
    assert client.get(f"/certificates/status/{certificate.status_list + 1}").status_code == 404
    assert client.get("/certificates/status/0").status_code == 404


def test_signed_status_lists_kept_in_memory_are_bounded(app, certificate, monkeypatch):
    monkeypatch.setattr(certificate_services, "MAX_KEPT_STATUS_LISTS", 3)
    monkeypatch.setattr(certificate_services, "_status_credentials", type(certificate_services._status_credentials)())
    for number in range(6):
        monkeypatch.setitem(app.config, "EXTERNAL_URL", f"https://host{number}.example")
        certificate_services.status_list_credential(certificate.status_list)
    assert len(certificate_services._status_credentials) == 3
