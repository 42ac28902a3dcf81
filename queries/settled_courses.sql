-- settled_courses: defines the table macro settled_courses(as_of, relief_rule), used through
-- `-- uses: settled_courses`. Returns nothing itself.
-- The macro returns the courses that the stored course facts settle as of as_of (see course_facts.sql),
-- with the columns of course_summary: the stored facts, and what counts days up to as_of
-- (days_since_last_visit, dropped_out, ongoing) and the relief rule computed for this date and rule.
-- It leaves out the courses in the caller's table `open_courses` (queries/open_courses.sql, computed
-- for the same date): whether the facts are trusted is decided once, when open_courses is computed
-- (it holds every course when they are not), so the two parts never disagree. With a planned-sessions
-- default other than the facts' 10 (the caller's `clinic_settings`), it settles nothing: open_courses
-- then holds every course (open_courses_all.sql).
-- uses: course_rules, course_facts
create or replace temp macro settled_courses(as_of, relief_rule) as table (
    with settled as (
        select
            *,
            date_diff('day', coalesce(last_attended_date, start_date), as_of::date) as days_since
        from main.course_facts
        where course_settled(as_of, start_date, planned_sessions, last_row_date)
          and course_id not in (select course_id from open_courses)
          and (select planned_sessions from clinic_settings) = 10
    ),

    final as (
        select * exclude (days_since, source_print, course_no) replace (
            first_session_relief(first_session_pain_before, first_session_pain_after, relief_rule)
                as first_session_relief,
            not completed and dropped_out_after(days_since) as dropped_out,
            not completed and not dropped_out_after(days_since) as ongoing,
            days_since as days_since_last_visit
        )
        from settled
    )

    select * from final
);
