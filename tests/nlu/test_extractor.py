"""Clinical entity extractor (bot/nlu): text -> normalised entities, read like a table.

Each row lists EVERY entity the text must yield, so a row also fails on an extra value
(precision matters more than recall for numbers). Run in the Rasa venv:

    /work/main/.venv/rasa/bin/python -m pytest tests/nlu -q
"""

from __future__ import annotations

import pytest

from bot.nlu.extractor import ClinicalEntityExtractor, shared_extractor

E = frozenset  # expected entities as a set of (entity, value)

CASES: list[tuple[str, frozenset[tuple[str, str]]]] = [
    # --- a bare count in a staging list is the node count; never next to a Ki-67 / mitotic name or a unit
    ("pNET tail 2.0 cm limited to pancreas, 0/7, M0", E({("site", "pancreas"), ("tumour_size", "2"), ("invasion", "confined"),
                                                       ("node_count", "0/7"), ("nodes", "negative"), ("no_metastasis", "any")})),
    ("sigmoid NET 1.5cm. stage if 3/12 and M0?", E({("site", "colon"), ("tumour_size", "1.5"), ("node_count", "3/12"),
                                                   ("nodes", "positive"), ("no_metastasis", "any")})),
    ("Regional LN: 0 positive / 15 examined", E({("node_count", "0/15"), ("nodes", "negative")})),
    ("rectal NET 1 cm, mitoses: 1/2, ki 2", E({("site", "rectum"), ("tumour_size", "1"), ("ki67", "2")})),
    ("ileal NET 2cm, 2/3 cores positive", E({("site", "jejunum_ileum"), ("tumour_size", "2")})),
    ("pNET 2cm, BP 120/80, seen on 3/11", E({("site", "pancreas"), ("tumour_size", "2")})),
    ("0/7, M0", E({("no_metastasis", "any")})),  # no tumour named: a bare count says nothing
    # --- a lobe's imaged nodule is a weak site: "primary unknown" wins, and hedged it says nothing
    ("liver mets NET, 8mm RLL nodule, indeterminate. no other primary found", E({("metastasis", "liver"), ("tumour_size", "0.8"),
                                                                               ("site", "unknown")})),
    ("liver mets NET, indeterminate RLL nodule on CT", E({("metastasis", "liver")})),
    ("1.4cm RLL nodule, mitoses 1/2mm2, no necrosis", E({("tumour_size", "1.4"), ("site", "lung"), ("mitoses", "1/2mm2"),
                                                        ("necrosis", "absent")})),
    # --- short forms of a site next to a tumour word; what was counted positive before a Ki-67 count
    ("TI/ICV NET 2.8cm", E({("site", "jejunum_ileum"), ("tumour_size", "2.8")})),
    ("HoP mass 5.2cm", E({("site", "pancreas"), ("tumour_size", "5.2")})),
    ("Ki-67 +ve in approx 70 of 1400 tumour cells", E({("ki67", "5"), ("cells_counted", "1400")})),
    # --- dev set cases_r6 mechanisms: a negative synoptic line, imaging nodes, station counts, a specimen positive
    # for NET, distant nodes, site short forms, "confined to pancreas", "SM", a code asked about, the largest size
    ("+ Subserosal / mesoappendiceal involvement: Not identified", E(set())),
    ("No mesorectal or pelvic sidewall lymphadenopathy.", E({("nodes", "negative")})),
    ("gastric NET, the liver wedge was positive for metastatic NET", E({("site", "stomach"), ("metastasis", "liver")})),
    ("L supraclavicular node FNA positive for NET", E({("metastasis", "distant_nodes")})),
    ("jej NET 1.1cm", E({("site", "jejunum_ileum"), ("tumour_size", "1.1")})),
    ("HF NET (hep flexure) 2.8cm", E({("site", "colon"), ("tumour_size", "2.8")})),
    ("corpus NETs x3, all in SM", E({("site", "stomach"), ("invasion", "confined")})),
    ("rectosig NET 2.2cm SM only, CT clear", E({("site", "rectum"), ("tumour_size", "2.2"), ("invasion", "confined"),
                                               ("no_metastasis", "any"), ("test_result", "ct:negative")})),
    ("insulinoma 1.2 cm, confined to pancreas", E({("syndrome", "insulinoma"), ("tumour_size", "1.2"), ("invasion", "confined"),
                                                   ("site", "pancreas")})),
    ("duodenal NET 1.2cm. thats T1 right?", E({("site", "duodenum"), ("tumour_size", "1.2")})),
    ("what stage is T2 N1 M0?", E({("stated_t", "T2"), ("nodes", "positive"), ("stated_n", "N1"), ("no_metastasis", "any")})),
    ("Multiple (5) polyps in the corpus, the largest 1.4 cm removed. Smaller ones 2-5 mm",
     E({("tumour_size", "1.4")})),
    ("a 3.2 cm spiculated mass in the small-bowel mesentery", E({("bulky_mesenteric_mass", "yes")})),
    ("CT negative for a primary", E({("test_result", "ct:negative")})),  # not M0: about the primary
    # --- spent blind round 4 mechanisms: a negation reaches every item of a short "or" list; appx, SS, meso;
    # every form of "no nodes to assess"; every form of "no distant"; counts in narrative reports
    ("pNET 4.5 cm, no invasion of duodenum, CBD or adjacent organs", E({("site", "pancreas"), ("tumour_size", "4.5")})),
    ("appx NET 1.7 cm, confined to MP (meso + SS free)", E({("site", "appendix"), ("tumour_size", "1.7"),
                                                           ("invasion", "muscularis_propria")})),
    ("TI NET 2.4cm thru MP into SS", E({("site", "jejunum_ileum"), ("tumour_size", "2.4"), ("invasion", "subserosa")})),
    ("0.7cm NET, stays within the sphincter of Oddi", E({("tumour_size", "0.7"), ("invasion", "confined")})),
    ("duodenal NET, LN 0/0", E({("site", "duodenum"), ("not_assessed", "nodes")})),
    ("LN: not applicable (EMR)", E({("not_assessed", "nodes")})),
    ("CT TAP: nil distant.", E({("no_metastasis", "any")})),
    ("distant: none on imaging", E({("no_metastasis", "any")})),
    ("Site: rectum | Size 1.3 cm | Depth: submucosa | LN: none", E({("site", "rectum"), ("tumour_size", "1.3"),
                                                                   ("invasion", "confined"), ("not_assessed", "nodes")})),
    ("Mitotic figures are not identified in the 10 mm2 examined", E({("mitoses", "0/2mm2")})),
    ("2 positive perigastric nodes", E({("node_count", "2"), ("nodes", "positive")})),
    ("Seven lymph nodes are identified, two of which contain metastatic tumour.", E({("node_count", "2/7"), ("nodes", "positive")})),
    ("MRI liver: 2 mets", E({("metastasis", "liver")})),
    ("11/30 LN positive. N1 or N2?", E({("node_count", "11/30"), ("nodes", "positive")})),
    ("WD NET in the liver, primary unknown", E({("differentiation", "well"), ("metastasis", "liver"), ("site", "unknown")})),
    ("Differentiation: well", E({("differentiation", "well")})),
    # --- the cell type from any poorly differentiated phrase; two different ones contradict each other
    ("poorly diff large cell NEC", E({("differentiation", "poorly"), ("nec_subtype", "large_cell")})),
    ("small cell and large cell NEC", E({("differentiation", "poorly")})),
    # --- a full stop that ends the sentence ends the Ki-67 value; "pc" is per cent
    ("sigmoid NET, ki67 1.5. stage", E({("site", "colon"), ("ki67", "1.5")})),
    ("rectal NET, ki 4. T and grade", E({("site", "rectum"), ("ki67", "4")})),
    ("ki67 six pc, ileal NET", E({("ki67", "6"), ("site", "jejunum_ileum")})),
    # --- every way of not bringing nodes to the pathologist is NX; a stated N category is kept
    ("duodenal NET, nodes not sent", E({("site", "duodenum"), ("not_assessed", "nodes")})),
    ("LN nx", E({("not_assessed", "nodes")})),
    ("no nodes harvested", E({("not_assessed", "nodes")})),
    ("small bowel NET pT3 pN2 M0", E({("site", "jejunum_ileum"), ("stated_t", "T3"), ("nodes", "positive"), ("stated_n", "N2"),
                                     ("no_metastasis", "any")})),
    # --- a site said to be the only one frees the others; an organ said clear is free; "dz" is disease
    ("CUP NET, lung-only mets (multiple nodules)", E({("site", "unknown"), ("metastasis", "lung"), ("no_metastasis", "liver")})),
    ("liver-only disease", E({("metastasis", "liver"), ("no_metastasis", "extrahepatic")})),
    ("ileal NET, mets to the liver only", E({("site", "jejunum_ileum"), ("metastasis", "liver"), ("no_metastasis", "extrahepatic")})),
    ("pNET 3cm, liver clear on MRI", E({("site", "pancreas"), ("tumour_size", "3"), ("no_metastasis", "liver")})),
    ("PET no distant dz", E({("no_metastasis", "any")})),
    ("unknown primary NET, big liver burden", E({("site", "unknown"), ("metastasis", "liver")})),
    ("margins clear, liver NET", E(set())),  # "clear" belongs to the margins
    # --- invasion named by a noun after the layer; a side or a wall before the invaded organ
    ("MP invasion on TAMIS specimen", E({("invasion", "muscularis_propria")})),
    ("pNET invading the distal CBD", E({("site", "pancreas"), ("invasion", "duodenum_or_bile_duct")})),
    ("pNET invading left adrenal", E({("site", "pancreas"), ("invasion", "serosa_or_adjacent_organs")})),
    ("D3 NET invading the wall of the transverse colon", E({("site", "duodenum"), ("invasion", "serosa_or_adjacent_organs")})),
    # --- a finding's status written after it (issue 16, class 1): absent or not assessed, never present
    ("appendiceal NET 1.2 cm, serosa free, ki67 1%", E({("site", "appendix"), ("tumour_size", "1.2"), ("ki67", "1")})),
    ("mesoappendix uninvolved, appendix NET 2.2 cm", E({("site", "appendix"), ("tumour_size", "2.2")})),
    # a finding not assessed is said as such (never present, never absent)
    ("lung carcinoid, 1 mitosis/2mm2, necrosis: n/a", E({("site", "lung"), ("mitoses", "1/2mm2"), ("not_assessed", "necrosis")})),
    ("bronchial carcinoid, necrosis not assessed", E({("site", "lung"), ("not_assessed", "necrosis")})),
    ("mets: unknown", E({("not_assessed", "metastasis")})),
    ("suspicious for necrosis", E(set())),
    # a Ki-67 range written with a verb; duodenal part before a slash; a parenthesis between site and noun
    ("Ki-67 ranges 3-4% in hot spots", E({("ki67", "3-4")})),
    ("D1/bulb NET 8mm", E({("site", "duodenum"), ("tumour_size", "0.8")})),
    ("vertebral (T10, L2) mets only", E({("metastasis", "bone")})),
    # a weak noun confirmed as a metastasis, a labelled specimen from a metastatic site
    ("two lung nodules consistent with metastases", E({("metastasis", "lung")})),
    ("liver bx: metastatic NET", E({("metastasis", "liver")})),
    ("Liver wedge (seg 6): metastatic NET", E({("metastasis", "liver")})),
    # "no extrahepatic disease" frees every site but the liver; "no liver or other distant disease" is M0
    ("liver mets, no extrahepatic disease", E({("metastasis", "liver"), ("no_metastasis", "extrahepatic")})),
    ("CT: no liver or other distant disease", E({("no_metastasis", "any")})),
    # a basin in brackets between the node word and the count; a search that did not find the primary
    ("Regional LN (ileocolic): 2/14 positive", E({("node_count", "2/14"), ("nodes", "positive")})),
    ("extensive search negative for primary", E({("site", "unknown")})),
    ("small lung nodule, likely benign", E(set())),
    # no regional nodes to assess: not assessed (NX), never negative
    ("no LN in specimen", E({("not_assessed", "nodes")})),
    ("Lymph nodes: not sampled", E({("not_assessed", "nodes")})),
    ("No lymph nodes are present in this specimen.", E({("not_assessed", "nodes")})),
    ("pT1 pNX", E({("stated_t", "T1"), ("not_assessed", "nodes")})),
    ("no nodes involved", E({("nodes", "negative")})),
    # both named, both free; the total first, then the positives; a second scan with the same outcome
    ("no nodes/mets on dotatate", E({("nodes", "negative"), ("no_metastasis", "any")})),
    ("MRI pelvis and CT show no nodal or distant disease", E({("nodes", "negative"), ("no_metastasis", "any")})),
    ("14 LN, 13 involved", E({("node_count", "13/14"), ("nodes", "positive")})),
    ("25 LN examined, 13 +ve", E({("node_count", "13/25"), ("nodes", "positive")})),
    ("CT/PET neg", E({("test_result", "ct:negative")})),
    # organs a luminal NET may reach; a place before a size is not a distance; a report's largest tumour
    ("gastric NET invading into the pancreatic body", E({("site", "stomach"), ("invasion", "pancreas_or_peripancreatic")})),
    ("involves the prostate", E({("invasion", "serosa_or_adjacent_organs")})),
    ("EMR from antrum: 1.3 cm NET", E({("site", "stomach"), ("tumour_size", "1.3")})),
    ("Largest tumor: 0.9 cm", E({("tumour_size", "0.9")})),
    # a pasted narrative report keeps its line wraps: a wrap inside a sentence is not a sentence end
    ("Two mitoses per 2 mm2 are counted; the Ki-67 hot-spot index is 4%. No\nnecrosis.",
     E({("mitoses", "2/2mm2"), ("ki67", "4"), ("necrosis", "absent")})),
    ("invading through the muscularis propria into the subserosa; the serosal\nsurface is free.",
     E({("invasion", "subserosa")})),
    ("Necrosis: present\nLVI: absent", E({("necrosis", "present")})),
    # "into but not through" a layer invades it; a distance from the anal verge is not a size
    ("infiltrating into but not through the muscularis propria", E({("invasion", "muscularis_propria")})),
    ("A submucosal nodule 5 cm above the anal verge, eleven millimetres across", E({("invasion", "confined"), ("tumour_size", "1.1")})),
    # an adjacent organ's tissue; an organ that contains metastatic tumour; a labelled distant-metastasis line
    ("Invades splenic parenchyma", E({("invasion", "serosa_or_adjacent_organs")})),
    ("The right ovary contains metastatic neuroendocrine tumour", E({("metastasis", "ovary")})),
    ("how long do people live with metastatic NEC", E({("differentiation", "poorly")})),
    ("well diff NET in a mesenteric LN, no primary found", E({("differentiation", "well"), ("nodes", "positive"), ("site", "unknown")})),
    ("Distant metastasis: Liver (intraoperative biopsy, segment III)", E({("metastasis", "liver")})),
    ("Distant metastasis: not identified", E({("no_metastasis", "any")})),
    # the nodes' location is not an invasion; perforating the peritoneum is T4; "thru"; a result arriving
    ("0/4 LN in mesoappendix", E({("node_count", "0/4"), ("nodes", "negative")})),
    ("perforates the peritoneum into abdo wall", E({("invasion", "serosa_or_adjacent_organs")})),
    ("tumour goes thru the sphincter into duodenal submucosa", E({("invasion", "muscularis_propria"), ("site", "duodenum")})),
    ("ki67 back: 12%", E({("ki67", "12")})),
    ("and mits recount is 23", E({("mitoses", "23")})),
    # metastases: a vertebral level before its noun, a nodule turning out to be one, a test before the organ
    ("PET also shows a lytic L2 met", E({("metastasis", "bone")})),
    ("what if the 6mm lung nodule turns out to be a met?", E({("metastasis", "lung")})),
    ("MRI liver now shows 1 met in seg 7 too", E({("metastasis", "liver")})),
    ("MRI pancreas", E(set())),
    # T codes weighed against each other in a question are not stated; a stated one is
    ("is 2.0 really T2 and not T1?", E(set())),
    ("pT2 N0, stage?", E({("stated_t", "T2"), ("nodes", "negative")})),
    # "periampullary" gives way to the organ named
    ("periampullary NET, pancreatic head, 1.5 cm", E({("site", "pancreas"), ("tumour_size", "1.5")})),
    ("periampullary NET 1.2 cm", E({("site", "ampulla"), ("tumour_size", "1.2")})),
    ("liver MRI shows 3 mets", E({("metastasis", "liver"), ("test_result", "mri:positive")})),
    ("liver MRI shows no mets", E({("no_metastasis", "any"), ("test_result", "mri:negative")})),
    # several tumours measured in one list: the largest decides T; two sizes of one tumour stay unread
    ("three NETs, 4 mm, 7 mm and 13 mm", E({("tumour_size", "1.3")})),
    ("multifocal ileal NET, 0.5, 0.8 and 1.9 cm", E({("site", "jejunum_ileum"), ("tumour_size", "1.9")})),
    ("NET 1.5 cm, previously 1.2 cm on CT", E(set())),
    ("liver mets: not assessed, ileal NET", E({("site", "jejunum_ileum"), ("not_assessed", "metastasis")})),
    # a status ends at the clause: the finding before the semicolon keeps its value
    ("well-differentiated NET, confined to the muscularis propria; mesoappendix free",
     E({("differentiation", "well"), ("invasion", "muscularis_propria")})),
    ("metastasis-free survival for ileal NETs?", E({("site", "jejunum_ileum")})),
    # --- nodes and distant disease as clinicians write them
    ("duodenal NET, one positive node of nine", E({("site", "duodenum"), ("node_count", "1/9"), ("nodes", "positive")})),
    ("SI NET, 5 LN+", E({("site", "jejunum_ileum"), ("node_count", "5"), ("nodes", "positive")})),
    ("ileal NET with nodal mets (6/19)", E({("site", "jejunum_ileum"), ("node_count", "6/19"), ("nodes", "positive")})),
    ("jejunal NET, mesenteric mass 3 cm", E({("site", "jejunum_ileum"), ("bulky_mesenteric_mass", "yes")})),
    ("ileal NET, 1.5 cm mesenteric mass", E({("site", "jejunum_ileum"), ("bulky_mesenteric_mass", "no")})),
    ("ileal NET 2 cm, no mesenteric mass", E({("site", "jejunum_ileum"), ("tumour_size", "2"), ("bulky_mesenteric_mass", "no")})),
    ("ileal NET, CT CAP clear", E({("site", "jejunum_ileum"), ("test_result", "ct:negative"), ("no_metastasis", "any")})),
    ("ileal NET, nil distant disease", E({("site", "jejunum_ileum"), ("no_metastasis", "any")})),
    ("Ga-68 PET: no hepatic or bony mets", E({("no_metastasis", "liver"), ("no_metastasis", "bone")})),
    ("dotatate showed no hepatic or bony mets",
     E({("test_result", "sstr_pet:negative"), ("no_metastasis", "liver"), ("no_metastasis", "bone")})),
    ("rectal NET polypectomy, 14 mm, submucosa. No lymph nodes are present in this specimen.",
     E({("site", "rectum"), ("tumour_size", "1.4"), ("invasion", "confined"), ("not_assessed", "nodes")})),
    # --- depth of invasion in each chapter's terms
    ("jejunal NET 2.5cm, into the subserosa but serosa intact",
     E({("site", "jejunum_ileum"), ("tumour_size", "2.5"), ("invasion", "subserosa")})),
    ("jejunal NET into subserosal fat, serosa not breached", E({("site", "jejunum_ileum"), ("invasion", "subserosa")})),
    ("rectal NET 1.9cm through MP into perirectal fat", E({("site", "rectum"), ("tumour_size", "1.9"), ("invasion", "subserosa")})),
    ("uncinate NET 4.5 cm invading the D2 wall",
     E({("site", "pancreas"), ("tumour_size", "4.5"), ("invasion", "duodenum_or_bile_duct")})),
    ("pNET body 3 cm, directly invading the posterior gastric wall",
     E({("site", "pancreas"), ("tumour_size", "3"), ("invasion", "serosa_or_adjacent_organs")})),
    ("pNET head 3.5 cm invading the SMA wall", E({("site", "pancreas"), ("tumour_size", "3.5"), ("invasion", "serosa_or_adjacent_organs")})),
    # --- sites in clinical shorthand (class 2)
    ("LLL carcinoid 3 mitoses per 2 mm2 no necrosis",
     E({("site", "lung"), ("mitoses", "3/2mm2"), ("necrosis", "absent")})),
    ("RUL lobectomy specimen: carcinoid, mitoses 4/2mm2, focal necrosis",
     E({("site", "lung"), ("mitoses", "4/2mm2"), ("necrosis", "present")})),
    ("endobronchial carcinoid, 1 mitosis", E({("site", "lung"), ("mitoses", "1")})),
    ("D3 NET 1.5 cm invading muscularis propria",
     E({("site", "duodenum"), ("tumour_size", "1.5"), ("invasion", "muscularis_propria")})),
    ("TI NET 2 cm into subserosa", E({("site", "jejunum_ileum"), ("tumour_size", "2"), ("invasion", "subserosa")})),
    ("periampullary NET 1.2 cm", E({("site", "ampulla"), ("tumour_size", "1.2")})),
    # the NEC's cell type is kept (issue 16, class 3)
    ("small cell NEC of the lung, ki67 80%",
     E({("differentiation", "poorly"), ("site", "lung"), ("ki67", "80"), ("nec_subtype", "small_cell")})),
    ("ampullary NET invading through the sphincter of Oddi", E({("site", "ampulla"), ("invasion", "muscularis_propria")})),
    # --- values in less common forms (class 3)
    ("Ki-67: 31 positive / 620 counted", E({("ki67", "5"), ("cells_counted", "620")})),
    ("12 of 400 cells positive for ki67", E({("ki67", "3"), ("cells_counted", "400")})),
    ("one mitotic figure per 2 mm2", E({("mitoses", "1/2mm2")})),
    ("a single mitosis, ki67 2%", E({("mitoses", "1"), ("ki67", "2")})),
    ("mitoses 3 per 10 HPF, field diameter 0.55 mm", E({("mitoses", "3/10hpf"), ("field_diameter", "0.55")})),
    ("mitosees 3/2mm2 ki 67 5%", E({("mitoses", "3/2mm2"), ("ki67", "5")})),
    ("lymph nods negative", E({("nodes", "negative")})),
    ("metastsis to livr and bone", E({("metastasis", "liver"), ("metastasis", "bone")})),
    # --- narrative report wording (class 6)
    ("Three of eleven lymph nodes contain metastatic tumour.", E({("node_count", "3/11"), ("nodes", "positive")})),
    ("none of 12 nodes involved", E({("node_count", "0/12"), ("nodes", "negative")})),
    ("nodes were actually 1/9 positive", E({("node_count", "1/9"), ("nodes", "positive")})),
    # a staging work-up that found nothing distant is M0
    ("dotatate PET: no other avid disease", E({("no_metastasis", "any")})),
    ("staging scans negative", E({("no_metastasis", "any")})),
    # --- the way clinicians type whole cases
    ("58F, liver mets, no primary found, Ki67 8%, 3 mitoses/2mm2 - grade and stage?",
     E({("metastasis", "liver"), ("site", "unknown"), ("ki67", "8"), ("mitoses", "3/2mm2")})),
    ("pNET 2.4 cm, node neg, ki-67 2 %",
     E({("site", "pancreas"), ("tumour_size", "2.4"), ("nodes", "negative"), ("ki67", "2")})),
    ("DOTATATE negative, what next?", E({("test_result", "sstr_pet:negative")})),
    ("NET-CUP, mets in liver, Ki67 15%, 5 mitoses per 10 HPF, no necrosis. stage?",
     E({("site", "unknown"), ("metastasis", "liver"), ("ki67", "15"), ("mitoses", "5/10hpf"), ("necrosis", "absent")})),
    ("hypoglycaemic episodes, pancreatic head lesion 1.2 cm",
     E({("syndrome", "insulinoma"), ("site", "pancreas"), ("tumour_size", "1.2")})),
    ("duodenal NET invading the pancreas, 1.5cm",
     E({("site", "duodenum"), ("invasion", "pancreas_or_peripancreatic"), ("tumour_size", "1.5")})),
    ("appendix NET 2.5 cm with mesoappendiceal invasion",
     E({("site", "appendix"), ("tumour_size", "2.5"), ("invasion", "subserosa")})),
    ("rectal NET confined to submucosa, 0.9 cm",
     E({("site", "rectum"), ("invasion", "confined"), ("tumour_size", "0.9")})),
    # the size is the primary's when the next item (Ki-67, nodes) follows without a comma
    ("appendiceal NET 2.5cm ki67 3% LN neg. stage?",
     E({("site", "appendix"), ("tumour_size", "2.5"), ("ki67", "3"), ("nodes", "negative")})),
    # a size in cm before "into" is the tumour's; a depth is given in mm; "5 LN+ of 20" is a node count
    ("jejunal NET 3cm into subserosa w/ mesenteric mass, 5 LN+ of 20, liver mets",
     E({("site", "jejunum_ileum"), ("tumour_size", "3"), ("invasion", "subserosa"), ("node_count", "5/20"),
        ("nodes", "positive"), ("metastasis", "liver")})),
    ("invades 3 mm into the subserosa", E({("invasion", "subserosa")})),
    # a sampled lung nodule or mass is the primary being graded; a lung nodule seen on a scan is not
    ("lung nodule bx: 12 mitoses/2mm2, extensive necrosis, large cells. dx?",
     E({("site", "lung"), ("mitoses", "12/2mm2"), ("necrosis", "present")})),
    ("biopsy of a lung mass: 3 mitoses per 2mm2, no necrosis",
     E({("site", "lung"), ("mitoses", "3/2mm2"), ("necrosis", "absent")})),
    ("lung nodule on CT, ileal NET", E({("site", "jejunum_ileum")})),
    # a lesion called small or indeterminate is not read as a metastasis (the question is asked instead)
    ("ileal NET 2cm, small liver lesion on CT, ki67 4%",
     E({("site", "jejunum_ileum"), ("tumour_size", "2"), ("ki67", "4")})),
    ("indeterminate liver and lung nodules", E(set())),
    ("ileal NET, multiple liver lesions", E({("site", "jejunum_ileum"), ("metastasis", "liver")})),
    ("small liver mets", E({("metastasis", "liver")})),
    # a thoracic carcinoma names the lung as the site and is poorly differentiated
    ("LCNEC lung ki67 70% vs atypical carcinoid how to tell",
     E({("site", "lung"), ("differentiation", "poorly"), ("ki67", "70"), ("nec_subtype", "large_cell")})),
    ("LCNEC of the lung", E({("site", "lung"), ("differentiation", "poorly"), ("nec_subtype", "large_cell")})),
    ("small cell lung ca", E({("site", "lung"), ("differentiation", "poorly"), ("nec_subtype", "small_cell")})),
    ("lung mets", E({("metastasis", "lung")})),
    # a full stop may end a node count; a decimal or a date may not
    ("appendix NET 4.5cm, LN 1/10. stage?",
     E({("site", "appendix"), ("tumour_size", "4.5"), ("node_count", "1/10"), ("nodes", "positive")})),
    ("LN 1/10.5", E(set())),
    ("LN 3/10/2025", E(set())),
    ("NET liver mets ki 67 ~15 % mitotic 8 per 10 hpf unkn primary grade?",
     E({("metastasis", "liver"), ("ki67", "15"), ("mitoses", "8/10hpf"), ("site", "unknown")})),
    # "is it like NEC?" compares; the stated morphology stays
    ("well diff NET G3 pancreas ki67 35%, ga68 avid liver mets. treatment options? is it like NEC?",
     E({("differentiation", "well"), ("site", "pancreas"), ("ki67", "35"), ("metastasis", "liver")})),
    # --- Ki-67: names, typos, comparators, ranges, units
    ("what if the Ki-67 were 25?", E({("ki67", "25")})),
    ("MIB-1 index 15%", E({("ki67", "15")})),
    ("Ki 67 <1%", E({("ki67", "<1")})),
    ("ki-67 2\u20133 %", E({("ki67", "2-3")})),  # en dash
    ("Ki-67 >20%", E({("ki67", ">20")})),
    ("Ki67 of 12.5 %", E({("ki67", "12.5")})),
    ("ki67 12,5%", E({("ki67", "12.5")})),
    ("ki76 5%", E({("ki67", "5")})),
    ("kI-67 3%", E({("ki67", "3")})),
    ("Ki-67 labelling index of 0.5%", E({("ki67", "0.5")})),
    ("8% Ki-67 in hot spots", E({("ki67", "8")})),
    ("Ki67 less than 2%", E({("ki67", "<2")})),
    # --- mitoses: units and conversions
    ("mitotic rate 4 per 10 HPF", E({("mitoses", "4/10hpf")})),
    ("5 mitoses per 50 hpf", E({("mitoses", "5/50hpf")})),
    ("2 mitoses/mm\u00b2", E({("mitoses", "4/2mm2")})),  # per mm2 -> per 2 mm2
    ("1 mitosis per 10 hpf", E({("mitoses", "1/10hpf")})),
    ("mitotic count <2/2 mm2", E({("mitoses", "<2/2mm2")})),
    ("12 mitoses per 10 mm2", E({("mitoses", "2.4/2mm2")})),
    ("no mitoses seen", E({("mitoses", "0/2mm2")})),
    ("mitoses 3", E({("mitoses", "3")})),  # no unit: the bare count
    ("what if mitoses were 25?", E({("mitoses", "25")})),
    # --- tumour size
    ("1.2cm", E({("tumour_size", "1.2")})),
    ("8 mm", E({("tumour_size", "0.8")})),
    ("2.4 x 1.8 cm ileal mass", E({("tumour_size", "2.4"), ("site", "jejunum_ileum")})),
    ("58M with 3 liver lesions up to 4 cm, pancreatic tail mass 2.1 cm",
     E({("metastasis", "liver"), ("site", "pancreas"), ("tumour_size", "2.1")})),
    # --- nodes
    ("3/12 nodes positive", E({("nodes", "positive"), ("node_count", "3/12")})),
    ("0/12 nodes", E({("nodes", "negative"), ("node_count", "0/12")})),
    ("4 positive nodes", E({("nodes", "positive"), ("node_count", "4")})),
    ("N0", E({("nodes", "negative")})),
    ("N1", E({("nodes", "positive"), ("stated_n", "N1")})),
    ("node negative", E({("nodes", "negative")})),
    ("lymph nodes negative", E({("nodes", "negative")})),
    ("no nodal mets", E({("nodes", "negative")})),
    ("mesenteric nodal metastases", E({("nodes", "positive")})),
    # a stated T is kept (staging uses it when the size and depth leave T open)
    ("pT2 N1 M0", E({("nodes", "positive"), ("no_metastasis", "any"), ("stated_t", "T2"), ("stated_n", "N1")})),
    ("T3N0M1a", E({("nodes", "negative"), ("metastasis", "liver"), ("stated_t", "T3")})),
    ("Pathologic stage: pT3 pN1", E({("nodes", "positive"), ("stated_t", "T3"), ("stated_n", "N1")})),
    ("T2-weighted MRI shows a lesion", E({("test_result", "mri:positive")})),
    # --- metastases, negation, ambiguity
    ("liver mets, no bone lesions", E({("metastasis", "liver"), ("no_metastasis", "bone")})),
    ("hepatic and osseous metastases", E({("metastasis", "liver"), ("metastasis", "bone")})),
    ("peritoneal carcinomatosis", E({("metastasis", "peritoneum")})),
    ("mets to lung", E({("metastasis", "lung")})),
    ("lung mets", E({("metastasis", "lung")})),  # NOT site lung
    ("metastatic to liver and bone", E({("metastasis", "liver"), ("metastasis", "bone")})),
    ("metastatic pNET to the liver", E({("site", "pancreas"), ("metastasis", "liver")})),
    ("no mets to liver", E({("no_metastasis", "liver")})),
    ("liver lesion biopsy showed NET", E({("metastasis", "liver")})),
    ("no liver mets", E({("no_metastasis", "liver")})),
    # the liver and the lungs cleared, no organ involved: no distant metastasis (M0)
    ("no liver, bone or lung mets", E({("no_metastasis", "liver"), ("no_metastasis", "bone"), ("no_metastasis", "lung"),
                                       ("no_metastasis", "any")})),
    # a staging report read organ by organ
    ("Liver: normal. Chest: no pulmonary nodules.", E({("no_metastasis", "liver"), ("no_metastasis", "lung"),
                                                       ("no_metastasis", "any")})),
    ("Lungs clear.\nLiver: no lesions.\nBones: normal.", E({("no_metastasis", "lung"), ("no_metastasis", "liver"),
                                                            ("no_metastasis", "bone"), ("no_metastasis", "any")})),
    ("liver clear on MRI", E({("no_metastasis", "liver")})),  # one organ says nothing about the rest
    # imaging's words for nodes that are not involved
    ("no pathologically enlarged mesorectal, pelvic or retroperitoneal nodes", E({("nodes", "negative")})),
    ("perigastric nodes not enlarged", E({("nodes", "negative")})),
    ("Mediastinal nodes are unremarkable.", E({("nodes", "negative")})),
    ("No avid lymph nodes.", E({("nodes", "negative")})),
    ("two 4 mm mesorectal nodes with smooth borders, not suspicious", E({("nodes", "negative")})),
    ("enlarged mesenteric nodes", E()),
    # a resection named by its organ; a blank line ends a sentence (the "no" does not reach the specimen)
    ("staging CT had no mets\n\nSPECIMEN: Distal pancreatectomy and splenectomy",
     E({("no_metastasis", "any"), ("site", "pancreas")})),
    ("partial gastrectomy specimen", E({("site", "stomach")})),
    ("No avid primary identified in the bowel or pancreas", E({("site", "unknown")})),
    # gastric shorthand, an adjacent colon reached, staging said negative in short, a sampled node, an unknown node
    # status, the organ named as the primary after an unknown-primary search, a biopsied nodule beside a test's words
    ('type 1 gNET 6mm, mucosa/submucosa', E({('site', 'stomach'), ('tumour_size', '0.6'), ('invasion', 'confined')})),
    ('ileal NET invading the adjacent sigmoid colon wall', E({('site', 'jejunum_ileum'), ('invasion', 'serosa_or_adjacent_organs')})),
    ('pNET 1.8cm, staging neg', E({('site', 'pancreas'), ('tumour_size', '1.8'), ('no_metastasis', 'any')})),
    ('EUS-FNA of 15mm periduodenal node: metastatic NET', E({('nodes', 'positive')})),
    ('ileal NET, node status unknown', E({('site', 'jejunum_ileum'), ('not_assessed', 'nodes')})),
    ('was CUP, liver mets. final MDT: primary is the lung', E({('metastasis', 'liver'), ('site', 'lung')})),
    ('liver mets, was CUP; the lung carcinoid is the primary', E({('metastasis', 'liver'), ('site', 'lung')})),
    ('3 bilateral pulmonary nodules, dotatate avid, one biopsied = metastatic NET',
     E({('metastasis', 'lung'), ('test_result', 'sstr_pet:positive')})),
    ('CUP NET, liver mets, primary is unknown', E({('site', 'unknown'), ('metastasis', 'liver')})),
    # hypotheticals' wording of a finding, a node proven by sampling, a plus that joins two tests
    ("if the nodes come back positive on final path", E({("nodes", "positive")})),
    ("if the L2 focus is a met?", E({("metastasis", "bone")})),
    ("2 enlarged perirectal nodes, EUS-FNA proven NET", E({("nodes", "positive")})),
    ("staging CT + PET neg for distant dz", E({("no_metastasis", "any")})),
    ("liver: 2 biopsy-proven mets", E({("metastasis", "liver")})),
    ("liver: multiple metastases. lungs: nodules suspicious for metastases", E({("metastasis", "liver")})),
    ("lungs: suspicious for mets", E()),
    ("2 lesions in the right lobe + 1 in the left lobe of the liver", E({("metastasis", "liver")})),
    ("liver lesion, favour haemangioma", E()),
    ("CT: liver lesion c/w cyst", E()),
    ("CUP NET, liver mets. 12mm RLL nodule, bx: metastatic well-differentiated NET",
     E({("site", "unknown"), ("metastasis", "liver"), ("metastasis", "lung"), ("differentiation", "well"),
        ("tumour_size", "1.2")})),
    ("liver mets and 2 lung nodules, both biopsy proven as the same tumour",
     E({("metastasis", "liver"), ("metastasis", "lung")})),
    ("liver mets, 8mm RUL nodule, bx pending, ?metastatic", E({("metastasis", "liver"), ("tumour_size", "0.8")})),
    ("no evidence of distant metastases", E({("no_metastasis", "any")})),
    ("no distant metastases", E({("no_metastasis", "any")})),
    ("M0", E({("no_metastasis", "any")})),
    ("brain mets", E({("metastasis", "brain")})),
    ("distant nodal metastases", E({("metastasis", "distant_nodes")})),
    ("mets in the liver and peritoneum", E({("metastasis", "liver"), ("metastasis", "peritoneum")})),
    ("?liver mets", E()),  # uncertain: nothing
    # --- differentiation and necrosis
    ("well differentiated NET", E({("differentiation", "well")})),
    ("WD NET, Ki67 5%", E({("differentiation", "well"), ("ki67", "5")})),
    ("well-diff", E({("differentiation", "well")})),
    ("poorly differentiated", E({("differentiation", "poorly")})),
    ("PD NEC", E({("differentiation", "poorly")})),
    ("NEC of the colon", E({("differentiation", "poorly"), ("site", "colon")})),
    ("small cell carcinoma", E({("differentiation", "poorly"), ("nec_subtype", "small_cell")})),
    ("large cell NEC", E({("differentiation", "poorly"), ("nec_subtype", "large_cell")})),
    ("poorly differentiated NEC", E({("differentiation", "poorly")})),
    ("no necrosis", E({("necrosis", "absent")})),
    ("without necrosis", E({("necrosis", "absent")})),
    ("focal necrosis", E({("necrosis", "present")})),
    ("tumour necrosis absent", E({("necrosis", "absent")})),
    ("NET G3 or NEC?", E()),  # a choice, not a finding
    ("is it well or poorly differentiated?", E()),
    ("PD on CAPTEM", E()),  # progressive disease
    ("non-small cell lung cancer", E()),
    # --- primary sites
    ("terminal ileum NET", E({("site", "jejunum_ileum")})),
    ("small bowel NET with liver mets", E({("site", "jejunum_ileum"), ("metastasis", "liver")})),
    ("SI-NET", E({("site", "jejunum_ileum")})),
    ("midgut NET", E({("site", "jejunum_ileum")})),
    ("bronchial carcinoid", E({("site", "lung")})),
    ("lung carcinoid", E({("site", "lung")})),
    ("typical carcinoid", E({("site", "lung")})),
    ("atypical carcinoid of the thymus", E({("site", "thymus")})),
    ("appendiceal NET 1.5 cm", E({("site", "appendix"), ("tumour_size", "1.5")})),
    ("appendix NET 1.8 cm, invades mesoappendix 3 mm",  # 3 mm is the invasion depth
     E({("site", "appendix"), ("tumour_size", "1.8"), ("invasion", "subserosa")})),
    ("NET liver, unknown origin, what workup?", E({("site", "unknown")})),
    ("rectal NET 8 mm", E({("site", "rectum"), ("tumour_size", "0.8")})),
    ("gastric NET type 1", E({("site", "stomach")})),
    ("duodenal NET", E({("site", "duodenum")})),
    ("ampullary NET", E({("site", "ampulla")})),
    ("pancreatic NET", E({("site", "pancreas")})),
    ("panNET G2", E({("site", "pancreas")})),
    ("unknown primary", E({("site", "unknown")})),
    ("CUP with liver mets", E({("site", "unknown"), ("metastasis", "liver")})),
    ("occult primary", E({("site", "unknown")})),
    ("primary not identified", E({("site", "unknown")})),
    ("thymic carcinoid", E({("site", "thymus")})),
    ("possible pancreatic primary", E()),
    # --- syndromes
    ("carcinoid syndrome", E({("syndrome", "carcinoid")})),
    ("flushing and diarrhoea", E({("syndrome", "carcinoid")})),
    ("insulinoma", E({("syndrome", "insulinoma")})),
    ("hypoglycaemia", E({("syndrome", "insulinoma")})),
    ("Zollinger-Ellison", E({("syndrome", "gastrinoma")})),
    ("gastrinoma", E({("syndrome", "gastrinoma")})),
    ("VIPoma", E({("syndrome", "vipoma")})),
    ("glucagonoma", E({("syndrome", "glucagonoma")})),
    ("Cushing syndrome", E({("syndrome", "acth")})),
    ("ectopic ACTH", E({("syndrome", "acth")})),
    ("non-functional pNET", E({("syndrome", "none"), ("site", "pancreas")})),
    ("no carcinoid syndrome", E({("syndrome", "none")})),
    # --- tests and their outcomes
    ("CgA 3x ULN", E({("test_result", "chromogranin_a:positive")})),
    ("chromogranin elevated", E({("test_result", "chromogranin_a:positive")})),
    ("CgA normal", E({("test_result", "chromogranin_a:negative")})),
    ("5-HIAA raised", E({("test_result", "5hiaa:positive")})),
    ("raised chromogranin A and normal 5-HIAA",
     E({("test_result", "chromogranin_a:positive"), ("test_result", "5hiaa:negative")})),
    ("Ga-68 DOTATATE PET negative", E({("test_result", "sstr_pet:negative")})),
    ("dotatate -ve", E({("test_result", "sstr_pet:negative")})),
    # a test that found no primary also says the primary is (so far) unknown
    ("SSTR PET showed no primary", E({("test_result", "sstr_pet:negative"), ("site", "unknown")})),
    ("octreoscan negative", E({("test_result", "octreoscan:negative")})),
    ("FDG avid", E({("test_result", "fdg_pet:positive")})),
    ("CT showed no primary", E({("test_result", "ct:negative"), ("site", "unknown")})),
    ("no primary on Ga68 dotatate pet/ct", E({("test_result", "sstr_pet:negative"), ("site", "unknown")})),
    ("CT shows liver lesions", E({("test_result", "ct:positive"), ("metastasis", "liver")})),
    ("FDG PET negative, DOTATATE strongly avid", E({("test_result", "fdg_pet:negative"), ("test_result", "sstr_pet:positive")})),
    ("CgA 350 ng/mL (normal <100), on PPI", E()),  # a reference range is not a judgement
    ("Chromogranin A was 2.5 x ULN", E({("test_result", "chromogranin_a:positive")})),
    ("EGD and colonoscopy unremarkable, capsule showed a jejunal lesion",
     E({("test_result", "upper_endoscopy:negative"), ("test_result", "colonoscopy:negative"),
        ("test_result", "capsule_endoscopy:positive"), ("site", "jejunum_ileum")})),
    ("colonoscopy normal", E({("test_result", "colonoscopy:negative")})),
    ("CT, MRI and colonoscopy were all normal",
     E({("test_result", "ct:negative"), ("test_result", "mri:negative"), ("test_result", "colonoscopy:negative")})),
    ("CT and DOTATATE negative, FDG avid",
     E({("test_result", "ct:negative"), ("test_result", "sstr_pet:negative"), ("test_result", "fdg_pet:positive")})),
    ("capsule endoscopy negative", E({("test_result", "capsule_endoscopy:negative")})),
    ("gastroscopy normal", E({("test_result", "upper_endoscopy:negative")})),
    ("EUS normal", E({("test_result", "eus:negative")})),
    ("MRI pancreas normal", E({("test_result", "mri:negative")})),  # pancreas is the scanned organ
    ("should we do a DOTATATE?", E()),  # proposed, not done
    # --- IHC
    ("CDX2+", E({("ihc", "cdx2:positive")})),
    ("TTF-1 negative", E({("ihc", "ttf1:negative")})),
    ("TTF1 neg", E({("ihc", "ttf1:negative")})),
    ("ISL1 positive", E({("ihc", "isl1:positive")})),
    ("PAX8+", E({("ihc", "pax8:positive")})),
    ("SATB2 +", E({("ihc", "satb2:positive")})),
    ("CDX2+, TTF1-, ISL1-", E({("ihc", "cdx2:positive"), ("ihc", "ttf1:negative"), ("ihc", "isl1:negative")})),
    ("positive for chromogranin, synaptophysin and CDX2, TTF-1 negative",
     E({("ihc", "chromogranin:positive"), ("ihc", "synaptophysin:positive"), ("ihc", "cdx2:positive"),
        ("ihc", "ttf1:negative")})),
    # --- invasion
    ("invades muscularis propria", E({("invasion", "muscularis_propria")})),
    ("1.2 cm ileal NET invades MP", E({("tumour_size", "1.2"), ("site", "jejunum_ileum"), ("invasion", "muscularis_propria")})),
    ("rectal NET, musc prop involved", E({("site", "rectum"), ("invasion", "muscularis_propria")})),
    ("MP cardiologist referral", E(set())),  # "MP" alone is not a depth
    ("confined to submucosa", E({("invasion", "confined")})),
    ("serosal involvement", E({("invasion", "serosa_or_adjacent_organs")})),
    ("invades duodenum", E({("invasion", "duodenum_or_bile_duct")})),  # NOT site duodenum
    ("through the muscularis propria into the subserosa", E({("invasion", "subserosa")})),  # deepest wins
    # --- audience
    ("I'm a patient", E({("audience", "patient")})),
    ("my mother has a NET", E({("audience", "patient")})),
    ("I am an oncologist", E({("audience", "clinician")})),
    ("as a clinician, what is the grade?", E({("audience", "clinician")})),
    ("my patient has liver mets", E({("audience", "clinician"), ("metastasis", "liver")})),
    ("I'm not a doctor", E()),
    # --- phase 2: notes-style details (decimal commas, brackets, abbreviations, "-only")
    ("tumour 1,5 cm", E({("tumour_size", "1.5")})),  # never "5"
    ("58F, 3,5 cm pancreatic mass", E({("tumour_size", "3.5"), ("site", "pancreas")})),
    ("3 mits per 2mm2", E({("mitoses", "3/2mm2")})),
    ("2 mits/10hpf", E({("mitoses", "2/10hpf")})),
    ("pancreatic NET 4.5 cm no nodes no mets",
     E({("site", "pancreas"), ("tumour_size", "4.5"), ("nodes", "negative"), ("no_metastasis", "any")})),
    ("a 1.1 cm rectal NET into the muscularis propria",
     E({("tumour_size", "1.1"), ("site", "rectum"), ("invasion", "muscularis_propria")})),
    ("invades 3 mm into the subserosa", E({("invasion", "subserosa")})),  # a depth, not a size
    ("no nodes were examined", E({("not_assessed", "nodes")})),  # NX, not N0
    ("CUP NET with bone-only mets", E({("site", "unknown"), ("metastasis", "bone"), ("no_metastasis", "liver")})),
    ("T2N1M1c, liver and bone mets",
     E({("nodes", "positive"), ("metastasis", "liver"), ("metastasis", "bone"), ("stated_t", "T2"), ("stated_n", "N1")})),
    ("M1c", E({("metastasis", "liver"), ("metastasis", "other")})),
    ("liver core showed WD NET", E({("metastasis", "liver"), ("differentiation", "well")})),
    ("SATB2 positivity", E({("ihc", "satb2:positive")})),
    ("ga-68 pet (neg), colonoscopy (normal)", E({("test_result", "sstr_pet:negative"), ("test_result", "colonoscopy:negative")})),
    ("CgA (3x ULN)", E({("test_result", "chromogranin_a:positive")})),
    # --- two values of one index in one message: both are kept (the consumer says which one grades)
    ("ki-67 4 vs 12 on review", E({("ki67", "4"), ("ki67", "12")})),
    ("mib1 3% in the core and 11% in the resection specimen", E({("ki67", "3"), ("ki67", "11")})),
    ("ki67 18% (hot spot), 9% (global)", E({("ki67", "18"), ("ki67", "9")})),
    ("Ki67 2% or 4%?", E({("ki67", "2"), ("ki67", "4")})),
    ("ki67 7%, 2 mitoses, 40% necrosis", E({("ki67", "7"), ("mitoses", "2"), ("necrosis", "present")})),
    # --- a minus sign touching the number is a negative value (refused later with the field named)
    ("Ki-67 -3%", E({("ki67", "-3")})),
    ("ki67: -12", E({("ki67", "-12")})),
    ("Ki-67 - 3%", E({("ki67", "3")})),  # a dash between name and value
    ("ki 9, mits 1", E({("ki67", "9"), ("mitoses", "1")})),
    # --- comparisons and definitions name a category without giving it to the case
    ("NEC compared to NET G3, which does worse", E()),
    ("is a G3 NET different from PDNEC on imaging", E()),
    ("how do you distinguish WD G3 from small cell", E()),
    ("definition of poorly differentiated", E()),
    ("poorly differentiated, ki67 60%", E({("differentiation", "poorly"), ("ki67", "60")})),
    ("CDX2 pos - points to an ileal primary?", E({("ihc", "cdx2:positive")})),
    # --- suspected syndromes are the subject of the question; negated ones are not
    ("query gastrinoma, on omeprazole", E({("syndrome", "gastrinoma")})),
    ("possible carcinoid syndrome, which urine test", E({("syndrome", "carcinoid")})),
    ("no hypoglycaemia", E()),
    # --- test results in shorthand
    ("sstr pos, fdg neg", E({("test_result", "sstr_pet:positive"), ("test_result", "fdg_pet:negative")})),
    ("liver mets sstr+", E({("metastasis", "liver"), ("test_result", "sstr_pet:positive")})),
    ("ct abdo nad", E({("test_result", "ct:negative")})),
    ("chromogranin slightly up", E({("test_result", "chromogranin_a:positive")})),
    ("dotatate 2021 positive", E({("test_result", "sstr_pet:positive")})),
    ("u-5HIAA normal", E({("test_result", "5hiaa:negative")})),
    ("SSTR2 strongly positive", E()),  # the IHC stain, not the scan
    # --- audience: who the wording is for beats who is asking
    ("in plain english please", E({("audience", "patient")})),
    ("write it for the patient's husband", E({("audience", "patient")})),
    ("as an oncologist I want a layperson version", E({("audience", "patient")})),
    ("surgeon here", E({("audience", "clinician")})),
    ("grade for a patient with ki67 4", E({("ki67", "4")})),
    # --- nodes and typos
    ("LN pos 4/15", E({("node_count", "4/15"), ("nodes", "positive")})),
    ("nodes came back negative", E({("nodes", "negative")})),
    ("pancreatc tail NET", E({("site", "pancreas")})),
    # --- a NET found in a lymph node without a primary, and "nothing else" = no distant metastases (M0)
    ("NET in a lymph node, primary not found despite workup, no other disease - what stage",
     E({("nodes", "positive"), ("site", "unknown"), ("no_metastasis", "any")})),
    ("nodal NET, no primary found, nothing else found, stage?",
     E({("nodes", "positive"), ("site", "unknown"), ("no_metastasis", "any")})),
    ("NET found in a node, cup, no distant disease, what stage",
     E({("nodes", "positive"), ("site", "unknown"), ("no_metastasis", "any")})),
    ("disease confined to the nodes, unknown primary, what is the stage",
     E({("nodes", "positive"), ("site", "unknown"), ("no_metastasis", "any")})),
    ("single node with NET, cup, nothing elsewhere, TNM?",
     E({("nodes", "positive"), ("site", "unknown"), ("no_metastasis", "any")})),
    ("mesenteric node NET, primary not found, staging?", E({("nodes", "positive"), ("site", "unknown")})),
    ("no evidence of disease elsewhere, ileal net 2cm",
     E({("no_metastasis", "any"), ("site", "jejunum_ileum"), ("tumour_size", "2")})),
    ("liver mets, no other disease", E({("metastasis", "liver")})),  # "other" beside a named site: not M0
    ("no nodal disease", E({("nodes", "negative")})),
    ("no tumour in the lymph nodes", E({("nodes", "negative")})),
    ("no nodal NET", E({("nodes", "negative")})),
    ("LN only net, cup, CT/PET otherwise clear - stage?", E({("nodes", "positive"), ("site", "unknown")})),
    ("isolated nodal met of well diff net, no other sites, TNM",
     E({("nodes", "positive"), ("differentiation", "well"), ("no_metastasis", "any")})),
    ("nodal dz only, primary unk, what stage", E({("nodes", "positive"), ("site", "unknown")})),
    # --- NET G3 compared with NEC names no differentiation of the case
    ("is NET G3 the same as NEC for treatment?", E()),
    ("is G3 NET = NEC", E()),
    ("is NET G3 treated like a NEC", E()),
    ("is grade 3 net managed as nec", E()),
    ("difference between NET G3 and NEC", E()),
    ("looks like a well diff NET, ki67 25", E({("differentiation", "well"), ("ki67", "25")})),
    # --- uptake called physiological is no positive scan
    ("is uncinate process uptake on sstr imaging usually physiological", E()),
    ("dotatate uptake in the uncinate process likely physiologic?", E()),
    ("dotatate avid liver lesion", E({("test_result", "sstr_pet:positive"), ("metastasis", "liver")})),
    # --- two mitotic counts: both kept (the consumer grades on the highest and shows both)
    ("ki67 10%, mitoses 3/2mm2 and 8/2mm2, grade?",
     E({("ki67", "10"), ("mitoses", "3/2mm2"), ("mitoses", "8/2mm2")})),
    ("mitotic count 4 per 2mm2 on biopsy and 12 on resection", E({("mitoses", "4/2mm2"), ("mitoses", "12/2mm2")})),
    ("mits 1 on the core, 7 on the whipple", E({("mitoses", "1"), ("mitoses", "7")})),
    ("mitoses 2/10hpf, 1.5cm", E({("mitoses", "2/10hpf"), ("tumour_size", "1.5")})),
    ("mitoses 4/2mm2, 3/12 nodes", E({("mitoses", "4/2mm2"), ("node_count", "3/12"), ("nodes", "positive")})),
    # --- "islet1" is ISL1
    ("cdx2 pos islet1 neg, where is the primary likely", E({("ihc", "cdx2:positive"), ("ihc", "isl1:negative")})),
    # --- "ki67 8 mitoses 3": the number after the Ki-67 name is the Ki-67, not a count before "mitoses"
    ("ki67 8 mitoses 3", E({("ki67", "8"), ("mitoses", "3")})),
    ("ki 11 mits 3 grade", E({("ki67", "11"), ("mitoses", "3")})),
    # --- "WD"/"PD" before the word naming what is differentiated
    ("SI NET ki67 35%, WD morphology", E({("site", "jejunum_ileum"), ("ki67", "35"), ("differentiation", "well")})),
    ("PD histology, ki67 60", E({("differentiation", "poorly"), ("ki67", "60")})),
    # --- a finding that is what a question asks the risk of is not a finding of the case
    ("type 1 gNET, what's the nodal mets risk if its >1cm vs <1cm?", E({("site", "stomach")})),
    ("ileal NET, what is the risk of liver mets?", E({("site", "jejunum_ileum")})),
    # (a syndrome named is kept even when uncertain: the workup reads it)
    ("ileal NET with liver mets, risk of carcinoid heart disease?",
     E({("site", "jejunum_ileum"), ("metastasis", "liver"), ("syndrome", "carcinoid")})),
]

