"""Vocabularies of the clinical entity extractor, kept as data.

Every table maps a regular-expression fragment to the normalised value the rest of
NETguide uses (the enum values of bot/models.py, which this package must not import).
Fragments are matched case-insensitively (unless a table says otherwise) on text in
which unicode dashes, superscripts, micro signs and odd spaces were already mapped
one-to-one to ASCII (see text.normalise), so a fragment never needs "–", "²" or "µ".
"""

from __future__ import annotations

import re

# ----------------------------------------------------------------------------- primary site
# (pattern, Site value). A bare organ word names the primary site unless the same words
# are part of a metastasis, invasion or test phrase (those win) or ConText negates them.
# "<tumour noun> of the <organ>": only the organ word is the site (fixed-width look-behinds), so the tumour
# noun stays free for the differentiation ("small cell NEC of the lung": poorly differentiated, lung).
_ORGAN_AFTER_TUMOUR_NOUN = "(?:" + "|".join(
    f"(?<={noun} {prep} the )" for noun in ("nec", "necs", "net", "nets", "nen", "carcinoma", "carcinoid", "tumour",
                                            "tumor", "neoplasm") for prep in ("of", "in", "from")
) + "){organ}"
_LOBE = r"(?-i:RUL|RML|RLL|LUL|LLL|rul|rml|rll|lul|lll)|(?:right|left)\s+(?:upper|middle|lower)\s+lobe"
LOBE_PATTERN = _LOBE
_IMAGED_FINDING = r"\s+(?:nodules?|lesions?|opacit(?:y|ies)|shadows?|densit(?:y|ies)|ggos?|spots?)\b"
SITE_TERMS: tuple[tuple[str, str], ...] = (
    (r"stomach|gastric|antr(?:um|al)|fund(?:us|ic)|cardia|oxyntic|g-?nets?(?![\w-])"
     # the gastric body named for its tumours: "corpus NETs x3 (type 1)"
     r"|corpus(?=\s+(?:nets?|nens?|tumou?rs?|carcinoids?|polyps?|lesions?)\b)", "stomach"),
    # duodenal parts: "D1".."D4" (upper case only: "d2" is too often something else), bulb, second part
    (r"duoden(?:um|al)|(?-i:D[1-4])(?=\s|,|;|:|\)|/|$)", "duodenum"),
    (r"(?<![\w-])ampull(?:a|ary)(?:\s+of\s+vater)?|papill(?:a|ary)\s+of\s+vater|vaterian", "ampulla"),
    (
        r"terminal\s+ileum|small[\s-]+(?:bowel|intestine|intestinal)|si[\s-]?nets?|midgut"
        r"|ile(?:um|al)|jejun(?:um|al)|ileo-?ca?ecal|jej(?=\s+(?:nets?|nens?|tumou?rs?|carcinoids?|lesions?|mass)\b)|"
        # "TI" (terminal ileum) and "SB" (small bowel): upper case only, next to a tumour or specimen word
        # ("TI/ICV NET": a second abbreviation of the same region may follow after a slash)
        r"(?-i:TI|SB)(?=(?:/[A-Za-z]{2,4})?\s+(?:net|nen|tumou?r|carcinoid|lesion|mass|polyp|nodule|resection|primary|biopsy|bx)\b)"
        r"|(?<=\bin\s)(?:the\s+)?(?-i:TI)\b",
        "jejunum_ileum",
    ),
    (r"appendi(?:x|ceal)|appendi?cectomy|appendectomy|appy|appx(?=\s+(?:base|tip|nets?|nens?|tumou?rs?|carcinoids?)\b)", "appendix"),
    (r"colon(?:ic)?|large\s+bowel|ca?ecum|ca?ecal|sigmoid|(?:hep(?:atic)?|splenic)\.?\s+flexure"
     # short forms next to a tumour word: "sig NET", "HF NET (hep flexure)"
     r"|(?:sig|(?-i:HF|SF))(?=\s+(?:nets?|nens?|tumou?rs?|carcinoids?|polyps?|lesions?|mass)\b)", "colon"),
    (r"rect(?:um|al)|recto-?sig(?:moid)?", "rectum"),
    (r"pancrea(?:s|tic|tc|ic)|nf-?pnets?|p(?:an)?nets?|p(?:an)?nens?|panc(?=\s+(?:head|tail|body|neck)\b)"
     # "HoP mass": head of pancreas, next to a tumour noun
     r"|(?-i:HoP|HOP)(?=\s+(?:nets?|nens?|tumou?rs?|mass|lesion|carcinoid)\b)"
     # "uncinate NET": the uncinate process with a tumour noun (its uptake alone is a physiological finding)
     r"|uncinate(?:\s+process)?(?=\s+(?:nets?|nens?|tumou?rs?|mass|lesion|carcinoid|neuroendocrine)\b)",
     "pancreas"),
    (r"thym(?:us|ic)", "thymus"),
    # a resection named by its organ: "Distal pancreatectomy and splenectomy", "partial gastrectomy specimen"
    (r"pancreatectomy", "pancreas"), (r"gastrectomy", "stomach"),
    # "lung" alone is too often a metastatic site or "lungs clear": it needs a tumour noun.
    (
        r"(?:lung|pulmonary|bronch(?:ial|us|o-?pulmonary))\s+(?:carcinoids?|nets?|nens?|primary"
        r"|tumou?rs?|neuroendocrine)|" + _ORGAN_AFTER_TUMOUR_NOUN.format(organ=r"(?:lung|bronchus)") +
        # lobes, airway and lung resections name a thoracic primary: "LLL carcinoid", "RUL lobectomy specimen",
        # "endobronchial lesion", "bronchial carcinoid", "lingular nodule"
        # (a lobe's nodule only imaged is a finding, not the tumour: LOBE_FINDING below)
        rf"|(?:{_LOBE})(?![\w-])(?!{_IMAGED_FINDING})|lingula[r]?"
        r"|(?:bi)?lobectomy|pneumonectomy|segmentectomy|endobronchial|bronchial|bronchus"
        r"|peripheral\s+(?:lung|pulmonary)\s+(?:nodule|mass|lesion|carcinoid|net)s?"
        # a lung nodule or mass that was sampled is the tumour being graded: "lung nodule bx: 12 mitoses"
        r"|(?:lung|pulmonary)\s+(?:nodule|mass|lesion)s?\s*(?:bx|biops(?:y|ied)|resect(?:ion|ed)|wedge|excis(?:ion|ed)"
        r"|core|fna)|(?:bx|biopsy|resection|wedge|fna)\s+(?:of\s+)?(?:an?\s+|the\s+)?(?:lung|pulmonary)\s+(?:nodule|mass|lesion)"
        # thoracic carcinomas ("LCNEC lung", "lung LCNEC", "LCNEC of the lung", "small cell lung ca"): only the
        # organ word is the site, so the carcinoma word stays free for the differentiation
        r"|(?:lung|pulmonary)(?=\s+(?:lcnec|sclc|large[\s-]cell|small[\s-]cell))"  # not NSCLC: see below
        r"|(?<=lcnec\s)(?:lung|pulmonary)|(?<=lcnec of the\s)(?:lung|pulmonary)|(?<!non-small cell )(?<!non small cell )(?<!nonsmall cell )(?<=small[\s-]cell\s)lung",
        "lung",
    ),
    (
        r"(?:unknown|unkn?|unk\.)\s+primary(?:\s+site)?|(?:of\s+)?unknown\s+origin|(?:net[\s-]?)?cup|netup|occult\s+primary"
        r"|(?:unidentified|undetected|unlocated)\s+primary"
        r"|search(?:es)?\s+(?:was\s+|were\s+|is\s+)?(?:negative|unrevealing|unsuccessful|fruitless)\s+for\s+(?:a\s+|the\s+|any\s+)?primary"
        r"|primary\s+(?:site\s+|tumou?r\s+)?(?:is\s+|was\s+|remains\s+|still\s+)?(?:unknown|unk(?![a-z])|occult|unidentified"
        r"|not\s+(?:yet\s+)?(?:found|identified|seen|located|known|detected)|never\s+found)"
        r"|(?:no|w/o|without)\s+(?:an?\s+)?(?:(?:obvious|clear|identifiable|definite|known|other|avid|discernible|visible|convincing)\s+){0,2}primary"
        r"(?:\s+(?:site|tumou?r|lesion))?(?:\s+(?:was\s+|has\s+been\s+)?(?:found|identified|seen|located|detected))?",
        "unknown",
    ),
)
# organ words that name the primary in "the primary is the lung" (where the organ alone is not a site term)
PRIMARY_ORGANS = {"lung": "lung", "lungs": "lung", "bronchus": "lung", "pancreas": "pancreas", "stomach": "stomach",
                  "ileum": "jejunum_ileum", "jejunum": "jejunum_ileum", "duodenum": "duodenum", "rectum": "rectum",
                  "appendix": "appendix", "colon": "colon", "thymus": "thymus", "ampulla": "ampulla"}
# "typical/atypical carcinoid" implies a lung primary only when no other site is named
# (a thymic atypical carcinoid exists), so it is a weak site.
# "periampullary" says where, not which organ: the ampulla only when no organ (pancreatic head, duodenum) is named.
WEAK_SITE_TERMS: tuple[tuple[str, str], ...] = (
    (r"(?:a)?typical\s+carcinoids?", "lung"), (r"peri-?ampullary", "ampulla"),
    # "8 mm RLL nodule on CT": a lobe's imaged nodule may be the primary, but any site named outright (or "primary
    # unknown") says where the tumour is; hedged in its sentence ("indeterminate", "likely benign") it says nothing
    (rf"(?:{_LOBE})(?={_IMAGED_FINDING})", "lung"),
)
# Words that hedge an imaged finding in its sentence: the finding does not name the tumour's site
HEDGED_FINDING = re.compile(
    r"indeterminate|equivocal|incidental|non-?specific|likely\s+benign|probably\s+benign|too\s+small\s+to|\?|"
    r"sub-?cent?imet(?:er|re)|possible|unclear|of\s+uncertain", re.IGNORECASE)
