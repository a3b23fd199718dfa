"""The statements that grow a seeded country's activity on the PostgreSQL server (``flask analytics
seed-national``): nothing of it crosses the wire, and every choice comes from a keyed hash, so one seed gives
one data set whatever plan or parallel workers the server picks.

``national.py`` first COPYs ``seed_people`` (each account, its school and pseudonym) and the small maps
``seed_courses``, ``seed_lessons`` and ``seed_assignments``. ``seed_plan`` then draws each enrolment: its
course, when it began, the learner's pace, how far they got; enrolments, lesson progress, attempts,
certificates and the learning events they imply are all read from the plan through the same functions, so
they agree. Times are ``timestamptz``; ``:start`` and ``:end`` bound the school year.
"""

from __future__ import annotations

STAGING = ("seed_plan", "seed_people", "seed_courses", "seed_lessons", "seed_assignments")
FUNCTIONS = (
    "seed_random(bigint, int)",
    "seed_lesson_at(timestamptz, float8, int)",
    "seed_lesson_done(bigint, int, timestamptz, float8, int, boolean)",
    "seed_tries(bigint, int, boolean)",
    "seed_attempt_at(timestamptz, float8, int, int)",
)


def functions(seed: int) -> list[str]:
    """The plan's building blocks, as SQL functions that PostgreSQL inlines."""
    return [
        # A uniform number in [0, 1) for a key and a purpose (53 bits of a 64-bit hash).
        f"""CREATE FUNCTION seed_random(k bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT ((hashint8extended(k, {int(seed)} * 1000 + salt) >> 11) & 9007199254740991)::float8
                         / 9007199254740992.0 $$""",
        # Lesson j (0–49) of an enrolment is opened j "paces" (days per lesson) after it began.
        """CREATE FUNCTION seed_lesson_at(enrolled timestamptz, pace float8, j int) RETURNS timestamptz
            LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT enrolled + make_interval(secs => pace * 86400 * j) $$""",
        # …and completed 5–25 minutes later: always when the course is completed, else all but the last
        # lesson reached, which 60% complete.
        """CREATE FUNCTION seed_lesson_done(e bigint, j int, enrolled timestamptz, pace float8, lessons int,
                                            completes boolean) RETURNS timestamptz
            LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN completes OR j < lessons - 1 OR seed_random(e * 64 + j, 8) < 0.6
                THEN seed_lesson_at(enrolled, pace, j)
                     + make_interval(mins => 5 + floor(20 * seed_random(e * 64 + j, 13))::int)
            END $$""",
        # Attempts at module m's assignment: the last of 1–3 passes, or 1–2 that fail.
        """CREATE FUNCTION seed_tries(e bigint, m int, passes boolean) RETURNS int
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN passes
                THEN 1 + (seed_random(e * 16 + m, 10) < 0.35)::int + (seed_random(e * 16 + m, 11) < 0.1)::int
                ELSE 1 + (seed_random(e * 16 + m, 12) < 0.4)::int END $$""",
        # Attempt i at module m: 20 minutes after its last lesson, retries a quarter pace apart (before the
        # next module's first lesson).
        """CREATE FUNCTION seed_attempt_at(enrolled timestamptz, pace float8, m int, i int) RETURNS timestamptz
            LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT seed_lesson_at(enrolled, pace, 5 * m + 4) + interval '20 minutes'
                   + make_interval(secs => pace * 86400 / 4 * (i - 1)) $$""",
    ]


STAGING_TABLES = [
    """CREATE UNLOGGED TABLE seed_people (user_id int PRIMARY KEY, role text, school_id int, region_id int,
         language text, created_at timestamptz, actor text, full_name text)""",
    "CREATE UNLOGGED TABLE seed_courses (ordinal int PRIMARY KEY, course_id int, level text, audience text, "
    "title text, hours int)",
    "CREATE UNLOGGED TABLE seed_lessons (course_id int, lesson_index int, lesson_id int, "
    "PRIMARY KEY (course_id, lesson_index))",
    "CREATE UNLOGGED TABLE seed_assignments (course_id int, module_index int, assignment_id int, item_id int, "
    "PRIMARY KEY (course_id, module_index))",
]

