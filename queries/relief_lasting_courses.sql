-- relief_lasting_courses: the matching courses with first-session relief, counted by the pain around
-- their first two attended sessions, to see whether the relief lasts until the next visit
-- (clinic/relief_lasting.py).
-- returns one row per distinct (pain_before_1, pain_after_1, pain_before_2, second_session) among the
-- matching courses whose first-session relief (the rule in use) is true, in no particular order
-- (a network's million relieved courses come back as a few hundred rows):
--   first_session_relief (true on every row),
--   pain_before_1 (b1), pain_after_1 (a1): the first attended session's scores,
--   pain_before_2 (b2): pain before the second attended session (null when there is none or it has
--     no score), second_session (whether there is a second attended session yet),
--   courses (how many courses share these values).
-- params: the filter set (see filtered_courses.sql)
-- The second session's score is element 2 of the course's pains_before (course_summary.sql: each
-- attended session's score in course order, kept with the course facts), so no session row is read.
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with relieved as (
    select first_session_relief, first_session_pain_before, first_session_pain_after, pains_before
    from filtered_numbered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                                   $sexes, $scope, $relief_rule)
    where first_session_relief
),

final as (
    select
        first_session_relief,
        first_session_pain_before as pain_before_1,
        first_session_pain_after as pain_after_1,
        pains_before[2] as pain_before_2,          -- null past the list's end: no second session yet
        len(pains_before) >= 2 as second_session,
        count(*) as courses
    from relieved
    group by all
)

select * from final;
