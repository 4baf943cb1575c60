-- pension.after_death: pension still paid two months or more after the month of death.
WITH death_evidence AS (
    -- a death record gives the day of death...
    SELECT person_id, name, death_date, 'deaths:' || record_id AS death_ref, 1 AS rank_source,
           source AS evidence
    FROM deaths
    WHERE death_date <= :as_of
    UNION ALL
    -- ...a registration cancelled for death gives a day by which the person was dead
    SELECT person_id, name, cancelled_on, 'persons:' || record_id, 2, 'household_registry'
    FROM persons
    WHERE status = 'cancelled' AND cancel_reason = 'death' AND cancelled_on <= :as_of
),
ranked AS (
    SELECT person_id, name, death_date, death_ref, evidence,
           ROW_NUMBER() OVER (
               PARTITION BY person_id
               ORDER BY rank_source, death_date, death_ref
           ) AS pick
    FROM death_evidence
),
death AS (
    -- one death per person: the best and earliest evidence
    SELECT person_id, name, death_date, death_ref, evidence
    FROM ranked
    WHERE pick = 1
),
overpaid AS (
    SELECT d.person_id, d.name AS person_name, d.death_date, d.death_ref, d.evidence,
           p.record_id AS payment_record_id, p.month, p.amount
    FROM death AS d
    JOIN pension_payments AS p
      ON p.person_id = d.person_id
    WHERE p.month <= :as_of
      AND (EXTRACT(YEAR FROM p.month) * 12 + EXTRACT(MONTH FROM p.month))
        - (EXTRACT(YEAR FROM d.death_date) * 12 + EXTRACT(MONTH FROM d.death_date))
          >= CAST(:min_months_after AS INTEGER)
),
per_death AS (
    SELECT person_id, person_name, death_date, death_ref, evidence,
           COUNT(*) AS months_paid,
           MIN(month) AS first_month,
           MAX(month) AS last_month,
           SUM(amount) AS amount_paid,
           ARRAY_SORT(ARRAY_AGG('pension_payments:' || payment_record_id)) AS payment_refs
    FROM overpaid
    GROUP BY person_id, person_name, death_date, death_ref, evidence
)
SELECT o.person_id, o.person_name, o.death_date, o.death_ref, o.months_paid,
       o.first_month, o.last_month, o.amount_paid,
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
       [o.person_id] AS person_ids,
       ARRAY_CONCAT([o.death_ref], o.payment_refs) AS record_refs,
       r.region_code,
       CASE
           WHEN o.months_paid >= CAST(:high_months AS INTEGER) THEN 'high'
           ELSE 'medium'
       END AS severity
FROM per_death AS o
LEFT JOIN (
    -- routing: the county of the person's registration (one row per ID)
    SELECT person_id, MIN(region_code) AS region_code
    FROM persons
    GROUP BY person_id
) AS r
  ON r.person_id = o.person_id
