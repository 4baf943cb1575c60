-- litigation.false_litigation_pattern: one plaintiff files many lending suits in a short window
-- against defendants who do not appear. The plaintiff is a natural person before one court:
-- person_key from resolution, so mistyped IDs and variant spellings of the name fall into one
-- group; the name as recorded when the lake has not been resolved.
WITH defendants AS (
    SELECT case_no,
           MAX(CASE WHEN party_appeared THEN 1 ELSE 0 END) AS any_appeared
    FROM judgments
    WHERE cause = :cause AND party_role = 'defendant'
    GROUP BY case_no
),
suits AS (
    -- one row per suit: the plaintiff's row, and whether every defendant stayed away
    SELECT p.record_id, p.case_no, p.party_id, p.party_name, p.judgment_date,
           p.claim_amount, p.court, p.court_region_code,
           -- the plaintiff as one natural person before one court; a plaintiff the resolution
           -- has not keyed is taken by name (clerks mistype IDs far more often than names)
           p.court_region_code || ':'
               || CASE WHEN k.resolved THEN k.person_key ELSE 'name:' || p.party_name END
               AS plaintiff_key,
           CASE WHEN d.any_appeared = 0 THEN 1 ELSE 0 END AS absent
    FROM judgments AS p
    JOIN person_keys AS k
      ON k.dataset = 'judgments' AND k.role = 'party' AND k.record_id = p.record_id
    JOIN defendants AS d
      ON d.case_no = p.case_no
    WHERE p.cause = :cause
      AND p.party_role = 'plaintiff'
      AND p.judgment_date <= :as_of
),
gaps AS (
    SELECT record_id, plaintiff_key, judgment_date,
           CASE WHEN LAG(judgment_date) OVER (
                         PARTITION BY plaintiff_key ORDER BY judgment_date, record_id)
                     + CAST(:window_days AS INTEGER) >= judgment_date
                THEN 0 ELSE 1 END AS starts_run
    FROM suits
),
runs AS (
    -- a run: the plaintiff's suits, each at most window_days after the previous one
    SELECT record_id, plaintiff_key,
           SUM(starts_run) OVER (
               PARTITION BY plaintiff_key ORDER BY judgment_date, record_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run_no
    FROM gaps
),
windows AS (
    -- every suit opens a window of window_days; count the plaintiff's suits inside it
    SELECT a.plaintiff_key, r.run_no, a.record_id AS anchor_id,
           COUNT(*) AS suits, SUM(s.absent) AS absent_suits
    FROM suits AS a
    JOIN runs AS r
      ON r.record_id = a.record_id
    JOIN suits AS s
      ON s.plaintiff_key = a.plaintiff_key
     AND s.judgment_date >= a.judgment_date
     AND s.judgment_date <= a.judgment_date + CAST(:window_days AS INTEGER)
    GROUP BY a.plaintiff_key, r.run_no, a.record_id
),
bursts AS (
    -- the runs holding a window that meets both thresholds: every suit of the run is cited
    SELECT r.record_id, r.plaintiff_key, r.run_no AS burst_no
    FROM runs AS r
    WHERE EXISTS (
        SELECT 1 FROM windows AS w
        WHERE w.plaintiff_key = r.plaintiff_key
          AND w.run_no = r.run_no
          AND w.suits >= CAST(:min_suits AS INTEGER)
          AND w.absent_suits >= CAST(:min_absent_share AS DOUBLE) * w.suits)
),
per_burst AS (
    SELECT b.plaintiff_key, b.burst_no,
           MIN(s.record_id) AS first_record_id,
           MIN(s.party_name) AS person_name,
           COUNT(DISTINCT s.party_name) AS names,
           ARRAY_SORT(ARRAY_AGG(DISTINCT s.party_name) FILTER (WHERE s.party_name IS NOT NULL))
               AS party_names,
           MIN(s.court) AS court,
           MIN(s.court_region_code) AS region_code,
           COUNT(*) AS suits,
           SUM(s.absent) AS absent_suits,
           MIN(s.judgment_date) AS first_date,
           MAX(s.judgment_date) AS last_date,
           SUM(s.claim_amount) AS claimed,
           COUNT(DISTINCT s.party_id) AS ids,
           ARRAY_SORT(ARRAY_AGG(DISTINCT s.party_id) FILTER (WHERE s.party_id IS NOT NULL))
               AS person_ids,
           ARRAY_SORT(ARRAY_AGG(s.case_no)) AS case_nos,
           ARRAY_SORT(ARRAY_AGG('judgments:' || s.record_id)) AS record_refs
    FROM bursts AS b
    JOIN suits AS s
      ON s.record_id = b.record_id
    GROUP BY b.plaintiff_key, b.burst_no
)
-- the clue's key names the plaintiff as before one court (stable across resolution runs)
SELECT region_code || ':' || person_name AS plaintiff_key, first_record_id, person_name, court,
       suits, absent_suits, first_date, last_date, claimed, case_nos,
       CAST(ROUND(100.0 * absent_suits / suits) AS INTEGER) AS absent_pct,
       CASE WHEN ids > 1 THEN '（原告身份证号有' || CAST(ids AS VARCHAR) || '种记载）' ELSE '' END
           AS ids_zh,
       CASE WHEN ids > 1 THEN ' (under ' || CAST(ids AS VARCHAR) || ' different recorded IDs)'
            ELSE '' END AS ids_en,
       -- which records resolution joined, when they name the plaintiff differently
       CASE WHEN names > 1
            THEN '（原告姓名记载为' || ARRAY_TO_STRING(party_names, '、') || '，经人员比对认定为同一人）'
            ELSE '' END AS identity_zh,
       CASE WHEN names > 1
            THEN ' (the plaintiff is named ' || ARRAY_TO_STRING(party_names, ', ')
                 || ', resolved to one person)'
            ELSE '' END AS identity_en,
       person_ids,
       record_refs,
       region_code,
       CASE
           WHEN suits >= 2 * CAST(:min_suits AS INTEGER) OR absent_suits = suits THEN 'high'
           ELSE 'medium'
       END AS severity
FROM per_burst
