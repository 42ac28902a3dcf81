-- merge_sessions: compares the staged rows of a sessions file with the stored ones. Creates the temp
-- table `merged`: one row per staged session_id, as it will be stored, plus `change`
-- ('new', 'updated' or 'unchanged'). Returns nothing.
-- params: $keep (varchar[]: optional columns the file lacks; an updated row keeps its stored
--         value there, a new row gets the default), $batch_id (integer)
-- reads: staged (the file's accepted rows, made by the importer)
-- The stored table is joined once: a file of a million known sessions is compared in one pass.
-- uses: merge_rules
create or replace temp table merged as
with paired as (
    select
        staged.*,
        stored.session_id is not null as known,
        stored.patient_id as stored_patient_id,
        stored.session_date as stored_session_date,
        stored.therapist as stored_therapist,
        stored.status as stored_status,
        stored.pain_before as stored_pain_before,
        stored.pain_after as stored_pain_after,
        stored.course_id as stored_course_id,
        stored.session_time as stored_session_time,
        stored.muscle_tension as stored_muscle_tension,
        stored.numbness as stored_numbness,
        stored.acute_inflammation as stored_acute_inflammation,
        stored.notes as stored_notes
    from staged
    left join sessions as stored on stored.session_id = staged.session_id
),

incoming as (
    select
        session_id,
        patient_id,
        session_date,
        therapist,
        kept_value($keep, 'status', known, stored_status, coalesce(status, 'attended')) as status,
        kept_value($keep, 'pain_before', known, stored_pain_before, pain_before) as pain_before,
        kept_value($keep, 'pain_after', known, stored_pain_after, pain_after) as pain_after,
        kept_value($keep, 'course_id', known, stored_course_id, course_id) as course_id,
        kept_value($keep, 'session_time', known, stored_session_time, session_time) as session_time,
        kept_value($keep, 'muscle_tension', known, stored_muscle_tension, muscle_tension) as muscle_tension,
        kept_value($keep, 'numbness', known, stored_numbness, numbness) as numbness,
        kept_value($keep, 'acute_inflammation', known,
                   stored_acute_inflammation, acute_inflammation) as acute_inflammation,
        kept_value($keep, 'notes', known, stored_notes, notes) as notes,
        paired.* exclude (session_id, patient_id, session_date, therapist, status, pain_before, pain_after,
                          course_id, session_time, muscle_tension, numbness, acute_inflammation, notes)
    from paired
),

final as (
    select
        session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id,
        session_time, muscle_tension, numbness, acute_inflammation, notes,
        $batch_id::integer as batch_id,
        case
            when not known then 'new'
            when patient_id is not distinct from stored_patient_id
                 and session_date is not distinct from stored_session_date
                 and therapist is not distinct from stored_therapist
                 and status is not distinct from stored_status
                 and pain_before is not distinct from stored_pain_before
                 and pain_after is not distinct from stored_pain_after
                 and course_id is not distinct from stored_course_id
                 and session_time is not distinct from stored_session_time
                 and muscle_tension is not distinct from stored_muscle_tension
                 and numbness is not distinct from stored_numbness
                 and acute_inflammation is not distinct from stored_acute_inflammation
                 and notes is not distinct from stored_notes then 'unchanged'
            else 'updated'
        end as change
    from incoming
)

select * from final;
