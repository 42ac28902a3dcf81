-- bench_day_sessions: the sessions of the latest day in the database as rows of the import
-- contract's sessions.csv (as bench_sessions_csv.sql writes them), each with a new session id
-- ($prefix and its own id), so that importing them adds that day's sessions again: a day's import
-- into a database of that size (scripts/bench_writes.py).
-- params: $prefix (varchar)
with latest as (
    select max(session_date) as day from sessions
),

final as (
    select
        $prefix || session_id as session_id,
        patient_id,
        session_date,
        therapist,
        status,
        pain_before,
        pain_after,
        course_id,
        strftime(cast('2000-01-01' as date) + session_time, '%H:%M') as session_time,
        muscle_tension,
        numbness,
        acute_inflammation,
        notes
    from sessions
    where session_date = (select day from latest)
      and session_id not like 'W%'
)

select * from final
order by session_id