# Site values whose meaning already contains a negation: ConText must not touch them.
FIXED_SITE_VALUES = frozenset({"unknown"})

# ----------------------------------------------------------------------------- metastases
# (pattern, MetastaticSite value, weak_nouns_ok). weak_nouns_ok: "<site> lesions/nodules/
# biopsy" is a metastasis only for organs that are not NET primaries ("lung nodule" may
# be a primary lung carcinoid, so it is not read as a metastasis).
METASTATIC_SITES: tuple[tuple[str, str, bool], ...] = (
    (r"liver|hepatic", "liver", True),
    # a vertebral level written before its metastasis ("lytic L2 met", "T10 mets"; upper case only)
    (r"bones?|bony|osseous|skeletal|spinal|vertebral|(?:osteo)?lytic|sclerotic|osteoblastic"
     r"|(?-i:[CTLS](?:1[0-2]|[1-9]))", "bone", True),
    (r"lungs?|pulmonary", "lung", False),
    (r"peritoneal|peritoneum|omental|omentum", "peritoneum", True),
    (r"ovarian|ovary|ovaries", "ovary", False),
    (r"brain|cerebral|intracranial", "brain", True),
    (r"(?:distant|non-?regional|extra-?regional)\s+(?:lymph\s+)?nod(?:es?|al)", "distant_nodes", True),
    # nodes far from a digestive primary: "L supraclavicular node FNA positive for NET"
    (r"(?:supraclavicular|virchow'?s?|axillary|inguinal|cervical)\s+(?:lymph\s+)?(?:nod(?:es?|al)|lns?)", "distant_nodes", True),
    (r"adrenal|pleural|breast|skin|cutaneous|splenic|spleen|cardiac|orbital|soft\s+tissue|subcutaneous", "other", False),
)
STRONG_METASTASIS_NOUNS = r"mets|metz|met|metastases|metastasis|metastatic\s+(?:deposits?|disease|lesions?|foci)|secondaries|deposits?"
WEAK_METASTASIS_NOUNS = r"lesions?|nodules?|masses|mass|involvement|spread|biopsy|bx|cores?|disease|foci|focus"
# "metastatic to liver", "mets in the liver and bone"
METASTASIS_LEADS = r"mets|metastases|metastasis|metastatic|spread|metastasi[sz]ed|metastasi[sz]ing|deposits"
METASTASIS_LEAD_LINKS = r"to|in|within|involving|into|throughout"
# Phrases that name a metastatic site by themselves.
METASTASIS_PHRASES: tuple[tuple[str, str], ...] = (
    # "WD NET in the liver", "NET in liver and bone": a NET found in the liver or a bone has spread there
    (r"(?:nets?|nens?|neuroendocrine\s+tumou?rs?|carcinoids?)\s+(?:found\s+|seen\s+)?(?:in|within|involving)\s+(?:the\s+)?(?:liver|hepatic)", "liver"),
    (r"(?:peritoneal\s+)?carcinomatosis", "peritoneum"),
    (r"liver[\s-]+(?:only|dominant|predominant)(?:\s+disease)?", "liver"),
    (r"(?:bones?|bony|osseous|skeletal)[\s-]+(?:only|predominant)(?:\s+disease)?", "bone"),
    (r"(?:distant|non-?regional|extra-?regional)\s+(?:lymph\s+)?nodes", "distant_nodes"),
    # "big liver burden", "hepatic tumour burden": the liver's metastatic load
    (r"(?:liver|hepatic)\s+(?:(?:tumou?r|disease|metastatic)\s+)?burden", "liver"),
)
# "liver-only disease", "lung only mets", "mets to the bone only": the site named is the only one, so every
# other site is free (liver only -> no extrahepatic site: M1a; any other site only -> liver free: M1b)
ONLY_SITE_NOUNS = r"mets?|metastas[ie]s|metastatic\s+disease|disease|spread|deposits?|involvement|lesions?|nodules?"
# "liver clear on MRI", "lungs free", "bones negative on PET": an organ said free of disease
ORGAN_CLEAR = (r"(?:is\s+|was\s+|are\s+|were\s+)?(?:clear|free|negative|unremarkable|normal|nad)(?!\s+(?:margins?|of\s+the\s+margin))"
               # a report's organ line: "Liver: no lesions.", "Bones: no suspicious lesion"
               r"|no\s+(?:focal\s+|suspicious\s+|new\s+|avid\s+|definite\s+)?(?:lesions?|abnormalit(?:y|ies)|masses|mass|nodules?"
               r"|mets|metastas[ie]s)\b")
# the chest named for the lungs in a staging report: "Chest: no pulmonary nodules", "CT chest: clear"
CHEST_CLEAR = (r"(?:chest|thorax|lungs?)\s*:?\s*(?:is\s+|was\s+)?(?:clear|normal|unremarkable|nad"
               r"|no\s+(?:suspicious\s+|pulmonary\s+|lung\s+)*(?:nodules?|lesions?|mets|metastas[ie]s|masses))\b"
               r"|no\s+(?:suspicious\s+)?(?:pulmonary|lung)\s+(?:nodules?|lesions?|masses|mets|metastas[ie]s)\b")
# Short forms clinicians type, read as the word (spelling.correct_typos): "no distant dz"
ABBREVIATIONS = {"dz": "disease"}
# Metastases with no site: only their negation is used ("no distant metastases" -> "any").
# The organs a staging report must clear, organ by organ, to say no distant metastasis was found (M0)
ORGANS_CLEARED_FOR_M0 = frozenset({"liver", "lung"})
UNSPECIFIED_METASTASIS = r"(?:distant\s+)?(?:mets|metastases|metastasis|metastatic\s+(?:disease|spread)|spread)"
# Phrases meaning "no distant metastasis at all" -> no_metastasis "any" (not a MetastaticSite
# value: the consumer maps it to an empty list of metastatic sites).
NO_METASTASIS_PHRASES = (
    r"non-?metastatic"
    # "no nodes/mets", "no nodal or distant disease": both named, both free
    r"|no\s+(?:lymph\s+)?(?:nodes?|lns?|nodal(?:\s+disease)?)\s*(?:/|or|,|and|nor)\s*(?:distant\s+)?(?:mets|metastas[ie]s|disease|spread)"
    # "no other disease", "nothing else found", "no distant disease", "nothing elsewhere", "disease confined to
    # the node": the staging workup found no disease beyond what was named (M0)
    r"|no\s+(?:(?:liver|hepatic|nodal|bone|bony|lung)\s+(?:or|and|/|nor)\s+)?(?:(?:other|distant|further|extra-?nodal|residual|evidence\s+of)\s+){1,2}(?:(?:tracer[\s-]?)?avid\s+|metastatic\s+)?(?:sites?\s+of\s+)?(?:disease|lesions?|sites?|spread)"
    # "staging CT clear", "staging scans negative": the staging work-up found nothing distant (M0)
    r"|staging\s+(?:ct|mri|scans?|imaging|pet(?:[\s/-]?ct)?|work-?up)(?:\s+(?:cap|chest|abdo(?:men)?|pelvis|and|/|\+)){0,4}"
    r"\s*(?:was\s+|is\s+|were\s+|are\s+)?(?:clear|negative|neg|unremarkable|normal|nad)\b"
    r"(?:\s+(?:found|seen|identified|elsewhere|on\s+imaging))?"
    r"|no\s+(?:evidence\s+of\s+)?(?:disease|lesions?|spread)\s+elsewhere|no\s+evidence\s+of\s+(?:other|distant)\s+disease"
    # "nil distant", "no dist dz", "CT: no distant", "Distant: none on imaging", "mets: none"
    r"|(?:no|nil)\s+dist(?:ant|\.)?(?:\s+(?:dz|disease|mets?|metastas[ie]s|spread))?(?![\w-])"
    r"|(?:distant(?:\s+metastas[ie]s)?|mets)\s*[:=-]\s*(?:none|nil|no|negative|not\s+(?:seen|identified))\b"
    # "nil distant disease", "nil mets": "nil" is "no"
    r"|nil\s+(?:(?:other|distant|further|metastatic)\s+)?(?:disease|spread|mets|metastas[ie]s)"
    # "CT CAP clear", "CT chest/abdo/pelvis negative": a whole-body staging CT found nothing distant (M0)
    # "CT clear", "CT chest and liver clean" (not "CT chest clear" alone, nor "CT negative for a primary")
    r"|ct\s+(?:cap|c/?a/?p|tap|t/?a/?p|chest[\s,/+-]*(?:and\s+)?(?:abdo(?:men)?|liver)(?:[\s,/+-]*(?:and\s+)?pelvis)?)?"
    r"\s*(?:was\s+|is\s+)?(?:clear|clean|negative|neg|unremarkable|normal|nad)\b(?!\s+(?:for|of)\s+(?:an?\s+|the\s+)?primary)"
    r"|nothing\s+(?:else|elsewhere)(?:\s+(?:found|seen|identified|on\s+imaging))?"
    # "staging CT + PET neg for distant dz"
    r"|neg(?:ative)?\s+for\s+(?:distant|metastatic)\s+(?:dz|disease|mets?|metastas[ie]s|spread)"
    # "staging neg", "CT staging neg", "CT otherwise neg": the staging scans found nothing distant
    r"|(?:ct\s+)?staging\s+(?:was\s+|is\s+)?(?:neg(?:ative)?|clear|unremarkable|nad)\b"
    r"|ct\s+(?:cap\s+|c/?a/?p\s+)?(?:was\s+|is\s+)?otherwise\s+(?:neg(?:ative)?|clear|unremarkable|normal)\b"
    r"|(?:disease|tumou?r|nets?|nens?)\s+(?:is\s+|was\s+)?(?:confined|limited|restricted)\s+to\s+(?:the\s+|an?\s+|one\s+|a\s+single\s+)?"
    r"(?:lymph\s+)?nod(?:es?|al\s+(?:basin|station))"
)
NO_METASTASIS_ANY = "any"
# "no extrahepatic disease": every distant site but the liver is free -> no_metastasis "extrahepatic"
NO_EXTRAHEPATIC_METASTASIS = (
    r"(?:no|nil|without)\s+(?:evidence\s+of\s+)?(?:other\s+)?extra-?hepatic\s+(?:metastatic\s+)?"
    r"(?:disease|lesions?|sites?|spread|mets|metastas[ie]s|deposits?|involvement)"
)
NO_METASTASIS_EXTRAHEPATIC = "extrahepatic"
# A site's weak noun confirmed as a metastasis ("two lung nodules consistent with metastases") or a labelled
# specimen from a metastatic site ("Liver wedge (seg 6): metastatic NET", "liver bx - metastatic WD NET")
METASTASIS_CONFIRMING = (
    r"(?:consistent\s+with|in\s+keeping\s+with|c/w|compatible\s+with|representing|confirmed\s+as|proven\s+to\s+be)\s+"
    r"(?:metastas[ie]s|metastatic\s+(?:disease|deposits?|nets?|tumou?r)|mets|secondaries|deposits)"
)
METASTATIC_SPECIMEN = r"wedge|biopsy|bx|core\s+biopsy|cores?|resection|segmentectomy|lesion|fna|aspirate"
# a report's labelled distant-metastasis line ("Distant metastasis: Liver (biopsy, segment III)"): its sites
DISTANT_METASTASIS_LABEL = re.compile(r"\b(?:distant\s+)?metasta(?:sis|ses|tic\s+sites?)\b|\bpM\b", re.I)
# a weak noun said to be a metastasis: "if those liver lesions were mets", "the lung nodule turns out to be a met"
METASTASIS_BECOMING = (
    r"(?:were|are|is|was|be|being|turns?\s+out\s+to\s+be|turned\s+out\s+to\s+be|proves?\s+to\s+be|proved\s+to\s+be)"
    r"\s+(?:an?\s+|all\s+)?"
)
# imaging tests named before the organ they image ("MRI liver shows 1 met")
IMAGING_BEFORE_ORGAN = r"ct|mri|us|ultrasound|pet(?:[\s/-]?ct)?|scan|imaging"
# The first word of a metastatic or nodal finding a "no" can negate right after a test ("PET: no hepatic or bony
# mets", "dotatate showed no liver mets"): read by concepts.find_tests and extractor.extract.
NEGATABLE_FINDING_START = (
    r"(?:hepatic|liver|bone|bony|osseous|lung|pulmonary|peritone\w*|nodal|lymph|mets?\b|metasta\w*|extra-?hepatic|distant)"
)