#: Each enrolment drawn: students take 1–9 of the 16 courses open to them (the first, introductory ones
#: more often), teachers 1–3 of the 5 open to teachers; a course is begun after the account was made,
#: early in the year more often; a pace of 0.1–1.5 days a lesson; who finishes depends on the course
#: (42% of teachers' enrolments, 3–9% of students'), the others stop after a few lessons; nobody gets
#: past the year's end. ``passed`` modules; ``failing``: the last module reached was attempted, not passed.
PLAN = """
CREATE UNLOGGED TABLE seed_plan AS
WITH picked AS (
    SELECT p.user_id, p.created_at, n,
           CASE WHEN p.role = 'student' THEN (floor(16 * seed_random(p.user_id, 2) ^ 2)::int + n - 1) % 16
                ELSE 15 + (floor(5 * seed_random(p.user_id, 2))::int + n - 1) % 5 END AS ordinal
    FROM seed_people p
    CROSS JOIN LATERAL generate_series(1, CASE WHEN p.role = 'student'
        THEN 1 + floor(9 * seed_random(p.user_id, 1))::int
        ELSE 1 + floor(3 * seed_random(p.user_id, 1))::int END) AS n
), numbered AS (
    SELECT (row_number() OVER (ORDER BY user_id, n))::int AS id, picked.* FROM picked
), drawn AS (
    SELECT numbered.id, numbered.user_id, c.course_id,
           numbered.created_at + (CAST(:end AS timestamptz) - numbered.created_at)
               * (0.9 * seed_random(numbered.id, 3) ^ 1.7) AS enrolled_at,
           0.1 + 1.4 * seed_random(numbered.id, 4) AS pace,
           seed_random(numbered.id, 5) < CASE WHEN c.audience <> 'students' THEN 0.42
               WHEN c.level = 'beginner' THEN 0.09 WHEN c.level = 'intermediate' THEN 0.05 ELSE 0.03 END
               AS finishes,
           least(49, floor(-ln(1 - seed_random(numbered.id, 6)) * 2.5))::int AS stops_at
    FROM numbered JOIN seed_courses c ON c.ordinal = numbered.ordinal
), bounded AS (
    SELECT drawn.*,
           extract(epoch FROM (CAST(:end AS timestamptz) - interval '1 day' - enrolled_at)) / 86400 AS room
    FROM drawn
), reached AS (
    SELECT bounded.*, finishes AND room > pace * 53 AS completes,
           CASE WHEN finishes AND room > pace * 53 THEN 50
                WHEN room < 0 THEN 0
                ELSE least(CASE WHEN finishes THEN 49 ELSE stops_at END, floor(room / pace)::int + 1) END AS lessons
    FROM bounded
), moduled AS (
    SELECT reached.*,
           CASE WHEN completes THEN 10 WHEN lessons = 0 OR lessons % 5 > 0 THEN lessons / 5
                ELSE lessons / 5 - (seed_random(id, 7) < 0.5)::int END AS passed
    FROM reached
)
SELECT id, user_id, course_id, enrolled_at, pace, lessons, passed, completes,
       NOT completes AND lessons > 0 AND lessons % 5 = 0 AND passed < lessons / 5 AS failing,
       CASE WHEN completes THEN seed_attempt_at(enrolled_at, pace, 9, seed_tries(id, 9, true))
            + interval '1 minute' END AS completed_at,
       100 - floor(40 * seed_random(id, 9) ^ 1.5)::int AS grade
FROM moduled
"""

#: An enrolment's last activity: its last lesson opened or completed, or its last attempt.
LAST_ACTIVITY = """
greatest(p.enrolled_at,
    CASE WHEN p.lessons > 0 THEN coalesce(
        seed_lesson_done(p.id, p.lessons - 1, p.enrolled_at, p.pace, p.lessons, p.completes),
        seed_lesson_at(p.enrolled_at, p.pace, p.lessons - 1)) END,
    CASE WHEN p.failing THEN seed_attempt_at(p.enrolled_at, p.pace, p.lessons / 5 - 1,
                                             seed_tries(p.id, p.lessons / 5 - 1, false))
         WHEN p.passed > 0 THEN seed_attempt_at(p.enrolled_at, p.pace, p.passed - 1,
                                                seed_tries(p.id, p.passed - 1, true)) END,
    p.completed_at)
"""

ENROLMENTS = f"""
INSERT INTO enrolments (id, user_id, course_id, enrolled_at, completed_at, last_activity_at)
SELECT p.id, p.user_id, p.course_id, p.enrolled_at, p.completed_at, {LAST_ACTIVITY} FROM seed_plan p
"""  # noqa: S608 - made of this module's constants

#: (plan p, lesson index j, lesson l) for every lesson reached.
LESSONS_REACHED = """
seed_plan p CROSS JOIN LATERAL generate_series(0, p.lessons - 1) AS j
JOIN seed_lessons l ON l.course_id = p.course_id AND l.lesson_index = j
"""

LESSON_PROGRESS = f"""
INSERT INTO lesson_progress (user_id, lesson_id, opened_at, completed_at)
SELECT p.user_id, l.lesson_id, seed_lesson_at(p.enrolled_at, p.pace, j),
       seed_lesson_done(p.id, j, p.enrolled_at, p.pace, p.lessons, p.completes)
FROM {LESSONS_REACHED}
"""  # noqa: S608 - made of this module's constants

