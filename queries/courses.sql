-- courses: the per-course metrics as of $as_of, in the order of `python -m clinic courses --json`.
-- returns: the fields of DESIGN.md's courses JSON, sorted by patient_id, start_date, course_id
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50')
-- uses: course_summary
select
    course_id,
    patient_id,
    start_date,
    planned_sessions,
    therapist,
    sessions_attended,
    attended_days,
    first_session_pain_before,
    first_session_pain_after,
    first_session_relief,
    sustained_improvement_pct,
    adherence,
    adherent,
    completed,
    dropped_out,
    longest_break_days
from course_summary($as_of, $relief_rule)
order by patient_id, start_date, course_id;