# ----------------------------------------------------------------------------- differentiation
DIFFERENTIATION_TERMS: tuple[tuple[str, str], ...] = (
    (r"well[\s-]*(?:differentiated|diff(?:erentiated|\.)?)|wdnets?|wd[\s-]nets?"
     # a labelled line with a bare value: "Differentiation: well"
     r"|(?<=differentiation: )well|(?<=differentiation:\t)well", "well"),
    (
        r"poorly[\s-]*(?:differentiated|diff(?:erentiated|\.)?)|pdnecs?|pd[\s-]necs?|necs?|scnec|lcnec|sclc"
        r"|(?<!non-)(?<!non\s)(?:small|large)[\s-]cell(?:\s+(?:neuroendocrine\s+)?(?:carcinoma|nec|type|variant))?"
        r"|neuroendocrine\s+carcinomas?|(?<=differentiation: )poor(?:ly)?",
        "poorly",
    ),
)
# The cell type of a NEC, read inside a poorly differentiated phrase (extractor._nec_subtypes).
NEC_SUBTYPE_TERMS: tuple[tuple[str, str], ...] = (
    (r"small[\s-]cell|sclc|scnec", "small_cell"),
    (r"large[\s-]cell|lcnec", "large_cell"),
)
# Bare "WD"/"PD" (case-sensitive) only when they stand next to a tumour word or punctuation:
# "PD" alone is also "progressive disease".
DIFFERENTIATION_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    # ... or a word naming what is differentiated ("WD morphology", "PD histology")
    (r"WD(?=\s*(?:NET|NEN|net|tumou?r|neuroendocrine|morpholog|histolog|appearance|features|[,.;)]|$))", "well"),
    (r"(?<!disease\s)(?<!\()PD(?=\s*(?:NEC|NET|NEN|carcinoma|neuroendocrine|morpholog|histolog|[,.;]|$))", "poorly"),
)

# The tumour called a NET or a carcinoid: WHO keeps these names for well-differentiated tumours (NEC for
# poorly differentiated ones), so the name itself says which family is meant. "NET" in capitals only ("net"
# is an English word); "NEN" and "neoplasm" name both families and are not read.
TUMOUR_CALLED_NET = (
    r"(?<![\w-])NETs?(?![\w-])|(?i:(?<![\w-])(?:carcinoids?|neuroendocrine\s+tumou?rs?)(?![\w-]))"
    r"|(?i:(?<![\w-])(?:(?:p|g|r|si|si-|sb|i)nets?|net-cup)(?![\w-]))"
)
# the words of a site phrase that call the tumour a NET ("pNET", "SI-NET", "ileal NET", "lung carcinoid")
SITE_PHRASE_CALLS_NET = r"NETs?\b|(?i:carcinoid|neuroendocrine\s+tumou?r|\b(?:p|g|r|si|sb)-?nets?\b)"

# ----------------------------------------------------------------------------- necrosis
NECROSIS_TERMS = r"necros[ie]s|necrotic"
NECROSIS_ABSENT_PHRASES = (
    r"necros[ie]s\s*[:=-]?\s*(?:absent|none|nil|negative|neg|not\s+(?:seen|identified|present|evident))\b"
    r"|absent\s+necrosis|necrosis[\s-]free"
)

# ----------------------------------------------------------------------------- invasion
# Ordered from shallowest to deepest: when a text names several layers, the deepest wins.
INVASION_ORDER: tuple[str, ...] = (
    "confined",
    "muscularis_propria",
    "subserosa",
    "pancreas_or_peripancreatic",
    "duodenum_or_bile_duct",
    "serosa_or_adjacent_organs",
)
_INVADES = (
    r"(?:(?:invad\w*|infiltrat\w*)(?:\s+(?:in)?to)?|involv\w*|extend\w*\s+(?:in)?to|extension\s+(?:in)?to|invasion\s+(?:of|into)"
    r"|into|grow\w*\s+into|penetrat\w*)\s+(?:the\s+)?"
)
_INVASION_NOUNS = r"\s+(?:invasion|involvement|infiltration|extension)"
# "invading the left adrenal", "invading the wall of the transverse colon": a side or a wall before the organ
_SIDE_OR_WALL = r"(?:(?:left|right|lt|rt|l|r)\s+)?(?:(?:the\s+)?wall\s+of\s+(?:the\s+)?)?"
INVASION_TERMS: tuple[tuple[str, str], ...] = (
    (
        r"(?:confined|limited|restricted|stays|remains|lies)\s+(?:to|within)\s+(?:the\s+)?(?:mucosa|submucosa|lamina\s+propria"
        r"|pancreas|sphincter(?:\s+of\s+oddi)?)|not\s+beyond\s+(?:the\s+)?submucosa|submucosa[l]?|intramucosal"
        # "SM only", "all in SM", "(largest 0.9cm, SM)": the submucosa's short form, as a depth
        r"|(?-i:SM|sm)(?=\s*(?:only|invasion|involvement|,|;|\)|\.|$))|(?:in|into|within|confined\s+to|limited\s+to)\s+(?:the\s+)?(?-i:SM|sm)\b"
        r"|lamina\s+propria",
        "confined",
    ),
    # "MP" alone is ambiguous; only after an invasion verb or before an invasion noun ("into the MP", "MP invasion")
    (r"muscularis\s+propria|muscularis|musc\.?\s+prop\w*|muscular\s+(?:layer|wall)|" + _INVADES + r"mp\b|mp" + _INVASION_NOUNS
     + r"|(?:confined|limited|restricted)\s+to\s+(?:the\s+)?mp\b"
     # ampulla: "through the sphincter of Oddi" (into the duodenal submucosa or muscularis propria, AJCC 8 T2)
     + r"|(?:through|thru|beyond|past)\s+(?:the\s+)?sphincter(?:\s+of\s+oddi)?",
     "muscularis_propria"),
    # colon/rectum T3: through the muscularis propria into the pericolic or perirectal tissues
    (r"sub-?serosa[l]?|mesoappendi(?:x|ceal)|peri-?(?:rectal|colic)\s+(?:fat|tissues?|adipose(?:\s+tissue)?|soft\s+tissues?)"
     # short forms: "into SS", "SS invasion", "meso + SS free", "no subserosal or meso involvement"
     r"|(?-i:SS)(?![\w-])|meso(?=\s*(?:\+|and|or|invaded|invasion|involvement|involved|clear|free|negative)\b)"
     r"|mesorectal\s+fat", "subserosa"),
    (
        _INVADES + r"(?:pancreas|pancreatic\s+(?:parenchyma|head|body|tail|neck|tissue)|peri-?pancreatic\s+(?:fat|tissue|adipose"
        r"(?:\s+tissue)?|soft\s+tissue))|(?:pancreatic|peri-?pancreatic(?:\s+fat)?)" + _INVASION_NOUNS,
        "pancreas_or_peripancreatic",
    ),
    (
        _INVADES + r"(?:distal\s+)?(?:duodenum|duodenal\s+wall|d[1-4](?:\s+wall)?|(?:common\s+)?bile\s+duct|cbd)|(?:duodenal|bile\s+duct|cbd)"
        + _INVASION_NOUNS
        # a pancreatic NET's list of structures: "..., the wall of the intrapancreatic common bile duct"
        + r"|wall\s+of\s+the\s+(?:intra-?pancreatic\s+|distal\s+)?(?:common\s+)?bile\s+duct",
        "duodenum_or_bile_duct",
    ),
    (
        r"(?<!sub)(?<!sub-)serosa[l]?|visceral\s+peritoneum|adjacent\s+(?:organs?|structures)"
        # "perforates the peritoneum": through the serosa (T4)
        r"|perforat\w*\s+(?:through\s+)?(?:the\s+)?(?:visceral\s+)?(?:peritoneum|serosa)"
        r"|(?:through|thru)\s+(?:to\s+)?(?:the\s+)?(?:visceral\s+peritoneum|serosal?\s+surface)"
        r"|" + _INVADES + _SIDE_OR_WALL + r"(?:spleen|splenic\s+(?:parenchyma|hilum|tissue)|adrenal|kidney|abdominal\s+wall|abdo\s+wall"
        # pelvic organs a rectal NET may reach (T4)
        r"|prostate|(?:urinary\s+)?bladder|vagina|uterus|cervix|sacrum|seminal\s+vesicles?|ureters?|pelvic\s+(?:side\s*)?wall"
        # pancreas T4: an adjacent organ or the wall of a large vessel (AJCC 8)
        r"|(?:posterior\s+|anterior\s+)?(?:gastric\s+wall|stomach|wall\s+of\s+the\s+stomach)|colon|transverse\s+colon"
        # "directly invading the adjacent sigmoid colon wall"
        r"|(?:adjacent\s+)?(?:sigmoid\s+|transverse\s+|ascending\s+|descending\s+)(?:colon(?:ic)?)(?:\s+wall)?"
        r"|adjacent\s+(?:colon(?:ic)?|bowel|small\s+bowel|loop)(?:\s+wall)?"
        r"|(?:the\s+)?(?:wall\s+of\s+the\s+)?(?:sma|superior\s+mesenteric\s+artery|c[o]?eliac\s+(?:axis|trunk|artery))(?:\s+wall)?)",
        "serosa_or_adjacent_organs",
    ),
)

