"""Fields of a pasted report as the extractor reads them (shared by the report dev-set test)."""

from __future__ import annotations

from typing import Any, Dict, List


def fields_from_entities(entities: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The case fields the entities set, in the dev set's vocabulary (the last value of an entity wins)."""
    out: Dict[str, Any] = {}
    mets: List[str] = []
    no_mets = False
    for e in entities:
        name, value = e["entity"], str(e["value"])
        if name == "site":
            out["site"] = value
        elif name == "tumour_size":
            out["tumour_size_cm"] = float(value)
        elif name == "ki67" and value.replace(".", "", 1).isdigit():
            out["ki67_percent"] = float(value)
        elif name == "mitoses" and value.endswith("/2mm2") and value.split("/")[0].replace(".", "", 1).isdigit():
            out["mitoses_per_2mm2"] = float(value.split("/")[0])
        elif name == "differentiation":
            out["differentiation"] = value
        elif name == "necrosis":
            out["necrosis"] = value
        elif name == "invasion":
            out["invasion"] = value
        elif name == "nodes":
            out["nodes_positive"] = value == "positive"
        elif name == "node_count":
            positive = value.split("/")[0]
            if positive.isdigit():
                out["positive_node_count"] = int(positive)
                out["nodes_positive"] = int(positive) > 0
        elif name == "metastasis" and value != "any":
            mets.append(value)
        elif name == "no_metastasis" and value == "any":
            no_mets = True
    if mets:
        out["metastatic_sites"] = sorted(set(mets))
    elif no_mets:
        out["metastatic_sites"] = []
    return out
