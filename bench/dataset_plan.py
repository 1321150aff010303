# ruff: noqa: E501, S608
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608).
"""The plan: one row per lead with its whole story (``SCENARIOS``), and the
touches each story implies, as temporary tables the inserts read."""

from __future__ import annotations

from datetime import date, datetime

from dataset_sql import pick, r, ri
from dataset_tables import (
    CHANNELS,
    HISTORY_WORKING_DAYS,
    LOST_REASONS,
    N_JUDGES,
    N_MARKETERS,
    N_REPS,
    OUTCOMES,
    REJECT_REASONS,
    SC,
    SCENARIOS,
    SEGMENTS,
    SMALL_INBOX_ROWS,
)

# --- the plan: one row per lead with its whole story ------------------------------------------


def helpers_sql(days: list[tuple[int, datetime]]) -> list[str]:
    """Session functions: hashing randoms and working-day timestamps.

    ``pg_temp.wts(i, s)``: 09:00 (Europe/London) of working day ``i`` plus
    ``s`` seconds, from a table of the days the dataset spans (no DST change
    falls within working hours, so adding seconds to 09:00 is exact)."""
    first = days[0][0]
    # Epoch seconds as a float8[] literal: parsed once into a constant, where
    # an array of timestamptz casts (stable, not immutable) would be cast anew
    # on every call.
    literal = "'{" + ",".join(str(int(moment.timestamp())) for _, moment in days) + "}'::float8[]"
    return [
        """CREATE FUNCTION pg_temp.r(bigint, integer) RETURNS double precision AS
           $$ SELECT (hashint8extended($1, $2) & 2147483647)::double precision / 2147483648.0 $$
           LANGUAGE sql IMMUTABLE PARALLEL SAFE""",
        f"""CREATE FUNCTION pg_temp.wts(integer, integer) RETURNS timestamptz AS
           $$ SELECT to_timestamp(({literal})[$1 - {first} + 1] + $2) $$
           LANGUAGE sql IMMUTABLE PARALLEL SAFE""",
    ]