# ----------------------------------------------------------------------------- lymph nodes
_NODE = r"(?:lymph\s+)?nod(?:es?|al)|lns?"
# The verbs that bring nodes to the pathologist: none of them done means no nodes to assess.
_PROCURED = (r"examined|sampled|resected|removed|retrieved|harvested|found|submitted|included|received|sent|taken"
             r"|obtained|dissected")
NODES_NEGATIVE_PHRASES = (
    # "no nodes/mets", "no nodal or distant disease"
    r"no\s+(?:lymph\s+)?(?:nodes?|lns?|nodal)\s*(?:/|or|,|nor)\s*(?:distant\s+)?(?:mets|metastas[ie]s|disease|spread)|"
    r"(?:lymph\s+)?node[\s-]?neg(?:ative)?|(?:lymph\s+)?nodes?\s*(?:were\s+|are\s+|all\s+|came\s+back\s+)*(?:neg(?:ative)?|-ve"
    r"|clear|free|uninvolved|not\s+involved|benign)|lns?\s*(?:(?:were|are|all|came\s+back)\s+)*(?:neg(?:ative)?|-ve|clear|-(?![\w-]))"
    r"|negative\s+(?:lymph\s+)?nodes|node[\s-]negative"
    # imaging: "no pathologically enlarged mesorectal, pelvic or retroperitoneal nodes", "no avid lymph nodes",
    # "perigastric nodes not enlarged", "nodes are unremarkable", "two 4 mm mesorectal nodes ... not suspicious"
    r"|no\s+(?:(?:pathologically|significantly|radiologically)\s+)?(?:enlarged|suspicious|avid|abnormal|pathological)"
    r"\s+(?:[a-z-]+(?:,\s*|\s+or\s+|\s+and\s+|\s+)){0,4}?(?:lymph\s+)?nodes?\b"
    r"|(?:lymph\s+)?nodes?\s+(?:(?:is|are|were|was|appear|appeared|look|looked)\s+)?(?:not\s+(?:enlarged|suspicious|avid"
    r"|pathologically\s+enlarged)|unremarkable|normal\s+in\s+size|of\s+normal\s+size|within\s+normal\s+limits)"
    r"|(?:lymph\s+)?nodes?\b[^.;\n]{0,60}?,\s*not\s+suspicious\b"
    # "no perigastric LN", "no perirectal nodes", "no LN on EUS": a station may be named
    r"|no\s+(?:positive\s+|involved\s+)?(?:(?:peri-?[a-z]+|meso[a-z]+|regional|locoregional|mesenteric|pelvic|para-?aortic"
    r"|retroperitoneal|mediastinal|hilar|ileocolic|c[o]?eliac|abdominal|local)\s+)?(?:lymph\s+)?(?:nodes?|lns?)"
    r"(?:\s+(?:involved|positive))?(?![\w-])"
    # "no lymph nodes are present in this specimen": none examined (NX), not node-negative
    rf"(?!\s+(?:were\s+|was\s+|are\s+|is\s+)?(?:{_PROCURED}|available|assessed|seen"
    r"|present|identified|in\s+(?:the|this)\s+specimen))"
)
# No regional nodes to assess: the node status is "not assessed" (staged NX), never negative and never unstated.
NODES_NOT_ASSESSED_PHRASES = (
    rf"no\s+(?:lymph\s+)?(?:nodes?|lns?)\s+(?:were\s+|was\s+|are\s+|is\s+)?(?:{_PROCURED}"
    r"|available|assessed|present|identified|in\s+(?:the\s+|this\s+)?(?:specimen|resection))"
    rf"|(?:lymph\s+)?(?:nodes?|lns?)\s*[:=-]?\s*(?:were\s+|are\s+)?(?:not\s+(?:{_PROCURED}"
    r"|assessed|available|applicable)|none\s+(?:received|submitted|sampled|identified|present|found|examined|retrieved)"
    r"|n/a|nx\b|0\s*/\s*0\b|none\s*$|none(?=\s*[|;\n]))"
    r"|no\s+(?:lymph\s+)?(?:nodes?|lns?)\s+in\s+(?:the\s+)?(?:\w+\s+)?specimen"
    # "node status unknown - surgeon didn't send the mesentery"
    r"|(?:node|nodal|ln)\s+status\s+(?:is\s+|was\s+)?(?:unknown|not\s+known|n/?a|not\s+assessed)"
    r"|(?-i:(?:[pcy]|yp)?N[xX])"
)
NODES_POSITIVE_PHRASES = (
    # a sampled node found metastatic: "EUS-FNA of 15mm periduodenal node: metastatic NET", "LN bx: metastatic"
    r"(?:fna|biopsy|bx|core)\s+of\s+(?:an?\s+|the\s+)?(?:\d+\s*mm\s+)?(?:[a-z-]+\s+)?(?:lymph\s+)?node\s*[:=-]?\s*"
    r"(?:positive\s+for\s+|shows?\s+|showed\s+)?metastatic"
    r"|(?:lymph\s+)?(?:node|ln)\s*(?:bx|fna|biopsy|core)\s*[:=-]\s*(?:positive\s+for\s+)?metastatic|"
    r"(?:lymph\s+)?node[\s-]?pos(?:itive)?|(?:lymph\s+)?nodes?\s*(?:were\s+|are\s+|came\s+back\s+|comes?\s+back\s+|turns?\s+out\s+(?:to\s+be\s+)?"
    r"|turned\s+out\s+(?:to\s+be\s+)?|proves?\s+(?:to\s+be\s+)?)?(?:pos(?:itive)?|\+ve|involved)"
    # "2 enlarged perirectal nodes, EUS-FNA proven NET"
    r"|(?:lymph\s+)?nodes?\b[^.;\n]{0,30}?\b(?:fna|biopsy|bx)[\s-]+proven"
    r"|lns?\s*(?:(?:were|are|came\s+back)\s+)?(?:pos(?:itive)?|\+ve|\+)|(?:positive|involved)\s+(?:lymph\s+)?nodes"
)
# Negatable: "nodal mets" -> positive, "no lymph node involvement" -> negative.
NODES_CONCEPT = (
    r"(?:(?:regional|mesenteric|peri-?pancreatic|locoregional)\s+)?(?:" + _NODE + r")\s+"
    r"(?:mets?|metastas[ie]s|involvement|disease|dz|deposits?)(?![a-z])"
    r"|(?:lns?|(?:lymph\s+)?nod(?:es?|al))[\s-]+only(?:\s+(?:disease|dz|net|nen))?"
    # imaging: "no mesorectal or pelvic sidewall lymphadenopathy", "mesenteric adenopathy"
    r"|(?:lymphadenopathy|adenopathy)"
)
# A NET found in a node, negatable like NODES_CONCEPT ("no tumour in the lymph nodes" -> negative):
# "NET in a lymph node", "NET found in a node", "disease confined to the nodes", "single node with NET",
# "nodal NET", "mesenteric node NET"
NODES_FOUND_IN = (
    r"(?:nets?|nens?|tumou?r|disease|carcinoid|deposits?)\s+(?:(?:was|were|is)\s+)?(?:found\s+|seen\s+|identified\s+|only\s+|confined\s+|limited\s+|restricted\s+)?"
    # "NET in a 1.5cm mesenteric node": the node's size may stand before its name
    r"(?:in|to|within)\s+(?:an?\s+|the\s+|one\s+|a\s+single\s+|single\s+)?(?:\d+(?:\.\d+)?\s*(?:cm|mm)\s+)?(?:(?:regional|mesenteric|peri-?pancreatic|axillary|cervical|inguinal"
    r"|retroperitoneal|para-?aortic|pelvic|abdominal)\s+)?(?:(?:lymph\s+)?nod(?:es?|al\s+(?:basin|station))|lns?\b)"
    r"|(?:(?:single|one|a|an)\s+)?(?:(?:regional|mesenteric|peri-?pancreatic|retroperitoneal|para-?aortic)\s+)?(?:lymph\s+)?nodes?\s+(?:with|showing|containing)"
    r"\s+(?:an?\s+)?(?:nets?|nens?|neuroendocrine|metastatic\s+net|tumou?r)"
    r"|(?:lymph\s+)?nod(?:al|e)\s+(?:nets?|nens?|neuroendocrine\s+(?:tumou?r|neoplasm))"
)
NODE_WORD = _NODE

