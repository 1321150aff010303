# ruff: noqa: E501, S608
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608).
"""The inserts that turn the plan into rows: leads, cases (statements,
votes, escalations), history events and touches."""

from __future__ import annotations

import re
from datetime import datetime

from dataset_sql import pick, q, r, sql_array
from dataset_tables import (
    CAMPAIGN_KINDS,
    COMPANY_A,
    COMPANY_B,
    COMPANY_SUFFIX,
    COUNTRIES,
    CRITERIA_CODES,
    DISQUALIFY_REASON,
    FIRST_NAMES,
    LAST_NAMES,
    SC,
    SOURCES,
    TITLES,
)


def leads_insert_sql(t: int, ids: dict) -> str:
    S = SC
    first = sql_array(FIRST_NAMES)
    last = sql_array(LAST_NAMES)
    comp_a, comp_b, suffix = sql_array(COMPANY_A), sql_array(COMPANY_B), sql_array(COMPANY_SUFFIX)
    titles = sql_array(TITLES)

    def name_parts(key: str) -> tuple[str, str]:
        fn = f"{first}[1 + floor(pg_temp.r({key}, 60) * {len(FIRST_NAMES)})::int]"
        ln = f"{last}[1 + floor(pg_temp.r({key}, 61) * {len(LAST_NAMES)})::int]"
        return fn, ln

    fn, ln = name_parts("id")
    base_fn, base_ln = name_parts("id - 1001")
    company_idx = "floor(pg_temp.r(id, 62) * 3000)::int"
    company = (
        f"{comp_a}[1 + {company_idx} % {len(COMPANY_A)}] || ' ' || {comp_b}[1 + ({company_idx} / {len(COMPANY_A)}) % {len(COMPANY_B)}]"
        f" || ' ' || {suffix}[1 + ({company_idx} / 600) % {len(COMPANY_SUFFIX)}]"
    )
    domain = f"lower(replace({comp_a}[1 + {company_idx} % {len(COMPANY_A)}] || {comp_b}[1 + ({company_idx} / {len(COMPANY_A)}) % {len(COMPANY_B)}], ' ', '')) || '.example'"
    # Every 50th lead (from 1001 on) reuses an earlier lead's email in
    # another case: a probable duplicate of it (SPEC §2).
    # ({LO}: the first id of the connection's range; the original must be in
    # the same range, so that no range waits for another's commit.)
    is_dup = "(id % 50 = 7 AND id - 1001 >= {LO})"
    email = f"""CASE WHEN {is_dup}
        THEN initcap(lower({base_fn})) || '.' || lower({base_ln}) || (id - 1001) || '@' || {domain.replace("id, 62", "id - 1001, 62")}
        ELSE lower({fn}) || '.' || lower({ln}) || id || '@' || {domain} END"""
    sources = pick(SOURCES, r(63, "id"))
    campaign_source = (
        f"(CASE (campaign_id - {ids['first_campaign']}) % 4 "
        + " ".join(f"WHEN {k} THEN {q(source)}" for k, (_, source) in enumerate(CAMPAIGN_KINDS))
        + " END)"
    )
    countries = pick(COUNTRIES, r(64, "id"))

    state = f"""CASE sc
        WHEN {S["inquiry"]} THEN 'inquiry' WHEN {S["disqualified"]} THEN 'disqualified'
        WHEN {S["mql_waiting"]} THEN 'mql'
        WHEN {S["sql"]} THEN 'sql' WHEN {S["won"]} THEN 'won' WHEN {S["lost"]} THEN 'lost'
        WHEN {S["rejected_window_open"]} THEN 'rejected'
        WHEN {S["appeal_open"]} THEN 'in_review' WHEN {S["ignored_open"]} THEN 'in_review'
        WHEN {S["unworked_open"]} THEN 'in_review'
        WHEN {S["sal_in_followup"]} THEN 'sal' WHEN {S["sal_worked"]} THEN 'sal'
        WHEN {S["rejected_recycled_accepted"]} THEN 'sal' WHEN {S["appeal_overturned"]} THEN 'sal'
        WHEN {S["ignored_followed_up"]} THEN 'sal'
        ELSE 'returned' END"""
    last_delivery = "COALESCE(t_recycle, t_qualify)"
    # A rejection stays on the lead until it is delivered again or a verdict
    # sends it back to sales (Lead._deliver, verdict_follow_up).
    has_rejection = f"sc IN ({S['rejected_window_open']}, {S['rejected_conceded']}, {S['rejected_expired']}, {S['appeal_open']}, {S['appeal_upheld']}, {S['returned_after_followup']})"
    rejected_at = "COALESCE(t_return_after, t_reject)"
    note = "CASE WHEN reject_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END"
    return_cause = f"""CASE
        WHEN sc = {S["appeal_upheld"]} THEN 'Rejection upheld: ' || (SELECT label FROM leads_reasoncode WHERE code = reject_reason)
        WHEN sc IN ({S["ignored_returned"]}, {S["unworked_returned"]}) THEN 'Contact data incomplete; marketing to re-qualify'
        ELSE '' END"""
    followup_due = f"""CASE WHEN sc IN ({S["sal_in_followup"]}, {S["sal_worked"]}, {S["rejected_recycled_accepted"]}, {S["appeal_overturned"]}, {S["ignored_followed_up"]})
        THEN pg_temp.wts(round_i + 14, 0) + (COALESCE(t_accept2, t_verdict, t_accept) - pg_temp.wts(round_i, 0)) END"""
    last_event = "GREATEST(t_create, t_qualify, t_dq, t_accept, t_reject, t_concede, t_expire, t_appeal, t_flag_ignored, t_flag_unworked, t_verdict, t_return_after, t_recycle, t_accept2, t_sql, t_close, t_escalate)"
    return f"""
    INSERT INTO leads_lead (id, public_id, external_id, first_name, last_name, email, phone, company, title,
        country, source, campaign_id, segment_id, marketer_id, assigned_rep_id, duplicate_of_id, criteria_mask,
        state, delivery_count, created_at, updated_at, assigned_at, delivered_at, accepted_at,
        followup_started_at, rejected_at, in_review_at, returned_at, sql_at, closed_at, disqualified_at,
        decision_due_at, followup_due_at, appeal_due_at, rejection_reason_id, rejection_note,
        disqualify_reason, return_cause, won_amount, lost_reason_id)
    SELECT id, gen_random_uuid(),
        CASE WHEN pg_temp.r(id, 65) < 0.6 THEN 'CRM-' || lpad(id::text, 8, '0') END,
        {fn}, {ln}, {email},
        '+44 7' || lpad((floor(pg_temp.r(id, 66) * 1e9))::bigint::text, 9, '0'),
        {company}, {titles}[1 + floor(pg_temp.r(id, 67) * {len(TITLES)})::int], {countries},
        CASE WHEN campaign_id IS NULL THEN {sources} ELSE {campaign_source} END,
        campaign_id, segment_id, marketer, rep,
        CASE WHEN {is_dup} THEN id - 1001 END,
        mask,
        {state},
        CASE WHEN qi IS NULL THEN 0 WHEN t_recycle IS NOT NULL THEN 2 ELSE 1 END,
        t_create, {last_event},
        {last_delivery}, {last_delivery},
        COALESCE(t_accept, CASE WHEN sc IN ({S["appeal_overturned"]}, {S["ignored_followed_up"]}) THEN t_verdict END, t_accept2),
        COALESCE(t_accept2, CASE WHEN sc IN ({S["appeal_overturned"]}, {S["ignored_followed_up"]}) THEN t_verdict END, t_accept),
        {rejected_at},
        COALESCE(t_appeal, t_flag_ignored, t_flag_unworked),
        COALESCE(t_verdict_return, t_concede, t_expire),
        t_sql, t_close, t_dq,
        CASE WHEN sc = {S["mql_waiting"]} THEN decision_due END,
        {followup_due},
        CASE WHEN sc IN ({S["rejected_window_open"]}, {S["appeal_open"]}) THEN appeal_due END,
        CASE WHEN {has_rejection} THEN reject_reason END,
        CASE WHEN {has_rejection} THEN {note} ELSE '' END,
        CASE WHEN sc = {S["disqualified"]} THEN {DISQUALIFY_REASON} ELSE '' END,
        {return_cause},
        CASE WHEN sc = {S["won"]} THEN amount END,
        CASE WHEN sc = {S["lost"]} THEN lost_reason END
    FROM (SELECT p.*, CASE WHEN sc IN ({S["appeal_upheld"]}, {S["ignored_returned"]}, {S["unworked_returned"]}) THEN t_verdict END AS t_verdict_return FROM {{P}} p) p
    ORDER BY id"""


