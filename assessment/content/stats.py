"""Counts over the bank for authors: per section, skill, band and type."""
import pandas as pd

from assessment.content.specs import BANDS, ITEM_TYPES, Bank


def item_frame(bank: Bank) -> pd.DataFrame:
    """One row per (item, skill) with its section, band and type."""
    rows = [{"section": i.section_id, "item": i.id, "skill": s, "band": i.band, "type": i.type}
            for i in bank.items.values() for s in i.skills]
    return pd.DataFrame(rows, columns=["section", "item", "skill", "band", "type"])


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
            ("Items per skill (an item counts once for each skill it is tagged with)", by_skill)]
