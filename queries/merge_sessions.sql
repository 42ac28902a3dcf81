-- merge_sessions: compares the staged rows of a sessions file with the stored ones. Creates the temp
-- table `merged`: one row per staged session_id, as it will be stored, plus `change`
-- ('new', 'updated' or 'unchanged'). Returns nothing.
-- params: $keep (varchar[]: optional columns the file lacks; an updated row keeps its stored
--         value there, a new row gets the default), $batch_id (integer)
-- reads: staged (the file's accepted rows, registered by the importer)
create or replace temp table merged as
with incoming as (
    select
        staged.session_id,
        staged.patient_id,
        staged.session_date,
        staged.therapist,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'status') then stored.status
             else coalesce(staged.status, 'attended') end as status,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'pain_before') then stored.pain_before
             else staged.pain_before end as pain_before,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'pain_after') then stored.pain_after
             else staged.pain_after end as pain_after,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'course_id') then stored.course_id
             else staged.course_id end as course_id,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'session_time') then stored.session_time
             else staged.session_time end as session_time,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'muscle_tension') then stored.muscle_tension
             else staged.muscle_tension end as muscle_tension,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'numbness') then stored.numbness
             else staged.numbness end as numbness,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'acute_inflammation') then stored.acute_inflammation
             else staged.acute_inflammation end as acute_inflammation,
        case when stored.session_id is not null and list_contains($keep::varchar[], 'notes') then stored.notes
             else staged.notes end as notes
    from staged
    left join sessions as stored on stored.session_id = staged.session_id
),

final as (
    select
        incoming.*,
        $batch_id::integer as batch_id,
        case
            when stored.session_id is null then 'new'
            when incoming.patient_id is not distinct from stored.patient_id
                 and incoming.session_date is not distinct from stored.session_date
                 and incoming.therapist is not distinct from stored.therapist
                 and incoming.status is not distinct from stored.status
                 and incoming.pain_before is not distinct from stored.pain_before
                 and incoming.pain_after is not distinct from stored.pain_after
                 and incoming.course_id is not distinct from stored.course_id
                 and incoming.session_time is not distinct from stored.session_time
                 and incoming.muscle_tension is not distinct from stored.muscle_tension
                 and incoming.numbness is not distinct from stored.numbness
                 and incoming.acute_inflammation is not distinct from stored.acute_inflammation
                 and incoming.notes is not distinct from stored.notes then 'unchanged'
            else 'updated'
        end as change
    from incoming
    left join sessions as stored on stored.session_id = incoming.session_id
)

select * from final;
