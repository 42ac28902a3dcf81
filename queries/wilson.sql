-- wilson: defines the scalar macros wilson_low(k, n) and wilson_high(k, n), used through
-- `-- uses: wilson`. Returns nothing itself.
-- The Wilson score interval, 95 % (z = 1.959963984540054), no continuity correction, clamped to
-- [0, 1], of k events among n: null when n is 0 or null (like the rate itself).
create or replace temp macro wilson_centre(k, n) as
    (k::double / n + 1.959963984540054 ^ 2 / (2 * n)) / (1 + 1.959963984540054 ^ 2 / n);

create or replace temp macro wilson_half(k, n) as
    1.959963984540054 * sqrt((k::double / n) * (1 - k::double / n) / n + 1.959963984540054 ^ 2 / (4 * n * n))
        / (1 + 1.959963984540054 ^ 2 / n);

create or replace temp macro wilson_low(k, n) as
    case when n > 0 then greatest(0.0, wilson_centre(k, n) - wilson_half(k, n)) end;

create or replace temp macro wilson_high(k, n) as
    case when n > 0 then least(1.0, wilson_centre(k, n) + wilson_half(k, n)) end;
