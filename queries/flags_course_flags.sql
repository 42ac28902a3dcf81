-- flags_course_flags: defines the table macro course_flags(...), used through
-- `-- uses: flags_course_flags`. Returns nothing itself.
-- The macro takes the filter set of filtered_courses, ceiling_pain (integer, settings.CEILING_PAIN),
-- course_ids (varchar[] or null = every filtered course), recent_days (integer or null = all: only
-- courses whose last visit, or start with no visit, is at most this many days before as_of) and
-- session_flags (boolean, default true; false leaves the acute and numbness counts below at 0 and
-- null, unread: flags_by_month.sql counts them apart and so needs less memory), reads
-- mcid and progress_after from the caller's one-row table `clinic_settings` (registered with every
-- filter set), and returns one row per filtered course with its protocol-safety flags:
--   course_id, patient_id, therapist, start_date, start_month, first_session_date, sessions_attended,
--   last_attended_date, days_since_last_visit, completed, ongoing,
--   Failure to progress (pain_before of attended sessions dated <= as_of, in course order; these and
--   the rising pain below come with the course, course_summary.sql's scored-session columns, so that
--   no session row is read for them; settled courses have them in the stored facts):
--   baseline_pain: of the first attended session that has one (its number: baseline_session);
--   pain_now: of the latest attended session numbered above progress_after that has one (its number
--     and date: pain_now_session, pain_now_date); null before such a session exists;
--   ceiling: baseline_pain <= ceiling_pain (null without a baseline): too low to show a change;
--   mcid_not_met: null when there is no baseline, the course is at the ceiling, or it has no
--     pain_now yet (or pain_now is the baseline's own session, when the first scores came late);
--     else true when pain has not fallen by the MCID: 'points2': baseline - now < 2; 'pct30':
--     10 x (baseline - now) < 3 x baseline (integers, compared exactly);
--   below_expected, expected_q75_pain: the course's latest scored attended session k (latest_session,
--     latest_pain, latest_date; when the MCID is judged, pain_now is latest_pain) is after progress_after and its score is above expected_q75_pain, the 75th
--     percentile at k of its similar courses (trajectory_quartiles.sql: completed courses of the whole
--     clinic, same diagnosis and baseline band (pain_band of the score at session 1), the course
--     itself left out; the caller's table `expected_paths`); null = not judged;
--   failure_to_progress: mcid_not_met or below_expected; null when neither is judged (a course at
--     the ceiling can still be below its expected course);
--   Paperwork "before the first session" (the first attended session, or the start without one):
--   paperwork_late: the patient's referral_date is after that day: what is on file came later;
--   missing_paperwork: no doctor's conclusion (false or not on file), or paperwork_late;
--   no_imaging: imaging 'none' or not on file, or paperwork_late;
--   no_blood_tests: blood tests false or not on file, or paperwork_late;
--   (a missing referral_date leaves what is on file as it is: nothing tells it came later);
--   doctor_conclusion, imaging, blood_tests, referral_date: as on file;
--   acute_sessions, last_acute_date: attended sessions recorded during acute inflammation;
--   numbness_sessions, first_numbness_date, last_numbness_date: attended sessions with numbness;
--   numbness_referred: null without such a session; else whether a referral was noted on or after
--     the first of them (see flags_sessions.sql: a note, or a referral_date after it);
--   scored_sessions: attended sessions with pain_before;
--   red_flag_rising: null with fewer than 3 scored sessions; else whether pain_before rose strictly
--     over three consecutive scored sessions (b_k < b_k+1 < b_k+2) at any point;
--   last_rise_date, last_rise_pains: the third session of the latest such rise, and its three scores.
-- uses: flags_sessions, trajectory_sessions
-- reads: expected_paths (queries/expected_paths.sql, registered by the caller)
create or replace temp macro course_flags(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule, ceiling_pain,
    course_ids, recent_days, session_flags := true
) as table (
    with courses as (
        select *
        from filtered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule)
        where (course_ids::varchar[] is null or course_id in (select unnest(course_ids::varchar[])))
          and (recent_days is null or days_since_last_visit <= recent_days)
    ),

    settings as (
        select mcid, progress_after
        from clinic_settings
    ),

    flagged as (
        select
            course_id,
            count(*) filter (where attended_acute) as acute_sessions,
            max(session_date) filter (where attended_acute) as last_acute_date,
            count(*) filter (where attended_numbness) as numbness_sessions,
            min(session_date) filter (where attended_numbness) as first_numbness_date,
            max(session_date) filter (where attended_numbness) as last_numbness_date,
            bool_or(referral_noted) filter (where attended_numbness) as numbness_referred
        from flag_sessions(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule,
                           course_ids, recent_days)
        where session_flags
        group by course_id
    ),

    -- the 75th percentile of similar courses at each session number, for every group of the clinic
    paths as (
        select *
        from expected_paths
    ),

    judged as (
        select
            c.course_id,
            c.patient_id,
            c.therapist,
            c.start_date,
            c.start_month,
            c.first_session_date,
            c.sessions_attended,
            c.last_attended_date,
            c.days_since_last_visit,
            c.completed,
            c.ongoing,
            c.baseline_pain,
            c.baseline_session,
            -- the latest scored session, when it is numbered above progress_after and is not the baseline's
            case when c.latest_session > s.progress_after and c.latest_session > c.baseline_session
                 then c.latest_pain end as pain_now,
            case when c.latest_session > s.progress_after and c.latest_session > c.baseline_session
                 then c.latest_session end as pain_now_session,
            case when c.latest_session > s.progress_after and c.latest_session > c.baseline_session
                 then c.latest_date end as pain_now_date,
            c.baseline_pain <= ceiling_pain as ceiling,
            coalesce(c.referral_date > coalesce(c.first_session_date, c.start_date), false) as paperwork_late,
            c.doctor_conclusion,
            c.imaging,
            c.blood_tests,
            c.referral_date,
            coalesce(f.acute_sessions, 0) as acute_sessions,
            f.last_acute_date,
            coalesce(f.numbness_sessions, 0) as numbness_sessions,
            f.first_numbness_date,
            f.last_numbness_date,
            f.numbness_referred,
            c.scored_sessions,
            c.red_flag_rising,
            c.last_rise_date,
            c.last_rise_pains,
            c.latest_session,
            c.latest_pain,
            c.latest_date,
            e.expected_q75_pain
        from courses as c
        cross join settings as s
        left join flagged as f on f.course_id = c.course_id
        left join paths as e
          on e.diagnosis = c.diagnosis
         and e.baseline_band = pain_band(c.first_session_pain_before)
         and e.session_number = c.latest_session
         and e.left_out is not distinct from (case when c.completed then c.latest_pain end)
    ),

    progress as (
        select
            j.*,
            case
                when j.baseline_pain is null or j.ceiling or j.pain_now is null then null
                when s.mcid = 'pct30' then 10 * (j.baseline_pain - j.pain_now) < 3 * j.baseline_pain
                else j.baseline_pain - j.pain_now < 2
            end as mcid_not_met,
            case
                when j.latest_session > s.progress_after and j.expected_q75_pain is not null
                then j.latest_pain > j.expected_q75_pain
            end as below_expected
        from judged as j
        cross join settings as s
    ),

    final as (
        select
            j.*,
            case
                when j.mcid_not_met is null and j.below_expected is null then null
                else coalesce(j.mcid_not_met, false) or coalesce(j.below_expected, false)
            end as failure_to_progress,
            j.doctor_conclusion is distinct from true or j.paperwork_late as missing_paperwork,
            j.imaging is null or j.imaging = 'none' or j.paperwork_late as no_imaging,
            j.blood_tests is distinct from true or j.paperwork_late as no_blood_tests
        from progress as j
    )

    select * from final
);