# ----------------------------------------------------------------------------- syndromes
# (pattern, Syndrome value). Negated or uncertain syndromes are dropped (never "none").
SYNDROME_TERMS: tuple[tuple[str, str], ...] = (
    (
        r"carcinoid\s+(?:syndrome|heart(?:\s+disease)?|crisis)"
        r"|flush(?:ing|es)?\s*(?:,|and|&|\+|with|/)\s*(?:\w+\s+)?diarrh(?:o)?ea"
        r"|diarrh(?:o)?ea\s*(?:,|and|&|\+|with|/)\s*(?:\w+\s+)?flush(?:ing|es)?|hedinger",
        "carcinoid",
    ),
    (r"insulinomas?|hypoglyc(?:a)?emi(?:a|c)(?:\s+episodes)?|whipple'?s?\s+triad", "insulinoma"),
    (r"zollinger[\s-]+ellison(?:\s+syndrome)?|zes|gastrinomas?", "gastrinoma"),
    (r"vipomas?|verner[\s-]+morrison|wdha", "vipoma"),
    (r"glucagonomas?|necrolytic\s+migratory\s+erythema", "glucagonoma"),
    (r"somatostatinomas?", "somatostatinoma"),
    (r"cushing'?s?(?:\s+syndrome)?|ectopic\s+acth|acth[\s-]*(?:secreting|producing|dependent)|acthomas?", "acth"),
)
# Phrases meaning "no functional syndrome": fixed, ConText must not negate them.
NO_SYNDROME_PHRASES = (
    r"non[\s-]?function(?:al|ing)|no\s+(?:hormonal|functional|endocrine|carcinoid)\s+(?:syndrome|symptoms)"
    r"|clinically\s+silent|nf-?pnets?"
)

# ----------------------------------------------------------------------------- tests
# (pattern, TestKind value, outcome set). "lab" accepts only laboratory wording (raised,
# normal, x ULN), so "chromogranin positive" stays an IHC result.
_PETCT = r"(?:[\s/-]*(?:pet)?[\s/-]*(?:ct|mri?))?"
TEST_TERMS: tuple[tuple[str, str, str], ...] = (
    (
        r"(?:(?:68\s*-?\s*)?ga(?:llium)?(?:\s*-?\s*68)?\s*-?\s*|(?:64\s*-?\s*)?cu(?:\s*-?\s*64)?\s*-?\s*)?"
        r"dota[\s-]?(?:tate|toc|noc)(?:[\s-]*(?:pet|scan))?" + _PETCT
        + r"|sstr[\s-]*(?:pet|imaging|scan)" + _PETCT
        + r"|somatostatin[\s-]+receptor\s+(?:pet|imaging)" + _PETCT
        + r"|(?:ga|gallium)[\s-]*68[\s-]*pet" + _PETCT + r"|gallium\s+(?:pet|scan)" + _PETCT
        + r"|netspot|detectnet"
        # "sstr+", "SSTR positive": the imaging status clinicians quote (SSTR2 is the IHC stain)
        + r"|sstr(?=\s*(?:\+|pos\b|neg\b|-ve\b))",
        "sstr_pet",
        "scan",
    ),
    (r"(?:18\s*-?\s*f\s*-?\s*)?fdg(?:[\s-]*pet)?" + _PETCT, "fdg_pet", "scan"),
    (
        r"octreo\s*scan|octreotide\s+(?:scan|scintigraphy)|somatostatin\s+receptor\s+scintigraphy|srs"
        r"|(?:in|indium)[\s-]*111(?:[\s-]*(?:pentetreotide|octreotide))?(?:\s+scan)?",
        "octreoscan",
        "scan",
    ),
    (
        r"(?<!pet)(?<!pet-)(?<!pet/)(?<!pet\s)(?:(?:multi-?phas(?:e|ic)|triple[\s-]phase|contrast(?:-enhanced)?)\s+)?ct"
        r"(?:\s+scan)?(?:\s+(?:cap|tap|c/a/p|chest(?:[\s,/]+abdo(?:men)?)?(?:[\s,/]+(?:and\s+)?pelvis)?"
        r"|abdo(?:men)?(?:[\s,/]+(?:and\s+)?pelvis)?|thorax))?",
        "ct",
        "scan",
    ),
    (r"mri(?:\s+(?:scan|liver|abdomen|pelvis|pancreas))?|mr\s+(?:liver|abdomen|pelvis|enterography|imaging|scan)", "mri", "scan"),
    (r"cga", "chromogranin_a", "any"),  # "CgA" is the lab test; the stain is "chromogranin"
    (r"(?:(?:serum|plasma|blood)\s+)?chromogranin(?:[\s-]*a)?", "chromogranin_a", "lab"),
    (
        r"(?:24[\s-]*h(?:ou)?r?s?\s+)?(?:urin(?:e|ary)\s+|u[\s-]?)?5[\s-]*hiaa|5-hydroxy\s*indole\s*acetic\s+acid",
        "5hiaa",
        "any",
    ),
    (
        r"(?:fasting\s+)?(?:gastrin|insulin|c-peptide|proinsulin|glucagon|vip|pancreatic\s+polypeptide|acth"
        r"|cortisol)(?:\s+levels?)?|(?:gut\s+)?hormones?(?:\s+(?:panel|levels|profile|screen))?",
        "hormones",
        "lab",
    ),
    (r"(?:ileo-?)?colonoscop(?:y|ies)", "colonoscopy", "scope"),
    (
        r"ogd|egd|gastroscopy|upper\s+(?:gi\s+)?endoscopy|o?esophagogastroduodenoscopy",
        "upper_endoscopy",
        "scope",
    ),
    (r"(?:small\s+bowel\s+|video\s+)?capsule(?:\s+endoscopy)?|vce|pill\s*cam", "capsule_endoscopy", "scope"),
    (r"eus|endoscopic\s+ultrasound|endosonography", "eus", "scope"),
    (r"bronchoscop(?:y|ies)", "bronchoscopy", "scope"),
    (
        r"92[\s-]*gene(?:\s+(?:assay|test|classifier|panel))?|cancer\s*type\s*id|molecular\s+(?:classifier|profiling)"
        r"|gene\s+expression\s+(?:profiling|classifier)|methylation\s+(?:profiling|classifier|array)",
        "molecular_classifier",
        "scan",
    ),
    (r"germline\s+(?:genetic\s+)?(?:testing|tests?|panel)|genetic\s+test(?:ing|s)?|men1\s+(?:gene\s+)?test(?:ing)?", "germline", "scan"),
    (
        r"(?:exploratory\s+|diagnostic\s+|staging\s+)?lap(?:arotomy|aroscopy)|surgical\s+exploration"
        r"|explora(?:tory|tive)\s+surgery",
        "surgical_exploration",
        "scan",
    ),
)
# Outcome wording, checked in this order (negative wording first: "showed no primary").
NEGATIVE_OUTCOMES = (
    r"neg(?:ative)?|-ve|nad|nl|normal(?!\s*(?:<|>|=|:|\d|range|ref|values?|limits?\s+(?:is|are)|is|up))|unremarkable|nil|clear|wnl|within\s+normal\s+(?:limits|range)"
    r"|not\s+(?:raised|elevated|increased|avid|high|abnormal|contributory|helpful)|non[\s-]?avid"
    r"|non[\s-]?contributory|no\s+(?:abnormal\s+|avid\s+|pathological\s+|significant\s+)?(?:uptake|avidity|primary"
    r"|lesions?|abnormalit(?:y|ies)|disease|source|tumou?r|focus|foci|evidence\s+of\s+(?:a\s+)?(?:primary|disease))"
    r"|(?:showed|shows|revealed|reveals|demonstrated|found|was|were)\s+(?:no|nothing|negative|normal|unremarkable)"
    r"|(?:did\s+not|didn't|failed\s+to|could\s+not|couldn't)\s+(?:show|find|identify|reveal|locali[sz]e|demonstrate"
    r"|detect|see)|nothing(?:\s+found)?|came\s+back\s+(?:neg(?:ative)?|normal|clear)"
)
POSITIVE_OUTCOMES = (
    # ("CT + PET neg": a plus between two tests joins them)
    r"pos(?:itive)?|\+ve|\+(?![\w+])(?!\s*(?:pet|ct|mri|dotatate|octreo\w*|ga-?68|fdg|scans?|us|ultrasound|eus|bone)\b)|avid|(?:intense\s+|focal\s+)?uptake|raised|elevated|high|increased|abnormal"
    r"|(?:markedly|mildly|very)\s+(?:raised|elevated|high)"
    r"|(?:showed|shows|revealed|demonstrated|found|identified|detected|localised|localized)\s+"
    r"(?:an?\s+|the\s+|some\s+|a\s+small\s+)?(?:\w+\s+)?(?:lesions?|mass(?:es)?|primary|uptake|focus|foci|tumou?rs?|nodules?|avid|mets|metastases|metastatic\s+disease)"
)
DONE_OUTCOMES = r"done|performed|completed"
# Uptake called physiological (or an artefact) in the same clause is no positive scan: "uncinate uptake on
# sstr imaging, usually physiological?" asks about a normal finding.
NOT_A_POSITIVE_FINDING = r"physiolog\w*|normal\s+variant|artefact\w*|artifact\w*|false[\s-]?positive"
# Laboratory wording only (for "lab" tests): raised/normal and multiples of the ULN.
LAB_NEGATIVE_OUTCOMES = r"nl|normal(?!\s*(?:<|>|=|:|\d|range|ref|values?|limits?\s+(?:is|are)|is|up))|wnl|within\s+normal\s+(?:limits|range)|not\s+(?:raised|elevated|increased|high)"
LAB_POSITIVE_OUTCOMES = (
    r"(?:markedly\s+|mildly\s+|slightly\s+|very\s+)?(?:raised|elevated|high|increased|up(?!\s+to\b))|abnormal"
    r"|(?:above|>)\s*(?:the\s+)?(?:uln|upper\s+limit(?:\s+of\s+normal)?)"
)
# "any" lab tests (CgA, 5-HIAA) also accept positive/negative wording.
LAB_ANY_NEGATIVE_OUTCOMES = r"neg(?:ative)?|-ve"
LAB_ANY_POSITIVE_OUTCOMES = r"pos(?:itive)?|\+ve"
# A measured value may sit between a lab test and its judgement ("CgA 250 ug/L, 3x ULN").
LAB_VALUE = r"\d+(?:\.\d+)?\s*(?:ng/ml|ug/l|pmol/l|nmol/l|u/l|iu/l|mg/24\s*h|umol/24\s*h|umol/day|mg/day)?\s*[,(]?\s*"
ULN_MULTIPLE = r"(?P<times>\d+(?:\.\d+)?)\s*(?:x|times|-fold|fold)\s*(?:the\s+)?(?:uln|upper\s+limit(?:\s+of\s+normal)?|normal)"
# Outcome words that may precede the test ("negative DOTATATE", "raised CgA", "avid on FDG").
PRECEDING_NEGATIVE = (
    r"neg(?:ative)?|normal|unremarkable|non[\s-]?avid|(?:no|negative|nothing)(?:\s+(?:uptake|primary|lesions?|disease"
    r"|abnormality))?(?:\s+(?:seen|found|identified|visible))?\s+on"
)
PRECEDING_POSITIVE = r"pos(?:itive)?|raised|elevated|high|abnormal|avid\s+on|uptake\s+on"
# Words that may sit between a test and its outcome ("DOTATATE PET was negative").
TEST_FILLERS = (
    r"was|were|is|are|came\s+back|returned|both|all|also|scan|scans|imaging|study|studies|results?|levels?"
    r"|has\s+been|have\s+been|reportedly|completely|entirely|totally|essentially|again|too|itself"
    # "CT/PET neg": a second scan named with the same outcome
    r"|/\s*pet(?:[\s/-]?ct)?"
    r"|strongly|intensely|highly|very|markedly|mildly|weakly|faintly|avidly"
    # "octreoscan 2019 neg", "octreoscan done in 2015 was negative": when it was done, then the outcome
    r"|(?:done|performed)(?=\s+(?:in\s+)?(?:19|20)\d\d)|(?:in\s+)?(?:19|20)\d\d|last\s+(?:year|month|week)"
)
TEST_LIST_JOINERS = r",\s*(?:and|or)?|and|or|&|/|\+"

