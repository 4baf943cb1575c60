-- pension.while_imprisoned: pension paid for months spent in prison or detention, or raised
-- while the pensioner was serving a sentence outside prison.
-- Persons are compared by person_key (resolution; else the normalized resident ID).
WITH sentenced AS (
    -- criminal cases that ended in a sentence served in custody
    -- (per accused: a co-defendant's sentence says nothing of this person's detention)
    SELECT j.case_no, k.person_key AS party_key, j.party_name,
           MIN(j.effective_date) AS effective_date
    FROM judgments AS j
    JOIN person_keys AS k
      ON k.dataset = 'judgments' AND k.role = 'party' AND k.record_id = j.record_id
    WHERE j.case_kind = 'criminal' AND j.party_role = 'accused'
      AND j.outcome IN ('imprisonment', 'criminal_detention')
      AND j.effective_date <= :as_of
    GROUP BY j.case_no, k.person_key, j.party_name
),
custody AS (
    -- a detention house also holds suspects before trial: detention counts from the day the
    -- sentence of the case it executes took effect; prison and correction from their start
    SELECT c.record_id, ck.person_key, c.person_id, c.name, c.custody_type, c.start_date, c.end_date,
           c.institution, c.case_no,
           CASE WHEN c.custody_type = 'detention' AND s.effective_date > c.start_date
                THEN s.effective_date ELSE c.start_date END AS served_from,
           COALESCE(c.end_date, :as_of) AS last_day
    FROM custody_records AS c
    JOIN person_keys AS ck
      ON ck.dataset = 'custody_records' AND ck.role = 'inmate' AND ck.record_id = c.record_id
    LEFT JOIN sentenced AS s
      ON s.case_no = c.case_no
     AND (s.party_key = ck.person_key OR s.party_name = c.name)
    WHERE c.start_date <= :as_of
      AND c.custody_type IN ('prison', 'detention', 'community_correction', 'temporary_outside')
      AND (c.custody_type <> 'detention' OR s.case_no IS NOT NULL)
),
inside AS (
    -- payments for whole calendar months inside the period
    SELECT c.record_id AS custody_record_id, c.person_id, c.custody_type,
           p.record_id AS payment_record_id, p.month, p.amount,
           CASE WHEN p.person_id IS NOT DISTINCT FROM c.person_id AND p.name IS NOT DISTINCT FROM c.name
                THEN NULL ELSE COALESCE(p.name, '') || '/' || COALESCE(p.person_id, '—') END AS paid_as
    FROM custody AS c
    JOIN person_keys AS pk
      ON pk.dataset = 'pension_payments' AND pk.role = 'payee' AND pk.person_key = c.person_key
    JOIN pension_payments AS p
      ON p.record_id = pk.record_id
    WHERE p.month <= :as_of
      AND p.month >= c.served_from
      AND p.month + INTERVAL 1 MONTH <= c.last_day + 1
),
during AS (
    -- payments for any month overlapping a sentence served outside prison, in order
    SELECT c.record_id AS custody_record_id, p.record_id AS payment_record_id, p.month,
           p.amount,
           ROW_NUMBER() OVER (PARTITION BY c.record_id ORDER BY p.month, p.record_id) AS nth,
           CASE WHEN p.person_id IS NOT DISTINCT FROM c.person_id AND p.name IS NOT DISTINCT FROM c.name
                THEN NULL ELSE COALESCE(p.name, '') || '/' || COALESCE(p.person_id, '—') END AS paid_as
    FROM custody AS c
    JOIN person_keys AS pk
      ON pk.dataset = 'pension_payments' AND pk.role = 'payee' AND pk.person_key = c.person_key
    JOIN pension_payments AS p
      ON p.record_id = pk.record_id
    WHERE c.custody_type IN ('community_correction', 'temporary_outside')
      AND p.month <= :as_of
      AND p.month + INTERVAL 1 MONTH > c.start_date
      AND p.month <= c.last_day
),
offending AS (
    -- custody: suspended, so any payment is undue
    SELECT custody_record_id, payment_record_id, month, amount, 'suspended' AS rule, paid_as
    FROM inside
    WHERE custody_type IN ('prison', 'detention')
    UNION ALL
    -- outside prison: continued at the level of the first month, without the yearly raise
    SELECT d.custody_record_id, d.payment_record_id, d.month, d.amount, 'no_raise', d.paid_as
    FROM during AS d
    JOIN during AS f
      ON f.custody_record_id = d.custody_record_id AND f.nth = 1
    WHERE d.amount > f.amount
),
per_custody AS (
    SELECT custody_record_id, MIN(rule) AS rule,
           COUNT(*) AS months_paid,
           MIN(month) AS first_month,
           MAX(month) AS last_month,
           SUM(amount) AS amount_paid,
           MIN(paid_as) AS paid_as,
           ARRAY_SORT(ARRAY_AGG('pension_payments:' || payment_record_id)) AS payment_refs
    FROM offending
    GROUP BY custody_record_id
)
SELECT c.person_key AS person_id, c.name AS person_name, c.person_id AS recorded_id, c.record_id AS custody_record_id, c.custody_type,
       c.start_date, c.end_date, c.institution, c.case_no,
       o.rule, o.months_paid, o.first_month, o.last_month, o.amount_paid,
       CASE c.custody_type
           WHEN 'prison' THEN '在监狱服刑'
           WHEN 'detention' THEN '在看守所（拘役所）羁押服刑'
           WHEN 'community_correction' THEN '接受社区矫正'
           ELSE '暂予监外执行'
       END AS custody_zh,
       CASE c.custody_type
           WHEN 'prison' THEN 'in prison'
           WHEN 'detention' THEN 'in detention'
           WHEN 'community_correction' THEN 'under community correction'
           ELSE 'serving a sentence temporarily outside prison'
       END AS custody_en,
       CASE o.rule
           WHEN 'suspended' THEN '服刑期间应停发基本养老金，但仍足额发放'
           ELSE '监外服刑期间可继续发放但不应参与基本养老金调整，却按调整后的标准发放'
       END AS finding_zh,
       CASE o.rule
           WHEN 'suspended' THEN 'the pension should have been suspended but was paid'
           ELSE 'the pension may continue but without the yearly raise, yet it was raised'
       END AS finding_en,
       -- which records resolution joined, when they state the person differently
       CASE WHEN o.paid_as IS NULL THEN ''
            ELSE '（发放记录记为' || o.paid_as || '，羁押记录记为' || COALESCE(c.name, '') || '/'
                 || COALESCE(c.person_id, '—') || '，经人员比对认定为同一人）'
       END AS identity_zh,
       CASE WHEN o.paid_as IS NULL THEN ''
            ELSE ' (the payments state ' || o.paid_as || ', the custody record '
                 || COALESCE(c.name, '') || '/' || COALESCE(c.person_id, '—')
                 || '; resolved to one person)'
       END AS identity_en,
       [c.person_key] AS person_ids,
       ARRAY_CONCAT(['custody_records:' || c.record_id], o.payment_refs) AS record_refs,
       r.region_code,
       CASE
           WHEN o.rule = 'no_raise' THEN 'low'
           WHEN o.months_paid >= CAST(:high_months AS INTEGER) THEN 'high'
           ELSE 'medium'
       END AS severity
FROM per_custody AS o
JOIN custody AS c
  ON c.record_id = o.custody_record_id
LEFT JOIN (
    SELECT person_key, MIN(region_code) AS region_code
    FROM persons_resolved
    GROUP BY person_key
) AS r
  ON r.person_key = c.person_key