# Numbers that are NOT the value they look like: nothing may be read from them.
NOT_A_VALUE: list[tuple[str, str]] = [
    ("58F", "ki67"),
    ("58F, 3/12 nodes", "ki67"),
    ("3/12 nodes, Ki67 not done", "ki67"),
    ("3 mitoses/2mm2", "tumour_size"),
    ("liver mets up to 3 cm", "tumour_size"),
    ("margin 2 mm", "tumour_size"),
    ("Ki67 8%", "mitoses"),
    ("CgA 250", "test_result"),
    ("progressive disease (PD) on octreotide", "differentiation"),
    ("lungs clear", "site"),
    ("colonoscopy to terminal ileum normal", "site"),
    ("Ki-67 5%, 58 y/o", "mitoses"),
    ("Ki67 ~4 vs NET G3", "differentiation"),
]


@pytest.fixture(scope="module")
def extractor() -> ClinicalEntityExtractor:
    return shared_extractor()


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:50] for c in CASES])
def test_extracts_exactly_the_expected_entities(extractor: ClinicalEntityExtractor, text: str, expected: frozenset) -> None:
    # the tumour's name ("called a NET") has its own table below
    found = {(e["entity"], e["value"]) for e in extractor.extract(text) if e["entity"] != "tumour_name"}
    assert found == set(expected)


