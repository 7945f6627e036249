"""Writes bench/vignettes.yml: public clinical vignettes with gold values.

The gold values are NOT computed by bot/: they come from an independent transcription, below, of the
rules and tables in reference/clinical_facts.md (section 1 F1.1/F1.4/F1.5 grading, section 2 F2.1 lung,
section 3 F3.2-F3.9 AJCC 8 TNM and stage groups, section 9 rules). Each vignette names its basis.
The messages are written the way clinicians type (abbreviations, units, no punctuation care).

    .venv/actions/bin/python bench/make_vignettes.py     # rewrites bench/vignettes.yml
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import yaml

OUT = Path(__file__).with_name("vignettes.yml")

# ---- gold rules, transcribed from clinical_facts.md ---------------------------------------------------

def gep_band_ki67(k: float) -> str:  # F1.1, F1.5: <3 G1; 3-20 G2; >20 G3
    return "G1" if k < 3 else ("G2" if k <= 20 else "G3")


def gep_band_mitoses(m: float) -> str:  # F1.1, F1.5: <2 G1; 2-20 G2; >20 G3 (per 2 mm2)
    return "G1" if m < 2 else ("G2" if m <= 20 else "G3")


def gold_grade(site: Optional[str], diff: Optional[str], ki67, mitoses, necrosis) -> str:
    if site in ("lung", "thymus"):  # F2.1, section 9 rule 1 (Ki-67 ignored)
        if mitoses > 10:
            return "high-grade"
        if mitoses >= 2 or necrosis:
            return "AC"
        return "TC"
    if diff == "poorly":  # F1.6, section 9 rule 2
        return "NEC"
    bands = [b for b in (ki67 is not None and gep_band_ki67(ki67), mitoses is not None and gep_band_mitoses(mitoses)) if b]
    return max(bands)  # F1.4: the higher of the two


def t_category(site: str, size: float, inv: str) -> str:
    """AJCC 8 T by site (F3.3-F3.8). inv: sm (lamina propria/submucosa or confined), mp, ss, t4, t3x."""
    if site == "appendix":  # F3.6
        if inv == "t4":
            return "T4"
        if inv == "ss" or size > 4:
            return "T3"
        return "T2" if size > 2 else "T1"
    if site == "pancreas":  # F3.8: T1 < 2 cm, T2 2-4 cm, T3 > 4 cm or duodenum/CBD, T4 adjacent organs
        if inv == "t4":
            return "T4"
        if inv == "t3x" or size > 4:
            return "T3"
        return "T2" if size >= 2 else "T1"
    if site in ("colon", "rectum"):  # F3.7: T1 <= 2 cm LP/SM; T2 MP or > 2 cm
        if inv == "t4":
            return "T4"
        if inv == "ss":
            return "T3"
        return "T2" if (inv == "mp" or size > 2) else "T1"
    # stomach F3.3, duodenum/ampulla F3.4, jejunum/ileum F3.5: T1 <= 1 cm LP/SM; T2 MP or > 1 cm
    if inv == "t4":
        return "T4"
    if inv in ("ss", "t3x"):
        return "T3"
    return "T2" if (inv == "mp" or size > 1) else "T1"


def m_category(mets: List[str]) -> str:  # F3.2
    if not mets:
        return "M0"
    liver = "liver" in mets
    other = any(m != "liver" for m in mets)
    return "M1c" if liver and other else ("M1a" if liver else "M1b")


def stage_group(site: str, t: str, n: str, m: str) -> str:
    if m != "M0":
        return "IV"  # F3.9: any M1 is stage IV in every GEP-NET chapter
    if site in ("colon", "rectum"):  # F3.7
        if n != "N0":
            return "IIIB"
        return {"T1": "I", "T2": "IIA", "T3": "IIB", "T4": "IIIA"}[t]
    if n != "N0":
        return "III"
    return {"T1": "I", "T2": "II", "T3": "II", "T4": "III"}[t]


# ---- phrasing ------------------------------------------------------------------------------------

SITE_WORDS = {
    "stomach": ["gastric NET", "stomach NET"], "duodenum": ["duodenal NET", "D2 duodenal net"],
    "ampulla": ["ampullary NET"], "jejunum_ileum": ["ileal NET", "terminal ileum NET", "small bowel NET", "jejunal NET"],
    "appendix": ["appendiceal NET", "appendix NET"], "colon": ["colonic NET", "sigmoid NET"],
    "rectum": ["rectal NET", "rectal carcinoid"], "pancreas": ["pancreatic NET", "pNET", "pancreatic tail NET"],
}
INV_WORDS = {
    "sm": ["confined to the submucosa", "limited to mucosa/submucosa", "invading submucosa only"],
    "mp": ["invading the muscularis propria", "into the muscularis propria", "invades MP"],
    "ss": ["through the muscularis propria into subserosa", "extends into subserosa"],
    "t4": ["invading the serosa", "perforating the visceral peritoneum"],
    "t3x": {"pancreas": "invading the duodenum", "duodenum": "invading the pancreas", "ampulla": "invading the pancreas"},
    "pancreas_limited": ["confined to the pancreas", "limited to the pancreas"],
    "pancreas_t4": ["invading the spleen", "invading the stomach wall"],
}
NODE_WORDS = {"N0": ["nodes negative", "0/12 LN", "N0", "LN neg"], "N1": ["3/14 nodes positive", "2 positive nodes", "N1", "node positive"]}
MET_WORDS = {(): ["no distant mets", "M0", "no mets on staging CT"], ("liver",): ["liver mets", "hepatic metastases"],
             ("bone",): ["bone mets"], ("liver", "bone"): ["liver and bone mets"], ("peritoneum",): ["peritoneal deposits"],
             ("lung",): ["lung mets"]}
ASK_STAGE = ["stage?", "what stage", "AJCC stage?", "TNM and stage please", "how would you stage this"]
ASK_GRADE = ["grade?", "what grade", "WHO grade?", "how would you grade this", "grade please"]


def pick(options, i: int):
    return options[i % len(options)] if isinstance(options, list) else options


def fmt(x: float) -> str:
    return f"{x:g}"


def grading_vignettes() -> List[dict]:
    specs = [
        # site, differentiation, ki67, mitoses, unit, necrosis
        (None, None, 2, 0, "2mm2", None), (None, None, 2.5, 1, "2mm2", None), (None, None, 3, 1, "2mm2", None),
        (None, None, 12, 1, "2mm2", None), (None, None, 20, 4, "2mm2", None), (None, None, 20.5, 4, "2mm2", None),
        ("pancreas", "well", 1, 0, "2mm2", None), ("pancreas", "well", 4, 3, "2mm2", None),
        ("pancreas", "well", 25, 3, "2mm2", None), ("pancreas", "well", 35, 12, "2mm2", None),
        ("jejunum_ileum", "well", 1, 3, "2mm2", None), ("jejunum_ileum", "well", 2, 2, "2mm2", None),
        ("jejunum_ileum", "well", 8, 1, "2mm2", None), ("jejunum_ileum", None, 18, 4, "2mm2", None),
        ("rectum", "well", 0.5, 0, "2mm2", None), ("rectum", None, 1, 25, "2mm2", None),
        ("stomach", "well", 15, 20, "2mm2", None), ("stomach", "well", 2, 21, "2mm2", None),
        ("unknown", "well", 7, 5, "2mm2", None), ("unknown", "well", 22, 3, "2mm2", None),
        ("unknown", None, 45, 30, "2mm2", None), ("unknown", "poorly", 80, 40, "2mm2", None),
        ("unknown", "poorly", 15, 6, "2mm2", None), ("pancreas", "poorly", 60, 25, "2mm2", None),
        ("colon", "poorly", 90, 50, "2mm2", None), ("appendix", "well", 1, 1, "2mm2", None),
        ("duodenum", "well", 3.5, 0, "2mm2", None), ("unknown", "well", 2, 3, "10hpf", None),
        ("jejunum_ileum", "well", 5, 12, "10hpf", None), ("pancreas", None, 1, 1, "2mm2", None),
        ("pancreas", None, 21, 1, "2mm2", None), ("unknown", "well", 2.9, 1.9, "2mm2", None),
        # lung (F2.1): Ki-67 is given but must not decide the category
        ("lung", None, 5, 1, "2mm2", False), ("lung", None, 15, 3, "2mm2", False), ("lung", None, 2, 1, "2mm2", True),
        ("lung", None, 30, 10, "2mm2", False), ("lung", None, 60, 14, "2mm2", True), ("lung", None, 1, 0, "2mm2", False),
        ("lung", None, 8, 6, "2mm2", True), ("lung", None, 25, 2, "2mm2", False),
    ]
    diff_words = {"well": ["well differentiated", "WD", "well-diff"], "poorly": ["poorly differentiated", "PD", "poorly diff"]}
    site_words = {**SITE_WORDS, "unknown": ["unknown primary NET", "NET-CUP liver met", "liver bx, primary unknown"],
                  "lung": ["lung carcinoid", "bronchial carcinoid", "pulmonary carcinoid"]}
    out = []
    for i, (site, diff, ki67, mit, unit, necrosis) in enumerate(specs, 1):
        parts = []
        if site:
            parts.append(pick(site_words[site], i))
        if diff:
            parts.append(pick(diff_words[diff], i))
        parts.append(pick([f"Ki-67 {fmt(ki67)}%", f"ki67 {fmt(ki67)} %", f"MIB-1 {fmt(ki67)}%", f"Ki67 of {fmt(ki67)}%"], i))
        if unit == "2mm2":
            parts.append(pick([f"{fmt(mit)} mitoses per 2 mm2", f"{fmt(mit)} mitoses/2mm2", f"mitotic count {fmt(mit)} per 2 mm²"], i))
        else:
            parts.append(pick([f"{fmt(mit)} mitoses per 10 HPF", f"{fmt(mit)}/10 HPF"], i))
        if necrosis is not None:
            parts.append("necrosis present" if necrosis else "no necrosis")
        text = ", ".join(parts) + " - " + pick(ASK_GRADE, i)
        grade = gold_grade(site, diff, ki67, mit, necrosis)
        must: List[str] = []
        basis = "clinical_facts F1.1, F1.4, F1.5; section 9 grading rule 3"
        if site == "lung":
            basis = "clinical_facts F2.1, F2.2; section 9 grading rule 1"
            must = [r"necrosis", r"Ki-67"]
        elif grade == "NEC":
            basis = "clinical_facts F1.1, F1.6; section 9 grading rule 2"
            must = [r"not (formally )?graded|high grade"]
        else:
            k_band, m_band = gep_band_ki67(ki67), gep_band_mitoses(mit)
            band = {"G1": r"(<|below|less than)\s*3\s*%?", "G2": r"3\s*(%\s*)?(-|–|to)\s*20", "G3": r"(>|above|more than)\s*20"}
            must = [band[k_band]]
            if k_band != m_band:
                must.append(r"higher")
        if unit == "10hpf":
            basis += "; F1.2 (per 10 HPF caveat)"
            must.append(r"HPF|high-power")
        gold = {"grade": grade}
        case = {"site": site, "differentiation": diff, "ki67_percent": ki67, "mitoses": mit, "mitoses_unit": unit}
        if necrosis is not None:
            case["necrosis"] = necrosis
        out.append({"id": f"grade-{i:03d}", "kind": "grading", "turns": [text],
                    "case": {k: v for k, v in case.items() if v is not None}, "gold": gold,
                    "must_mention": must, "basis": basis})
    return out


def staging_vignettes() -> List[dict]:
    specs = [
        # site, size cm, invasion, N, mets
        ("stomach", 0.8, "sm", "N0", ()), ("stomach", 1.5, "sm", "N0", ()), ("stomach", 0.9, "mp", "N0", ()),
        ("stomach", 2.0, "ss", "N0", ()), ("stomach", 3.0, "t4", "N0", ()), ("stomach", 1.2, "mp", "N1", ()),
        ("duodenum", 1.0, "sm", "N0", ()), ("duodenum", 1.4, "sm", "N0", ()), ("duodenum", 2.0, "t3x", "N0", ()),
        ("duodenum", 0.7, "sm", "N1", ()), ("ampulla", 1.5, "mp", "N0", ()),
        ("jejunum_ileum", 0.8, "sm", "N0", ()), ("jejunum_ileum", 1.8, "ss", "N1", ()), ("jejunum_ileum", 2.2, "mp", "N0", ()),
        ("jejunum_ileum", 1.5, "t4", "N0", ()), ("jejunum_ileum", 2.5, "ss", "N1", ("liver",)),
        ("jejunum_ileum", 1.2, "mp", "N0", ("peritoneum",)),
        ("appendix", 1.5, "sm", "N0", ()), ("appendix", 2.5, "sm", "N0", ()), ("appendix", 4.5, "sm", "N0", ()),
        ("appendix", 1.0, "ss", "N0", ()), ("appendix", 1.8, "sm", "N1", ()),
        ("colon", 1.5, "sm", "N0", ()), ("colon", 2.5, "sm", "N0", ()), ("colon", 1.8, "ss", "N0", ()),
        ("colon", 3.0, "t4", "N0", ()), ("colon", 1.2, "mp", "N1", ()),
        ("rectum", 0.8, "sm", "N0", ()), ("rectum", 1.5, "mp", "N0", ()), ("rectum", 0.6, "sm", "N1", ()),
        ("rectum", 2.5, "ss", "N0", ("liver",)), ("rectum", 1.1, "sm", "N0", ("bone",)),
        ("pancreas", 1.5, "pancreas_limited", "N0", ()), ("pancreas", 2.0, "pancreas_limited", "N0", ()),
        ("pancreas", 3.5, "pancreas_limited", "N0", ()), ("pancreas", 5.0, "pancreas_limited", "N0", ()),
        ("pancreas", 2.5, "t3x", "N0", ()), ("pancreas", 3.0, "pancreas_t4", "N0", ()),
        ("pancreas", 2.5, "pancreas_limited", "N1", ()), ("pancreas", 5.0, "pancreas_limited", "N0", ("peritoneum",)),
        ("pancreas", 3.0, "pancreas_limited", "N1", ("liver", "bone")),
    ]
    out = []
    for i, (site, size, inv, n, mets) in enumerate(specs, 1):
        if inv == "pancreas_limited":
            inv_text, inv_code = pick(INV_WORDS["pancreas_limited"], i), "sm"
        elif inv == "pancreas_t4":
            inv_text, inv_code = pick(INV_WORDS["pancreas_t4"], i), "t4"
        elif inv == "t3x":
            inv_text, inv_code = INV_WORDS["t3x"][site], "t3x"
        else:
            inv_text, inv_code = pick(INV_WORDS[inv], i), inv
        size_text = pick([f"{fmt(size)} cm", f"{fmt(size * 10)} mm", f"{fmt(size)}cm"], i)
        text = f"{pick(SITE_WORDS[site], i)} {size_text}, {inv_text}, {pick(NODE_WORDS[n], i)}, {pick(MET_WORDS[mets], i)}. {pick(ASK_STAGE, i)}"
        t = t_category(site, size, inv_code)
        m = m_category(list(mets))
        group = stage_group(site, t, n, m)
        chapter = {"stomach": "F3.3", "duodenum": "F3.4", "ampulla": "F3.4", "jejunum_ileum": "F3.5",
                   "appendix": "F3.6", "colon": "F3.7", "rectum": "F3.7", "pancreas": "F3.8"}[site]
        gold = {"t": t, "n": n, "m": m, "stage": group}
        must = [r"\b" + m + r"\b"] if m != "M0" else []
        must.append(r"(stage|Stage)\s+" + group + r"\b")
        basis = f"clinical_facts {chapter}, F3.2; section 9 staging rules 3 and 5"
        if site == "pancreas" and size == 2.0:
            must.append(r"UICC")
            basis += "; section 8 item 6 (2.0 cm is T2 under AJCC, UICC differs)"
        out.append({"id": f"stage-{i:03d}", "kind": "staging", "turns": [text],
                    "case": {"site": site, "tumour_size_cm": size, "invasion": inv, "nodes": n, "metastases": list(mets)},
                    "gold": gold, "must_mention": must, "basis": basis})
    return out


def unknown_primary_vignettes() -> List[dict]:
    specs = [
        ("NET of unknown primary with liver mets, what stage?", ["liver"], None),
        ("net-cup, multiple liver lesions only, stage?", ["liver"], None),
        ("unknown primary NET, liver + bone mets. AJCC stage?", ["liver", "bone"], None),
        ("primary not found, bone mets only, well diff NET - stage", ["bone"], None),
        ("CUP NET with peritoneal carcinomatosis, no liver lesions, stage?", ["peritoneum"], None),
        ("unknown primary, liver and lung mets, how is this staged", ["liver", "lung"], None),
        ("unknown primary NET, mesenteric nodes positive, no distant mets. stage?", [], "N1"),
        ("NET in a lymph node, primary not found despite workup, no other disease - what stage", [], "N1"),
    ]
    out = []
    for i, (text, mets, nodes) in enumerate(specs, 1):
        m = m_category(mets)
        gold = {"m": m, "stage": "IV" if m != "M0" else "none"}
        must = [r"\bTX\b|\bT0\b|cannot be assessed"]
        if m != "M0":
            must += [r"\b" + m + r"\b", r"\bIV\b"]
        else:
            must += [r"no (AJCC )?stage group|cannot be assigned|can ?not be assigned"]
        out.append({"id": f"cup-{i:03d}", "kind": "staging", "turns": [text],
                    "case": {"site": "unknown", "metastases": mets, "nodes": nodes or "not given"},
                    "gold": gold, "must_mention": must,
                    "basis": "clinical_facts F3.9, F3.2; section 9 staging rules 3 and 4"})
    return out


def topic_vignettes() -> List[dict]:
    items = [
        ("how often does dotatate PET find the primary in NET-CUP?", [r"59\s*%|61\s*%|44\s*%|38\s*%"], "F4.4; section 8 item 1"),
        ("is 87-96% the chance SSTR PET finds an unknown primary?", [r"61\s*%|59\s*%", r"DOTATOC|pancreatic"], "F4.4; section 8 item 1"),
        ("octreoscan or ga-68 PET for unknown primary", [r"replace"], "F4.3; section 8 item 12"),
        ("when is FDG PET useful in NEN", [r"NEC|poorly|Ki-67\s*≥?\s*10"], "F4.5"),
        ("pt on omeprazole, CgA 3x ULN - meaningful?", [r"2\s*(wk|weeks?)|two weeks", r"H2"], "F4.6; section 8 item 8"),
        ("5-HIAA urine collection prep, what foods to avoid", [r"24[- ]?h", r"banana|pineapple|walnut"], "F4.7"),
        ("how long is the diet washout before 5-HIAA?", [r"12\s*h", r"48\s*h|3 days|72"], "F4.7; section 8 item 8"),
        ("IHC panel for site of origin in a NET liver met?", [r"CDX2", r"ISL1|Islet", r"TTF-?1"], "F4.10; section 8 item 11"),
        ("SATB2 positive NET met, where from", [r"rect|append"], "F4.10"),
        ("PAX8 positive NEC, pancreatic?", [r"not specific|cross-?react"], "F4.10"),
        ("is the 92-gene assay standard of care for net-cup", [r"95\s*%", r"not .*standard|known-primary|known primary"], "F4.11; section 8 item 10"),
        ("should we do colonoscopy, EGD or capsule for unknown primary NET", [r"colonoscop", r"capsule"], "F4.12"),
        ("is surgical exploration worth it to find the primary?", [r"79\s*%|86\.7\s*%|87\s*%"], "F4.14; section 8 item 9"),
        ("does debulking of liver mets improve survival?", [r"retrospective", r"level 1|no randomi"], "F5.8; section 8 item 9"),
        ("first line chemo for metastatic NEC", [r"etoposide", r"platin"], "F5.6"),
        ("second line for NEC after platinum etoposide", [r"irinotecan"], "F5.6"),
        ("is NET G3 the same as NEC for treatment?", [r"scarce|no approved|not .*NEC"], "F5.7"),
        ("options for well differentiated metastatic NET-CUP, SSA?", [r"CLARINET|lanreotide", r"Ki-67\s*<\s*10|10\s*%"], "F5.2"),
        ("PRRT evidence for NET unknown primary", [r"NETTER-1", r"midgut|SSTR"], "F5.3; extrapolation"),
        ("prognosis NET of unknown primary vs known primary", [r"poorer|worse"], "F6.1"),
        ("median survival unknown primary NEC", [r"2\.5 months"], "F6.2"),
        ("how many NETs present without a known primary", [r"9\s*(-|–|to)\s*14|10\s*(-|–|to)\s*1[34]|11\s*(-|–|to)\s*14"], "F4.1; section 8 item 2"),
        ("what is MiNEN", [r"30\s*%"], "F1.7"),
        ("who needs germline testing in pNET", [r"MEN1", r"10\s*%"], "F4.13"),
        ("are lung carcinoids graded with Ki-67?", [r"mitos", r"necrosis"], "F2.2"),
        ("how do I count mitoses for WHO 2019, per HPF?", [r"2\s*mm", r"HPF"], "F1.2; section 8 item 4"),
    ]
    return [{"id": f"topic-{i:03d}", "kind": "topic", "turns": [text], "gold": {}, "must_mention": must,
             "basis": f"clinical_facts {basis}"} for i, (text, must, basis) in enumerate(items, 1)]


def multi_turn_vignettes() -> List[dict]:
    return [
        {"id": "multi-001", "kind": "grading", "turns": ["pancreatic NET, ki67 4%", "3 mitoses per 2mm2, grade?"],
         "gold": {"grade": "G2"}, "must_mention": [r"3\s*(%\s*)?(-|–|to)\s*20"], "basis": "clinical_facts F1.1, F1.4"},
        {"id": "multi-002", "kind": "grading", "turns": ["Ki-67 12%, 1 mitosis per 2 mm2 - grade?", "what if ki67 were 25%?"],
         "gold": {"grade": "G3"}, "must_mention": [r"(>|above|more than)\s*20"], "basis": "clinical_facts F1.1, F1.5 (what-if)"},
        {"id": "multi-003", "kind": "staging", "turns": ["unknown primary NET, liver mets", "what if there were also bone mets?"],
         "gold": {"m": "M1c", "stage": "IV"}, "must_mention": [r"M1c"], "basis": "clinical_facts F3.2, F3.9 (what-if)"},
        {"id": "multi-004", "kind": "staging",
         "turns": ["ileal NET 2.2 cm into muscularis propria", "4/15 nodes positive", "no distant metastases, stage?"],
         "gold": {"t": "T2", "n": "N1", "m": "M0", "stage": "III"}, "must_mention": [r"(stage|Stage)\s+III\b"],
         "basis": "clinical_facts F3.5"},
        {"id": "multi-005", "kind": "grading",
         "turns": ["bronchial carcinoid with 1 mitosis per 2 mm2", "necrosis absent, what is it?"],
         "gold": {"grade": "TC"}, "must_mention": [r"necrosis"], "basis": "clinical_facts F2.1"},
        {"id": "multi-006", "kind": "staging",
         "turns": ["rectal NET 1.5 cm, muscularis propria invasion", "nodes negative, no mets - stage?"],
         "gold": {"t": "T2", "n": "N0", "m": "M0", "stage": "IIA"}, "must_mention": [r"(stage|Stage)\s+IIA\b"],
         "basis": "clinical_facts F3.7"},
    ]


def main() -> None:
    vignettes = grading_vignettes() + staging_vignettes() + unknown_primary_vignettes() + topic_vignettes() + multi_turn_vignettes()
    header = (
        "# NETguide accuracy vignettes (public). Generated by bench/make_vignettes.py; edit that file, not this one.\n"
        "# Gold values follow reference/clinical_facts.md (see each `basis`), transcribed independently of bot/.\n"
        "# grade: G1|G2|G3 (WHO 2019 digestive; G3 also when differentiation is not stated), NEC, TC|AC|high-grade (lung).\n"
        "# stage: AJCC 8 stage group, or `none` when no group can be assigned. must_mention: regexes (case-insensitive).\n"
    )
    OUT.write_text(header + yaml.safe_dump({"vignettes": vignettes}, sort_keys=False, allow_unicode=True, width=140))
    print(f"wrote {len(vignettes)} vignettes to {OUT}")


if __name__ == "__main__":
    main()
