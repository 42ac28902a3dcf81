-- course_summary: defines the table macro course_summary(as_of, relief_rule, courses, rows_from,
-- planned_default := 10), used
-- through a `-- uses: course_summary` header line. Returns nothing itself.
-- The macro returns one row per course counted as of `as_of` (start_date <= as_of), with the
-- per-course metrics of DESIGN.md and the patient's cohort fields:
--   course_id, patient_id, start_date, planned_sessions, therapist, sessions_attended, attended_days,
--   first_session_date, first_session_pain_before, first_session_pain_after, first_session_relief,
--   baseline_pain, last_pain, sustained_improvement_pct, responder_30, responder_50,
--   window_days, window_attended_days, adherence, adherent, completed, dropped_out, ongoing,
--   last_attended_date, days_since_last_visit, longest_break_days,
--   birth_year, age_years, age_band, sex, diagnosis, site, doctor_conclusion, imaging, blood_tests,
--   referral_date, start_month, session_therapists (the distinct therapists who gave an attended
--   session of the course dated <= as_of: with `therapist`, who treats the course),
--   acute_sessions, last_acute_date (attended sessions recorded during acute inflammation: how many,
--   the latest), numbness_sessions, last_numbness_date (session rows of any status with numbness
--   reported), first_row_date, last_row_date (the earliest and latest session rows of any status),
--   and, over the attended sessions with a pain_before score ("scored"; session numbers count every
--   attended row in course order: 1, 2, 3 ...): scored_sessions (how many), baseline_session (the
--   first one's number), latest_session, latest_pain, latest_date (the last one's number, score and
--   date), red_flag_rising (null with fewer than 3; else whether pain_before rose strictly over three
--   consecutive scored sessions, b_k < b_k+1 < b_k+2, at any point), last_rise_date and
--   last_rise_pains (the third session of the latest such rise, and its three scores),
--   pains_before, pains_after (the scores of every attended session in course order, null where
--   missing: element k is session number k's; null for a course with no attended session),
--   session_dates (the date of every attended session in course order, likewise), first_session_acute
--   (acute inflammation recorded at the first attended session; null without one);
--   all over the rows dated <= as_of
-- macro params: as_of (date), relief_rule ('pct30' = drop >= 30 %, 'points2' = >= 2 points,
--   'pct50' = >= 50 %), courses (which courses: 'all'; 'open' = while the stored course facts are up
--   to date, only those they cannot answer as of as_of, see course_facts.sql, else all; 'changed' =
--   only those listed in course_facts_todo, for refresh_course_facts.sql), rows_from (date or null:
--   with 'open', the earliest row date of any open course, queries/open_rows_from.sql; passed in as
--   a value so that DuckDB skips the blocks of older sessions unread), planned_default (integer, 10
--   unless the settings say otherwise: the planned sessions of a course that courses.csv does not list;
--   the stored facts hold the default, so another value is computed with courses = 'all').
--   Only session rows dated <= as_of count; thresholds compare integers exactly.
-- uses: course_rules, course_facts
create or replace temp macro course_summary(as_of, relief_rule, courses, rows_from, planned_default := 10) as table (
    with restricted as (
        select courses = 'open' and course_facts_fresh() as yes
    ),

    stored_rows as (
        select
            session_id,
            patient_id,
            session_date,
            session_time,
            therapist,
            status,
            pain_before,
            pain_after,
            numbness,
            acute_inflammation,
            coalesce(course_id, inferred_course_id) as course_id
        from main.sessions
        where session_date >= coalesce(rows_from::date, '-infinity'::date)     -- a value: skips older blocks
          and (courses = 'all'
           or (courses = 'open' and not (select yes from restricted))
           or (courses = 'changed'
               and coalesce(course_id, inferred_course_id) in (select course_id from main.course_facts_todo))
           or (courses = 'open' and (select yes from restricted)
               and coalesce(course_id, inferred_course_id) in (select course_id from open_course_ids(as_of))))
    ),

    -- every course: those in courses.csv, and those named (or inferred) on session rows
    session_courses as (
        select course_id, min(patient_id) as patient_id, min(session_date) as first_row_date
        from stored_rows
        group by course_id
    ),

    course_list as (
        select
            coalesce(c.course_id, s.course_id) as course_id,
            coalesce(c.patient_id, s.patient_id) as patient_id,
            coalesce(c.start_date, s.first_row_date) as start_date,
            coalesce(c.planned_sessions, planned_default) as planned_sessions
        from (
            select *
            from main.courses
            where courses = 'all'
               or (courses = 'open' and not (select yes from restricted))
               or (courses = 'changed' and course_id in (select course_id from main.course_facts_todo))
               or (courses = 'open' and (select yes from restricted)
                   and course_id in (select course_id from open_course_ids(as_of)))
        ) as c
        full outer join session_courses as s on s.course_id = c.course_id
    ),

    counted as (
        select *
        from course_list
        where start_date <= as_of::date
    ),

    session_rows as (
        select
            *,
            -- a row's place in its course: by date, then time (a row without a time first), then id
            course_order_key(session_date, session_time, session_id) as row_order
        from stored_rows
        where session_date <= as_of::date
    ),

    attended as (
        select *
        from session_rows
        where status = 'attended'
    ),

    -- first and last rows are taken with arg_min_null/arg_max_null over row_order (one hash
    -- aggregate each) rather than numbered with window functions; *_null keeps a null value
    row_facts as (
        select
            course_id,
            arg_min_null(therapist, row_order) as first_row_therapist,
            min(session_date) as first_row_date,
            max(session_date) as last_row_date,
            count(*) filter (where status = 'attended' and acute_inflammation) as acute_sessions,
            max(session_date) filter (where status = 'attended' and acute_inflammation) as last_acute_date,
            count(*) filter (where numbness) as numbness_sessions,
            max(session_date) filter (where numbness) as last_numbness_date
        from session_rows
        group by course_id
    ),

    attended_totals as (
        select
            course_id,
            count(*) as sessions_attended,
            count(distinct session_date) as attended_days,
            max(session_date) as last_attended_date,
            list(distinct therapist order by therapist) as session_therapists,
            -- the first attended session
            arg_min_null(therapist, row_order) as first_therapist,
            min(session_date) as first_session_date,
            arg_min_null(pain_before, row_order) as first_pain_before,
            arg_min_null(pain_after, row_order) as first_pain_after,
            -- the first and the last attended sessions with a pain_before score
            arg_min_null(pain_before, row_order) filter (where pain_before is not null) as baseline_pain,
            min(session_date) filter (where pain_before is not null) as baseline_date,
            arg_max_null(pain_before, row_order) filter (where pain_before is not null) as last_pain,
            max(session_date) filter (where pain_before is not null) as last_date,
            -- pain_before (and pain_after) of every attended session in course order (null where not
            -- scored): the position in the list is the session number
            list({'row_order': row_order, 'pain': pain_before, 'day': session_date, 'pain_after': pain_after,
                  'acute': acute_inflammation})
                as attended_list
        from attended
        group by course_id
    ),

    sorted_lists as (
        select course_id, list_sort(attended_list) as attended_list
        from attended_totals
    ),

    scored_lists as (
        select
            course_id,
            list_transform(list_filter(attended_list, lambda a: a.pain is not null), lambda a: a.day) as scored_dates,
            list_transform(list_filter(attended_list, lambda a: a.pain is not null), lambda a: a.pain) as scored_pains,
            list_filter(list_transform(attended_list, lambda a, i: case when a.pain is not null then i end),
                        lambda i: i is not null) as scored_numbers,
            list_transform(attended_list, lambda a: a.pain) as pains_before,
            list_transform(attended_list, lambda a: a.pain_after) as pains_after,
            list_transform(attended_list, lambda a: a.day) as session_dates,
            attended_list[1].acute as first_session_acute
        from sorted_lists
    ),

    -- where pain rose over three scored sessions in a row
    rises as (
        select
            *,
            rise_starts(scored_pains) as rise_starts
        from scored_lists
    ),

    progress as (
        select
            course_id,
            len(scored_pains) as scored_sessions,
            scored_numbers[1]::integer as baseline_session,
            scored_numbers[-1]::integer as latest_session,
            scored_pains[-1] as latest_pain,
            scored_dates[-1] as latest_date,
            red_flag_rising(scored_pains, rise_starts) as red_flag_rising,
            last_rise_date(scored_dates, rise_starts) as last_rise_date,
            last_rise_pains(scored_pains, rise_starts) as last_rise_pains,
            pains_before,
            pains_after,
            session_dates,
            first_session_acute
        from rises
    ),

    attended_dates as (
        select distinct course_id, session_date
        from attended
    ),

    breaks as (
        select
            course_id,
            max(date_diff('day', previous_date, session_date) - 1) as longest_break_days
        from (
            select
                course_id,
                session_date,
                lag(session_date) over (partition by course_id order by session_date) as previous_date
            from attended_dates
        )
        where previous_date is not null
        group by course_id
    ),

    -- the daily window [start, start + planned - 1], cut at as_of; the as-of day is still in
    -- progress, so when it is the window's last day and has no attended visit it leaves the window
    -- (a course that starts on as_of with no visit yet has an empty window and null adherence)
    window_ends as (
        select
            c.*,
            cut_window_end(c.start_date, c.planned_sessions, as_of, exists (
                select 1
                from attended_dates as d
                where d.course_id = c.course_id and d.session_date = as_of::date
            )) as window_end
        from counted as c
    ),

    windowed as (
        select
            c.*,
            date_diff('day', c.start_date, c.window_end) + 1 as window_days,
            (
                select count(*)
                from attended_dates as d
                where d.course_id = c.course_id
                  and d.session_date between c.start_date and c.window_end
            ) as window_attended_days
        from window_ends as c
    ),

    per_course as (
        select
            w.course_id,
            w.patient_id,
            w.start_date,
            w.planned_sessions,
            coalesce(t.first_therapist, rf.first_row_therapist) as therapist,
            coalesce(t.sessions_attended, 0) as sessions_attended,
            coalesce(t.attended_days, 0) as attended_days,
            t.first_session_date,
            t.first_pain_before as first_session_pain_before,
            t.first_pain_after as first_session_pain_after,
            first_session_relief(t.first_pain_before, t.first_pain_after, relief_rule) as first_session_relief,
            t.baseline_pain,
            case when t.last_date > t.baseline_date then t.last_pain end as last_pain,
            w.window_days,
            w.window_attended_days,
            window_adherence(w.window_attended_days, w.window_days) as adherence,
            window_adherent(w.window_attended_days, w.window_days) as adherent,
            coalesce(t.attended_days, 0) >= w.planned_sessions as completed,
            t.last_attended_date,
            date_diff('day', coalesce(t.last_attended_date, w.start_date), as_of::date) as days_since_last_visit,
            coalesce(b.longest_break_days, 0) as longest_break_days,
            coalesce(t.session_therapists, []::varchar[]) as session_therapists,
            coalesce(rf.acute_sessions, 0) as acute_sessions,
            rf.last_acute_date,
            coalesce(rf.numbness_sessions, 0) as numbness_sessions,
            rf.last_numbness_date,
            rf.first_row_date,
            rf.last_row_date,
            coalesce(pr.scored_sessions, 0) as scored_sessions,
            pr.baseline_session,
            pr.latest_session,
            pr.latest_pain,
            pr.latest_date,
            pr.red_flag_rising,
            pr.last_rise_date,
            pr.last_rise_pains,
            pr.pains_before,
            pr.pains_after,
            pr.session_dates,
            pr.first_session_acute
        from windowed as w
        left join row_facts as rf on rf.course_id = w.course_id
        left join attended_totals as t on t.course_id = w.course_id
        left join progress as pr on pr.course_id = w.course_id
        left join breaks as b on b.course_id = w.course_id
    ),

    final as (
        select
            pc.course_id,
            pc.patient_id,
            pc.start_date,
            pc.planned_sessions,
            pc.therapist,
            pc.sessions_attended,
            pc.attended_days,
            pc.first_session_date,
            pc.first_session_pain_before,
            pc.first_session_pain_after,
            pc.first_session_relief,
            pc.baseline_pain,
            pc.last_pain,
            sustained_pct(pc.baseline_pain, pc.last_pain) as sustained_improvement_pct,
            improved_30(pc.baseline_pain, pc.last_pain) as responder_30,
            improved_50(pc.baseline_pain, pc.last_pain) as responder_50,
            pc.window_days,
            pc.window_attended_days,
            pc.adherence,
            pc.adherent,
            pc.completed,
            course_dropped_out(pc.completed, pc.days_since_last_visit) as dropped_out,
            course_ongoing(pc.completed, pc.days_since_last_visit) as ongoing,
            pc.last_attended_date,
            pc.days_since_last_visit,
            pc.longest_break_days,
            p.birth_year,
            year(pc.start_date) - p.birth_year as age_years,
            case
                when p.birth_year is null or year(pc.start_date) - p.birth_year < 0 then null
                when year(pc.start_date) - p.birth_year < 30 then '<30'
                when year(pc.start_date) - p.birth_year < 45 then '30-44'
                when year(pc.start_date) - p.birth_year < 60 then '45-59'
                else '60+'
            end as age_band,
            p.sex,
            p.diagnosis,
            p.site,
            p.doctor_conclusion,
            p.imaging,
            p.blood_tests,
            p.referral_date,
            strftime(pc.start_date, '%Y-%m') as start_month,
            pc.session_therapists,
            pc.acute_sessions,
            pc.last_acute_date,
            pc.numbness_sessions,
            pc.last_numbness_date,
            pc.first_row_date,
            pc.last_row_date,
            pc.scored_sessions,
            pc.baseline_session,
            pc.latest_session,
            pc.latest_pain,
            pc.latest_date,
            pc.red_flag_rising,
            pc.last_rise_date,
            pc.last_rise_pains,
            pc.pains_before,
            pc.pains_after,
            pc.session_dates,
            pc.first_session_acute
        from per_course as pc
        left join main.patients as p on p.patient_id = pc.patient_id
    )

    select * from final
);
