-- quality_patient_rows: the patients that pass the filters and lack $missing: 'diagnosis' (none
-- recorded) or 'paperwork' (no doctor's conclusion, imaging none or empty, or blood tests not done or
-- empty); a patient without a patients-file row lacks both. Most recently seen first.
-- returns: patient_id, lacking (in words: what is missing), seen_by (therapists of the patient's
--   sessions, comma-separated), last_session_date, first_session_date, session_rows, site,
--   in_patients_file, diagnosis, doctor_conclusion, imaging, blood_tests; sorted by last_session_date
--   descending (patients without sessions last), patient_id; at most $limit rows
-- params: $therapists (varchar[]), $sites (varchar[]) (see quality_rules.sql), $missing ('diagnosis' |
--   'paperwork'), $limit (integer or null = all)
-- uses: quality_rules
with lacking as (
    select *
    from quality_patients($therapists, $sites)
    where ($missing = 'diagnosis' and no_diagnosis)
       or ($missing = 'paperwork' and no_paperwork)
    order by last_session_date desc nulls last, patient_id
    limit $limit
),

-- the therapists and the count of session rows are looked up for the listed patients only
seen as (
    select s.patient_id, list(distinct s.therapist order by s.therapist) as seen_by, count(*) as session_rows
    from main.sessions as s
    semi join lacking as l on l.patient_id = s.patient_id
    group by s.patient_id
),

final as (
    select
        patient_id,
        case
            when not in_patients_file then 'no patients-file row'
            else concat_ws(', ',
                case when no_diagnosis then 'diagnosis' end,
                case when no_conclusion then 'doctor''s conclusion' end,
                case when no_imaging then 'imaging' end,
                case when no_blood_tests then 'blood tests' end)
        end as lacking,
        array_to_string(seen.seen_by, ', ') as seen_by,
        last_session_date,
        first_session_date,
        coalesce(seen.session_rows, 0) as session_rows,
        site,
        in_patients_file,
        diagnosis,
        doctor_conclusion,
        imaging,
        blood_tests
    from lacking
    left join seen using (patient_id)
)

select * from final
order by last_session_date desc nulls last, patient_id
limit $limit;
