import sqlalchemy as sa

from lms.db import db
from lms.demo import DEMO_ACCOUNTS
from lms.models import Role, SchoolClass, User
from lms.services import accounts, org, progress


def test_seed_demo_is_idempotent_and_prints_accounts(runner):
    first = runner.invoke(args=["lms", "seed-demo"])
    assert first.exit_code == 0, first.output
    for account in DEMO_ACCOUNTS:
        assert account.email in first.output and account.password in first.output
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    second = runner.invoke(args=["lms", "seed-demo"])
    assert second.exit_code == 0 and "0 new records" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users


def test_demo_accounts_sign_in_with_documented_passwords(runner):
    runner.invoke(args=["lms", "seed-demo"])
    for account in DEMO_ACCOUNTS:
        user = accounts.authenticate(account.email, account.password)
        assert user.role == account.role
    teacher = accounts.get_user_by_email("teacher@demo.aiskills.kz")
    (demo_class,) = db.session.scalars(sa.select(SchoolClass).where(SchoolClass.teacher_id == teacher.id)).all()
    assert len(org.roster(demo_class)) >= org.MIN_GROUP_SIZE


def test_create_admin(runner):
    result = runner.invoke(
        args=["lms", "create-admin", "--email", "Root@Example.org", "--name", "Root", "--password", "long password 1"]
    )
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("root@example.org", "long password 1").role == Role.ADMIN
    again = runner.invoke(
        args=["lms", "create-admin", "--email", "root@example.org", "--name", "Root", "--password", "long password 1"]
    )
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(args=["lms", "create-admin", "--email", "x@example.org", "--name", "X", "--password", "short"])
    assert weak.exit_code != 0 and "password" in weak.output


def test_import_users_shows_progress(runner, tmp_path):
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("email,full_name,role\nt1@example.org,T One,teacher\nt2@example.org,T Two,teacher\n")
    result = runner.invoke(args=["lms", "import-users", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 accounts" in result.output
    assert "invitations" in result.output and "2/2" in result.output
    assert accounts.get_user_by_email("t2@example.org").role == Role.TEACHER


def test_import_users_with_bad_rows_imports_nothing(runner, tmp_path):
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("email,full_name,role\nt1@example.org,T One,teacher\nbroken,T Two,teacher\n")
    result = runner.invoke(args=["lms", "import-users", str(csv_file)])
    assert result.exit_code != 0
    assert "line 3: broken" in result.output and "nothing was imported" in result.output
    assert accounts.get_user_by_email("t1@example.org") is None


def test_task_command_shows_a_finished_task(runner):
    record = progress.create_progress("invitations", None, total=3)
    progress.finish(record.id, message="all sent")
    result = runner.invoke(args=["lms", "task", record.id])
    assert result.exit_code == 0 and "done" in result.output and "3/3" in result.output
    missing = runner.invoke(args=["lms", "task", "nope"])
    assert missing.exit_code != 0 and "No task" in missing.output
