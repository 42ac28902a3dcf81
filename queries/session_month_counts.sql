-- session_month_counts: defines the table macro session_month_counts(as_of, low, wanted, changed_only),
-- used through `-- uses: session_month_counts`. Returns nothing itself.
-- The macro returns, for each course and calendar month, its attended sessions dated low .. as_of
-- (none unless `wanted`, an expression true or false for the whole query; with changed_only, only
-- the courses listed in course_facts_todo, for refresh_course_facts.sql):
--   course_id, month (date, the 1st), attended (attended sessions), acute (those recorded during
--   acute inflammation), numbness_sessions (one {day, note_date} per attended session with numbness:
--   its date, and the date of the first session row of its course at or after it in course order
--   (date, time with none first, session_id; any status, dated low .. as_of) whose notes mention a
--   referral (see flags_sessions.sql), null without one).
-- Such a note counts as of a date D when note_date <= D; so the counts of a month that ended before D,
-- computed over every stored row, hold for D (table course_months, kept with the course facts).
-- Also defines mentions_referral(notes): whether a session's notes mention a referral ('refer' as in
-- referral or referred, 'doctor', 'GP' as a word, 'neurolog', 'physician'; any case).
-- uses: course_rules
create or replace temp macro mentions_referral(notes) as
    coalesce(regexp_matches(lower(notes), '(refer|doctor|\bgp\b|neurolog|physician)'), false);

create or replace temp macro session_month_counts(as_of, low, wanted, changed_only) as table (
    with session_rows as (
        select
            coalesce(course_id, inferred_course_id) as course_id,
            session_date,
            status,
            acute_inflammation,
            numbness,
            notes,
            course_order_key(session_date, session_time, session_id) as row_key
        from main.sessions
        where session_date <= as_of::date
          and session_date >= low::date      -- a plain date range: DuckDB reads only its blocks
          and wanted
          and (not changed_only
               or coalesce(course_id, inferred_course_id) in (select course_id from main.course_facts_todo))
    ),

    referral_notes as (
        select course_id, row_key, session_date
        from session_rows
        where notes is not null
          and mentions_referral(notes)
    ),

    numbness_notes as (
        select
            s.course_id,
            s.session_date,
            s.row_key,
            min(n.session_date) as note_date
        from session_rows as s
        left join referral_notes as n on n.course_id = s.course_id and n.row_key >= s.row_key
        where s.status = 'attended' and s.numbness
        group by s.course_id, s.session_date, s.row_key
    ),

    attended_months as (
        select
            course_id,
            date_trunc('month', session_date)::date as month,
            count(*) as attended,
            count(*) filter (where acute_inflammation) as acute
        from session_rows
        where status = 'attended'
        group by all
    ),

    numbness_months as (
        select
            course_id,
            date_trunc('month', session_date)::date as month,
            list({'day': session_date, 'note_date': note_date} order by row_key) as numbness_sessions
        from numbness_notes
        group by all
    ),

    final as (
        select
            a.course_id,
            a.month,
            a.attended,
            a.acute,
            coalesce(n.numbness_sessions, []) as numbness_sessions
        from attended_months as a
        left join numbness_months as n on n.course_id = a.course_id and n.month = a.month
    )

    select * from final
);
