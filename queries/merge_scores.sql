-- merge_scores: the stored sessions that the staged rows of a scores file score, as they will be
-- stored. Creates the temp table `merged` (the columns of sessions, and `change`: 'updated' or
-- 'unchanged'; a scores file adds no session), which apply_sessions writes. Returns nothing.
-- params: $batch_id (integer)
-- reads: staged (the file's accepted rows, each with the session_id of its stored session)
-- A score the file gives replaces the stored one; an empty cell leaves the stored value as it is.
create or replace temp table merged as
with paired as (
    select
        stored.* exclude (pain_before, pain_after, muscle_tension, numbness, acute_inflammation, batch_id),
        coalesce(staged.pain_before, stored.pain_before) as pain_before,
        coalesce(staged.pain_after, stored.pain_after) as pain_after,
        coalesce(staged.muscle_tension, stored.muscle_tension) as muscle_tension,
        coalesce(staged.numbness, stored.numbness) as numbness,
        coalesce(staged.acute_inflammation, stored.acute_inflammation) as acute_inflammation,
        stored.batch_id as stored_batch_id,
        (staged.pain_before is null or staged.pain_before is not distinct from stored.pain_before)
        and (staged.pain_after is null or staged.pain_after is not distinct from stored.pain_after)
        and (staged.muscle_tension is null or staged.muscle_tension is not distinct from stored.muscle_tension)
        and (staged.numbness is null or staged.numbness is not distinct from stored.numbness)
        and (staged.acute_inflammation is null
             or staged.acute_inflammation is not distinct from stored.acute_inflammation) as same
    from staged
    join main.sessions as stored on stored.session_id = staged.session_id
),

final as (
    select
        session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id,
        session_time, muscle_tension, numbness, acute_inflammation, notes,
        case when same then stored_batch_id else $batch_id::integer end as batch_id,
        case when same then 'unchanged' else 'updated' end as change
    from paired
)

select * from final;