def cases_plan_sql() -> list[str]:
    """The cases (unlogged table ``bench_pc``), with their ids: the history
    names them, so they are planned before it."""
    S = SC
    kind = """CASE WHEN api IS NOT NULL THEN 'appeal' WHEN ii IS NOT NULL THEN 'ignored' ELSE 'not_followed_up' END"""
    decision = f"""CASE sc WHEN {S["appeal_upheld"]} THEN 'uphold' WHEN {S["appeal_overturned"]} THEN 'overturn'
        WHEN {S["ignored_followed_up"]} THEN 'follow_up' WHEN {S["ignored_returned"]} THEN 'return'
        WHEN {S["unworked_returned"]} THEN 'return' ELSE '' END"""
    return [
        f"""CREATE UNLOGGED TABLE bench_pc AS
        SELECT row_number() OVER (ORDER BY t_open, id) AS case_id, x.* FROM (
          SELECT p.*, {kind} AS kind,
            COALESCE(t_appeal, t_flag_ignored, t_flag_unworked) AS t_open,
            {decision} AS decision,
            CASE WHEN sc IN ({S["appeal_overturned"]}, {S["ignored_followed_up"]}) THEN 'sales'
                 WHEN vi IS NOT NULL THEN finding_back ELSE '' END AS finding
          FROM bench_p p WHERE oi IS NOT NULL) x""",
        "CREATE UNIQUE INDEX ON bench_pc (id)",
    ]


