"""The household save as one server-side function: one round trip per save.

Round trips are the cost of a save on this hardware (each ~0.25 ms, a save used to need ~15),
so the write gate (surveys/gate.py), version check, member upserts, count deltas and the
audit entry run inside `pcgd_save_household`. The functions are (re)created by
`pcgd db upgrade` from this module, so they always match the code (the count columns come
from surveys.rollup.sql).
"""

from __future__ import annotations

from pcgd.accounts import sessions
from surveys.roll import fields
from surveys.rollup import sql as rollup_sql

# The column lists come from the one definition of the roll's fields.
STATUS_FIELDS: tuple[tuple[str, str], ...] = fields.STATUS_COLUMNS
PERSON_FIELDS: tuple[tuple[str, str], ...] = fields.PERSON_COLUMNS

# SQLSTATEs raised by the function, mapped to HTTP answers by surveys.service.
NOT_FOUND, FORBIDDEN, CONFLICT, LOCKED = "PC404", "PC403", "PC409", "PC423"
SESSION_ENDED = "PC401"

_YEAR_FIELDS = {name for name, kind in STATUS_FIELDS if kind == "int"}


def _member_json() -> str:
    status = ", ".join(
        f"'{name}', "
        + (f"coalesce(to_char(py.{name}, 'YYYY-MM-DD'), '')" if kind == "date" else f"py.{name}")
        for name, kind in STATUS_FIELDS
    )
    person = ", ".join(
        f"'{name}', coalesce(p.{name}, '')" if name == "personal_id" else f"'{name}', p.{name}"
        for name in fields.PERSON_PLAIN
    )
    return (
        "jsonb_build_object('person_id', p.id, 'person_year_id', py.id,"
        " 'full_name', p.full_name,"
        " 'birth_date', coalesce(to_char(p.birth_date, 'YYYY-MM-DD'), p.birth_year::text),"
        f" {person}, 'confirmed', py.confirmed, {status})"
    )


def household_json_function() -> str:
    return f"""
CREATE OR REPLACE FUNCTION pcgd_household_json(p_id integer) RETURNS jsonb
LANGUAGE sql STABLE AS $fn$
SELECT jsonb_build_object(
    'id', h.id, 'commune', u.code, 'year', h.year, 'household_code', h.household_code,
    'hamlet', m.name, 'address', h.address, 'version', h.version,
    'members', coalesce((
        SELECT jsonb_agg({_member_json()} ORDER BY py.position, py.id)
        FROM person_year py JOIN person p ON p.id = py.person WHERE py.household = h.id
    ), '[]'::jsonb))
FROM household h JOIN admin_unit u ON u.id = h.commune JOIN hamlet m ON m.id = h.hamlet
WHERE h.id = p_id
$fn$"""


