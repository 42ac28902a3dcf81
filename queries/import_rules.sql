-- import_rules: macros that judge one field of an imported row as the import contract says
-- (DESIGN.md, "Parsing, exactly"). Returns nothing; defines temp macros for check_<kind>.
-- params: none
-- A field arrives as the text of the file (null when the reader found nothing there). field_text
-- trims it of every character Python's str.strip() removes (ASCII and Unicode spaces) and makes an
-- empty field null. Each *_problem macro takes the trimmed text and returns why it is refused,
-- without the column name (null when it is fine or empty); the value is then read with a try_cast.
-- The structs naming a refused field are built only for rows that have a problem.

create or replace temp macro is_space(code) as
    code between 9 and 13 or code between 28 and 32 or code between 8192 and 8202
    or code in (133, 160, 5760, 8232, 8233, 8239, 8287, 12288);

-- `plain`: the pre-scan found no white space but the space in the row, so trim() alone will do
create or replace temp macro field_text(raw, plain) as
    case
        when plain then nullif(trim(raw), '')
        when raw = '' then null
        when not is_space(ord(raw)) and not is_space(ord(right(raw, 1))) then raw
        else nullif(trim(raw,
            chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(28) || chr(29) || chr(30) || chr(31) || chr(32)
            || chr(133) || chr(160) || chr(5760) || chr(8192) || chr(8193) || chr(8194) || chr(8195) || chr(8196)
            || chr(8197) || chr(8198) || chr(8199) || chr(8200) || chr(8201) || chr(8202) || chr(8232) || chr(8233)
            || chr(8239) || chr(8287) || chr(12288)), '')
    end;

-- a value as the rejects report keeps it: cut to `most` characters
create or replace temp macro field_shown(text, most) as
    case when length(text) > most then left(text, most) || '…' else text end;

-- digits only (`07` is 7; `7.0`, `+7`, `seven` are refused), within low..high
create or replace temp macro integer_problem(text, low, high, what) as
    case
        when text is null then null
        when ltrim(text, '0123456789') = '' then          -- digits only
            case when coalesce(try_cast(text as bigint) between low and high, false) then null
                 else 'must be ' || what || ' from ' || low || ' to ' || high end
        when regexp_full_match(text, '[+-][0-9]+') then 'must be ' || what || ' from ' || low || ' to ' || high
        else 'must be ' || what || ' from ' || low || ' to ' || high || ' (digits only)'
    end;

-- YYYY-MM-DD and a real calendar date (year 1 or later)
create or replace temp macro date_problem(text) as
    case
        when text is null then null
        when not regexp_full_match(text, '[0-9]{4}-[0-9]{2}-[0-9]{2}') then 'must be a date written YYYY-MM-DD'
        when try_cast(text as date) is null or starts_with(text, '0000') then 'is not a real calendar date'
    end;

-- H:MM or HH:MM on a 24-hour clock
create or replace temp macro time_problem(text) as
    case when text is not null and not regexp_full_match(text, '([01]?[0-9]|2[0-3]):([0-5][0-9])')
         then 'must be a time of day written HH:MM (24-hour clock)' end;

create or replace temp macro time_value(text) as try_cast(text || ':00' as time);

-- true/false, yes/no, 1/0 in any case
create or replace temp macro boolean_value(text) as
    case when lower(text) in ('true', '1', 'yes') then true
         when lower(text) in ('false', '0', 'no') then false end;

create or replace temp macro boolean_problem(text) as
    case when text is not null and boolean_value(text) is null then 'must be true/false, yes/no or 1/0' end;

-- a row with more or fewer fields than the header (checked before anything else)
create or replace temp macro misfit_problem(fields, width) as
    {'column_name': null::varchar, 'value': null::varchar,
     'reason': 'too ' || case when fields > width then 'many' else 'few' end || ' fields: '
               || format('{:,}', fields) || ' where the header has ' || width};

-- a row whose key appeared on an earlier data row of the file (valid or not)
create or replace temp macro repeated_problem(key_name, key_text, shown_chars) as
    {'column_name': key_name, 'value': field_shown(key_text, shown_chars),
     'reason': key_name || ' ' || field_shown(key_text, shown_chars) || ' already appeared on an earlier row of this file'};

-- the reason a row is refused: the first problem, then "; also " and the others
create or replace temp macro first_problem(problems) as
    case when len(problems) > 0 then {
        'column_name': problems[1].column_name,
        'value': problems[1].value,
        'reason': problems[1].reason || case when len(problems) > 1
            then '; also ' || array_to_string(list_transform(problems[2:], lambda p: p.reason), '; ')
            else '' end
    } end;

-- why one field is refused, with its column name first: too long, else what its rule says
create or replace temp macro column_problem(column_name, text, problem, most) as
    case
        when length(text) > most then column_name || ' is ' || format('{:,}', length(text))
                                      || ' characters long; at most ' || format('{:,}', most) || ' are stored (shorten it)'
        when problem is not null then column_name || ' ' || problem
    end;

-- a refused field as the rejects report lists it (null when the field is fine)
create or replace temp macro problem_entry(column_name, text, reason, shown_chars) as
    case when reason is not null then {'column_name': column_name, 'value': field_shown(text, shown_chars),
                                       'reason': reason} end;

create or replace temp macro required_problem(column_name, text) as
    case when text is null then {'column_name': column_name, 'value': null::varchar,
                                 'reason': column_name || ' is required'} end;