def plan_sql(
    ranges: list[tuple[int, int]], t: int, ids: dict, first_campaign: int, first_month: date
) -> list:
    """The per-lead plan (unlogged tables ``bench_p3``, ``bench_o`` then
    ``bench_p``): scenario, the working day of each event (``*_i``), and every
    timestamp the inserts need.

    A list of statements, in order; a list within it is one statement per
    range of ``ranges``, to run side by side on as many connections."""
    H = HISTORY_WORKING_DAYS
    total = sum(w for _, w in SCENARIOS)
    cases, acc = [], 0.0
    for code, (_, weight) in enumerate(SCENARIOS[:-1]):
        acc += weight / total
        cases.append(f"WHEN {r(1)} < {acc:.6f} THEN {code}")
    scenario = f"(CASE {' '.join(cases)} ELSE {len(SCENARIOS) - 1} END)"

    def window(lo: int, hi: int) -> str:
        return ri(2, t - lo, t - hi)

    # Delivery day (qi) per scenario; anchor days for the ones tied to "now".
    gd = ri(3, 1, 5)  # working days from delivery to the first decision
    deliver = f"""CASE sc
        WHEN {SC["inquiry"]} THEN NULL WHEN {SC["disqualified"]} THEN NULL
        WHEN {SC["mql_waiting"]} THEN {window(4, 1)}
        WHEN {SC["sal_in_followup"]} THEN {window(13, 1)} - {gd}
        WHEN {SC["rejected_window_open"]} THEN {window(9, 1)} - {gd}
        WHEN {SC["appeal_open"]} THEN {window(65, 1)} - {ri(4, 1, 9)} - {gd}
        WHEN {SC["ignored_open"]} THEN {window(65, 1)} - 6
        WHEN {SC["unworked_open"]} THEN {window(65, 1)} - 14 - {gd}
        WHEN {SC["rejected_recycled_accepted"]} THEN {window(H - 10, 90)}
        WHEN {SC["appeal_overturned"]} THEN {window(H - 10, 90)}
        WHEN {SC["ignored_followed_up"]} THEN {window(H - 10, 90)}
        ELSE {window(H - 10, 70)} END"""

    ACCEPTED = [
        SC[s]
        for s in (
            "sal_in_followup",
            "sal_worked",
            "sql",
            "won",
            "lost",
            "returned_after_followup",
            "unworked_open",
            "unworked_returned",
        )
    ]
    REJECTED = [
        SC[s]
        for s in (
            "rejected_window_open",
            "rejected_conceded",
            "rejected_expired",
            "rejected_recycled_accepted",
            "appeal_open",
            "appeal_upheld",
            "appeal_overturned",
        )
    ]
    IGNORED = [SC[s] for s in ("ignored_open", "ignored_returned", "ignored_followed_up")]
    APPEALS = [SC[s] for s in ("appeal_open", "appeal_upheld", "appeal_overturned")]
    UNWORKED = [SC[s] for s in ("unworked_open", "unworked_returned")]
    DECIDED = [
        SC[s]
        for s in (
            "appeal_upheld",
            "appeal_overturned",
            "ignored_returned",
            "ignored_followed_up",
            "unworked_returned",
        )
    ]
    TO_SALES = [SC[s] for s in ("appeal_overturned", "ignored_followed_up")]
    WORKED_SQL = [SC[s] for s in ("sql", "won", "lost")]

    def inn(codes) -> str:
        return "sc IN (" + ",".join(str(c) for c in codes) + ")"

    seg_total = sum(w for *_, w, _ in SEGMENTS)
    seg_cases, acc = [], 0.0
    for index, (_, _, weight, _) in enumerate(SEGMENTS[:-1]):
        acc += weight / seg_total
        seg_cases.append(f"WHEN {r(20)} < {acc:.6f} THEN {index}")
    segment_index = f"(CASE {' '.join(seg_cases)} ELSE {len(SEGMENTS) - 1} END)"
    owners = {index: ids["reps"][owner - 1] for index, (*_, owner) in enumerate(SEGMENTS) if owner}
    owner_case = " ".join(f"WHEN {index} THEN {rep}" for index, rep in owners.items())
    # Round robin over reps 1..39 (rep 40 is the small-inbox rep).
    reps_rr = "(ARRAY[" + ",".join(str(x) for x in ids["reps"][: N_REPS - 1]) + "])"
    marketers = "(ARRAY[" + ",".join(str(x) for x in ids["marketers"]) + "])"
    judges = "(ARRAY[" + ",".join(str(x) for x in ids["judges"]) + "])"
    segments = "(ARRAY[" + ",".join(str(x) for x in ids["segments"]) + "])"

    # Criteria masks by number of criteria met (a join table ``masks``).
    by_count: dict[int, list[int]] = {k: [] for k in range(11)}
    for mask in range(1024):
        by_count[bin(mask).count("1")].append(mask)
    masks_values = ",".join(f"({k}, ARRAY[{','.join(map(str, v))}])" for k, v in by_count.items())
    qualified_count = pick([("4", 30), ("5", 25), ("6", 20), ("7", 12), ("8", 8), ("9", 3), ("10", 2)], r(30))
    raw_count = pick([("0", 10), ("1", 15), ("2", 20), ("3", 25), ("4", 15), ("5", 10), ("6", 5)], r(30))

    s = {k: f"(300 + floor({r(40 + k)} * 28200)::int)" for k in range(12)}  # seconds after 09:00

    def p3_select(lo: int, hi: int) -> str:
        p0 = f"""SELECT b.*,
          CASE WHEN sc = {SC["inquiry"]} THEN {ri(5, t - H, t - 1)}
               WHEN sc = {SC["disqualified"]} THEN {ri(5, t - H, t - 11)}
               WHEN sc = {SC["mql_waiting"]} THEN qi - {ri(6, 1, 40)}
               ELSE qi - {ri(6, 1, 15)} END AS ci,
          CASE WHEN {inn(ACCEPTED)} THEN qi + gd END AS ai,
          CASE WHEN {inn(REJECTED)} THEN qi + gd END AS rji
        FROM (SELECT a.*, {deliver} AS qi, {gd} AS gd
              FROM (SELECT g, {scenario} AS sc FROM generate_series({lo}, {hi}) AS g OFFSET 0) a OFFSET 0) b"""
        p1 = f"""SELECT p0.*,
          CASE WHEN sc = {SC["disqualified"]} THEN ci + {ri(7, 1, 10)} END AS dqi,
          CASE WHEN {inn(IGNORED)} THEN qi + 6 END AS ii,
          CASE WHEN {inn(UNWORKED)} THEN ai + 14 END AS ui,
          CASE WHEN {inn(APPEALS)} THEN rji + {ri(4, 1, 9)} END AS api,
          CASE WHEN sc IN ({SC["rejected_conceded"]}, {SC["rejected_recycled_accepted"]}) THEN rji + {ri(8, 1, 9)} END AS coni,
          CASE WHEN {inn(WORKED_SQL)} THEN ai + {ri(9, 3, 20)} END AS sqi,
          CASE WHEN sc = {SC["returned_after_followup"]} THEN ai + {ri(10, 5, 14)} END AS reti
        FROM ({p0} OFFSET 0) p0"""
        p2 = f"""SELECT p1.*,
          COALESCE(api, ii, ui) AS oi,
          CASE WHEN sc IN ({SC["won"]}, {SC["lost"]}) THEN sqi + {ri(11, 5, 40)} END AS cli,
          CASE WHEN sc = {SC["rejected_expired"]} THEN rji + 10
               WHEN sc = {SC["returned_after_followup"]} THEN reti + 10 END AS expi,
          CASE WHEN sc = {SC["rejected_recycled_accepted"]} THEN coni + {ri(12, 5, 30)} END AS reci
        FROM ({p1} OFFSET 0) p1"""
        return f"""SELECT p2.*,
          CASE WHEN {inn(DECIDED)} THEN oi + {ri(13, 1, 15)} END AS vi,
          CASE WHEN sc = {SC["rejected_recycled_accepted"]} THEN reci + {ri(14, 1, 5)} END AS a2i,
          CASE WHEN sc IN ({SC["inquiry"]}, {SC["disqualified"]}) THEN {raw_count}::int ELSE {qualified_count}::int END AS crit_n,
          {segment_index} AS seg
        FROM ({p2} OFFSET 0) p2"""

    def p_select(lo: int, hi: int) -> str:
        return f"""
        SELECT o.*,
          masks.m[1 + floor({r(31)} * array_length(masks.m, 1))::int] AS mask,
          CASE WHEN crit_n >= 7 THEN 'A' ELSE 'B' END AS grade,
          CASE WHEN crit_n >= 7 THEN 6 ELSE 3 END AS req,
          {marketers}[1 + floor({r(21)} * {N_MARKETERS})::int] AS marketer,
          CASE WHEN qi IS NULL THEN NULL
               ELSE COALESCE(CASE seg {owner_case} END, {reps_rr}[1 + floor({r(22)} * {N_REPS - 1})::int]) END AS rep,
          {judges}[1 + floor({r(23)} * {N_JUDGES})::int] AS judge,
          {segments}[seg + 1] AS segment_id,
          CASE WHEN {r(24)} < 0.6 THEN
            {first_campaign} + 4 * ((extract(year FROM pg_temp.wts(ci, 0) AT TIME ZONE 'Europe/London')::int * 12
               + extract(month FROM pg_temp.wts(ci, 0) AT TIME ZONE 'Europe/London')::int)
               - {first_month.year * 12 + first_month.month}) + floor({r(25)} * 4)::int END AS campaign_id,
          pg_temp.wts(ci, {s[0]}) AS t_create,
          pg_temp.wts(qi, {s[1]}) AS t_qualify,
          pg_temp.wts(dqi, {s[2]}) AS t_dq,
          pg_temp.wts(ai, {s[3]}) AS t_accept,
          pg_temp.wts(rji, {s[3]}) AS t_reject,
          pg_temp.wts(coni, {s[4]}) AS t_concede,
          -- system jobs act just after the deadline they enforce
          CASE WHEN sc = {SC["rejected_expired"]} THEN pg_temp.wts(expi, {s[3]}) + interval '5 min'
               ELSE pg_temp.wts(expi, {s[7]}) + interval '5 min' END AS t_expire,
          pg_temp.wts(api, {s[5]}) AS t_appeal,
          pg_temp.wts(ii, {s[1]}) + interval '2 min' AS t_flag_ignored,
          pg_temp.wts(ui, {s[3]}) + interval '3 min' AS t_flag_unworked,
          pg_temp.wts(vi, {s[6]}) AS t_verdict,
          pg_temp.wts(reti, {s[7]}) AS t_return_after,
          pg_temp.wts(reci, {s[8]}) AS t_recycle,
          pg_temp.wts(a2i, {s[9]}) AS t_accept2,
          pg_temp.wts(sqi, {s[10]}) AS t_sql,
          pg_temp.wts(cli, {s[11]}) AS t_close,
          -- deadlines (working days at the same time of day)
          pg_temp.wts(qi + 6, {s[1]}) AS decision_due,
          pg_temp.wts(reci + 6, {s[8]}) AS decision_due2,
          pg_temp.wts(rji + 10, {s[3]}) AS appeal_due,
          CASE WHEN oi IS NOT NULL THEN
            pg_temp.wts(oi + 5, CASE WHEN api IS NOT NULL THEN {s[5]} WHEN ii IS NOT NULL THEN {s[1]} ELSE {s[3]} END)
          END AS case_due,
          CASE WHEN oi IS NOT NULL AND oi + 5 <= {t - 1} AND (vi IS NULL OR vi > oi + 5) THEN
            pg_temp.wts(oi + 5, CASE WHEN api IS NOT NULL THEN {s[5]} WHEN ii IS NOT NULL THEN {s[1]} ELSE {s[3]} END)
              + interval '30 min'
          END AS t_escalate,
          -- the current follow-up round: [start day, deadline day)
          CASE WHEN {inn(ACCEPTED)} THEN ai WHEN {inn(TO_SALES)} THEN vi
               WHEN sc = {SC["rejected_recycled_accepted"]} THEN a2i END AS round_i,
          CASE WHEN {inn(DECIDED)} THEN {pick([("none", 40), ("marketing", 35), ("criteria", 25)], r(26))} END AS finding_back,
          {pick(REJECT_REASONS, r(27))} AS reject_reason,
          {pick(LOST_REASONS, r(28))} AS lost_reason,
          round((1000 + {r(29)} * 49000)::numeric, 2) AS amount
        FROM bench_o o JOIN bench_masks masks ON masks.k = o.crit_n WHERE o.id BETWEEN {lo} AND {hi}"""

    return [
        "CREATE UNLOGGED TABLE bench_masks (k int PRIMARY KEY, m int[])",
        f"INSERT INTO bench_masks VALUES {masks_values}",
        # Pass 1: scenario and working days, per range of rows on every
        # connection (each level computed once: OFFSET 0 keeps the planner
        # from pasting an expression into every place that names it).
        f"CREATE UNLOGGED TABLE bench_p3 AS {p3_select(1, 0)} WITH NO DATA",
        [f"INSERT INTO bench_p3 {p3_select(lo, hi)}" for lo, hi in ranges],
        # Pass 2: ids in creation order, then people and every timestamp.
        f"""CREATE UNLOGGED TABLE bench_o AS
          SELECT row_number() OVER (ORDER BY ci, {s[0]}, g) AS id, p3.* FROM bench_p3 p3""",
        f"CREATE UNLOGGED TABLE bench_p AS {p_select(1, 0)} WITH NO DATA",
        [f"INSERT INTO bench_p {p_select(lo, hi)}" for lo, hi in ranges],
        # Pass 2: ids in creation order, people, and every timestamp.
        "DROP TABLE bench_p3, bench_o",
        "CREATE UNIQUE INDEX ON bench_p (id)",
        # The small-inbox rep: exactly SMALL_INBOX_ROWS of the waiting MQLs, nothing else.
        f"""UPDATE bench_p SET rep = {ids["reps"][N_REPS - 1]} WHERE id IN (
              SELECT id FROM bench_p WHERE sc = {SC["mql_waiting"]} AND seg NOT IN ({",".join(str(i) for i in owners) or "-1"})
              ORDER BY id LIMIT {SMALL_INBOX_ROWS})""",
        "ANALYZE bench_p",
    ]