# ----------------------------------------------------------------------------- IHC
# (pattern, IhcMarker value). Matched with outcome wording; no outcome, no entity.
IHC_MARKERS: tuple[tuple[str, str], ...] = (
    (r"cdx[\s-]?2", "cdx2"),
    (r"ttf[\s-]?1", "ttf1"),
    (r"isl(?:et)?[\s-]?1", "isl1"),
    (r"pax[\s-]?8", "pax8"),
    (r"pax[\s-]?6", "pax6"),
    (r"satb[\s-]?2", "satb2"),
    (r"nkx[\s-]?2[.\s-]?2", "nkx22"),
    (r"pdx[\s-]?1", "pdx1"),
    (r"chromogranin(?:[\s-]*a)?", "chromogranin"),
    (r"synaptophysin|synapto|syn(?=\s*[+-])", "synaptophysin"),
    (r"insm[\s-]?1", "insm1"),
)
IHC_POSITIVE = (
    r"(?:strongly\s+|diffusely\s+|weakly\s+|focally\s+|patchy\s+)?pos(?:itive|itivity)?|\+ve|\(\s*\+\s*\)|\+(?![\w+])"
    r"|expressed|retained"
)
IHC_NEGATIVE = r"neg(?:ative)?|-ve|\(\s*-\s*\)|not\s+expressed|no\s+expression|absent|lost"
IHC_POSITIVE_LEADS = r"(?:stain(?:s|ed|ing)?\s+)?pos(?:itive|itivity)?\s+for|\+ve\s+for|express(?:es|ed|ing)"
IHC_NEGATIVE_LEADS = r"(?:stain(?:s|ed|ing)?\s+)?neg(?:ative|ativity)?\s+for|-ve\s+for|no\s+(?:staining|expression)\s+(?:for|of)"
IHC_LIST_JOINERS = r",\s*(?:and|or)?|and|&|/"

# ----------------------------------------------------------------------------- audience
# Requests for wording ("explain for a patient", "in lay terms", "for my patient's family") say who the
# answer is for; they win over who is asking ("I'm an oncologist, explain in lay terms" -> patient wording).
AUDIENCE_WORDING_TERMS: tuple[tuple[str, str], ...] = (
    (
        # not "in plain words, what is ...": that asks for a simple definition, not a patient's wording
        r"(?:in\s+)?(?:lay(?:man'?s|men'?s|person'?s|\s+person'?s)?|plain|simple|everyday|non-?medical|non-?technical)\s+"
        r"(?:terms|language|english|wording)|layperson|patient[\s-]friendly|patient\s+(?:version|leaflet|language|wording)"
        r"|(?:for|to)\s+(?:a|the|my|our|this|his|her)\s+patient'?s?'?\s+(?:family|relatives?|carers?|caregivers?|parents?"
        r"|partner|spouse|husband|wife|children|kids)"
        r"|(?:explain\w*|tell|say|put|word|phrase|write|summari[sz]e|version|answer)\b[^.?!]{0,25}?\b(?:for|to)\s+"
        r"(?:a|the|my|our|this)\s+(?:patient|family|relatives?|carer|caregiver|lay\s*person|non-?medic\w*)s?(?![\w'])"
        r"|for\s+(?:a|the)\s+patient(?!\s+(?:with|who|whose|that|on|in|aged|of)\b)(?![\w'])",
        "patient",
    ),
    (
        r"(?:for|to)\s+(?:a|the|an)\s+(?:pathologist|oncologist|surgeon|radiologist|clinician|specialist|doctor|physician"
        r"|colleague|consultant|mdt)s?(?![\w'])|(?:at\s+)?(?:a\s+)?(?:specialist|professional|technical)\s+level",
        "clinician",
    ),
)
AUDIENCE_TERMS: tuple[tuple[str, str], ...] = (
    (
        r"i'?m\s+the\s+one\s+(?:with|who\s+has)|"
        r"i(?:'|\s+a)?m\s+(?:a|the)\s+(?:\w+\s+)?patient|as\s+a\s+patient|(?:i'?m|i\s+am)\s+(?:a\s+|the\s+)?(?:carer|caregiver)"
        r"|i\s+(?:have|had|was\s+diagnosed\s+with|'ve\s+been\s+diagnosed\s+with)\s+(?:a\s+|an\s+)?(?:net|nen|neuroendocrine"
        r"|carcinoid|pnet|cancer|tumou?r)|i\s+(?:was|'ve\s+been|have\s+been)\s+diagnosed"
        r"|my\s+(?:mother|mum|mom|father|dad|wife|husband|partner|sister|brother|son|daughter|aunt|uncle|friend"
        r"|grandmother|grandfather|grandma|grandpa|child|parent|spouse|family\s+member)(?:'s)?\s+(?:has|had|was|is|got"
        r"|just|recently|net|tumou?r|cancer|diagnosis|scan|doctor|oncologist)"
        r"|my\s+(?:own\s+)?(?:diagnosis|scan|biopsy|results|pathology\s+report|doctor|oncologist|surgeon|gp|consultant)",
        "patient",
    ),
    (
        r"(?:i'?m|i\s+am|as|we\s+are|speaking\s+as)\s+(?:an?\s+|the\s+)?(?:\w+\s+)?(?:oncologist|clinician|doctor|physician"
        r"|pathologist|surgeon|radiologist|gp|nurse(?:\s+specialist)?|registrar|resident|fellow|endocrinologist"
        r"|gastroenterologist|consultant|hepatologist|medic|trainee|health\s*care\s+professional|hcp)s?"
        r"|(?:clinician|oncologist|pathologist|surgeon|radiologist|gp|nurse|registrar|reg|resident|fellow|consultant"
        r"|endocrinologist|gastroenterologist|hepatologist|doctor|physician|onc|endo|gastro|path)\s+here"
        r"|medically\s+(?:trained|qualified)|medical\s+professional|(?:my|our)\s+patients?",
        "clinician",
    ),
)

