-- flags_sessions: defines the table macro flag_sessions(...), used through `-- uses: flags_sessions`.
-- Returns nothing itself.
-- The macro takes the filter set of filtered_courses, then course_ids (varchar[] or null = every
-- filtered course) and recent_days (integer or null = all: only courses whose last visit, or start
-- with no visit, is at most this many days before as_of), and returns the attended sessions dated
-- on or before as_of of those courses that were recorded during acute inflammation or with numbness:
--   session_id, patient_id, course_id, session_date, session_number, therapist (of the session),
--   pain_before, notes, start_date,
--   attended_acute: recorded during acute inflammation; attended_numbness: numbness reported;
--   referral_noted (numbness rows only, else null): a referral was noted for it: a session row of
--     the course (any status, dated <= as_of) at or after it in course order (date, time with none
--     first, session_id) has notes mentioning a referral (mentions_referral, session_month_counts.sql:
--     'refer' as in referral or referred, 'doctor', 'GP' as a word, 'neurolog', 'physician'; any
--     case), or the patient's referral_date
--     falls after the session's date (and on or before as_of).
-- uses: filtered_sessions, session_month_counts
create or replace temp macro flag_sessions(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule, course_ids,
    recent_days
) as table (
    with course_rows as (
        select course_id, referral_date
        from filtered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule)
        where (course_ids::varchar[] is null or course_id in (select unnest(course_ids::varchar[])))
          and (recent_days is null or days_since_last_visit <= recent_days)
    ),

    -- the attended rows recorded during acute inflammation or with numbness (the filter reaches the
    -- scan of the session rows, so the few flagged rows alone meet the courses; those of the wanted
    -- courses are kept by the join with course_rows below)
    flagged as (
        select
            *,
            course_order_key(session_date, session_time, session_id) as row_key,
            coalesce(acute_inflammation, false) as attended_acute,
            coalesce(numbness, false) as attended_numbness
        from filtered_sessions(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule,
                               course_ids := course_ids)
        where status = 'attended'
          and (acute_inflammation or numbness)
    ),

    -- the latest row (any status) of each course whose notes mention a referral (the flagged rows'
    -- courses take theirs below)
    referral_notes as (
        select
            course_id,
            max(course_order_key(session_date, session_time, session_id))
                as last_note_key
        from filtered_sessions(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule,
                               course_ids := course_ids)
        where notes is not null
          and mentions_referral(notes)
        group by course_id
    ),

    final as (
        select
            f.session_id,
            f.patient_id,
            f.course_id,
            f.session_date,
            f.session_number,
            f.therapist,
            f.pain_before,
            f.notes,
            f.start_date,
            f.attended_acute,
            f.attended_numbness,
            case when f.attended_numbness then
                coalesce(n.last_note_key >= f.row_key, false)
                or coalesce(c.referral_date > f.session_date and c.referral_date <= as_of::date, false)
            end as referral_noted
        from flagged as f
        left join referral_notes as n on n.course_id = f.course_id
        join course_rows as c on c.course_id = f.course_id
    )

    select * from final
);
