-- merge_courses: compares the staged rows of a courses file with the stored ones. Creates the temp
-- table `merged`: one row per staged course_id, as it will be stored, plus `change`
-- ('new', 'updated' or 'unchanged'). Returns nothing.
-- params: $keep (varchar[]: optional columns the file lacks; an updated row keeps its stored
--         value there, a new row gets none), $batch_id (integer)
-- An empty or missing planned_sessions is stored as null: the planned-sessions setting (10 by
-- default) applies to it when metrics are computed, as to a course without a courses-file row.
-- reads: staged (the file's accepted rows, registered by the importer)
-- uses: merge_rules
create or replace temp table merged as
with incoming as (
    select
        staged.course_id,
        staged.patient_id,
        kept_value($keep, 'start_date', stored.course_id is not null,
                   stored.start_date, staged.start_date) as start_date,
        kept_value($keep, 'planned_sessions', stored.course_id is not null,
                   stored.planned_sessions, staged.planned_sessions) as planned_sessions
    from staged
    left join courses as stored on stored.course_id = staged.course_id
),

final as (
    select
        incoming.*,
        $batch_id::integer as batch_id,
        case
            when stored.course_id is null then 'new'
            when incoming.patient_id is not distinct from stored.patient_id
                 and incoming.start_date is not distinct from stored.start_date
                 and incoming.planned_sessions is not distinct from stored.planned_sessions then 'unchanged'
            else 'updated'
        end as change
    from incoming
    left join courses as stored on stored.course_id = incoming.course_id
)

select * from final;
