-- schema: creates the clinic's tables if they do not exist yet. Returns nothing.
-- params: none
-- Keys and CHECK constraints mirror the import contract (DESIGN.md), so even a row written
-- around the importer cannot hold a pain score of 11 or an unknown status.

create sequence if not exists import_batch_seq start 1;

create table if not exists patients (
    patient_id        varchar primary key,
    birth_year        integer check (birth_year between 1900 and 2100),
    sex               varchar check (sex in ('F', 'M', 'X')),
    diagnosis         varchar check (diagnosis in ('disc_herniation', 'piriformis_syndrome', 'spinal_stenosis', 'other')),
    referral_date     date,
    doctor_conclusion boolean,
    imaging           varchar check (imaging in ('mri', 'ct', 'xray', 'none')),
    blood_tests       boolean,
    site              varchar,
    batch_id          integer
);

create table if not exists courses (
    course_id         varchar primary key,
    patient_id        varchar not null,
    start_date        date not null,
    planned_sessions  integer not null default 10 check (planned_sessions between 1 and 60),
    batch_id          integer
);

create table if not exists sessions (
    session_id          varchar primary key,
    patient_id          varchar not null,
    session_date        date not null,
    therapist           varchar not null,
    status              varchar not null default 'attended' check (status in ('attended', 'cancelled', 'no_show')),
    pain_before         integer check (pain_before between 0 and 10),
    pain_after          integer check (pain_after between 0 and 10),
    course_id           varchar,           -- as imported; null when the file had none
    inferred_course_id  varchar,           -- set for rows without course_id, recomputed after every import
    session_time        time,
    muscle_tension      integer check (muscle_tension between 0 and 10),
    numbness            boolean,
    acute_inflammation  boolean,
    notes               varchar,
    batch_id            integer
);

create table if not exists import_batches (
    batch_id        integer primary key,
    file_name       varchar not null,
    file_kind       varchar not null check (file_kind in ('sessions', 'patients', 'courses')),
    sha256          varchar not null,
    rows_read       integer not null,
    rows_new        integer not null,
    rows_updated    integer not null,
    rows_unchanged  integer not null,
    rows_rejected   integer not null,
    imported_at     timestamp not null,
    check (rows_new + rows_updated + rows_unchanged + rows_rejected = rows_read)
);

create table if not exists rejects (
    batch_id     integer not null,
    file_name    varchar not null,
    line         integer not null,
    column_name  varchar,
    value        varchar,
    reason       varchar not null
);
