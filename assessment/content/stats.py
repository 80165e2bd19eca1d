"""Counts over the bank for authors: per section, skill, band and type."""
import pandas as pd

from assessment.content.specs import BANDS, ITEM_TYPES, Bank


def item_frame(bank: Bank) -> pd.DataFrame:
    """One row per (item, skill) with its section, band and type."""
    rows = [{"section": i.section_id, "item": i.id, "skill": s, "band": i.band, "type": i.type}
            for i in bank.items.values() for s in i.skills]
    return pd.DataFrame(rows, columns=["section", "item", "skill", "band", "type"])


#: Test-wise candidates pick the longest, most qualified option (or, once that is fixed by
#: over-padding distractors, the shortest). With four options either happens 25% of the time
#: by chance; a section whose keys are the longest or the shortest option more often than
#: this leaks answers.
MAX_KEY_LENGTH_CUE_SHARE = 0.35


def length_cues(bank: Bank) -> pd.DataFrame:
    """Per section: single-choice items, and the share whose key is strictly the longest or
    strictly the shortest option."""
    rows = []
    for item in bank.items.values():
        if item.type != "single_choice":
            continue
        key = len(next(o for o in item.options if o.id in item.key).text)
        others = [len(o.text) for o in item.options if o.id not in item.key]
        rows.append({"section": item.section_id, "longest": key > max(others), "shortest": key < min(others)})
    frame = pd.DataFrame(rows, columns=["section", "longest", "shortest"])
    table = frame.groupby("section").agg(single_choice=("longest", "size"), key_longest=("longest", "mean"),
                                         key_shortest=("shortest", "mean"))
    return table.round(2)


def bank_tables(bank: Bank) -> list[tuple[str, pd.DataFrame]]:
    frame = item_frame(bank)
    items = frame.drop_duplicates("item")
    by_band = pd.crosstab(items["section"], items["band"], margins=True, margins_name="total")
    by_band = by_band.reindex(columns=[b for b in (*BANDS, "total") if b in by_band.columns])
    by_type = pd.crosstab(items["section"], items["type"], margins=True, margins_name="total")
    by_type = by_type.reindex(columns=[t for t in (*ITEM_TYPES, "total") if t in by_type.columns])
    by_skill = frame.groupby(["section", "skill"]).size().rename("items").to_frame()
    by_skill["resources"] = [len(bank.sections[sec].skill(sk).resources) for sec, sk in by_skill.index]
    return [("Items per section and band", by_band), ("Items per section and type", by_type),
            ("Items per skill (an item counts once for each skill it is tagged with)", by_skill),
            (f"Answer cues: share of single-choice keys that are the longest / shortest option "
             f"(keep each <= {MAX_KEY_LENGTH_CUE_SHARE:.0%})", length_cues(bank))]