def touches_plan_sql(ranges: list[tuple[int, int]], t: int) -> list:
    """One row per touch (unlogged table ``bench_pt``): how many each story
    has, spread over the working days strictly inside the round's window.
    Statements as ``plan_sql`` returns them."""
    enough = f"req + {ri(50, 0, 3, 'id')}"
    too_few = f"{ri(51, 0, 10, 'id')} % req"
    S = SC
    count = f"""CASE
        WHEN sc = {S["sal_in_followup"]} THEN CASE WHEN {t} - round_i >= 2 THEN {ri(52, 0, 7, "id")} % (req + 2) ELSE 0 END
        WHEN sc IN ({S["unworked_open"]}, {S["unworked_returned"]}) THEN {too_few}
        WHEN round_i IS NOT NULL THEN {enough}
        ELSE 0 END"""
    window_end = f"""CASE
        WHEN sc = {S["sal_in_followup"]} THEN {t}
        WHEN sc IN ({S["sql"]}, {S["won"]}, {S["lost"]}) THEN sqi
        WHEN sc = {S["returned_after_followup"]} THEN reti
        ELSE round_i + 14 END"""
    channel = pick(CHANNELS, "pg_temp.r(id * 16 + k, 53)")
    outcome = pick(OUTCOMES, "pg_temp.r(id * 16 + k, 54)")

    def pt_select(lo: int, hi: int) -> str:
        return f"""SELECT id AS lead_id, rep, k,
          pg_temp.wts(round_i + 1 + floor(pg_temp.r(id * 16 + k, 55) * (w_end - round_i - 1))::int,
                      300 + floor(pg_temp.r(id * 16 + k, 56) * 28200)::int) AS occurred_at,
          {channel} AS channel, {outcome} AS outcome
        FROM (SELECT p.*, {count} AS n, {window_end} AS w_end FROM bench_p p
              WHERE round_i IS NOT NULL AND id BETWEEN {lo} AND {hi}) x,
             generate_series(1, x.n) AS k
        WHERE x.w_end - x.round_i >= 2"""

    return [
        f"CREATE UNLOGGED TABLE bench_pt AS {pt_select(1, 0)} WITH NO DATA",
        [f"INSERT INTO bench_pt {pt_select(lo, hi)}" for lo, hi in ranges],
        # What the touches add up to, where a story records it (the snapshot of
        # a "not followed up" case, the return after follow-up): few leads.
        f"""CREATE UNLOGGED TABLE bench_pt_agg AS
        SELECT lead_id, sum(n)::int AS n, jsonb_object_agg(channel, n) AS by_channel, count(*)::int AS channels
        FROM (SELECT lead_id, channel, count(*) AS n FROM bench_pt
              WHERE lead_id IN (SELECT id FROM bench_p WHERE sc IN ({S["unworked_open"]}, {S["unworked_returned"]}, {S["returned_after_followup"]}))
              GROUP BY 1, 2) c GROUP BY lead_id""",
        "CREATE UNIQUE INDEX ON bench_pt_agg (lead_id)",
    ]
