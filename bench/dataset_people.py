# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608).
"""The dataset's users, segments, rulebook versions and campaigns."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dataset_tables import (
    BENCH_PASSWORD,
    CAMPAIGN_KINDS,
    FIRST_NAMES,
    LAST_NAMES,
    N_JUDGES,
    N_MANAGERS,
    N_MARKETERS,
    N_REPS,
    SEGMENTS,
    TZ,
)

# --- people, reference data -----------------------------------------------------------------


def users_create(cursor, now: datetime, rb2_at: datetime) -> dict:
    """The bench's users, segments, campaigns and rulebook v2, through plain SQL
    (one password hash for everyone). Returns the ids the plan needs."""
    from django.contrib.auth.hashers import make_password

    password = make_password(BENCH_PASSWORD)
    people = []  # (username, first, last, department, role or None, is_superuser)
    for i in range(1, N_REPS + 1):
        people.append(
            (
                f"bench_rep_{i:02d}",
                FIRST_NAMES[i % len(FIRST_NAMES)],
                LAST_NAMES[i],
                "sales",
                "sales_rep",
                False,
            )
        )
    for i in range(1, N_MARKETERS + 1):
        people.append(
            (
                f"bench_marketer_{i:02d}",
                FIRST_NAMES[(i * 7) % len(FIRST_NAMES)],
                LAST_NAMES[40 + i],
                "marketing",
                "marketer",
                False,
            )
        )
    for i in range(1, N_JUDGES + 1):
        people.append(
            (
                f"bench_judge_{i}",
                FIRST_NAMES[(i * 11) % len(FIRST_NAMES)],
                LAST_NAMES[55 + i],
                "executive",
                "judge",
                False,
            )
        )
    for i in range(1, N_MANAGERS + 1):
        people.append(
            (
                f"bench_manager_{i}",
                FIRST_NAMES[(i * 13) % len(FIRST_NAMES)],
                LAST_NAMES[65 + i],
                "executive",
                "manager",
                False,
            )
        )
    people.append(("bench_admin", "Bench", "Administrator", "other", None, True))
    joined = now - timedelta(days=420)
    ids: dict[str, int] = {}
    for username, first, last, department, _, superuser in people:
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
                is_staff, is_active, date_joined, department, is_system)
            VALUES (%s, %s, %s, %s, %s, %s, %s, true, %s, %s, false) RETURNING id
            """,
            [
                password,
                superuser,
                username,
                first,
                last,
                f"{username}@bench.invalid",
                superuser,
                joined,
                department,
            ],
        )
        ids[username] = cursor.fetchone()[0]
    cursor.execute("SELECT name, id FROM auth_group")
    groups = dict(cursor.fetchall())
    cursor.executemany(
        "INSERT INTO accounts_user_groups (user_id, group_id) VALUES (%s, %s)",
        [(ids[username], groups[role]) for username, *_, role, _ in people if role],
    )
    cursor.execute("SELECT id FROM accounts_user WHERE is_system")
    system_id = cursor.fetchone()[0]
    reps = [ids[f"bench_rep_{i:02d}"] for i in range(1, N_REPS + 1)]
    marketers = [ids[f"bench_marketer_{i:02d}"] for i in range(1, N_MARKETERS + 1)]
    judges = [ids[f"bench_judge_{i}"] for i in range(1, N_JUDGES + 1)]

    segment_ids = []
    for code, name, _, owner in SEGMENTS:
        cursor.execute(
            "INSERT INTO leads_segment (code, name, owner_rep_id) VALUES (%s, %s, %s) RETURNING id",
            [code, name, reps[owner - 1] if owner else None],
        )
        segment_ids.append(cursor.fetchone()[0])

    # Rulebook: v1 (the migration's) dates from before the history; v2, with
    # the same deadlines, was published half a year ago by the administrator.
    cursor.execute("SELECT id FROM leads_rulebookversion WHERE version = 1")
    rb1 = cursor.fetchone()[0]
    cursor.execute(
        "UPDATE leads_rulebookversion SET created_at = %s WHERE id = %s", [now - timedelta(days=420), rb1]
    )
    cursor.execute(
        """
        INSERT INTO leads_rulebookversion (version, author_id, created_at, change_note, mql_min_criteria,
            grade_a_min_criteria, decision_hours, followup_days, touches_grade_a, touches_grade_b,
            appeal_days, review_days, review_mode, sample_percent, independent_judges,
            business_hours_only, panel_size)
        SELECT 2, %s, %s, 'Mid-year review: sample 15 %% of unappealed rejections when sampling',
            mql_min_criteria, grade_a_min_criteria, decision_hours, followup_days, touches_grade_a,
            touches_grade_b, appeal_days, review_days, review_mode, 15, independent_judges,
            business_hours_only, panel_size
        FROM leads_rulebookversion WHERE id = %s RETURNING id
        """,
        [ids["bench_admin"], rb2_at, rb1],
    )
    rb2 = cursor.fetchone()[0]
    return {
        "system": system_id,
        "reps": reps,
        "marketers": marketers,
        "judges": judges,
        "managers": [ids[f"bench_manager_{i}"] for i in range(1, N_MANAGERS + 1)],
        "admin": ids["bench_admin"],
        "segments": segment_ids,
        "rb1": rb1,
        "rb2": rb2,
    }


def campaigns_create(cursor, months: list[date], marketers: list[int], today: date) -> int:
    """Four campaigns per month of history (ended, or live for the last two
    months) plus two drafts; returns the id of the first (ids are consecutive)."""
    kinds = CAMPAIGN_KINDS
    first_id = None
    for m, month in enumerate(months):
        for k, (label, source) in enumerate(kinds):
            live = month >= (today.replace(day=1) - timedelta(days=40)).replace(day=1)
            ends = (month + timedelta(days=62)).replace(day=1) - timedelta(days=1)
            cursor.execute(
                """
                INSERT INTO leads_campaign (name, source, marketer_id, status, starts_on, ends_on,
                    forecast_leads, forecast_mqls, forecast_revenue, budget, created_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id
                """,
                [
                    f"{month:%Y-%m} {label}",
                    source,
                    marketers[(m * 4 + k) % len(marketers)],
                    "live" if live else "ended",
                    month,
                    None if live else ends,
                    2000 + 500 * k,
                    900 + 200 * k,
                    150000 + 25000 * k,
                    20000 + 5000 * k,
                    datetime.combine(month, datetime.min.time(), tzinfo=TZ) - timedelta(days=20),
                ],
            )
            cid = cursor.fetchone()[0]
            first_id = first_id or cid
    for name in ("Next quarter: partner referrals", "Next quarter: spring webinar series"):
        cursor.execute(
            "INSERT INTO leads_campaign (name, source, marketer_id, status, created_at) "
            "VALUES (%s, 'Webinar', %s, 'draft', now())",
            [name, marketers[0]],
        )
    return first_id
