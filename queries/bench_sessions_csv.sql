-- bench_sessions_csv: every stored session as a row of the import contract's sessions.csv (DESIGN.md,
-- "Data contract"): the contract's columns in its order, times as HH:MM, booleans as true/false.
-- `python -m clinic bench` writes it to a CSV file and times importing that file; with
-- $latest_day_only, scripts/bench_writes.py takes the latest day's sessions, to import them again.
-- params: $most_rows (integer: the first rows by session_id, so that one file holds them),
--   $latest_day_only (boolean: only the sessions dated on the latest day in the database)
with final as (
    select
        session_id,
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
    where not $latest_day_only or session_date = (select max(session_date) from sessions)
)

select * from final
order by session_id
limit $most_rows