# message | whether it calls the tumour a NET or carcinoid (a name WHO keeps for well-differentiated tumours)
CALLED_NET = [
    ("SI NET ki67 35%, WD morphology", True),
    ("pNET 1.6cm ki67 22%", True),
    ("lung carcinoid 2cm", True),
    ("neuroendocrine tumour of the ileum, ki67 25", True),
    # a name both families share, a carcinoma, a choice or a comparison, a negation, an English word: not called
    ("NEN ki67 30%", False),
    ("neuroendocrine neoplasm of the pancreas, ki67 25", False),
    ("not a NET - poorly diff NEC, ki67 70", False),
    ("NET G3 or NEC? ki67 30", False),
    ("is NET G3 the same as NEC?", False),
    ("the net effect of ki67 25", False),
]


@pytest.mark.parametrize("text, called", CALLED_NET)
def test_a_tumour_called_a_net_is_read_as_named(extractor: ClinicalEntityExtractor, text: str, called: bool) -> None:
    names = [e for e in extractor.extract(text) if e["entity"] == "tumour_name"]
    assert bool(names) == called
    assert len(names) <= 1


@pytest.mark.parametrize("text, entity", NOT_A_VALUE)
def test_never_reads_a_value_from_a_number_of_something_else(
    extractor: ClinicalEntityExtractor, text: str, entity: str
) -> None:
    assert entity not in {e["entity"] for e in extractor.extract(text)}


