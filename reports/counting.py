"""What a report counts: passages (the default), every coder's codings, or the consensus.

On a project coded by several people the same passage is often coded with the same code by
each coder and again by the consensus coder. Counted per coding, it would count three times.
By default a report counts *passages*: codings of one code in one source whose spans overlap
(directly or through a chain of overlaps), whoever made them, count as one passage, spanning
from the earliest start to the latest end. "Per coder" counts every coding; "consensus only"
counts the consensus coder's codings alone. Sources and interviewees are counted from the
same rows, so which sources or interviewees a code occurs in does not depend on the choice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PASSAGES, PER_CODER, CONSENSUS = "passages", "coder", "consensus"
COUNTING: dict[str, str] = {
    PASSAGES: "Passages (each counted once)",
    PER_CODER: "Per coder (every coding)",
    CONSENSUS: "Consensus only",
}


def merge_passages(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per passage: the overlapping codings of one code in one source become one row.

    Codings spoken by different interviewees (where the frame says who speaks) stay different
    passages, so the interviewees a code occurs with are the same whatever is counted. The row
    keeps the earliest coding's id, spans from the earliest start to the latest end, names
    every coder (comma-separated, sorted) and joins the memos.
    """
    if len(frame) < 2:
        return frame
    keys = ["source_id", "code_id"]
    speaker = None
    if "interviewee_id" in frame.columns:
        speaker = frame["interviewee_id"].fillna(-1).astype("int64")
    if not _overlaps(frame, keys, speaker):
        return frame  # every coding is a passage of its own: no need to sort or copy the rows
    kept = list(frame.columns)
    if speaker is not None:
        frame = frame.assign(_speaker=speaker)
        keys.append("_speaker")
    ordered = frame.sort_values([*keys, "start", "end", "coding_id"])
    ordered = ordered.reset_index(drop=True)
    same = pd.Series(True, index=ordered.index)
    for key in keys:
        same &= ordered[key] == ordered[key].shift()
    # The furthest end reached so far within each (source, code, speaker): a coding starting
    # before it overlaps the passage being built.
    reach = ordered.groupby(keys)["end"].cummax().shift()
    passage = (~(same & (ordered["start"] < reach))).cumsum()
    grouped = ordered.groupby(passage, sort=False)
    merged = grouped.first()
    merged["end"] = grouped["end"].max()
    # Only passages of several codings need their coders, memos and quote joined (most
    # passages are one coding: joining those in Python would cost a call each).
    sizes = grouped.size()
    several = ordered[passage.map(sizes).to_numpy() > 1]
    if len(several):
        coders: dict[int, set[str]] = {}
        memos: dict[int, list[str]] = {}
        quotes: dict[int, tuple[str, int]] = {}  # passage → (text so far, end reached)
        has_memo, has_quote = "memo" in several.columns, "quote" in several.columns
        columns = zip(
            passage[several.index].tolist(),
            several["coder"].tolist(),
            several["start"].tolist(),
            several["end"].tolist(),
            several["memo"].tolist() if has_memo else [""] * len(several),
            several["quote"].tolist() if has_quote else [""] * len(several),
            strict=True,
        )
        # Rows come by passage, then start: each quote adds what lies past the end so far.
        for key, coder, start, end, memo, quote in columns:
            coders.setdefault(key, set()).add(coder)
            if memo:
                memos.setdefault(key, []).append(memo)
            if key not in quotes:
                quotes[key] = (quote, end)
            elif end > quotes[key][1] and quote:
                text, reached = quotes[key]
                quotes[key] = (text + quote[reached - start :], end)
        keys = list(coders)
        merged.loc[keys, "coder"] = [", ".join(sorted(coders[k])) for k in keys]
        if has_memo:
            merged.loc[keys, "memo"] = ["\n\n".join(memos.get(k, [])) for k in keys]
        if has_quote:
            merged.loc[keys, "quote"] = [quotes[k][0] for k in keys]
    merged = merged.reset_index(drop=True)[kept]
    return merged.sort_values(["source_id", "start", "end", "coding_id"]).reset_index(drop=True)


def _overlaps(frame: pd.DataFrame, keys: list[str], speaker: pd.Series | None) -> bool:
    """Whether two codings with the same `keys` (and `speaker`, where given) overlap: the
    test of `merge_passages` on bare arrays, which spares sorting or copying a whole frame
    (its quotes and memos) when no passage has more than one coding."""
    columns = [frame[key].to_numpy(dtype="int64") for key in keys]
    if speaker is not None:
        columns.append(speaker.to_numpy(dtype="int64"))
    start = frame["start"].to_numpy(dtype="int64")
    end = frame["end"].to_numpy(dtype="int64")
    # Sorted as merge_passages sorts: by the keys, then start, end and id.
    order = np.lexsort((frame["coding_id"].to_numpy(dtype="int64"), end, start, *columns[::-1]))
    start, end = start[order], end[order]
    same = np.ones(len(order) - 1, dtype=bool)
    for column in columns:
        ordered = column[order]
        same &= ordered[1:] == ordered[:-1]
    # The furthest end reached so far within each group: ends shifted by the group's number
    # times a bound above every end, so that one running maximum never crosses groups.
    group = np.concatenate(([0], np.cumsum(~same)))
    bound = int(end.max()) + 1
    reach = np.maximum.accumulate(group * bound + end)[:-1] - group[1:] * bound
    return bool((same & (start[1:] < reach)).any())


def count_as(frame: pd.DataFrame, counting: str, consensus_coder: str) -> pd.DataFrame:
    """The rows a report counts under `counting` (one of COUNTING)."""
    if counting == CONSENSUS:
        return frame[frame["coder"] == consensus_coder].reset_index(drop=True)
    if counting == PASSAGES:
        return merge_passages(frame)
    return frame


def describe(counting: str, coders: list[str]) -> str:
    """The provenance's words for what was counted and whose codings."""
    who = ", ".join(coders) if coders else "none"
    if counting == CONSENSUS:
        return f"consensus codings only (coders included: {who})"
    if counting == PER_CODER:
        return f"every coding of every coder (coders included: {who})"
    return (
        "passages, each once: overlapping codings of one code by several coders count as "
        f"one (coders included: {who})"
    )
