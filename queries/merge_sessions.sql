-- merge_sessions: compares the staged rows of a sessions file with the stored ones. Creates the temp
-- table `merged`: one row per staged session_id, as it will be stored, plus `change`
-- ('new', 'updated' or 'unchanged'). Returns nothing.
-- params: $keep (varchar[]: optional columns the file lacks; an updated row keeps its stored
--         value there, a new row gets the default), $batch_id (integer)
-- reads: staged (the file's accepted rows, made by the importer)
-- The stored table is joined once: a file of a million known sessions is compared in one pass.
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
        case when known and list_contains($keep::varchar[], 'status') then stored_status
             else coalesce(status, 'attended') end as status,
        case when known and list_contains($keep::varchar[], 'pain_before') then stored_pain_before
             else pain_before end as pain_before,
        case when known and list_contains($keep::varchar[], 'pain_after') then stored_pain_after
             else pain_after end as pain_after,
        case when known and list_contains($keep::varchar[], 'course_id') then stored_course_id
             else course_id end as course_id,
        case when known and list_contains($keep::varchar[], 'session_time') then stored_session_time
             else session_time end as session_time,
        case when known and list_contains($keep::varchar[], 'muscle_tension') then stored_muscle_tension
             else muscle_tension end as muscle_tension,
        case when known and list_contains($keep::varchar[], 'numbness') then stored_numbness
             else numbness end as numbness,
        case when known and list_contains($keep::varchar[], 'acute_inflammation') then stored_acute_inflammation
             else acute_inflammation end as acute_inflammation,
        case when known and list_contains($keep::varchar[], 'notes') then stored_notes
             else notes end as notes,
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