def cases_sql(ids: dict) -> list[str]:
    """Cases (from ``bench_pc``), statements and votes."""
    crit = sql_array(CRITERIA_CODES)
    iso = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    return [
        f"""INSERT INTO adjudication_case (id, kind, lead_id, rep_id, marketer_id, opened_by_id, opened_at, due_at,
            snapshot, reason_code, status, escalated_at, decided_at, decision, finding, rationale, cause, decided_by_id)
        SELECT case_id, kind, pc.id, rep, marketer,
          CASE WHEN kind = 'appeal' THEN marketer ELSE {ids["system"]} END,
          t_open, case_due,
          jsonb_build_object(
            'state_before', CASE kind WHEN 'appeal' THEN 'rejected' WHEN 'ignored' THEN 'mql' ELSE 'sal' END,
            'reason', CASE WHEN kind = 'appeal' THEN reject_reason ELSE '' END,
            'reason_label', CASE WHEN kind = 'appeal' THEN (SELECT label FROM leads_reasoncode WHERE code = reject_reason) ELSE '' END,
            'note', CASE WHEN kind = 'appeal' AND reject_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END,
            'rejected_at', CASE WHEN kind = 'appeal' THEN {iso.format("t_reject")} END,
            'delivered_at', {iso.format("t_qualify")},
            'criteria', ARRAY(SELECT {crit}[b + 1] FROM generate_series(0, 9) b WHERE mask & (1 << b) <> 0),
            'grade', grade,
            'touches', jsonb_build_object(
                'count', COALESCE(a.n, 0), 'by_channel', COALESCE(a.by_channel, '{{}}'::jsonb),
                'channels', COALESCE(a.channels, 0), 'followup_round', COALESCE(a.n, 0), 'required', req)),
          CASE WHEN kind = 'appeal' THEN reject_reason ELSE '' END,
          CASE WHEN vi IS NULL THEN 'open' ELSE 'decided' END,
          t_escalate, t_verdict, decision, finding,
          CASE WHEN vi IS NULL THEN '' ELSE 'Bench verdict: the record and the touches decide it.' END,
          CASE WHEN decision = 'uphold' THEN 'Rejection upheld: ' || (SELECT label FROM leads_reasoncode WHERE code = reject_reason)
               WHEN decision = 'return' THEN 'Contact data incomplete; marketing to re-qualify' ELSE '' END,
          CASE WHEN vi IS NULL THEN NULL ELSE judge END
        FROM bench_pc pc LEFT JOIN bench_pt_agg a ON a.lead_id = pc.id AND pc.kind = 'not_followed_up'
        ORDER BY pc.id""",
        # The marketer's argument opens every appeal; half get the rep's answer a day later.
        """INSERT INTO adjudication_statement (case_id, author_id, text, created_at)
        SELECT case_id, author, text, at FROM (
          SELECT case_id, marketer AS author, 'The lead met the agreed criteria; sales rejected it without working it.' AS text, t_appeal AS at
          FROM bench_pc pc WHERE kind = 'appeal'
          UNION ALL
          SELECT case_id, rep, 'The contact never answered and the company is outside our market.',
            pg_temp.wts(api + 1, 400)
          FROM bench_pc pc WHERE kind = 'appeal' AND pg_temp.r(id, 70) < 0.5 AND api + 1 < COALESCE(vi, {t})
        ) s ORDER BY at""",
        """INSERT INTO adjudication_vote (case_id, judge_id, decision, finding, rationale, cause, cast_at)
        SELECT case_id, judge, decision, finding, 'Bench verdict: the record and the touches decide it.',
          CASE WHEN decision = 'return' THEN 'Contact data incomplete; marketing to re-qualify' ELSE '' END, t_verdict
        FROM bench_pc pc WHERE vi IS NOT NULL ORDER BY t_verdict""",
    ]


