-- check_stored_sessions: the checks of a sessions file that need the stored data, on each row as it
-- will be stored. Sets problem_* of the rows of the temp table `checked` these checks refuse (only
-- those rows are written). Returns nothing.
-- uses: import_rules
-- params: $absent (varchar[]: columns the file lacks), $today (date), $shown_chars,
--         $rows_from (date or null: the stored rows of the named courses are dated on or after it;
--         check_rows_from.sql; null reads every row)
-- reads: checked (from check_sessions, or the XLSX rows the importer checked)
-- A row updating a stored session keeps the stored status and course_id when the file has no such
-- column, so it is judged with those: an attended session may not move after today, and a course
-- belongs to one patient: the one named for it in courses, else in stored sessions (explicit or
-- inferred course, leaving out the sessions this file re-applies), else on the first row of this
-- file that names it. A row that would give it to another patient is refused.
update checked
set problem_column = refusals.problem_column,
    problem_value = refusals.problem_value,
    problem_reason = refusals.problem_reason
from (
with accepted as (
    select * from checked where problem_reason is null
),

effective as (
    select
        accepted.*,
        case when list_contains($absent::varchar[], 'status') then coalesce(stored.status, 'attended')
             else accepted.status end as effective_status,
        case when list_contains($absent::varchar[], 'course_id') then stored.course_id
             else accepted.course_id end as effective_course_id
    from accepted
    left join sessions as stored on stored.session_id = accepted.session_id
),

timely as (
    select *, not (effective_status = 'attended' and session_date > $today) as in_time
    from effective
),

named_courses as (
    select distinct effective_course_id as course_id from timely where in_time and effective_course_id is not null
),

in_courses as (
    select courses.course_id, courses.patient_id
    from courses
    where courses.course_id in (select course_id from named_courses)
),

in_sessions as (
    select coalesce(course_id, inferred_course_id) as course_id, min(patient_id) as patient_id
    from sessions
    where session_date >= coalesce($rows_from::date, date '0001-01-01')     -- a plain bound: only its blocks
      and coalesce(course_id, inferred_course_id) in (select course_id from named_courses)
      and session_id not in (select session_id from accepted)
    group by coalesce(course_id, inferred_course_id)
),

in_file as (
    select effective_course_id as course_id, arg_min(patient_id, line) as patient_id
    from timely
    where in_time and effective_course_id is not null
    group by effective_course_id
),

owners as (
    select
        named_courses.course_id,
        coalesce(in_courses.patient_id, in_sessions.patient_id, in_file.patient_id) as patient_id,
        case when in_courses.course_id is not null then 'in the courses file'
             when in_sessions.course_id is not null then 'in stored sessions'
             else 'on an earlier row of this file' end as seen_where
    from named_courses
    left join in_courses using (course_id)
    left join in_sessions using (course_id)
    left join in_file using (course_id)
),

final as (
    select
        timely.line,
        case when not in_time then 'session_date' else 'course_id' end as problem_column,
        case when not in_time then strftime(session_date, '%Y-%m-%d')
             else field_shown(effective_course_id, $shown_chars) end as problem_value,
        case when not in_time
             then 'an attended session cannot be dated after today (' || strftime($today::date, '%Y-%m-%d') || ')'
             else 'course ' || field_shown(effective_course_id, $shown_chars) || ' belongs to patient '
                  || field_shown(owners.patient_id, $shown_chars) || ' ' || owners.seen_where
                  || ', not to ' || field_shown(timely.patient_id, $shown_chars) end as problem_reason
    from timely
    left join owners on owners.course_id = timely.effective_course_id
    where not in_time or owners.patient_id <> timely.patient_id
)

select * from final
) as refusals
where checked.line = refusals.line;
