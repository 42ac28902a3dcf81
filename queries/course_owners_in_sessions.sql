-- course_owners_in_sessions: the patient whose stored sessions belong to each of the given course
-- ids, named explicitly or inferred, leaving out the sessions that the file being imported is about
-- to re-apply.
-- returns: course_id, patient_id (the first patient id as text, should stored rows disagree)
-- params: $course_ids (varchar[]), $except_session_ids (varchar[])
select coalesce(course_id, inferred_course_id) as course_id, min(patient_id) as patient_id
from sessions
where coalesce(course_id, inferred_course_id) in (select unnest($course_ids::varchar[]))
  and session_id not in (select unnest($except_session_ids::varchar[]))
group by coalesce(course_id, inferred_course_id);
