-- marriage.after_death: a party of a marriage registration had already died.
-- Persons are compared by person_key (resolution; else the normalized resident ID).
WITH parties AS (
    SELECT m.record_id, m.cert_no, m.event_date, m.office, m.office_region_code,
           k.role, k.person_key, k.recorded_id AS person_id,
           CASE k.role WHEN 'husband' THEN m.husband_name ELSE m.wife_name END AS person_name,
           CASE k.role WHEN 'husband' THEN m.wife_name ELSE m.husband_name END AS spouse_name
    FROM marriage_events AS m
    JOIN person_keys AS k
      ON k.dataset = 'marriage_events' AND k.record_id = m.record_id
     AND k.role IN ('husband', 'wife')
    WHERE m.event_type = 'marriage' AND m.event_date <= :as_of
),
death_evidence AS (
    -- a death record gives the day of death...
    SELECT k.person_key, d.person_id, d.name, d.death_date, 'deaths:' || d.record_id AS ref,
           1 AS rank_source, d.source AS evidence
    FROM deaths AS d
    JOIN person_keys AS k
      ON k.dataset = 'deaths' AND k.role = 'deceased' AND k.record_id = d.record_id
    WHERE d.death_date <= :as_of
    UNION ALL
    -- ...a registration cancelled for death gives a day by which the person was dead
    SELECT k.person_key, p.person_id, p.name, p.cancelled_on, 'persons:' || p.record_id, 2,
           'household_registry'
    FROM persons AS p
    JOIN person_keys AS k
      ON k.dataset = 'persons' AND k.role = 'registrant' AND k.record_id = p.record_id
    WHERE p.status = 'cancelled' AND p.cancel_reason = 'death' AND p.cancelled_on <= :as_of
),
hits AS (
    SELECT p.person_key, p.person_id, p.person_name, p.role,
           p.record_id AS marriage_record_id, p.cert_no,
           p.event_date AS marriage_date, p.office, p.office_region_code, p.spouse_name,
           d.death_date, d.ref AS death_ref, d.evidence, d.person_id AS dead_id,
           d.name AS dead_name,
           ROW_NUMBER() OVER (
               PARTITION BY p.person_key, p.record_id
               ORDER BY d.rank_source, d.death_date, d.ref
           ) AS pick
    FROM parties AS p
    JOIN death_evidence AS d
      ON d.person_key = p.person_key
     AND d.death_date + CAST(:grace_days AS INTEGER) < p.event_date
)
SELECT person_key AS person_id, person_name, person_id AS recorded_id, marriage_record_id,
       cert_no, marriage_date, office, spouse_name, death_date,
       -- which records resolution joined, when they state the person differently
       CASE WHEN person_id IS NOT DISTINCT FROM dead_id AND person_name IS NOT DISTINCT FROM dead_name
            THEN ''
            ELSE '（结婚登记记为' || COALESCE(person_name, '') || '/'
                 || COALESCE(person_id, '无身份号码') || '，死亡记录记为'
                 || COALESCE(dead_name, '') || '/' || COALESCE(dead_id, '无身份号码')
                 || '，经人员比对认定为同一人）'
       END AS identity_zh,
       CASE WHEN person_id IS NOT DISTINCT FROM dead_id AND person_name IS NOT DISTINCT FROM dead_name
            THEN ''
            ELSE ' (the marriage record states ' || COALESCE(person_name, '') || '/'
                 || COALESCE(person_id, 'no ID') || ', the death record '
                 || COALESCE(dead_name, '') || '/' || COALESCE(dead_id, 'no ID')
                 || '; resolved to one person)'
       END AS identity_en,
       CASE evidence
           WHEN 'cremation' THEN '火化记录'
           WHEN 'medical_certificate' THEN '居民死亡医学证明'
           WHEN 'police' THEN '公安死亡登记'
           ELSE '户籍注销（死亡）记录'
       END AS death_evidence,
       CASE evidence
           WHEN 'cremation' THEN 'a cremation record'
           WHEN 'medical_certificate' THEN 'a medical death certificate'
           WHEN 'police' THEN 'a police death record'
           ELSE 'the household registry (cancelled for death)'
       END AS death_evidence_en,
       [person_key] AS person_ids,
       ['marriage_events:' || marriage_record_id, death_ref] AS record_refs,
       office_region_code AS region_code,
       CASE WHEN evidence = 'household_registry' THEN 'medium' ELSE 'high' END AS severity
FROM hits
WHERE pick = 1
