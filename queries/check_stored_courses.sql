-- check_stored_courses: the check of a courses file that needs the stored data. Creates the temp
-- table `judged`: the rows of `checked`, with problem_* set on the rows it refuses. Returns nothing.
-- uses: import_rules
-- params: $shown_chars
-- reads: checked (from check_courses, or the XLSX rows the importer checked)
-- A course belongs to one patient: a course whose stored sessions (explicit or inferred course)
-- belong to another patient is refused.
create or replace temp table judged as
with accepted as (
    select * from checked where problem_reason is null
),

in_sessions as (
    select coalesce(course_id, inferred_course_id) as course_id, min(patient_id) as patient_id
    from sessions
    where coalesce(course_id, inferred_course_id) in (select course_id from accepted)
    group by coalesce(course_id, inferred_course_id)
),

refused as (
    select
        accepted.* exclude (problem_column, problem_value, problem_reason),
        'course_id' as problem_column,
        field_shown(accepted.course_id, $shown_chars) as problem_value,
        'course ' || field_shown(accepted.course_id, $shown_chars) || ' belongs to patient '
            || field_shown(in_sessions.patient_id, $shown_chars) || ' in stored sessions, not to '
            || field_shown(accepted.patient_id, $shown_chars) as problem_reason,
        coalesce(in_sessions.patient_id <> accepted.patient_id, false) as refuse
    from accepted
    left join in_sessions using (course_id)
),

final as (
    select * exclude (refuse) from refused where refuse
    union all by name
    select * exclude (refuse) replace (null::varchar as problem_column, null::varchar as problem_value,
                                       null::varchar as problem_reason)
    from refused where not refuse
    union all by name
    select * from checked where problem_reason is not null
)

select * from final;
