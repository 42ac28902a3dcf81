-- stored_session_fields: the stored status and course_id of the given sessions, so that a file
-- lacking those columns can be checked with the values its rows will keep.
-- returns: session_id, status, course_id (the explicit one; null when inferred)
-- params: $session_ids (varchar[])
select session_id, status, course_id
from sessions
where session_id in (select unnest($session_ids::varchar[]));