def save_function() -> str:
    record_cols = ", ".join(f"{n} {k}" for n, k in (*PERSON_FIELDS, *STATUS_FIELDS))
    person_set = ", ".join(f"{n} = r.{n}" for n, _ in PERSON_FIELDS)
    person_old = ", ".join(f"p.{n}" for n, _ in PERSON_FIELDS)
    person_new = ", ".join(f"r.{n}" for n, _ in PERSON_FIELDS)
    person_cols = ", ".join(n for n, _ in PERSON_FIELDS)
    status_set = ", ".join(f"{n} = r.{n}" for n, _ in STATUS_FIELDS)
    status_old = ", ".join(f"y.{n}" for n, _ in STATUS_FIELDS)
    status_new = ", ".join(f"r.{n}" for n, _ in STATUS_FIELDS)
    status_cols = ", ".join(n for n, _ in STATUS_FIELDS)
    # The members as rows, in their order: position, the person they name, the roll values.
    values = ", ".join(f"x.{n}" for n, _ in (*PERSON_FIELDS, *STATUS_FIELDS))
    members = (
        "SELECT (e.ord - 1)::int AS pos, x.person_id, coalesce(x.confirmed, true) AS confirmed,"
        f" {values} FROM jsonb_array_elements(p_members) WITH ORDINALITY AS e(v, ord),"
        f" jsonb_to_record(e.v) AS x(person_id integer, confirmed boolean, {record_cols})"
    )
    in_household = (
        "EXISTS (SELECT 1 FROM person_year h WHERE h.household = v_id AND h.person = r.person_id)"
    )

    def insert_members(which: str) -> str:
        return f"""WITH m AS MATERIALIZED (
            SELECT nextval('person_id_seq'::regclass)::integer AS new_id, r.*
            FROM ({members}) r WHERE {which} ORDER BY r.pos),
        p AS (INSERT INTO person (id, {person_cols}) SELECT new_id, {person_cols} FROM m)
        INSERT INTO person_year (person, household, commune, year, position, confirmed,
                                 {status_cols})
        SELECT new_id, v_id, v_commune, v_year, pos, confirmed, {status_cols}
        FROM m ORDER BY pos"""
    # Counts: the household's rows before (negated), then one upsert of (after + before).
    counts_before = rollup_sql.snapshot("py.household = v_id")
    change = rollup_sql.apply_change("py.household = v_id", "v_counts")
    added = rollup_sql.apply_added("py.household = v_id")
    # A person linked to a record of another commune (a confirmed mover) is shared: changing
    # them changes that commune's record too, so it is audited, versioned and recounted there.
    other_before = rollup_sql.snapshot("py.household = ANY(v_other)")
    other_change = rollup_sql.apply_change("py.household = ANY(v_other)", "v_other_counts")
    session_check = sessions.live_session_select("v_session", "p_user", into="v_seen")
    return f"""
CREATE OR REPLACE FUNCTION pcgd_save_household(
    p_id integer, p_version integer, p_commune integer, p_year integer, p_hamlet text,
    p_code text, p_address text, p_members jsonb, p_allowed integer[], p_user integer,
    p_username text, p_reason text
) RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
    v_id integer; v_commune integer; v_year integer; v_version integer; v_hamlet integer;
    v_updated timestamptz; v_before jsonb; v_counts commune_age_count[];
    v_shared jsonb; v_other integer[]; v_other_counts commune_age_count[];
    v_changed integer[]; v_kept integer; v_session text; v_seen timestamptz;
BEGIN
    -- A web save names its session (the `pcgd.session` setting): it must still be live, checked
    -- here, in the save's own transaction, so a session ended in any process never saves
    -- (the request itself may have found its user in a process's memory: sessions.known).
    v_session := nullif(current_setting('pcgd.session', true), '');
    IF v_session IS NOT NULL THEN
        {session_check};
        IF NOT FOUND THEN
            RAISE EXCEPTION 'session ended' USING ERRCODE = '{SESSION_ENDED}';
        END IF;
        IF v_seen < now() - {sessions.TOUCH_SQL} THEN
            UPDATE user_session SET last_seen = now() WHERE id = v_session;
        END IF;
    END IF;
    IF p_id IS NOT NULL THEN
        SELECT commune, year, version, updated_at INTO v_commune, v_year, v_version, v_updated
        FROM household WHERE id = p_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no household %', p_id USING ERRCODE = '{NOT_FOUND}';
        END IF;
    ELSE
        v_commune := p_commune; v_year := p_year;
    END IF;
    IF p_allowed IS NOT NULL AND NOT (v_commune = ANY(p_allowed)) THEN
        RAISE EXCEPTION 'outside scope' USING ERRCODE = '{FORBIDDEN}';
    END IF;
    PERFORM pcgd_roll_gate(ARRAY[v_commune], v_year);  -- surveys/gate.py: the one door
    -- The hamlet is read first: an upsert would write a new row version on every save.
    SELECT id INTO v_hamlet FROM hamlet WHERE commune = v_commune AND name = p_hamlet;
    IF v_hamlet IS NULL THEN
        INSERT INTO hamlet (commune, name, code) VALUES (v_commune, p_hamlet, '')
        ON CONFLICT (commune, name) DO UPDATE SET name = EXCLUDED.name RETURNING id INTO v_hamlet;
    END IF;
    IF p_id IS NULL THEN
        INSERT INTO household (commune, year, hamlet, household_code, address, version,
                               updated_at)
        VALUES (v_commune, v_year, v_hamlet, p_code, p_address, 1, now()) RETURNING id INTO v_id;
    ELSE
        IF v_version <> p_version THEN
            RAISE EXCEPTION '%', v_version USING ERRCODE = '{CONFLICT}';
        END IF;
        v_id := p_id;
        -- The state before is the last audited state (only a create or an update records the
        -- whole household), when nothing changed it since; otherwise (bulk imports,
        -- roll-forward) a snapshot is built. Views (view_personal) are not states.
        SELECT a.after INTO v_before FROM audit_entry a
        WHERE a.entity = 'household' AND a.entity_id = v_id::text AND a.at >= v_updated
          AND a.action IN ('create', 'update') AND a.after IS NOT NULL
        ORDER BY a.id DESC LIMIT 1;
        IF v_before IS NULL THEN
            v_before := pcgd_household_json(v_id);
        END IF;
        v_counts := ({counts_before});
        SELECT jsonb_object_agg(p.id::text, to_jsonb(p)),
               array_agg(DISTINCT y.household)
          INTO v_shared, v_other
        FROM person p JOIN person_year y ON y.person = p.id AND y.commune <> v_commune
        WHERE p.id IN (SELECT (e->>'person_id')::int FROM jsonb_array_elements(p_members) e
                       WHERE e->>'person_id' IS NOT NULL)
          AND EXISTS (SELECT 1 FROM person_year h WHERE h.household = v_id AND h.person = p.id);
        IF v_shared IS NOT NULL THEN
            v_other_counts := ({other_before});
        END IF;
        UPDATE household SET version = version + 1, hamlet = v_hamlet, household_code = p_code,
               address = p_address, updated_at = now() WHERE id = v_id;
        WITH gone AS (
            DELETE FROM person_year py WHERE py.household = v_id AND py.person NOT IN (
                SELECT (e->>'person_id')::int FROM jsonb_array_elements(p_members) e
                WHERE e->>'person_id' IS NOT NULL)
            RETURNING py.person)
        DELETE FROM person p USING gone WHERE p.id = gone.person
          AND NOT EXISTS (SELECT 1 FROM person_year y WHERE y.person = p.id);
        -- Members already in the household, in one statement per table; a row whose values
        -- are all the same is left alone (no new row version, no index or WAL work).
        UPDATE person p SET {person_set}
        FROM ({members}) r
        WHERE p.id = r.person_id AND {in_household}
          AND ({person_old}) IS DISTINCT FROM ({person_new});
        UPDATE person_year y SET position = r.pos, confirmed = r.confirmed, {status_set}
        FROM ({members}) r
        WHERE y.household = v_id AND y.person = r.person_id
          AND (y.position, y.confirmed, {status_old})
              IS DISTINCT FROM (r.pos, r.confirmed, {status_new});
    END IF;
    -- New members, person ids drawn in member order, then their person_year rows: every
    -- member of a new household; in an update, those naming no person of the household, if
    -- any (the household now keeps exactly the people its members name). The two paths are
    -- separate statements so that each keeps one cached plan (a statement testing p_id would
    -- be planned again on every call).
    IF p_id IS NULL THEN
        {insert_members("TRUE")};
        {added};
    ELSE
        SELECT count(*) INTO v_kept FROM person_year WHERE household = v_id;
        IF jsonb_array_length(p_members) > v_kept THEN
            {insert_members(f"r.person_id IS NULL OR NOT {in_household}")};
        END IF;
        {change};
    END IF;
    {rollup_sql.bump_stamp("v_commune", "v_year")};
    IF v_shared IS NOT NULL THEN
        SELECT array_agg(p.id) INTO v_changed FROM person p
        WHERE v_shared ? p.id::text AND to_jsonb(p) IS DISTINCT FROM v_shared -> (p.id::text);
    END IF;
    IF v_changed IS NOT NULL THEN
        PERFORM pcgd_roll_gate(array_agg(DISTINCT y.commune), y.year) FROM person_year y
        WHERE y.person = ANY(v_changed) AND y.commune <> v_commune GROUP BY y.year;
        {other_change};
        UPDATE household SET version = version + 1, updated_at = now()
        WHERE id IN (SELECT y.household FROM person_year y
                     WHERE y.person = ANY(v_changed) AND y.commune <> v_commune);
        INSERT INTO change_stamp (commune, year, stamp)
        SELECT DISTINCT y.commune, y.year, 1 FROM person_year y
        WHERE y.person = ANY(v_changed) AND y.commune <> v_commune
        ON CONFLICT (commune, year) DO UPDATE SET stamp = change_stamp.stamp + 1;
        INSERT INTO audit_entry (at, user_id, username, action, entity, entity_id, commune_id,
                                 year, before, after, reason)
        SELECT now(), p_user, p_username, 'update_shared_person', 'person', p.id::text,
               y.commune, y.year, v_shared -> (p.id::text),
               to_jsonb(p) || jsonb_build_object('changed_by_commune', v_commune,
                                                 'household', v_id),
               p_reason
        FROM person p JOIN (SELECT DISTINCT person, commune, year FROM person_year
                            WHERE person = ANY(v_changed)) y ON y.person = p.id
        WHERE p.id = ANY(v_changed);
    END IF;
    INSERT INTO audit_entry (at, user_id, username, action, entity, entity_id, commune_id, year,
                             before, after, reason)
    VALUES (now(), p_user, p_username, CASE WHEN p_id IS NULL THEN 'create' ELSE 'update' END,
            'household', v_id::text, v_commune, v_year, v_before,
            jsonb_build_object('household_code', p_code, 'hamlet', p_hamlet,
                               'address', p_address, 'version', coalesce(v_version, 0) + 1,
                               'members', p_members),
            p_reason);
    -- Only what the caller cannot know: ids and the new version (it has the validated values).
    RETURN jsonb_build_object(
        'id', v_id, 'version', coalesce(v_version, 0) + 1, 'year', v_year,
        'commune', (SELECT code FROM admin_unit WHERE id = v_commune),
        'ids', (SELECT jsonb_agg(jsonb_build_array(person, id) ORDER BY position)
                FROM person_year WHERE household = v_id));
END
$fn$"""


def functions_ddl() -> list[str]:
    return [household_json_function(), save_function()]