def test_entities_have_offsets_into_the_original_text(extractor: ClinicalEntityExtractor) -> None:
    text = "ki-67 2\u20133 %, 2 mitoses/mm\u00b2, liver mets"
    entities = extractor.extract(text)
    assert {e["entity"] for e in entities} == {"ki67", "mitoses", "metastasis"}
    for e in entities:
        assert 0 <= e["start"] < e["end"] <= len(text)
        assert text[e["start"]] != " " and text[e["end"] - 1] != " "
        assert e["confidence"] == 1.0
    by_entity = {e["entity"]: text[e["start"] : e["end"]] for e in entities}
    assert by_entity["metastasis"] == "liver"
    assert by_entity["ki67"].startswith("ki-67")


def test_empty_text_gives_nothing(extractor: ClinicalEntityExtractor) -> None:
    assert extractor.extract("") == []
    assert extractor.extract("   ") == []


def test_the_pipeline_is_built_once_per_process() -> None:
    assert shared_extractor() is shared_extractor()
    assert shared_extractor().nlp.pipe_names == ["sentencizer", "medspacy_context"]


def test_rasa_component_adds_tagged_entities_and_keeps_others(tmp_path) -> None:
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.component import ClinicalEntities

    storage = LocalModelStorage(tmp_path)
    resource = Resource("clinical_entities")
    context = ExecutionContext(node_name="clinical_entities", graph_schema=None)
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    component = ClinicalEntities.create(ClinicalEntities.get_default_config(), storage, resource, context)
    loaded = ClinicalEntities.load(ClinicalEntities.get_default_config(), storage, resource, context)
    assert loaded.extractor is component.extractor  # one spaCy pipeline per process

    other = {"entity": "person", "value": "x", "start": 0, "end": 3, "extractor": "OtherExtractor"}
    message = Message({TEXT: "58F, liver mets, no primary found, Ki67 8%, 3 mitoses/2mm2 - grade and stage?"})
    message.set(ENTITIES, [other])
    tokenizer.process([message])
    component.process([message])

    entities = message.get(ENTITIES)
    assert entities[0] == other
    ours = entities[1:]
    assert {(e["entity"], e["value"]) for e in ours} == {
        ("metastasis", "liver"), ("site", "unknown"), ("ki67", "8"), ("mitoses", "3/2mm2"),
    }
    assert all(e["extractor"] == "ClinicalEntities" for e in ours)
    assert ENTITIES in message.output_properties

    empty = Message({TEXT: "hello there"})
    tokenizer.process([empty])
    component.process([empty])
    assert empty.get(ENTITIES, []) == []