# ----------------------------------------------------------------------------- Ki-67 and mitoses
KI67_NAMES = r"k[il][\s-]?(?:67|76)(?:\s*/\s*mib[\s-]?1)?|mib[\s-]?1"
# Words allowed between the Ki-67 name and its number ("Ki-67 labelling index was ~8%").
KI67_FILLERS = (
    r"\(\s*mib[\s-]?1\s*\)|proliferati(?:on|ve)\s+(?:index|rate|fraction)|label+ing\s+index|index|li|pi|score|value"
    # "Ki-67 +ve in approx 70 of 1400 cells": what was counted positive, then the count
    r"|(?:\+ve|positive|pos)(?:\s+in)?"
    r"|level|rate|of|was|is|were|be|at|approx\.?|approximately|about|around|roughly|only|just|now|hot[\s-]?spot"
    r"|exactly|label+(?:ing|ed|s)?|stain(?:s|ed|ing)?|positivity|expression|shows?|showed|measured|estimated"
    r"|in\s+(?:the\s+)?hot[\s-]?spots?|reported\s+as|measured\s+at|increased\s+to|rose\s+to|=|:|~|-"
    # "ki67 back: 12%", "Ki-67 came back at 8%": a result arriving
    r"|back|came\s+back(?:\s+at)?|returned(?:\s+at)?|resulted"
    # "Ki-67 ranges 3-4%", "Ki-67 ranging from 2 to 5%", "Ki-67 between 3 and 5%": the range is read whole
    r"|ranges?|ranging(?:\s+from)?|between"
    # "Ki-67 had been 25%", "ki67 was actually 1.5%", "ki67 on the excision 4%": tense, emphasis, the sample
    r"|had\s+been|has\s+been|would\s+be|actually|really|in\s+fact|instead"
    r"|(?:on|in|from)\s+(?:the\s+)?(?:excision|resection|biopsy|bx|specimen|core|met|primary|tem|emr|esd|polypectomy)"
)
# Counts written as words ("one mitotic figure", "a single mitosis").
NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "a single": 1, "single": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
# "twenty-one" ... "ninety-nine", as a pathologist dictates counts and sizes
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
NUMBER_WORDS.update(_TENS)
NUMBER_WORDS.update({f"{t}{sep}{u}": tv + uv for t, tv in _TENS.items() for u, uv in _UNITS.items() for sep in ("-", " ")})
# Words that make a sentence about the tumour itself (its size), not the specimen or a margin.
TUMOUR_NOUNS = r"tumou?r|net\b|carcinoid|neoplasm|lesion|nodule|mass|carcinoma|nec\b"
SPECIMEN_NOUNS = r"specimen|appendix measures|polyp\b.{0,20}across|received|resection margin|margin|segment of|length"
MITOSIS_NAMES = r"mitos[ie]s|mitotic\s+(?:rate|count|index|activity|figures?)|mitotic|mitoses\s+count|mits?\b"
# Mitotic count units: (pattern, kind). kind "hpf" keeps the number of fields; "mm2" converts.
HPF_UNIT = r"hpfs?|high[\s-]power[\s-]fields?|hp\s?fs?"
MM2_UNIT = r"mm2|mm\^2|sq\.?\s*mm|square\s+mm|mm\s+sq(?:uared)?|mm\s+squared"
# Comparators in front of a number, mapped to the prefix kept in the value.
COMPARATORS: tuple[tuple[str, str], ...] = (
    (r"<=|=<|\u2264|less\s+than\s+or\s+equal\s+to|at\s+most|up\s+to", "<="),
    (r">=|=>|\u2265|at\s+least", ">="),
    (r"<|less\s+than|fewer\s+than|under|below", "<"),
    (r">|more\s+than|greater\s+than|over|above", ">"),
)

# ----------------------------------------------------------------------------- finding statuses
# Span labels of the findings a status word after them can negate or leave open.
_FINDINGS = ("NECROSIS", "METASTASIS", "NODES", "SYNDROME", "INVASION")
# Status words written AFTER a finding that say it is absent.
FINDING_ABSENT_STATUSES: tuple[str, ...] = (
    "free", "is free", "clear", "uninvolved", "not involved", "not invaded", "intact", "spared",
    "not breached", "not penetrated", "not reached", "not infiltrated", "unbreached",
    "negative", "neg", "none", "not detected", "not demonstrated", "not evident", "not found",
    ": no", "not seen", "not identified", "not present", "absent",
)
# Status words written AFTER a finding that say it was not assessed or not reported: the value stays open.
FINDING_NOT_ASSESSED_STATUSES: tuple[str, ...] = (
    "n/a", "na", "n.a.", "not applicable", "not assessed", "not assessable", "cannot be assessed",
    "can't be assessed", "could not be assessed", "not evaluated", "not evaluable", "cannot be evaluated",
    "not reported", "not stated", "not commented", "not commented on", "not mentioned", "not described",
    "unknown", "unk", "not known", "pending", "tbc", "to follow", "not specified",
)
# Words written BEFORE a finding that say it was not assessed: "no comment on necrosis", "unable to assess nodes".
FINDING_NOT_ASSESSED_LEADS: tuple[str, ...] = (
    "no comment on", "no mention of", "not commented on", "unable to assess", "could not assess",
    "cannot assess", "not assessed for", "unknown if", "unknown whether", "no information on", "no data on",
)

# The literals above as ConText rule literals: a finding they modify is "not assessed" (entity not_assessed,
# value = the finding), never present and never absent.
NOT_ASSESSED_LITERALS: frozenset[str] = frozenset(
    FINDING_NOT_ASSESSED_STATUSES + FINDING_NOT_ASSESSED_LEADS
    + tuple(f"{verb} {status}" for status in FINDING_NOT_ASSESSED_STATUSES for verb in ("is", "are", "was", "were"))
)
# which finding a not-assessed status is about, by the ConText label of the phrase it modifies
NOT_ASSESSED_FINDING_OF_LABEL: dict[str, str] = {
    "NECROSIS": "necrosis", "NODES": "nodes", "METASTASIS": "metastasis", "INVASION": "invasion",
}

