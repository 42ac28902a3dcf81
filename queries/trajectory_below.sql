-- trajectory_below: for each listed course that passes the filters, whether it is below its expected
-- course: its pain before its latest scored session k, once k > $progress_after, is above the 75th
-- percentile of pain before session k among its similar courses (worse than three in four of them).
-- Similar courses and quartiles are those of trajectory_expected.sql (completed courses of the whole
-- clinic as of $as_of, same diagnosis and baseline band, the course itself left out; quantile_cont's
-- linear interpolation), worked out here for many courses at once from the count of each score 0-10
-- at each session number, so a course's own score is taken out by subtracting one from its count.
-- returns one row per listed course that passes the filters (any order):
--   course_id, latest_session (its latest attended session with a pain-before score; null when none),
--   latest_pain (that score), similar_courses, courses_at_session (similar courses scored at
--   latest_session), expected_q75_pain (their 75th percentile; null when fewer than $min_cohort
--   similar courses, or fewer than $min_cohort scored at latest_session),
--   below_expected (latest_pain > expected_q75_pain; null = not judged: latest_session is null or
--     <= $progress_after, no diagnosis or baseline, or expected_q75_pain is null)
-- params: the filter set (see filtered_courses.sql), $course_ids (varchar[]), $min_cohort (integer),
--   $progress_after (integer)
-- uses: trajectory_sessions
-- reads: open_courses (see filtered_courses.sql)
with clinic_rows as (
    select *
    from trajectory_sessions($as_of, $relief_rule)
),

wanted as (
    select distinct unnest($course_ids::varchar[]) as course_id
),

listed as (
    select course_id, diagnosis, completed
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id in (select course_id from wanted)
),

latest as (
    select
        course_id,
        max(baseline_band) as baseline_band,
        arg_max(session_number, session_number) filter (where pain_before is not null) as latest_session,
        arg_max(pain_before, session_number) filter (where pain_before is not null) as latest_pain
    from clinic_rows
    where course_id in (select course_id from wanted)
    group by course_id
),

targets as (
    select l.course_id, l.diagnosis, l.completed, t.baseline_band, t.latest_session, t.latest_pain
    from listed as l
    left join latest as t on t.course_id = l.course_id
),

-- per diagnosis and band: how many completed courses; per diagnosis, band, k and score: how many
group_sizes as (
    select diagnosis, baseline_band, count(distinct course_id) as courses
    from clinic_rows
    where completed and diagnosis is not null and baseline_band is not null
    group by diagnosis, baseline_band
),

score_counts as (
    select diagnosis, baseline_band, session_number, pain_before, count(*) as courses
    from clinic_rows
    where completed and diagnosis is not null and baseline_band is not null and pain_before is not null
    group by diagnosis, baseline_band, session_number, pain_before
),

-- the scores at each target's k without its own (a completed target is one of its similar courses)
own_counts as (
    select
        t.course_id,
        c.pain_before,
        c.courses - case when t.completed and c.pain_before = t.latest_pain then 1 else 0 end as courses
    from targets as t
    join score_counts as c
      on c.diagnosis = t.diagnosis
     and c.baseline_band = t.baseline_band
     and c.session_number = t.latest_session
),

ranked as (
    select
        course_id,
        pain_before,
        sum(courses) over (partition by course_id order by pain_before) as courses_up_to,
        sum(courses) over (partition by course_id) as scored
    from own_counts
),

-- quantile_cont at 0.75 over the n scores sorted: position p = (n - 1) * 0.75 (0-based); the scores
-- at ranks floor(p) and ceil(p), joined by a straight line
positions as (
    select
        course_id,
        any_value(scored) as scored,
        ((any_value(scored) - 1) * 0.75)::double as p
    from ranked
    where scored > 0
    group by course_id
),

quartiles as (
    select
        q.course_id,
        q.scored,
        min(r.pain_before) filter (where r.courses_up_to > floor(q.p)) as low_score,
        min(r.pain_before) filter (where r.courses_up_to > ceil(q.p)) as high_score,
        q.p - floor(q.p) as fraction
    from positions as q
    join ranked as r on r.course_id = q.course_id
    group by q.course_id, q.scored, q.p
),

measured as (
    select
        t.course_id,
        t.latest_session,
        t.latest_pain,
        coalesce(g.courses, 0) - case when t.completed and g.courses is not null then 1 else 0 end
            as similar_courses,
        coalesce(q.scored, 0) as courses_at_session,
        case
            when coalesce(g.courses, 0) - case when t.completed and g.courses is not null then 1 else 0 end
                 >= $min_cohort
             and q.scored >= $min_cohort
            then q.low_score + q.fraction * (q.high_score - q.low_score)
        end as expected_q75_pain
    from targets as t
    left join group_sizes as g on g.diagnosis = t.diagnosis and g.baseline_band = t.baseline_band
    left join quartiles as q on q.course_id = t.course_id
),

final as (
    select
        *,
        case
            when latest_session > $progress_after and expected_q75_pain is not null
            then latest_pain > expected_q75_pain
        end as below_expected
    from measured
)

select * from final;
