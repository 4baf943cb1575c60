-- traffic.license_not_revoked: a dangerous-driving conviction took effect and the driving
-- licence was still valid revoke_within_days later (or a licence was issued during the ban).
-- Persons are compared by person_key (resolution; else the normalized resident ID).
WITH convictions AS (
    SELECT j.record_id, k.person_key, j.case_no, j.party_id, j.party_name, j.outcome,
           j.judgment_date, j.effective_date, j.court, j.court_region_code,
           j.effective_date + CAST(:revoke_within_days AS INTEGER) AS deadline
    FROM judgments AS j
    JOIN person_keys AS k
      ON k.dataset = 'judgments' AND k.role = 'party' AND k.record_id = j.record_id
    WHERE j.cause = :cause
      AND j.case_kind = 'criminal'
      AND j.party_role = 'accused'
      AND j.outcome IN ('imprisonment', 'criminal_detention', 'probation', 'fine', 'exempted')
      AND j.effective_date + CAST(:revoke_within_days AS INTEGER) <= :as_of
),
licenses AS (
    -- the issue date, when the export has it; else, for a valid licence, the date its status
    -- took effect (its issue or last renewal). A revoked or cancelled licence's status date is
    -- when it ended, never when it was issued: without issued_on its issue date is unknown
    SELECT l.record_id, k.person_key, l.license_no, l.person_id, l.name, l.status,
           l.status_date,
           COALESCE(l.issued_on, CASE WHEN l.status = 'valid' THEN l.status_date END) AS issued
    FROM driver_licenses AS l
    JOIN person_keys AS k
      ON k.dataset = 'driver_licenses' AND k.role = 'holder' AND k.record_id = l.record_id
    WHERE COALESCE(l.issued_on, l.status_date) <= :as_of
),
checked AS (
    SELECT j.record_id AS judgment_record_id, l.record_id AS license_record_id, l.license_no,
           l.status, l.status_date, l.issued,
           -- valid on the deadline: issued by then (an ended licence of unknown issue date
           -- existed before it ended) and not revoked or cancelled by then
           CASE WHEN (l.issued <= j.deadline OR l.issued IS NULL)
                 AND (l.status = 'valid' OR l.status_date > j.deadline)
                THEN 1 ELSE 0 END AS valid_at_deadline,
           -- issued after the conviction took effect, within the ban on obtaining a licence
           CASE WHEN l.issued > j.effective_date
                 AND EXTRACT(YEAR FROM l.issued) * 10000 + EXTRACT(MONTH FROM l.issued) * 100
                     + EXTRACT(DAY FROM l.issued)
                     < (EXTRACT(YEAR FROM j.effective_date) + CAST(:ban_years AS INTEGER)) * 10000
                       + EXTRACT(MONTH FROM j.effective_date) * 100
                       + EXTRACT(DAY FROM j.effective_date)
                THEN 1 ELSE 0 END AS issued_in_ban,
           -- the licence states the person differently from the judgment
           CASE WHEN l.person_id IS NOT DISTINCT FROM j.party_id
                     AND l.name IS NOT DISTINCT FROM j.party_name
                THEN NULL ELSE COALESCE(l.name, '') || '/' || COALESCE(l.person_id, '—')
           END AS held_as
    FROM convictions AS j
    JOIN licenses AS l
      ON l.person_key = j.person_key
),
per_judgment AS (
    SELECT judgment_record_id,
           -- as of the run date: a later revocation does not count yet
           MAX(CASE WHEN status = 'valid' OR status_date > :as_of THEN 1 ELSE 0 END)
               AS still_valid,
           MAX(valid_at_deadline) AS any_valid_at_deadline,
           MAX(issued_in_ban) AS any_issued_in_ban,
           MIN(CASE WHEN issued_in_ban = 1 THEN issued END) AS issued_in_ban_on,
           MIN(CASE WHEN status <> 'valid' AND status_date <= :as_of THEN status_date END)
               AS ended_on,
           ARRAY_SORT(ARRAY_AGG(license_no)) AS license_nos,
           MIN(held_as) AS held_as,
           ARRAY_SORT(ARRAY_AGG('driver_licenses:' || license_record_id)) AS license_refs
    FROM checked
    WHERE valid_at_deadline = 1 OR issued_in_ban = 1
    GROUP BY judgment_record_id
)
SELECT j.person_key AS person_id, j.party_id AS recorded_id, j.party_name AS person_name, j.record_id AS judgment_record_id,
       j.case_no, j.court, j.effective_date, j.deadline, o.license_nos,
       CASE
           WHEN o.any_valid_at_deadline = 1 AND o.still_valid = 1
               THEN '在' || CAST(j.deadline AS VARCHAR) || '前未被吊销，至今仍为有效状态'
           WHEN o.any_valid_at_deadline = 1
               THEN '在' || CAST(j.deadline AS VARCHAR) || '前未被吊销，直至'
                    || CAST(o.ended_on AS VARCHAR) || '才被吊销或注销'
           ELSE '系其于' || CAST(o.issued_in_ban_on AS VARCHAR)
                || '在法定禁止重新取得驾驶证期限内取得'
       END AS finding_zh,
       CASE
           WHEN o.any_valid_at_deadline = 1 AND o.still_valid = 1
               THEN 'was not revoked by ' || CAST(j.deadline AS VARCHAR) || ' and is still valid'
           WHEN o.any_valid_at_deadline = 1
               THEN 'was not revoked by ' || CAST(j.deadline AS VARCHAR)
                    || ' and was only revoked or cancelled on ' || CAST(o.ended_on AS VARCHAR)
           ELSE 'was issued on ' || CAST(o.issued_in_ban_on AS VARCHAR)
                || ', within the period in which a new licence may not be obtained'
       END AS finding_en,
       -- which records resolution joined, when they state the person differently
       CASE WHEN o.held_as IS NULL THEN ''
            ELSE '（驾驶证记为' || o.held_as || '，判决记为' || COALESCE(j.party_name, '') || '/'
                 || COALESCE(j.party_id, '—') || '，经人员比对认定为同一人）'
       END AS identity_zh,
       CASE WHEN o.held_as IS NULL THEN ''
            ELSE ' (the licence states ' || o.held_as || ', the judgment '
                 || COALESCE(j.party_name, '') || '/' || COALESCE(j.party_id, '—')
                 || '; resolved to one person)'
       END AS identity_en,
       [j.person_key] AS person_ids,
       ARRAY_CONCAT(['judgments:' || j.record_id], o.license_refs) AS record_refs,
       j.court_region_code AS region_code,
       CASE
           WHEN o.still_valid = 1 THEN 'high'
           WHEN o.any_issued_in_ban = 1 THEN 'medium'
           ELSE 'low'
       END AS severity
FROM per_judgment AS o
JOIN convictions AS j
  ON j.record_id = o.judgment_record_id