# ----------------------------------------------------------------------------- ConText rules
# Added to medspaCy's default rules: (literal, category, direction, max_scope, allowed labels).
# Labels are the span labels of extractor.py (SITE, METASTASIS, ...). None = all labels.
CONTEXT_RULES: tuple[tuple[str, str, str, int | None, tuple[str, ...] | None], ...] = (
    (",", "CLAUSE_END", "TERMINATE", None, None),
    (";", "CLAUSE_END", "TERMINATE", None, None),
    ("-", "CLAUSE_END", "TERMINATE", None, None),
    # "subserosa involved but serosa intact": a status after "but" says nothing of what came before it
    ("but", "CLAUSE_END", "TERMINATE", None, None),
    ("whereas", "CLAUSE_END", "TERMINATE", None, None),
    ("although", "CLAUSE_END", "TERMINATE", None, None),
    ("nil", "NEGATED_EXISTENCE", "FORWARD", 3, None),
    ("w/o", "NEGATED_EXISTENCE", "FORWARD", 3, None),
    ("neither", "NEGATED_EXISTENCE", "FORWARD", 5, None),
    ("nor", "NEGATED_EXISTENCE", "FORWARD", 3, None),
    ("excluded", "NEGATED_EXISTENCE", "BACKWARD", 3, None),
    # A finding followed by its status, as synoptic reports and clinicians write it: "serosa free",
    # "mesoappendix uninvolved", "LVI: not seen", "nodes: negative". The status negates what it follows.
    *((status, "NEGATED_EXISTENCE", "BACKWARD", 2, _FINDINGS) for status in FINDING_ABSENT_STATUSES),
    # "necrosis is not seen", "nodes were free": the verb belongs to the status (medspaCy's own "is not" rule
    # would otherwise win the overlap and point forward)
    *((f"{verb} {status}", "NEGATED_EXISTENCE", "BACKWARD", 5, _FINDINGS)
      for status in FINDING_ABSENT_STATUSES if not status.startswith(":") for verb in ("is", "are", "was", "were")),
    *((f"{verb} {status}", "POSSIBLE_EXISTENCE", "BACKWARD", 5, _FINDINGS)
      for status in FINDING_NOT_ASSESSED_STATUSES for verb in ("is", "are", "was", "were")),
    # "necrosis: n/a", "margins not assessed", "nodes cannot be assessed": not known, never present
    *((status, "POSSIBLE_EXISTENCE", "BACKWARD", 4, _FINDINGS) for status in FINDING_NOT_ASSESSED_STATUSES),
    *((lead, "POSSIBLE_EXISTENCE", "FORWARD", 4, _FINDINGS) for lead in FINDING_NOT_ASSESSED_LEADS),
    # "metastasis-free survival", "disease free interval": an outcome measure, not a finding's status
    ("free survival", "PSEUDO_NEGATED_EXISTENCE", "PSEUDO", None, None),
    # "into but not through the muscularis propria": the layer is invaded (not beyond it)
    ("but not through", "PSEUDO_NEGATED_EXISTENCE", "PSEUDO", None, None),
    ("but not beyond", "PSEUDO_NEGATED_EXISTENCE", "PSEUDO", None, None),
    ("free interval", "PSEUDO_NEGATED_EXISTENCE", "PSEUDO", None, None),
    ("normal", "NEGATED_EXISTENCE", "BIDIRECTIONAL", 2, ("SITE",)),
    ("unremarkable", "NEGATED_EXISTENCE", "BACKWARD", 3, ("SITE",)),
    # "risk of nodal mets", "nodal mets risk", "rate of liver mets in type 1": a finding as what is asked
    # about, never one the patient has
    *((lead, "POSSIBLE_EXISTENCE", "FORWARD", 4, ("METASTASIS", "NODES", "INVASION"))
      for lead in ("risk of", "risks of", "chance of", "chances of", "likelihood of", "probability of", "odds of",
                   "rate of", "rates of", "incidence of", "frequency of", "prevalence of", "how often", "how likely")),
    *((tail, "POSSIBLE_EXISTENCE", "BACKWARD", 2, ("METASTASIS", "NODES", "INVASION"))
      for tail in ("risk", "risks", "rate", "rates", "incidence")),
    ("suspected", "POSSIBLE_EXISTENCE", "FORWARD", 3, None),
    ("suspicious", "POSSIBLE_EXISTENCE", "FORWARD", 3, None),
    ("query", "POSSIBLE_EXISTENCE", "FORWARD", 3, None),
    ("probable", "POSSIBLE_EXISTENCE", "FORWARD", 3, None),
    ("indeterminate", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 3, None),
    ("equivocal", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 3, None),
    ("cannot exclude", "POSSIBLE_EXISTENCE", "FORWARD", 5, None),
    ("can't exclude", "POSSIBLE_EXISTENCE", "FORWARD", 5, None),
    ("could be", "POSSIBLE_EXISTENCE", "FORWARD", 4, None),
    ("suggesting", "POSSIBLE_EXISTENCE", "FORWARD", 4, None),
    ("suggests", "POSSIBLE_EXISTENCE", "FORWARD", 4, None),
    ("favour", "POSSIBLE_EXISTENCE", "FORWARD", 4, None),
    ("favor", "POSSIBLE_EXISTENCE", "FORWARD", 4, None),
    ("favouring", "POSSIBLE_EXISTENCE", "FORWARD", 4, None),
    ("favoring", "POSSIBLE_EXISTENCE", "FORWARD", 4, None),
    # "well or poorly differentiated?", "pancreatic vs ileal", "NET G3 or NEC": a choice, not a finding.
    ("or", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 2, ("SITE", "DIFFERENTIATION")),
    ("vs", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 3, ("SITE", "DIFFERENTIATION")),
    ("versus", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 3, ("SITE", "DIFFERENTIATION")),
    ("difference between", "POSSIBLE_EXISTENCE", "FORWARD", 6, ("SITE", "DIFFERENTIATION")),
    ("differences between", "POSSIBLE_EXISTENCE", "FORWARD", 6, ("SITE", "DIFFERENTIATION")),
    # "is NET G3 the same as NEC", "is G3 NET = NEC", "treated like a NEC", "managed as NEC": a comparison
    ("same as", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("the same", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 5, ("DIFFERENTIATION",)),
    ("equivalent to", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("equal to", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("=", "POSSIBLE_EXISTENCE", "FORWARD", 3, ("DIFFERENTIATION",)),
    ("is it like", "POSSIBLE_EXISTENCE", "FORWARD", 3, ("DIFFERENTIATION",)),
    ("is this like", "POSSIBLE_EXISTENCE", "FORWARD", 3, ("DIFFERENTIATION",)),
    ("similar to", "POSSIBLE_EXISTENCE", "FORWARD", 3, ("DIFFERENTIATION",)),
    ("treated like", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("treat like", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("managed like", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("handled like", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("behave like", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("behaves like", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("treated as", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("managed as", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    ("behave as", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("DIFFERENTIATION",)),
    # a comparison or a definition names a category without saying the case has it:
    # "NET G3 compared with NEC", "different from a neuroendocrine carcinoma", "separate a G3 NET from NEC",
    # "what is meant by well differentiated", "define well diff NET", "does that mean pancreas"
    ("compared with", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 4, ("SITE", "DIFFERENTIATION")),
    ("compared to", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 4, ("SITE", "DIFFERENTIATION")),
    ("different from", "POSSIBLE_EXISTENCE", "FORWARD", 5, ("SITE", "DIFFERENTIATION")),
    ("differ from", "POSSIBLE_EXISTENCE", "FORWARD", 5, ("SITE", "DIFFERENTIATION")),
    ("than", "POSSIBLE_EXISTENCE", "FORWARD", 3, ("DIFFERENTIATION",)),
    ("separate", "POSSIBLE_EXISTENCE", "FORWARD", 7, ("DIFFERENTIATION",)),
    ("distinguish", "POSSIBLE_EXISTENCE", "FORWARD", 7, ("DIFFERENTIATION",)),
    ("tell apart", "POSSIBLE_EXISTENCE", "BACKWARD", 6, ("DIFFERENTIATION",)),
    ("meant by", "POSSIBLE_EXISTENCE", "FORWARD", 5, ("SITE", "DIFFERENTIATION")),
    ("define", "POSSIBLE_EXISTENCE", "FORWARD", 5, ("SITE", "DIFFERENTIATION")),
    ("definition", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 4, ("SITE", "DIFFERENTIATION")),
    ("does that mean", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("SITE",)),
    ("point to", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("SITE",)),
    ("points to", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("SITE",)),
    ("pointing to", "POSSIBLE_EXISTENCE", "FORWARD", 4, ("SITE",)),
)
# Labels an uncertainty cue does not remove: "suspected insulinoma, which bloods?" asks about that
# syndrome, so the work-up answer must use it (negation still removes it: "no carcinoid syndrome").
KEPT_WHEN_UNCERTAIN = frozenset({"SYNDROME"})

# ----------------------------------------------------------------------------- typo matching (spelling.py)
# Clinical words a typed word may be a typo of ("mitosees" -> "mitoses", "lymph nods" -> "lymph nodes").
CLINICAL_WORDS: frozenset[str] = frozenset({
    "mitoses", "mitosis", "mitotic", "necrosis", "necrotic", "lymph", "nodes", "node", "nodal",
    "metastasis", "metastases", "metastatic", "pancreas", "pancreatic", "duodenum", "duodenal",
    "ampulla", "ampullary", "appendix", "appendiceal", "jejunum", "jejunal", "ileum", "ileal",
    "terminal", "rectum", "rectal", "stomach", "gastric", "colon", "colonic", "caecum", "cecum", "sigmoid", "metastases",
    "carcinoid", "neuroendocrine", "differentiated", "differentiation", "poorly", "well",
    "invasion", "invading", "invades", "muscularis", "propria", "submucosa", "subserosa", "serosa",
    "mesoappendix", "peritoneum", "peritoneal", "hepatic", "liver", "bone", "lung", "pulmonary",
    "bronchial", "thymic", "carcinoma", "tumour", "tumor", "positive", "negative", "involved",
    "uninvolved", "lobectomy", "primary", "unknown", "chromogranin", "synaptophysin", "somatostatin",
    "dotatate", "octreotide", "lanreotide", "grade", "stage", "staging", "grading", "proliferation",
    "labelling", "labeling", "index", "mesenteric", "distant", "absent", "present", "identified",
    "perforating", "sphincter", "lymphovascular", "perineural",
})
# Real words a typed word must be left as (close to a clinical word, but not a typo of it).
NOT_TYPOS: frozenset[str] = frozenset({
    "notes", "noted", "nodule", "nodules", "nodular", "modes", "meets", "serous", "series", "liner", "lover",
    "later", "stages", "staged", "graded", "grades", "gradient", "primarily", "presents", "presented",
    "positively", "negatively", "involve", "involves", "invade", "invaded", "invasive", "coloni", "colony",
    "terminally", "poorer", "wells", "indexed", "indices", "distal", "distance", "proximal", "pulmonic",
    "rectus", "stomal", "lungs", "bones", "boney", "livers", "tumours", "tumors", "carcinoids", "carcinomas",
    "mitotically", "necrotizing", "necrotising", "metastasize", "metastasise", "metastasized", "metastasised",
})
# Words ending like this are other medical words ("pancreatitis", "gastrectomy", "insulinoma"), never typos.
NOT_TYPO_SUFFIXES: tuple[str, ...] = ("itis", "ectomy", "ectomies", "otomy", "oscopy", "graphy", "omas", "oma", "ular", "ule", "ules")
TYPO_MIN_SIMILARITY = 86.0  # rapidfuzz fuzz.ratio, words of 6 letters or more
TYPO_MIN_SIMILARITY_SHORT = 88.0  # 4-5 letters: one inserted or dropped letter ("nods" -> "nodes"), no swap

# ----------------------------------------------------------------------------- synoptic report lines
# "Label: value" lines of a pasted report: the labels that name the tumour's site (extractor._one_tumour_site)
# and size (numbers.find_tumour_size). The label is at most 60 characters at the start of a line.
# "Tumor site: ileum", "+ Subserosal / mesoappendiceal involvement: Not identified" (a bullet may lead)
LABELLED_LINE = re.compile(r"(?m)^[ \t]*(?:[-+*•>][ \t]*)?(?P<label>[A-Za-z][A-Za-z /()\-]{1,60}?)[ \t]*:[ \t]*(?P<value>[^\n]+)")
# a labelled line whose value says the label's finding is absent: "... involvement: Not identified"
NEGATIVE_LINE_VALUE = re.compile(
    r"^\s*(?:not\s+(?:identified|present|seen|detected|involved)|absent|none|negative|no\b|nil\b|uninvolved|free\b)", re.I)
SITE_LABEL = re.compile(r"\b(?:tumou?r\s+)?(?:site|location|primary\s+site|site\s+of\s+(?:the\s+)?tumou?r|organ)\b", re.I)
SIZE_LABEL = re.compile(r"\b(?:tumou?r\s+)?(?:size|greatest\s+dimension|dimensions?|maximum\s+diameter)\b|\blargest(?:\s+tumou?r)?\b", re.I)
