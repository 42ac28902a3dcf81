-- flags_sessions: defines the table macro flag_sessions(...), used through `-- uses: flags_sessions`.
-- Returns nothing itself.
-- The macro takes the filter set of filtered_courses and returns every session row (any status)
-- dated on or before as_of of a course passing the filters, in course order, with what the
-- protocol-safety flags (clinic/flags.py) need to know about it:
--   session_id, patient_id, course_id, session_date, session_time, therapist (of the session), status,
--   session_number (attended rows only), pain_before, notes, start_date, start_month, course_therapist,
--   referral_date (the patient's, null when not on file),
--   attended_acute: an attended row recorded during acute inflammation;
--   attended_numbness: an attended row with numbness reported;
--   referral_note: the row's notes mention a referral: 'refer' (referral, referred), 'doctor', 'GP'
--     (as a word), 'neurolog' or 'physician', in any case;
--   referral_noted (numbness rows only, else null): a referral was noted for it: a referral note on
--     this row or a later row of the course (dated <= as_of, any status), or the patient's
--     referral_date falls after the session's date (and on or before as_of);
--   scored: an attended row with pain_before recorded; scored_number: 1, 2, 3 ... over the course's
--     scored rows in course order (null on the others);
--   rising: pain_before of this scored row and the two scored rows before it rise strictly
--     (b_k < b_k+1 < b_k+2, this row being the third); rising_pains: those three scores.
-- uses: filtered_sessions
create or replace temp macro flag_sessions(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule
) as table (
    with course_rows as (
        select course_id, start_month, referral_date
        from filtered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule)
    ),

    session_rows as (
        select
            s.session_id,
            s.patient_id,
            s.course_id,
            s.session_date,
            s.session_time,
            s.therapist,
            s.status,
            s.session_number,
            s.pain_before,
            s.notes,
            s.start_date,
            c.start_month,
            s.course_therapist,
            c.referral_date,
            s.status = 'attended' and coalesce(s.acute_inflammation, false) as attended_acute,
            s.status = 'attended' and coalesce(s.numbness, false) as attended_numbness,
            coalesce(regexp_matches(lower(s.notes), '(refer|doctor|\bgp\b|neurolog|physician)'), false)
                as referral_note,
            s.status = 'attended' and s.pain_before is not null as scored
        from filtered_sessions(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule) as s
        join course_rows as c on c.course_id = s.course_id
    ),

    ordered as (
        select
            *,
            -- a referral note on this row or any later row of the course (course order)
            bool_or(referral_note) over (
                partition by course_id
                order by session_date, session_time nulls first, session_id
                rows between current row and unbounded following
            ) as note_from_here
        from session_rows
    ),

    scored_rows as (
        select
            session_id,
            row_number() over (partition by course_id order by session_number) as scored_number,
            lag(pain_before, 1) over (partition by course_id order by session_number) as before_1,
            lag(pain_before, 2) over (partition by course_id order by session_number) as before_2
        from session_rows
        where scored
    ),

    final as (
        select
            o.* exclude (note_from_here),
            case when o.attended_numbness then
                o.note_from_here
                or coalesce(o.referral_date > o.session_date and o.referral_date <= as_of::date, false)
            end as referral_noted,
            r.scored_number,
            coalesce(r.before_2 < r.before_1 and r.before_1 < o.pain_before, false) as rising,
            case when r.before_2 < r.before_1 and r.before_1 < o.pain_before
                 then [r.before_2, r.before_1, o.pain_before] end as rising_pains
        from ordered as o
        left join scored_rows as r on r.session_id = o.session_id
    )

    select * from final
);