#: (plan p, module m, attempt i, assignment a, whether it passes, its score out of 10) for every attempt.
ATTEMPTS_MADE = """
seed_plan p
CROSS JOIN LATERAL generate_series(0, p.passed - 1 + p.failing::int) AS m
CROSS JOIN LATERAL (SELECT m < p.passed AS module_passed, seed_tries(p.id, m, m < p.passed) AS tries) AS t
CROSS JOIN LATERAL generate_series(1, t.tries) AS i
JOIN seed_assignments a ON a.course_id = p.course_id AND a.module_index = m
CROSS JOIN LATERAL (SELECT t.module_passed AND i = t.tries AS passes) AS o
CROSS JOIN LATERAL (SELECT round(CAST(CASE WHEN o.passes THEN 6 + 4 * seed_random(p.id * 64 + m * 4 + i, 14)
                                         ELSE 5.9 * seed_random(p.id * 64 + m * 4 + i, 14) END AS numeric), 1)
                           AS score) AS s
"""

ATTEMPTS = f"""
INSERT INTO attempts (assignment_id, user_id, number, status, responses, results, score, max_score, late,
                      penalty, submitted_at, graded_at, machine_pending, grading_tries)
SELECT a.assignment_id, p.user_id, i, 'graded',
       json_build_object(a.item_id::text, CASE WHEN o.passes THEN 'a' ELSE 'b' END),
       json_build_object(a.item_id::text, json_build_object('score', s.score, 'max_score', 10, 'feedback', '[]'::json,
                                                           'pending', false)),
       s.score, 10, false, 0, seed_attempt_at(p.enrolled_at, p.pace, m, i),
       seed_attempt_at(p.enrolled_at, p.pace, m, i), false, 0
FROM {ATTEMPTS_MADE}
"""  # noqa: S608 - made of this module's constants

CERTIFICATES = """
INSERT INTO certificates (serial, user_id, course_id, holder_name, course_title, grade, hours, language, issued_at,
                          status, revoked_at, revocation_reason, status_list, status_index, credential)
SELECT 'S' || upper(lpad(to_hex(p.id), 12, '0')), p.user_id, p.course_id, u.full_name, c.title, p.grade, c.hours,
       u.language, p.completed_at + interval '2 minutes',
       CASE WHEN seed_random(p.id, 15) < 0.003 THEN 'revoked' ELSE 'valid' END,
       CASE WHEN seed_random(p.id, 15) < 0.003 THEN p.completed_at + interval '20 days' END,
       CASE WHEN seed_random(p.id, 15) < 0.003 THEN 'Issued in error' END,
       1 + p.id / 131072, p.id % 131072, '{}'
FROM seed_plan p JOIN seed_people u ON u.user_id = p.user_id JOIN seed_courses c ON c.course_id = p.course_id
WHERE p.completes
"""

#: Every event the plan implies, in the order they happened (as the platform appends them), with the
#: learner's pseudonym and where they were.
EVENTS = f"""
INSERT INTO learning_events (actor, verb, object_type, object_id, course_id, score_raw, score_max, success,
                             completion, registration, timestamp, region_id, school_id, language, extra)
SELECT u.actor, x.verb, x.object_type, x.object_id, x.course_id, x.score_raw, x.score_max, x.success,
       x.completion, x.registration, x.at, u.region_id, u.school_id, u.language, x.extra
FROM (
    SELECT p.user_id, 'registered' AS verb, 'course' AS object_type, p.course_id AS object_id, p.course_id,
           NULL::float8 AS score_raw, NULL::float8 AS score_max, NULL::boolean AS success,
           NULL::boolean AS completion, p.id AS registration, p.enrolled_at AS at, NULL::json AS extra
    FROM seed_plan p
    UNION ALL
    SELECT p.user_id, v.verb, 'lesson', l.lesson_id, p.course_id, NULL, NULL, NULL, v.completion, p.id, v.at, NULL
    FROM {LESSONS_REACHED}
    CROSS JOIN LATERAL (VALUES
        ('experienced', seed_lesson_at(p.enrolled_at, p.pace, j), NULL::boolean),
        ('completed', seed_lesson_done(p.id, j, p.enrolled_at, p.pace, p.lessons, p.completes), true)
    ) AS v(verb, at, completion)
    WHERE v.at IS NOT NULL
    UNION ALL
    SELECT p.user_id, 'attempted', 'assignment', a.assignment_id, p.course_id, s.score, 10, o.passes, true, p.id,
           seed_attempt_at(p.enrolled_at, p.pace, m, i), json_build_object('attempt', i, 'late', false)
    FROM {ATTEMPTS_MADE}
    UNION ALL
    SELECT p.user_id, 'completed', 'course', p.course_id, p.course_id, NULL, NULL, NULL, true, p.id,
           p.completed_at, NULL
    FROM seed_plan p WHERE p.completes
) AS x
JOIN seed_people u ON u.user_id = x.user_id
ORDER BY x.at
"""  # noqa: S608 - made of this module's constants
