-- identity.double_registration: one natural person holds two active household registrations
-- under two resident IDs.
WITH regs AS (
    SELECT record_id, person_id, name, gender, birth_date, region_code, registered_on,
           -- the ID was first issued at this registration (its address code is the county of
           -- registration) and the registration was made long after birth: a late
           -- registration, the way a second ID is obtained
           CASE WHEN SUBSTR(person_id, 1, 6) = region_code
                 AND registered_on > birth_date + CAST(:late_registration_days AS INTEGER)
                THEN 1 ELSE 0 END AS late
    FROM persons
    WHERE status = 'active'
      AND (registered_on IS NULL OR registered_on <= :as_of)
),
matches AS (
    -- every late registration against the registrations sharing its name and gender and its
    -- birth date (or one a day off, or with day and month swapped: mistyped at registration)
    SELECT l.record_id AS late_record_id, o.record_id AS other_record_id, o.late AS late_o,
           CASE WHEN o.birth_date = l.birth_date THEN 1 ELSE 0 END AS exact_birth
    FROM regs AS l
    JOIN regs AS o
      ON o.name = l.name
     AND o.gender = l.gender
     AND o.person_id <> l.person_id
    WHERE l.late = 1
      AND (o.birth_date = l.birth_date
           OR o.birth_date = l.birth_date + 1
           OR l.birth_date = o.birth_date + 1
           OR (EXTRACT(YEAR FROM o.birth_date) = EXTRACT(YEAR FROM l.birth_date)
               AND EXTRACT(MONTH FROM o.birth_date) = EXTRACT(DAY FROM l.birth_date)
               AND EXTRACT(DAY FROM o.birth_date) = EXTRACT(MONTH FROM l.birth_date)))
),
best AS (
    -- a late registration is paired with its exact birth-date matches when it has any; the
    -- near matches are a fallback for a birth date mistyped at the second registration
    SELECT late_record_id, other_record_id, late_o, exact_birth,
           MAX(exact_birth) OVER (PARTITION BY late_record_id) AS has_exact_birth
    FROM matches
),
pairs AS (
    -- each pair once, the earlier registration first
    SELECT a.record_id AS record_id_1, a.person_id AS person_id_1,
           a.region_code AS region_1, a.registered_on AS registered_1, a.birth_date AS birth_1,
           b.record_id AS record_id_2, b.person_id AS person_id_2,
           b.region_code AS region_2, b.registered_on AS registered_2, b.birth_date AS birth_2,
           a.name, a.gender, a.late AS late_1, b.late AS late_2
    FROM best AS m
    JOIN regs AS l
      ON l.record_id = m.late_record_id
    JOIN regs AS o
      ON o.record_id = m.other_record_id
    JOIN regs AS a
      ON a.record_id = CASE WHEN COALESCE(o.registered_on, o.birth_date)
                                 <= COALESCE(l.registered_on, l.birth_date)
                            THEN o.record_id ELSE l.record_id END
    JOIN regs AS b
      ON b.record_id = CASE WHEN COALESCE(o.registered_on, o.birth_date)
                                 <= COALESCE(l.registered_on, l.birth_date)
                            THEN l.record_id ELSE o.record_id END
    WHERE m.exact_birth = m.has_exact_birth
      -- both late: the pair is met from both sides; keep one
      AND (m.late_o = 0 OR m.late_record_id > m.other_record_id)
),
documents AS (
    SELECT person_id,
           COUNT(*) AS docs,
           ARRAY_SORT(ARRAY_AGG(doc_no)) AS doc_nos,
           ARRAY_SORT(ARRAY_AGG('travel_documents:' || record_id)) AS doc_refs
    FROM travel_documents
    WHERE issued_on <= :as_of
    GROUP BY person_id
)
SELECT p.person_id_1, p.person_id_2, p.name, p.gender,
       CASE p.gender WHEN 'M' THEN '男' WHEN 'F' THEN '女' ELSE p.gender END AS gender_zh,
       p.birth_1, p.birth_2,
       p.region_1, p.region_2, p.registered_1, p.registered_2,
       p.record_id_1, p.record_id_2,
       CASE WHEN p.birth_1 = p.birth_2 THEN '' ELSE '（出生日期记载略有出入）' END AS birth_note_zh,
       CASE WHEN p.birth_1 = p.birth_2 THEN '' ELSE ' (the birth dates differ slightly)' END
           AS birth_note_en,
       CASE WHEN p.late_2 = 1 THEN p.person_id_2 ELSE p.person_id_1 END AS late_id,
       CASE WHEN d1.docs > 0 AND d2.docs > 0
            THEN '；两个身份号码下均办理了出入境证件（' || ARRAY_TO_STRING(d1.doc_nos, '、') || '；'
                 || ARRAY_TO_STRING(d2.doc_nos, '、') || '）'
            ELSE '' END AS documents_zh,
       CASE WHEN d1.docs > 0 AND d2.docs > 0
            THEN '; travel documents were issued under both IDs ('
                 || ARRAY_TO_STRING(d1.doc_nos, ', ') || '; ' || ARRAY_TO_STRING(d2.doc_nos, ', ')
                 || ')'
            ELSE '' END AS documents_en,
       [p.person_id_1, p.person_id_2] AS person_ids,
       CASE WHEN d1.docs > 0 AND d2.docs > 0
            THEN ARRAY_CONCAT(['persons:' || p.record_id_1, 'persons:' || p.record_id_2],
                              ARRAY_CONCAT(d1.doc_refs, d2.doc_refs))
            ELSE ['persons:' || p.record_id_1, 'persons:' || p.record_id_2]
       END AS record_refs,
       CASE WHEN p.late_2 = 1 THEN p.region_2 ELSE p.region_1 END AS region_code,
       CASE WHEN d1.docs > 0 AND d2.docs > 0 THEN 'high' ELSE 'medium' END AS severity
FROM pairs AS p
LEFT JOIN documents AS d1
  ON d1.person_id = p.person_id_1
LEFT JOIN documents AS d2
  ON d2.person_id = p.person_id_2
