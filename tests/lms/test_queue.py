"""Background tasks: progress records, and a real consumer running tasks in an app context."""

import time

import flask_migrate
import pytest

from lms import mail, queue, tasks
from lms.db import db
from lms.models import Role, TaskStatus
from lms.services import accounts, progress
from tests import factories
from tests.conftest import make_test_app


def test_progress_lifecycle(db):
    owner = factories.user(Role.TEACHER)
    record = progress.create_progress("invitations", owner, total=10)
    assert (record.status, record.percent) == (TaskStatus.QUEUED, 0)
    progress.advance(record.id, 5, message="halfway")
    assert (record.status, record.percent, record.message) == (TaskStatus.RUNNING, 50, "halfway")
    progress.finish(record.id, result={"sent": 10})
    assert (record.status, record.done, record.percent, record.finished) == (TaskStatus.DONE, 10, 100, True)
    failed = progress.create_progress("invitations", owner)
    progress.fail(failed.id, "smtp down")
    assert failed.status == TaskStatus.FAILED and failed.percent is None


def test_progress_visibility(db):
    owner, other, admin = factories.user(Role.TEACHER), factories.user(Role.TEACHER), factories.user(Role.ADMIN)
    record = progress.create_progress("invitations", owner)
    assert progress.progress_for(owner, record.id) is record
    assert progress.progress_for(admin, record.id) is record
    assert progress.progress_for(None, record.id) is record
    with pytest.raises(progress.ProgressForbidden):
        progress.progress_for(other, record.id)
    with pytest.raises(progress.ProgressNotFound):
        progress.progress_for(owner, "missing")


def test_invitations_skip_accounts_that_already_have_a_password(app, db):
    invited, active = factories.user(password=None), factories.user()
    record = progress.create_progress("invitations", None, total=2)
    sent = []
    with mail.mail_sent.connected_to(lambda sender, message: sent.append(message["To"])):
        tasks.send_invitations([invited.id, active.id], record.id)
    assert sent == [invited.email]
    assert record.result == {"sent": 1, "total": 2}


def test_a_real_worker_runs_tasks_in_an_app_context(app, tmp_path):
    """SqliteHuey and a consumer thread, as `make run` has them: no request, no caller's context."""
    worker_app = make_test_app(
        f"sqlite:///{tmp_path}/worker.sqlite", QUEUE_IMMEDIATE=False, QUEUE_URL=f"sqlite:///{tmp_path}/queue.sqlite"
    )
    consumer = None
    try:
        with worker_app.app_context():
            flask_migrate.upgrade()
            user = accounts.create_user("worker@example.org", "Worker Test", role=Role.STUDENT, language="ru")
            record = progress.create_progress("invitations", None, total=1)
            db.session.commit()
            user_id, record_id = user.id, record.id
        sent = []
        with mail.mail_sent.connected_to(lambda sender, message: sent.append(message)):
            tasks.send_invitations([user_id], record_id)  # enqueued, not run
            assert sent == []
            consumer = queue.huey.create_consumer(workers=1, worker_type="thread", periodic=False)
            consumer.start()
            deadline = time.monotonic() + 20
            status = None
            while time.monotonic() < deadline:
                with worker_app.app_context():
                    status = progress.progress_for(None, record_id).status
                if status == TaskStatus.DONE:
                    break
                time.sleep(0.1)
        assert status == TaskStatus.DONE
        assert sent[0]["To"] == "worker@example.org"
        assert "Здравствуйте" in sent[0].get_content()  # rendered in the user's language
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
        queue.init_queue(app)
