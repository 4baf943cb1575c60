-- identity.double_registration: one natural person holds two active household registrations
-- under two resident IDs. Pairs come from the registry itself (same name and gender, birth date
-- equal or one field off, and a name rare enough that such a match is unlikely by chance) and
-- from resolution: registry pairs whose evidence reaches min_evidence_weight (a variant
-- spelling of the name) and registrations a reviewer judged one person. Both views are empty
-- on a lake that has not been resolved.
-- A late registration is one act: it gives one clue, with the registration(s) that may be the
-- same person's first. When several earlier registrations are equally close (namesakes born
-- the same day: a common name, or a plant among strangers), records cannot tell which one is
-- the person, and pairing the late registration with each of them would raise one true clue
-- and the rest false; the clue names all of them for the handler to check instead.
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
holders AS (
    -- active registrations of each name and gender: how often a birth date would coincide by
    -- chance
    SELECT name, gender, COUNT(*) AS holders
    FROM regs
    GROUP BY name, gender
),
near AS (
    -- every late registration against the registrations sharing its name and gender and its
    -- birth date, or one with a single field mistyped at registration: a day off, day and month
    -- swapped, the year or the month one off (1979-01-13 / 1978-01-13)
    SELECT l.record_id AS late_record_id, o.record_id AS other_record_id, o.late AS late_o,
           l.name, l.gender,
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
               AND EXTRACT(DAY FROM o.birth_date) = EXTRACT(MONTH FROM l.birth_date))
           OR (EXTRACT(MONTH FROM o.birth_date) = EXTRACT(MONTH FROM l.birth_date)
               AND EXTRACT(DAY FROM o.birth_date) = EXTRACT(DAY FROM l.birth_date)
               AND ABS(EXTRACT(YEAR FROM o.birth_date) - EXTRACT(YEAR FROM l.birth_date)) = 1)
           OR (EXTRACT(YEAR FROM o.birth_date) = EXTRACT(YEAR FROM l.birth_date)
               AND EXTRACT(DAY FROM o.birth_date) = EXTRACT(DAY FROM l.birth_date)
               AND ABS(EXTRACT(MONTH FROM o.birth_date) - EXTRACT(MONTH FROM l.birth_date)) = 1))
),
matches AS (
    -- a name shared by many: strangers' birth dates meet by chance. The expected number of
    -- other holders of the name born on a date this close, over a century of birth dates (one
    -- date for an exact match, the eight within one mistyped field otherwise), must stay
    -- under max_chance; a rarer coincidence is evidence of one person
    SELECT n.late_record_id, n.other_record_id, n.late_o, n.exact_birth
    FROM near AS n
    JOIN holders AS h
      ON h.name = n.name AND h.gender = n.gender
    WHERE (h.holders - 1) * CASE WHEN n.exact_birth = 1 THEN 1 ELSE 8 END / 36525.0
          <= CAST(:max_chance AS DOUBLE)
),
linked AS (
    -- registry pairs resolution puts forward (never linked automatically: see docs/linkage.md)
    SELECT a.record_id AS record_a, b.record_id AS record_b
    FROM registration_pairs AS rp
    JOIN regs AS a
      ON rp.unique_id_l = 'persons:' || a.record_id || ':registrant'
    JOIN regs AS b
      ON rp.unique_id_r = 'persons:' || b.record_id || ':registrant'
    WHERE rp.evidence_weight >= CAST(:min_evidence_weight AS DOUBLE)
      -- the name as spoken agrees: a clerk's transliteration or homophone, not another name
      AND rp.name_relation IN ('exact', 'same_without_dots', 'transliteration_variant',
                               'same_pinyin')
      AND (rp.birth_date_r = rp.birth_date_l
           OR rp.birth_date_r = rp.birth_date_l + 1
           OR rp.birth_date_l = rp.birth_date_r + 1
           OR (EXTRACT(YEAR FROM rp.birth_date_r) = EXTRACT(YEAR FROM rp.birth_date_l)
               AND EXTRACT(MONTH FROM rp.birth_date_r) = EXTRACT(DAY FROM rp.birth_date_l)
               AND EXTRACT(DAY FROM rp.birth_date_r) = EXTRACT(MONTH FROM rp.birth_date_l))
           OR (EXTRACT(MONTH FROM rp.birth_date_r) = EXTRACT(MONTH FROM rp.birth_date_l)
               AND EXTRACT(DAY FROM rp.birth_date_r) = EXTRACT(DAY FROM rp.birth_date_l)
               AND ABS(EXTRACT(YEAR FROM rp.birth_date_r)
                       - EXTRACT(YEAR FROM rp.birth_date_l)) = 1)
           OR (EXTRACT(YEAR FROM rp.birth_date_r) = EXTRACT(YEAR FROM rp.birth_date_l)
               AND EXTRACT(DAY FROM rp.birth_date_r) = EXTRACT(DAY FROM rp.birth_date_l)
               AND ABS(EXTRACT(MONTH FROM rp.birth_date_r)
                       - EXTRACT(MONTH FROM rp.birth_date_l)) = 1))
      AND a.gender = b.gender
    UNION
    -- registrations a reviewer judged to be one natural person
    SELECT a.record_id, b.record_id
    FROM persons_resolved AS a
    JOIN persons_resolved AS b
      ON b.person_key = a.person_key AND b.record_id > a.record_id
    WHERE a.active_registrations > 1
      AND a.status = 'active' AND b.status = 'active'
),
candidates AS (
    -- a pair resolution put forward is as close as its birth dates are: a near birth date
    -- must not outrank another registration's exact one
    SELECT late_record_id, other_record_id, late_o, exact_birth FROM matches
    UNION
    SELECT l.record_id, o.record_id, o.late,
           CASE WHEN o.birth_date = l.birth_date THEN 1 ELSE 0 END
    FROM linked AS k
    JOIN regs AS l
      ON l.record_id = k.record_a
    JOIN regs AS o
      ON o.record_id = k.record_b
    WHERE l.late = 1 AND o.person_id <> l.person_id
    UNION
    SELECT l.record_id, o.record_id, o.late,
           CASE WHEN o.birth_date = l.birth_date THEN 1 ELSE 0 END
    FROM linked AS k
    JOIN regs AS l
      ON l.record_id = k.record_b
    JOIN regs AS o
      ON o.record_id = k.record_a
    WHERE l.late = 1 AND o.person_id <> l.person_id
),
best AS (
    -- a late registration is paired with its exact birth-date matches when it has any; the
    -- near matches are a fallback for a birth date mistyped at the second registration
    SELECT late_record_id, other_record_id, late_o, exact_birth,
           MAX(exact_birth) OVER (PARTITION BY late_record_id) AS has_exact_birth
    FROM candidates
),
kept AS (
    -- the closest matches of each late registration; both late: the pair is met from both
    -- sides, keep one. The registration made first stands for them (ties by record)
    SELECT m.late_record_id, m.other_record_id,
           ROW_NUMBER() OVER (PARTITION BY m.late_record_id
                              ORDER BY COALESCE(o.registered_on, o.birth_date), o.record_id)
               AS rank_o
    FROM best AS m
    JOIN regs AS o
      ON o.record_id = m.other_record_id
    WHERE m.exact_birth = m.has_exact_birth
      AND (m.late_o = 0 OR m.late_record_id > m.other_record_id)
),
alike AS (
    -- the other registrations as close as the one that stands for them: namesakes born that
    -- day, of whom the records cannot tell which is the person
    SELECT k.late_record_id,
           COUNT(*) AS alike,
           ARRAY_SORT(ARRAY_AGG(o.person_id)) AS alike_ids,
           ARRAY_SORT(ARRAY_AGG('persons:' || o.record_id)) AS alike_refs,
           ARRAY_SORT(ARRAY_AGG(o.person_id || '（' || o.region_code || '，'
                                || COALESCE(CAST(o.registered_on AS VARCHAR) || '登记', '登记日期不详')
                                || '）')) AS alike_zh,
           ARRAY_SORT(ARRAY_AGG(o.person_id || ' (' || o.region_code || ', '
                                || COALESCE('registered ' || CAST(o.registered_on AS VARCHAR),
                                            'registration date unknown')
                                || ')')) AS alike_en
    FROM kept AS k
    JOIN regs AS o
      ON o.record_id = k.other_record_id
    WHERE k.rank_o > 1
    GROUP BY k.late_record_id
),
pairs AS (
    -- one per late registration, the earlier registration first
    SELECT a.record_id AS record_id_1, a.person_id AS person_id_1,
           a.region_code AS region_1, a.registered_on AS registered_1, a.birth_date AS birth_1,
           b.record_id AS record_id_2, b.person_id AS person_id_2,
           b.region_code AS region_2, b.registered_on AS registered_2, b.birth_date AS birth_2,
           a.name, b.name AS name_2, a.gender, a.late AS late_1, b.late AS late_2,
           COALESCE(al.alike, 0) AS alike, al.alike_zh, al.alike_en,
           CASE WHEN al.alike IS NULL THEN [a.person_id, b.person_id]
                ELSE ARRAY_CONCAT([a.person_id, b.person_id], al.alike_ids)
           END AS person_ids,
           CASE WHEN al.alike IS NULL THEN ['persons:' || a.record_id, 'persons:' || b.record_id]
                ELSE ARRAY_CONCAT(['persons:' || a.record_id, 'persons:' || b.record_id],
                                  al.alike_refs)
           END AS person_refs
    FROM kept AS m
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
    LEFT JOIN alike AS al
      ON al.late_record_id = m.late_record_id
    WHERE m.rank_o = 1
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
       CASE WHEN p.birth_1 = p.birth_2 THEN '' ELSE '（出生日期记载略有出入）' END
           || CASE WHEN p.name = p.name_2 THEN ''
                   ELSE '（第二个户口登记姓名为' || p.name_2 || '，经人员比对认定为同一人）' END
           AS birth_note_zh,
       CASE WHEN p.birth_1 = p.birth_2 THEN '' ELSE ' (the birth dates differ slightly)' END
           || CASE WHEN p.name = p.name_2 THEN ''
                   ELSE ' (the second registration spells the name ' || p.name_2
                        || '; resolved to one person)' END
           AS birth_note_en,
       CASE WHEN p.late_2 = 1 THEN p.person_id_2 ELSE p.person_id_1 END AS late_id,
       CASE WHEN p.alike > 0
            THEN '；另有' || CAST(p.alike AS VARCHAR) || '个同名、同性别、出生日期同样相近的在册户口：'
                 || ARRAY_TO_STRING(p.alike_zh, '、')
                 || '，仅凭登记信息无法判断哪一个是本人的第一次登记，需一并核查'
            ELSE '' END AS alike_zh,
       CASE WHEN p.alike > 0
            THEN '; ' || CAST(p.alike AS VARCHAR) || ' other active registration(s) of the same '
                 || 'name and gender, born as close: ' || ARRAY_TO_STRING(p.alike_en, ', ')
                 || '; the records cannot tell which one is the first registration of this '
                 || 'person, so all are to be checked'
            ELSE '' END AS alike_en,
       CASE WHEN d1.docs > 0 AND d2.docs > 0
            THEN '；两个身份号码下均办理了出入境证件（' || ARRAY_TO_STRING(d1.doc_nos, '、') || '；'
                 || ARRAY_TO_STRING(d2.doc_nos, '、') || '）'
            ELSE '' END AS documents_zh,
       CASE WHEN d1.docs > 0 AND d2.docs > 0
            THEN '; travel documents were issued under both IDs ('
                 || ARRAY_TO_STRING(d1.doc_nos, ', ') || '; ' || ARRAY_TO_STRING(d2.doc_nos, ', ')
                 || ')'
            ELSE '' END AS documents_en,
       p.person_ids,
       CASE WHEN d1.docs > 0 AND d2.docs > 0
            THEN ARRAY_CONCAT(p.person_refs, ARRAY_CONCAT(d1.doc_refs, d2.doc_refs))
            ELSE p.person_refs
       END AS record_refs,
       CASE WHEN p.late_2 = 1 THEN p.region_2 ELSE p.region_1 END AS region_code,
       CASE WHEN d1.docs > 0 AND d2.docs > 0 THEN 'high' ELSE 'medium' END AS severity
FROM pairs AS p
LEFT JOIN documents AS d1
  ON d1.person_id = p.person_id_1
LEFT JOIN documents AS d2
  ON d2.person_id = p.person_id_2
