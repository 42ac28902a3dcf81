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
    planned_sessions  integer check (planned_sessions between 1 and 60),   -- null: not given (the setting's default)
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

-- 1, 2, 3 ... over the attended rows of the row's course in course order (date, time with none
-- first, session_id), null on cancelled and no-show rows: kept by refresh_course_facts.sql with the
-- course facts. Cutting at an as-of date keeps a prefix of a course's rows, so it holds for every date.
alter table sessions add column if not exists session_number integer;

-- the number of the row's course in course_numbers: joins on it instead of the course id's text (a
-- network's 25 million rows hash an integer several times faster); kept like session_number
alter table sessions add column if not exists course_no integer;

create table if not exists import_batches (
    batch_id        integer primary key,
    file_name       varchar not null,
    file_kind       varchar not null check (file_kind in ('sessions', 'patients', 'courses', 'scores', 'recorded')),
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

-- course_facts: every course's metrics over ALL its stored rows (queries/course_facts.sql), rebuilt
-- in the same transaction as every write (import, demo, session entry). Any as-of date reads the
-- courses these facts settle, and computes only the few still open at that date from the sessions.
-- (no key constraint: the facts are rebuilt by one statement from distinct course ids, and DuckDB's
-- index would make replacing many rows in one transaction slow)
create table if not exists course_facts (
    course_id                  varchar,
    patient_id                 varchar,
    start_date                 date,
    planned_sessions           integer,
    therapist                  varchar,
    sessions_attended          bigint,
    attended_days              bigint,
    first_session_date         date,
    first_session_pain_before  integer,
    first_session_pain_after   integer,
    first_session_relief       boolean,
    baseline_pain              integer,
    last_pain                  integer,
    sustained_improvement_pct  double,
    responder_30               boolean,
    responder_50               boolean,
    window_days                bigint,
    window_attended_days       bigint,
    adherence                  double,
    adherent                   boolean,
    completed                  boolean,
    dropped_out                boolean,
    ongoing                    boolean,
    last_attended_date         date,
    days_since_last_visit      bigint,
    longest_break_days         bigint,
    birth_year                 integer,
    age_years                  bigint,
    age_band                   varchar,
    sex                        varchar,
    diagnosis                  varchar,
    site                       varchar,
    doctor_conclusion          boolean,
    imaging                    varchar,
    blood_tests                boolean,
    referral_date              date,
    start_month                varchar,
    session_therapists         varchar[],
    acute_sessions             bigint,
    last_acute_date            date,
    numbness_sessions          bigint,
    last_numbness_date         date,
    first_row_date             date,
    last_row_date              date,
    source_print               ubigint,    -- a hash of every stored value the course's facts are made of
    course_no                  integer,    -- the course's number (course_numbers)
    scored_sessions            bigint,
    baseline_session           integer,
    latest_session             integer,
    latest_pain                integer,
    latest_date                date,
    red_flag_rising            boolean,
    last_rise_date             date,
    last_rise_pains            integer[],
    pains_before               integer[],  -- pain_before of each attended session in course order (facts_version 5)
    pains_after                integer[],  -- pain_after, likewise; the position is the session number
    session_dates              date[],     -- each attended session's date, likewise (facts_version 6)
    first_session_acute        boolean     -- acute inflammation recorded at the first attended session
);
alter table course_facts add column if not exists course_no integer;
-- the scored sessions' facts (facts_version 4), which the protocol-safety checks read
alter table course_facts add column if not exists scored_sessions bigint;
alter table course_facts add column if not exists baseline_session integer;
alter table course_facts add column if not exists latest_session integer;
alter table course_facts add column if not exists latest_pain integer;
alter table course_facts add column if not exists latest_date date;
alter table course_facts add column if not exists red_flag_rising boolean;
alter table course_facts add column if not exists last_rise_date date;
alter table course_facts add column if not exists last_rise_pains integer[];
-- each attended session's scores in course order (facts_version 5), which the pain-by-session
-- chart and the expected paths read instead of every session row
alter table course_facts add column if not exists pains_before integer[];
alter table course_facts add column if not exists pains_after integer[];
-- each attended session's date in course order and the first one's acute flag (facts_version 6),
-- which the time-to-relief curves and the case-mix model read instead of every session row
alter table course_facts add column if not exists session_dates date[];
alter table course_facts add column if not exists first_session_acute boolean;
-- what cuts a course's facts at a date before its last row (facts_version 8), which the open courses
-- are read from instead of their session rows (open_course_facts.sql): the first row's therapist,
-- the dates (in order) of its rows other than attended, of those with numbness reported (any status)
-- and of its attended sessions during acute inflammation, and each therapist who gave an attended
-- session with the date of their first
alter table course_facts add column if not exists first_row_therapist varchar;
alter table course_facts add column if not exists other_row_dates date[];
alter table course_facts add column if not exists numbness_dates date[];
alter table course_facts add column if not exists acute_dates date[];
alter table course_facts add column if not exists therapists_since struct(therapist varchar, since date)[];

-- a number for every course id ever stored, given once and never changed (refresh_course_facts.sql)
create table if not exists course_numbers (
    course_id  varchar,
    course_no  integer
);

-- each course's scored attended sessions per calendar week (Monday) and month: how many, and the sum
-- and sum of squares of their pain_before; kept with course_facts (pain_periods.sql reads them)
create table if not exists course_pain_periods (
    course_id     varchar,
    period        varchar,      -- 'week' | 'month'
    period_start  date,
    sessions      bigint,
    pain_sum      bigint,
    pain_sumsq    bigint,
    course_no     integer       -- the course's number (course_numbers; facts_version 5)
);
alter table course_pain_periods add column if not exists course_no integer;

-- each course's attended sessions per calendar month, kept with course_facts (session_month_counts.sql
-- says what each column holds; flags_session_months.sql reads them)
create table if not exists course_months (
    course_id          varchar,
    month              date,        -- the 1st
    attended           bigint,
    acute              bigint,
    numbness_sessions  struct(day date, note_date date)[],
    course_no          integer      -- the course's number (course_numbers; facts_version 5)
);
alter table course_months add column if not exists course_no integer;

-- the completed courses' pain-before scores by session number, counted by the month from which each
-- course is counted and settled as of every date (course_settled_from, course_facts.sql), for the
-- courses with a diagnosis and a baseline band; kept with course_facts (facts_version 7). The
-- expected paths (trajectory_quartiles.sql) take the months before the as-of date's own month from
-- here instead of unnesting every completed course's scores.
create table if not exists course_score_months (
    month           date,        -- the 1st
    diagnosis       varchar,
    baseline_band   varchar,
    session_number  integer,
    pain_before     integer,
    courses         bigint
);

-- the courses whose facts refresh_course_facts.sql is rebuilding (empty outside its transaction)
create table if not exists course_facts_todo (
    course_id  varchar
);

-- what the course facts were built from: the newest import batch and the three tables' row counts
-- then. The facts are used only while all four still match (course_facts_fresh()).
create table if not exists course_facts_state (
    batch_id       integer,
    patients_rows  bigint not null,
    courses_rows   bigint not null,
    sessions_rows  bigint not null
);

-- which shape of the facts was built (refresh_course_facts.sql); facts of another shape are rebuilt whole
alter table course_facts_state add column if not exists facts_version integer;

-- mapping profiles (clinic/mapping.py): how a practice-software export becomes a contract file.
-- Append-only: saving a profile again adds a version; the newest version of a name is the one used.
-- spec is the profile as JSON (format clinic-mapping-profile/1); header_key the SHA-256 of the
-- normalised header it was made for, by which it is chosen for the next file with that header.
create table if not exists mapping_profiles (
    name        varchar   not null,
    version     integer   not null check (version >= 1),
    kind        varchar   not null check (kind in ('sessions', 'patients', 'courses', 'scores')),
    header_key  varchar   not null,
    spec        varchar   not null,
    made_by     varchar,
    made_at     timestamp not null,
    primary key (name, version)
);

-- session_history: the earlier versions of sessions corrected in the dashboard (clinic/recording.py),
-- one row per version replaced: the session's columns as they were, who replaced them and when.
-- version 1 is the session as first stored, 2 the first correction, and so on; the sessions table
-- holds the newest. An import that updates a session writes no history (its file is the record).
create table if not exists session_history (
    session_id          varchar not null,
    version             integer not null check (version >= 1),
    patient_id          varchar not null,
    session_date        date not null,
    therapist           varchar not null,
    status              varchar not null,
    pain_before         integer,
    pain_after          integer,
    course_id           varchar,
    session_time        time,
    muscle_tension      integer,
    numbness            boolean,
    acute_inflammation  boolean,
    notes               varchar,
    batch_id            integer,
    changed_by          varchar,
    changed_at          timestamp not null,
    primary key (session_id, version)
);

-- course_grouping: how a patient's rows without a course_id are grouped into courses: a new course
-- after a gap of more than course_gap_days days (one row, id 1; no row = the default of 30 days).
-- Changed only by clinic/grouping.py, which re-groups every stored row with it in the same transaction.
create table if not exists course_grouping (
    id               integer primary key check (id = 1),
    course_gap_days  integer not null check (course_gap_days between 7 and 365),
    changed_at       timestamp not null,
    changed_by       varchar
);
