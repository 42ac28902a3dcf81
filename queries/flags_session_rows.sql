-- flags_session_rows: the attended sessions behind one session check of the Protocol safety page
-- (its drill-down): 'acute' (recorded during acute inflammation) or 'numbness' (numbness reported).
-- returns: session_id, patient_id, course_id, session_date, session_number, therapist (of the
--   session), pain_before, referral_noted (numbness: a referral note on this or a later row of the
--   course, or a referral_date after it; null for 'acute'), notes (the session's own, as stored: shown
--   only as plain text), total (how many sessions the check holds, on every row); at most $limit rows
--   (null = all), the latest first (date, then session_id)
-- params: the filter set (see filtered_courses.sql), $flag ('acute' | 'numbness'), $limit
-- uses: flags_sessions
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
with sessions as (
    select *
    from flag_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                       $relief_rule, null, null)
),

chosen as (
    select *
    from sessions
    where case $flag
        when 'acute' then attended_acute
        when 'numbness' then attended_numbness
        else false
    end
),

final as (
    select
        session_id, patient_id, course_id, session_date, session_number, therapist, pain_before, referral_noted,
        notes,
        count(*) over () as total
    from chosen
)

select * from final
order by session_date desc, session_id desc
limit $limit;