def events_sql(ids: dict, rb2_at: datetime) -> str:
    """Every history row; ids increase with time within each lead (and month by month overall)."""
    S = SC
    sysid = ids["system"]
    iso_due = "to_char(case_due AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    note = "CASE WHEN reject_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END"
    lost_note = "CASE WHEN lost_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END"
    delivered_states = f"""CASE WHEN sc IN ({S["rejected_window_open"]}, {S["rejected_conceded"]}, {S["rejected_expired"]}, {S["rejected_recycled_accepted"]}, {S["appeal_open"]}, {S["appeal_upheld"]}, {S["appeal_overturned"]}) THEN 'rejected'
        WHEN sc IN ({S["ignored_open"]}, {S["ignored_returned"]}, {S["ignored_followed_up"]}) THEN 'in_review' ELSE 'sal' END"""
    verdict_to = f"CASE WHEN sc IN ({S['appeal_overturned']}, {S['ignored_followed_up']}) THEN 'sal' ELSE 'returned' END"
    branches = [
        # create: marketer, the duplicate's original named in data
        """SELECT p.id, 'create', 'inquiry', 'inquiry', marketer, t_create, NULL, '',
              CASE WHEN p.id % 50 = 7 THEN coalesce(
                (SELECT jsonb_build_object('duplicate_of', o.public_id::text)
                 FROM leads_lead d JOIN leads_lead o ON o.id = d.duplicate_of_id WHERE d.id = p.id),
                '{}'::jsonb) ELSE '{}'::jsonb END
            FROM p""",
        # The note is the lead's disqualify_reason, as lead_disqualify records it.
        f"""SELECT id, 'disqualify', 'inquiry', 'disqualified', marketer, t_dq, NULL,
              {DISQUALIFY_REASON}, '{{}}'::jsonb FROM p WHERE t_dq IS NOT NULL""",
        """SELECT id, 'qualify', 'inquiry', 'mql', marketer, t_qualify, NULL, '',
              jsonb_build_object('rep', rep, 'criteria_met', crit_n) FROM p WHERE t_qualify IS NOT NULL""",
        "SELECT id, 'accept', 'mql', 'sal', rep, t_accept, NULL, '', '{}'::jsonb FROM p WHERE t_accept IS NOT NULL",
        f"SELECT id, 'reject', 'mql', 'rejected', rep, t_reject, reject_reason, {note}, '{{}}'::jsonb FROM p WHERE t_reject IS NOT NULL",
        "SELECT id, 'concede', 'rejected', 'returned', marketer, t_concede, NULL, '', '{}'::jsonb FROM p WHERE t_concede IS NOT NULL",
        f"SELECT id, 'expire_appeal', 'rejected', 'returned', {sysid}, t_expire, NULL, '', '{{}}'::jsonb FROM p WHERE t_expire IS NOT NULL",
        """SELECT id, 'appeal', 'rejected', 'in_review', marketer, t_appeal, NULL, '',
              jsonb_build_object('case', case_id, 'kind', 'appeal') FROM pc WHERE kind = 'appeal'""",
        f"""SELECT id, 'flag_ignored', 'mql', 'in_review', {sysid}, t_flag_ignored, NULL, '',
              jsonb_build_object('case', case_id, 'kind', 'ignored') FROM pc WHERE kind = 'ignored'""",
        f"""SELECT id, 'flag_unworked', 'sal', 'in_review', {sysid}, t_flag_unworked, NULL, '',
              jsonb_build_object('case', case_id, 'kind', 'not_followed_up') FROM pc WHERE kind = 'not_followed_up'""",
        f"""SELECT id, 'case_escalated', 'in_review', 'in_review', {sysid}, t_escalate, NULL, '',
              jsonb_build_object('case', case_id, 'due_at', {iso_due}) FROM pc WHERE t_escalate IS NOT NULL""",
        f"""SELECT id, 'verdict_' || decision, 'in_review', {verdict_to}, judge, t_verdict, NULL,
              'Bench verdict: the record and the touches decide it.',
              jsonb_build_object('case', case_id, 'decision', decision, 'finding', finding, 'votes', 1, 'dissent', 0)
            FROM pc WHERE t_verdict IS NOT NULL""",
        f"""SELECT p.id, 'return_after_followup', 'sal', 'rejected', rep, t_return_after, reject_reason, {note},
              jsonb_build_object('touches', COALESCE(a.n, 0), 'grade', grade)
            FROM {{P}} p LEFT JOIN bench_pt_agg a ON a.lead_id = p.id WHERE t_return_after IS NOT NULL""",
        """SELECT id, 'recycle', 'returned', 'mql', marketer, t_recycle, NULL, '',
              jsonb_build_object('rep', rep, 'criteria_met', crit_n) FROM p WHERE t_recycle IS NOT NULL""",
        "SELECT id, 'accept', 'mql', 'sal', rep, t_accept2, NULL, '', '{}'::jsonb FROM p WHERE t_accept2 IS NOT NULL",
        "SELECT id, 'qualify_opportunity', 'sal', 'sql', rep, t_sql, NULL, '', '{}'::jsonb FROM p WHERE t_sql IS NOT NULL",
        f"""SELECT id, CASE WHEN sc = {S["won"]} THEN 'close_won' ELSE 'close_lost' END, 'sql',
              CASE WHEN sc = {S["won"]} THEN 'won' ELSE 'lost' END, rep, t_close,
              CASE WHEN sc = {S["lost"]} THEN lost_reason END,
              CASE WHEN sc = {S["lost"]} THEN {lost_note} ELSE '' END,
              CASE WHEN sc = {S["won"]} THEN jsonb_build_object('amount', amount::text) ELSE '{{}}'::jsonb END
            FROM p WHERE t_close IS NOT NULL""",
    ]
    del delivered_states
    union = "\nUNION ALL\n".join(branches)
    # Each worker inserts the events of its own range of leads ({P}, {PC}).
    union = re.sub(r"FROM p\b(?!\.)", "FROM {P} p", union)
    union = re.sub(r"FROM pc\b", "FROM {PC} pc", union)
    return f"""
    INSERT INTO leads_leadevent (lead_id, transition, from_state, to_state, actor_id, occurred_at, reason_id,
        note, data, rulebook_version_id)
    SELECT lead_id, transition, from_state, to_state, actor_id, occurred_at, reason_id, note, data,
        CASE WHEN occurred_at >= '{rb2_at.isoformat()}' THEN {ids["rb2"]} ELSE {ids["rb1"]} END
    FROM ({union}) AS e (lead_id, transition, from_state, to_state, actor_id, occurred_at, reason_id, note, data)
    -- Month by month (the heap stays in time order at that grain), and by
    -- lead within a month (the order the history has always been written
    -- in, so that its ids and pages stay as they were).
    ORDER BY date_trunc('month', occurred_at), lead_id, occurred_at"""


TOUCHES_INSERT = """
INSERT INTO leads_touch (lead_id, actor_id, channel, outcome, note, occurred_at, created_at)
SELECT lead_id, rep, channel, outcome, '', occurred_at, occurred_at + interval '1 min'
FROM {PT} pt ORDER BY date_trunc('month', occurred_at), lead_id, occurred_at"""

SEQUENCES = [
    ("leads_lead", "id"),
    ("leads_leadevent", "id"),
    ("leads_touch", "id"),
    ("adjudication_case", "id"),
    ("adjudication_statement", "id"),
    ("adjudication_vote", "id"),
]
