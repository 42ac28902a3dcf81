-- check_stored_courses: the check of a courses file that needs the stored data. Sets problem_* of
-- the rows of the temp table `checked` it refuses. Returns nothing.
-- uses: import_rules
-- params: $shown_chars
-- reads: checked (from check_courses, or the XLSX rows the importer checked)
-- A course belongs to one patient: a course whose stored sessions (explicit or inferred course)
-- belong to another patient is refused.
update checked
set problem_column = refusals.problem_column,
    problem_value = refusals.problem_value,
    problem_reason = refusals.problem_reason
from (
with accepted as (
    select * from checked where problem_reason is null
),

in_sessions as (
    select coalesce(course_id, inferred_course_id) as course_id, min(patient_id) as patient_id
    from sessions
    where coalesce(course_id, inferred_course_id) in (select course_id from accepted)
    group by coalesce(course_id, inferred_course_id)
),

final as (
    select
        accepted.line,
        'course_id' as problem_column,
        field_shown(accepted.course_id, $shown_chars) as problem_value,
        'course ' || field_shown(accepted.course_id, $shown_chars) || ' belongs to patient '
            || field_shown(in_sessions.patient_id, $shown_chars) || ' in stored sessions, not to '
            || field_shown(accepted.patient_id, $shown_chars) as problem_reason
    from accepted
    join in_sessions using (course_id)
    where in_sessions.patient_id <> accepted.patient_id
)

select * from final
) as refusals
where checked.line = refusals.line;
