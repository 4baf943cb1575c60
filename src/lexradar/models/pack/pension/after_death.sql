-- pension.after_death: pension still paid two months or more after the month of death.
-- Persons are compared by person_key (resolution; else the normalized resident ID), so a
-- payment under a mistyped ID or a variant spelling of the name still meets the death.
WITH death_evidence AS (
    -- a death record gives the day of death...
    SELECT k.person_key, d.person_id, d.name, d.death_date, 'deaths:' || d.record_id AS death_ref,
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
ranked AS (
    SELECT person_key, person_id, name, death_date, death_ref, evidence,
           ROW_NUMBER() OVER (
               PARTITION BY person_key
               ORDER BY rank_source, death_date, death_ref
           ) AS pick
    FROM death_evidence
),
death AS (
    -- one death per person: the best and earliest evidence
    SELECT person_key, person_id, name, death_date, death_ref, evidence
    FROM ranked
    WHERE pick = 1
),
overpaid AS (
    SELECT d.person_key, d.person_id AS dead_id, d.name AS person_name, d.death_date,
           d.death_ref, d.evidence, p.record_id AS payment_record_id, p.month, p.amount,
           -- the payment states the person differently from the death record
           CASE WHEN p.person_id IS NOT DISTINCT FROM d.person_id
                     AND p.name IS NOT DISTINCT FROM d.name THEN 0 ELSE 1 END AS restated,
           p.person_id AS paid_id, p.name AS paid_name
    FROM death AS d
    JOIN person_keys AS k
      ON k.dataset = 'pension_payments' AND k.role = 'payee' AND k.person_key = d.person_key
    JOIN pension_payments AS p
      ON p.record_id = k.record_id
    WHERE p.month <= :as_of
      AND (EXTRACT(YEAR FROM p.month) * 12 + EXTRACT(MONTH FROM p.month))
        - (EXTRACT(YEAR FROM d.death_date) * 12 + EXTRACT(MONTH FROM d.death_date))
          >= CAST(:min_months_after AS INTEGER)
),
per_death AS (
    SELECT person_key, dead_id, person_name, death_date, death_ref, evidence,
           COUNT(*) AS months_paid,
           MIN(month) AS first_month,
           MAX(month) AS last_month,
           SUM(amount) AS amount_paid,
           MAX(restated) AS restated,
           MIN(CASE WHEN restated = 1 THEN paid_name || '/' || COALESCE(paid_id, '无身份号码') END)
               AS paid_as_zh,
           MIN(CASE WHEN restated = 1 THEN paid_name || '/' || COALESCE(paid_id, 'no ID') END)
               AS paid_as_en,
           ARRAY_SORT(ARRAY_AGG('pension_payments:' || payment_record_id)) AS payment_refs
    FROM overpaid
    GROUP BY person_key, dead_id, person_name, death_date, death_ref, evidence
)
SELECT o.person_key AS person_id, o.person_name, o.dead_id AS recorded_id, o.death_date,
       o.death_ref, o.months_paid, o.first_month, o.last_month, o.amount_paid,
       CASE o.evidence
           WHEN 'cremation' THEN '火化记录'
           WHEN 'medical_certificate' THEN '居民死亡医学证明'
           WHEN 'police' THEN '公安死亡登记'
           ELSE '户籍注销（死亡）记录'
       END AS death_evidence,
       CASE o.evidence
           WHEN 'cremation' THEN 'a cremation record'
           WHEN 'medical_certificate' THEN 'a medical death certificate'
           WHEN 'police' THEN 'a police death record'
           ELSE 'the household registry (cancelled for death)'
       END AS death_evidence_en,
       -- which records resolution joined, when they state the person differently
       CASE WHEN o.restated = 0 THEN ''
            ELSE '（发放记录记为' || o.paid_as_zh || '，死亡记录记为' || COALESCE(o.person_name, '')
                 || '/' || COALESCE(o.dead_id, '无身份号码') || '，经人员比对认定为同一人）'
       END AS identity_zh,
       CASE WHEN o.restated = 0 THEN ''
            ELSE ' (the payments state ' || o.paid_as_en || ', the death record '
                 || COALESCE(o.person_name, '') || '/' || COALESCE(o.dead_id, 'no ID')
                 || '; resolved to one person)'
       END AS identity_en,
       [o.person_key] AS person_ids,
       ARRAY_CONCAT([o.death_ref], o.payment_refs) AS record_refs,
       r.region_code,
       CASE
           WHEN o.months_paid >= CAST(:high_months AS INTEGER) THEN 'high'
           ELSE 'medium'
       END AS severity
FROM per_death AS o
LEFT JOIN (
    -- routing: the county of the person's registration
    SELECT person_key, MIN(region_code) AS region_code
    FROM persons_resolved
    GROUP BY person_key
) AS r
  ON r.person_key = o.person_key
