-- infer_courses: recomputes inferred_course_id for every stored session. Returns nothing.
-- params: none
-- A patient's rows without a course_id (any status), sorted by date, start a new course when the
-- date difference from the previous row is more than the stored gap (course_grouping.course_gap_days,
-- 30 days when none is stored: 31 or more days apart). The course id is
-- '<patient_id>:<YYYY-MM-DD of its first row>'. Rows with an explicit course_id get none.
update sessions
set inferred_course_id = null
where course_id is not null
  and inferred_course_id is not null;

update sessions
set inferred_course_id = final.inferred_course_id
from (
    with unassigned as (
        select
            session_id,
            patient_id,
            session_date,
            lag(session_date) over (partition by patient_id order by session_date, session_id) as previous_date
        from sessions
        where course_id is null
    ),

    numbered as (
        select
            *,
            sum(case when previous_date is null or date_diff('day', previous_date, session_date) > gap.days then 1 else 0 end)
                over (partition by patient_id order by session_date, session_id rows unbounded preceding) as course_no
        from unassigned
        cross join (select coalesce(max(course_gap_days), 30) as days from course_grouping) as gap
    ),

    final as (
        select
            session_id,
            patient_id || ':' || strftime(min(session_date) over (partition by patient_id, course_no), '%Y-%m-%d')
                as inferred_course_id
        from numbered
    )

    select * from final
) as final
where sessions.session_id = final.session_id
  and sessions.inferred_course_id is distinct from final.inferred_course_id;
