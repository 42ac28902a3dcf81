-- quality_pain_by_month: attended sessions and those without both pain scores, per therapist (of the
-- session) and calendar month of the session, among the rows that pass the filters.
-- returns: therapist, month (first day of the month, date), attended_sessions, missing_pain_sessions
--   (pain_before or pain_after empty), missing_before, missing_after; one row per therapist and month
--   with at least one attended session; sorted by therapist, month
-- params: $therapists (varchar[], empty = all), $sites (varchar[], empty = all; the patient's site)
-- uses: quality_rules
with attended as (
    select *
    from quality_attended($therapists, $sites)
),

final as (
    select
        therapist,
        date_trunc('month', session_date)::date as month,
        count(*) as attended_sessions,
        count(*) filter (where missing_pain) as missing_pain_sessions,
        count(*) filter (where pain_before is null) as missing_before,
        count(*) filter (where pain_after is null) as missing_after
    from attended
    group by all
)

select * from final
order by therapist, month;
