-- check_stored_scores: finds the stored session each row of a scores file belongs to, and refuses the
-- rows that belong to none, to several, or to a session that was not attended: the temp table
-- score_matches (line, matched_id, problem_column, problem_value, problem_reason), which
-- apply_score_matches.sql then writes into the temp table `checked`. Returns nothing.
-- uses: import_rules
-- params: $shown_chars
-- reads: checked (the rows of a scores file, as the importer judged them)
-- A row names its session by session_id, or by patient_id and session_date, and session_time when
-- the patient had more than one session that day. A score is never guessed onto a session: no match
-- or several matches refuse the row, and so does a second row for a session already scored above it.
create or replace temp table score_matches as
with accepted as (
    select * from checked where problem_reason is null
),

by_id as (
    select
        a.line,
        count(s.session_id) as matches,
        min(s.session_id) as matched_id,
        min(s.status) as matched_status,
        bool_or(a.patient_id is not null and a.patient_id <> s.patient_id) as other_patient,
        bool_or(a.session_date is not null and a.session_date <> s.session_date) as other_date
    from accepted as a
    left join main.sessions as s on s.session_id = a.session_id
    where a.session_id is not null
    group by a.line
),

by_patient_day as (
    select
        a.line,
        count(s.session_id) as matches,
        min(s.session_id) as matched_id,
        min(s.status) as matched_status,
        false as other_patient,
        false as other_date
    from accepted as a
    left join main.sessions as s
        on s.patient_id = a.patient_id
       and s.session_date = a.session_date
       and (a.session_time is null or s.session_time = a.session_time)
    where a.session_id is null
      and a.patient_id is not null
      and a.session_date is not null
    group by a.line
),

matched as (
    select * from by_id
    union all
    select * from by_patient_day
),

judged as (
    select
        a.line,
        m.matched_id,
        case
            when a.session_id is null and (a.patient_id is null or a.session_date is null) then
                'a score row needs the session_id, or the patient_id and the session_date of its session'
            when m.matches = 0 and a.session_id is not null then
                'session_id ' || field_shown(a.session_id, $shown_chars) || ' matches no stored session'
            when m.matches = 0 then
                'no stored session of patient ' || field_shown(a.patient_id, $shown_chars) || ' on '
                || strftime(a.session_date, '%Y-%m-%d')
                || coalesce(' at ' || left(a.session_time::varchar, 5), '')
            when m.matches > 1 then
                m.matches || ' stored sessions of patient ' || field_shown(a.patient_id, $shown_chars) || ' on '
                || strftime(a.session_date, '%Y-%m-%d')
                || ': add the session time or the appointment id to tell which one'
            when m.other_patient then
                'session ' || field_shown(m.matched_id, $shown_chars) || ' is not patient '
                || field_shown(a.patient_id, $shown_chars) || '''s'
            when m.other_date then
                'session ' || field_shown(m.matched_id, $shown_chars) || ' is not dated '
                || strftime(a.session_date, '%Y-%m-%d')
            when m.matched_status <> 'attended' then
                'session ' || field_shown(m.matched_id, $shown_chars) || ' is ' || m.matched_status
                || ': pain is scored at an attended session'
        end as problem_reason
    from accepted as a
    left join matched as m on m.line = a.line
),

ranked as (
    select
        *,
        -- among the rows that found their session, the second and later rows for one session
        row_number() over (partition by matched_id, problem_reason is null order by line) as nth,
        min(line) over (partition by matched_id, problem_reason is null) as first_line
    from judged
),

final as (
    select
        ranked.line,
        ranked.matched_id,
        case when c.session_id is not null then 'session_id' else 'patient_id' end as problem_column,
        field_shown(coalesce(c.session_id, c.patient_id), $shown_chars) as problem_value,
        coalesce(ranked.problem_reason,
                 case when ranked.nth > 1 then 'session ' || field_shown(ranked.matched_id, $shown_chars)
                      || ' was already scored on line ' || ranked.first_line || ' of this file' end) as problem_reason
    from ranked
    join checked as c on c.line = ranked.line
)

select * from final;
