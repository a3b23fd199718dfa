"""accounts, organisations, task progress

Revision ID: 26a264bc0e16
Revises:
Create Date: 2026-11-29 09:44:22.913713

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "26a264bc0e16"
down_revision = None
branch_labels = None
depends_on = None

# The 17 oblasts and 3 cities of republican significance (ISO 3166-2:KZ, as of 2022).
# Reference data every installation needs, so it ships with the schema.
REGIONS = [
    ("KZ-10", "Абай облысы", "Абайская область", "Abai Region"),
    ("KZ-11", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
    ("KZ-15", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    ("KZ-19", "Алматы облысы", "Алматинская область", "Almaty Region"),
    ("KZ-23", "Атырау облысы", "Атырауская область", "Atyrau Region"),
    (
        "KZ-27",
        "Батыс Қазақстан облысы",
        "Западно-Казахстанская область",
        "West Kazakhstan Region",
    ),
    ("KZ-31", "Жамбыл облысы", "Жамбылская область", "Jambyl Region"),
    ("KZ-33", "Жетісу облысы", "Жетысуская область", "Jetisu Region"),
    ("KZ-35", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
    ("KZ-39", "Қостанай облысы", "Костанайская область", "Kostanay Region"),
    ("KZ-43", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    ("KZ-47", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
    ("KZ-55", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
    (
        "KZ-59",
        "Солтүстік Қазақстан облысы",
        "Северо-Казахстанская область",
        "North Kazakhstan Region",
    ),
    ("KZ-61", "Түркістан облысы", "Туркестанская область", "Turkistan Region"),
    ("KZ-62", "Ұлытау облысы", "Улытауская область", "Ulytau Region"),
    (
        "KZ-63",
        "Шығыс Қазақстан облысы",
        "Восточно-Казахстанская область",
        "East Kazakhstan Region",
    ),
    ("KZ-71", "Астана", "Астана", "Astana"),
    ("KZ-75", "Алматы", "Алматы", "Almaty"),
    ("KZ-79", "Шымкент", "Шымкент", "Shymkent"),
]


def upgrade() -> None:
    regions = op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_kk", sa.String(length=100), nullable=False),
        sa.Column("name_ru", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
    )
    op.create_table(
        "schools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "school",
                "college",
                "university",
                name="schoolkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "language",
            sa.Enum(
                "kk",
                "ru",
                "en",
                "mixed",
                name="instructionlanguage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "settlement",
            sa.Enum("urban", "rural", name="settlement", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_schools_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
        sa.UniqueConstraint("code", name=op.f("uq_schools_code")),
    )
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schools_region_id"), ["region_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("preferred_language", sa.String(length=2), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "student",
                "teacher",
                "mentor",
                "official",
                "admin",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("scope_region_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("auth_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_users_school_id_schools")),
        sa.ForeignKeyConstraint(
            ["scope_region_id"],
            ["regions.id"],
            name=op.f("fk_users_scope_region_id_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_scope_region_id"), ["scope_region_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_tokens_digest")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("academic_year", sa.String(length=9), nullable=False),
        sa.Column("join_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_classes_school_id_schools")),
        sa.ForeignKeyConstraint(["teacher_id"], ["users.id"], name=op.f("fk_classes_teacher_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classes")),
        sa.UniqueConstraint("join_code", name=op.f("uq_classes_join_code")),
    )
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classes_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_classes_teacher_id"), ["teacher_id"], unique=False)

    op.create_table(
        "task_progress",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="taskstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_task_progress_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_progress")),
    )
    with op.batch_alter_table("task_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_progress_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "class_memberships",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_class_memberships_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_class_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("class_id", "user_id", name=op.f("pk_class_memberships")),
    )
    with op.batch_alter_table("class_memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_memberships_user_id"), ["user_id"], unique=False)

    op.bulk_insert(
        regions,
        [{"code": c, "name_kk": kk, "name_ru": ru, "name_en": en} for c, kk, ru, en in REGIONS],
    )


def downgrade() -> None:
    with op.batch_alter_table("class_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_memberships_user_id"))

    op.drop_table("class_memberships")
    with op.batch_alter_table("task_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_progress_owner_id"))

    op.drop_table("task_progress")
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classes_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_classes_school_id"))

    op.drop_table("classes")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_scope_region_id"))
        batch_op.drop_index(batch_op.f("ix_users_school_id"))
        batch_op.drop_index(batch_op.f("ix_users_role"))

    op.drop_table("users")
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schools_region_id"))

    op.drop_table("schools")
    op.drop_table("regions")
