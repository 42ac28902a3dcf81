-- trajectory_quartiles: defines the table macros similar_score_counts(as_of, relief_rule, counted_before)
-- and expected_q75(as_of, relief_rule, min_cohort, counted_before), used through
-- `-- uses: trajectory_quartiles`. Returns nothing itself.
-- score_counted_before(as_of): the first day of as_of's month while the stored facts are trusted
-- (course_facts_fresh) and the planned-sessions setting (the caller's `clinic_settings`) is the
-- facts' 10: the month before which the stored score counts (course_score_months) answer; else null.
-- similar_score_counts returns, for the COMPLETED courses of the whole clinic as of as_of that have a
-- diagnosis and a baseline band, how many had each pain-before score at each session number:
--   diagnosis, baseline_band, session_number, pain_before (never null), courses.
-- The similar courses of a course (trajectory_course.sql, trajectory_expected.sql) are the courses of
-- its group there, the course itself left out.
-- expected_q75 answers "what is the 75th percentile of pain before session k among a course's
-- similar courses" for every course of the clinic at once. Similar courses are those of
-- trajectory_expected.sql: the COMPLETED courses of the whole clinic as of as_of with the same
-- diagnosis and baseline band, the course itself left out. A course that is itself completed is one
-- of its own similar courses, so it is taken out: the answer depends only on the group, k and the
-- score left out (none, or the course's own score at k), and each of those is worked out once from
-- the count of each score 0-10 at each session number (never once per course).
-- It returns one row per (diagnosis, baseline_band, session_number, left_out) that has a score:
--   diagnosis, baseline_band, session_number (k),
--   left_out: null = no course left out (for a course that is not completed); else the score at k of
--     the one completed course left out (for that course itself),
--   similar_courses: completed courses of the group (with a baseline band), less the one left out,
--   courses_at_session: of those, the courses with a pain-before score at k,
--   expected_q75_pain: their 75th percentile at k, DuckDB's quantile_cont (linear interpolation at
--     rank (n - 1) x 0.75 of the sorted scores); null when similar_courses or courses_at_session is
--     below min_cohort.
-- A course's verdict joins on its diagnosis, band, latest scored session and
-- `left_out is not distinct from (case when completed then latest_pain end)`.
-- macro params: as_of (date), relief_rule (the one `open_courses` was computed with), min_cohort
--   (integer; expected_q75 only), counted_before (date or null: score_counted_before(as_of); given as
--   a value where it can be (score_months_before.sql), DuckDB reads only the score lists of the
--   courses settled since).
-- uses: trajectory_sessions, filtered_courses, count_quantile
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
create or replace temp macro score_counted_before(as_of) as (
    select case when course_facts_fresh() and (select planned_sessions from clinic_settings) = 10
                then date_trunc('month', as_of::date)::date end
);

create or replace temp macro similar_score_counts(as_of, relief_rule, counted_before) as table (
    -- the completed courses' score counts by session number. With counted_before (the first day of
    -- the as-of date's month, while the stored facts are trusted), the courses settled before it are
    -- counted in course_score_months (refresh_course_facts.sql), and only the others, settled since
    -- or open, are unnested from their score lists (course_summary.sql's pains_before: element k is
    -- session k's). Without it, every course counted as of as_of is unnested, as
    -- filtered_numbered_courses gives it.
    -- An open course has its last row after as_of, so its stored settled-from day is later than
    -- counted_before; the test on `open_courses` also leaves out a course the stored months count.
    with live_open as (
        select o.*
        from open_courses as o
        where o.start_date <= as_of::date
          and (counted_before::date is null
               or o.course_id in (select course_id from main.course_facts
                                  where course_settled_from(last_row_date, start_date) >= counted_before::date))
    ),

    -- the settled courses whose settled-from day is on or after counted_before, in two parts that
    -- each test one column, which DuckDB tests in the scan itself: a last row on or after it, or
    -- else a start on or after it
    live_courses as (
        select diagnosis, first_session_pain_before, pains_before, completed
        from settled_courses(as_of, relief_rule)
        where last_row_date >= coalesce(counted_before::date, '-infinity'::date)
        union all
        select diagnosis, first_session_pain_before, pains_before, completed
        from settled_courses(as_of, relief_rule)
        where start_date >= coalesce(counted_before::date, '-infinity'::date)
          and (last_row_date is null or last_row_date < coalesce(counted_before::date, '-infinity'::date))
        union all
        select diagnosis, first_session_pain_before, pains_before, completed
        from live_open
    ),

    live_scores as (
        select
            diagnosis,
            pain_band(first_session_pain_before) as baseline_band,
            unnest(range(1, len(pains_before) + 1))::integer as session_number,
            unnest(pains_before) as pain_before
        from live_courses
        where completed and diagnosis is not null and pain_band(first_session_pain_before) is not null
    ),

    final as (
        select diagnosis, baseline_band, session_number, pain_before, sum(courses)::bigint as courses
        from (
            select diagnosis, baseline_band, session_number, pain_before, count(*) as courses
            from live_scores
            where pain_before is not null
            group by all
            union all
            select diagnosis, baseline_band, session_number, pain_before, courses
            from main.course_score_months
            where month < counted_before::date
        )
        group by all
    )

    select * from final
);

create or replace temp macro expected_q75(as_of, relief_rule, min_cohort, counted_before) as table (
    with score_counts as materialized (
        select * from similar_score_counts(as_of, relief_rule, counted_before)
    ),

    -- a course has a band only with a score at session 1, so the group's courses are those scored there
    group_sizes as (
        select diagnosis, baseline_band, sum(courses) as courses
        from score_counts
        where session_number = 1
        group by diagnosis, baseline_band
    ),

    left_outs as (
        select distinct diagnosis, baseline_band, session_number, null::integer as left_out
        from score_counts
        union all
        select diagnosis, baseline_band, session_number, pain_before::integer
        from score_counts
    ),

    counts as (
        select
            o.diagnosis,
            o.baseline_band,
            o.session_number,
            o.left_out,
            c.pain_before,
            c.courses - case when c.pain_before = o.left_out then 1 else 0 end as courses
        from left_outs as o
        join score_counts as c
          on c.diagnosis = o.diagnosis
         and c.baseline_band = o.baseline_band
         and c.session_number = o.session_number
    ),

    ranked as (
        select
            *,
            sum(courses) over (partition by diagnosis, baseline_band, session_number, left_out order by pain_before)
                as courses_up_to,
            sum(courses) over (partition by diagnosis, baseline_band, session_number, left_out) as scored
        from counts
    ),

    quartiles as (
        select
            diagnosis, baseline_band, session_number, left_out, scored,
            count_quantile(pain_before, courses_up_to, scored, 0.75) as q75_pain
        from ranked
        group by diagnosis, baseline_band, session_number, left_out, scored
    ),

    final as (
        select
            q.diagnosis,
            q.baseline_band,
            q.session_number,
            q.left_out,
            g.courses - case when q.left_out is null then 0 else 1 end as similar_courses,
            q.scored as courses_at_session,
            case
                when g.courses - case when q.left_out is null then 0 else 1 end >= min_cohort
                 and q.scored >= min_cohort
                 and q.scored > 0
                then q.q75_pain
            end as expected_q75_pain
        from quartiles as q
        join group_sizes as g on g.diagnosis = q.diagnosis and g.baseline_band = q.baseline_band
    )

    select * from final
);
