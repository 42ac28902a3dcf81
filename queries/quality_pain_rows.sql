-- quality_pain_rows: the attended sessions without both pain scores (pain_before or pain_after
-- empty) that pass the filters, optionally of one therapist and one month, newest first.
-- returns: session_id, patient_id, course_id (as imported, else inferred), session_date,
--   session_time, therapist, pain_before, pain_after, missing ('pain before', 'pain after' or 'both');
--   sorted by session_date descending, session_time descending, session_id; at most $limit rows
-- params: $therapists (varchar[]), $sites (varchar[]) (see quality_rules.sql), $therapist (varchar or
--   null = every therapist), $month (date, the first of a month, or null = every month),
--   $limit (integer, or null = all)
-- uses: quality_rules
with missing as (
    select *
    from quality_attended($therapists, $sites)
    where missing_pain
      and ($therapist is null or therapist = $therapist)
      and ($month is null or date_trunc('month', session_date)::date = $month::date)
),

final as (
    select
        session_id,
        patient_id,
        course_id,
        session_date,
        session_time,
        therapist,
        pain_before,
        pain_after,
        case
            when pain_before is null and pain_after is null then 'both'
            when pain_before is null then 'pain before'
            else 'pain after'
        end as missing
    from missing
)

select * from final
order by session_date desc, session_time desc nulls last, session_id
limit $limit;
