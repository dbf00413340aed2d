"""Which workbooks are published: byte duplicates, errors and supersession (spec §5).

Produces, for the ``pengiriman`` table and for publishing, one status per workbook:
``diterima`` (published), ``ditolak`` (an error, or an undecidable pair for one
kelurahan-year), ``digantikan`` (a later ``tanggal_pendataan`` won) or ``duplikat``
(a byte-identical copy of a file earlier in path order), plus the findings these decisions add.
"""

from __future__ import annotations

import pandas as pd

from transforms.assess import findings

DITERIMA, DITOLAK, DUPLIKAT, DIGANTIKAN = "diterima", "ditolak", "duplikat", "digantikan"


def decide(workbooks: pd.DataFrame, found: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(statuses, findings): ``statuses`` has ``wb, status, jumlah_error, jumlah_warning``;
    ``findings`` is ``found`` without the copies' findings plus the decision findings."""
    if workbooks.empty:
        out = pd.DataFrame({"wb": pd.Series(dtype="int64"), "status": pd.Series(dtype=object)})
        return with_counts(out, found), found
    wbs = workbooks.sort_values("sumber_file", kind="stable")
    status = pd.Series(DITERIMA, index=wbs["wb"].to_numpy(), dtype="object")
    added: list[findings.Finding] = []

    hashed = wbs[wbs["sha256"].map(lambda v: isinstance(v, str))]
    copies = hashed[hashed.duplicated("sha256", keep="first")]
    original = hashed.drop_duplicates("sha256").set_index("sha256")["sumber_file"]
    status[copies["wb"].to_numpy()] = DUPLIKAT
    added.extend(findings.make("duplikat", wb=int(w.wb), sumber_file=w.sumber_file,
                               sha256=w.sha256, lainnya=original[w.sha256])
                 for w in copies.itertuples(index=False))
    duplicate_wbs = set(status.index[status == DUPLIKAT])
    found = found[~found["wb"].isin(duplicate_wbs)]

    with_error = set(found.loc[found["tingkat"] == "error", "wb"])
    status[status.index.isin(with_error) & (status != DUPLIKAT)] = DITOLAK

    candidates = wbs[wbs["wb"].map(status).eq(DITERIMA)]
    key = ["kode_kelurahan", "tahun"]
    competing = candidates[candidates.duplicated(key, keep=False) & candidates[key].notna().all(
        axis=1)]  # only kelurahan-years with more than one accepted workbook
    for (kode, tahun), group in competing.groupby(key, sort=False):
        added.extend(_supersede(group, status, kode, int(tahun)))

    all_findings = pd.concat([found, findings.to_frame(added)], ignore_index=True)
    out = pd.DataFrame({"wb": status.index, "status": status.to_numpy()})
    return with_counts(out, all_findings), all_findings


def with_counts(statuses: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """``statuses`` with ``jumlah_error`` and ``jumlah_warning`` per workbook from ``found``."""
    counts = found.groupby(["wb", "tingkat"]).size().unstack(fill_value=0)
    out = statuses.drop(columns=["jumlah_error", "jumlah_warning"], errors="ignore")
    for tingkat in ("error", "warning"):
        col = counts[tingkat] if tingkat in counts else pd.Series(dtype="int64")
        out[f"jumlah_{tingkat}"] = out["wb"].map(col).fillna(0).astype("int32")
    return out


def kept_versions(statuses: pd.DataFrame, workbooks: pd.DataFrame,
                  published: pd.DataFrame) -> list[findings.Finding]:
    """For each rejected workbook of a kelurahan-year that already has published data: a
    warning that the earlier valid version stays published (``versi_lama_tetap``)."""
    rejected = workbooks.merge(statuses[statuses["status"] == DITOLAK][["wb"]], on="wb")
    hits = rejected.merge(published, on=["kode_kelurahan", "tahun"], suffixes=("", "_terbit"))
    return [findings.make("versi_lama_tetap", wb=int(w.wb), sumber_file=w.sumber_file,
                          sha256=w.sha256, kode=w.kode_kelurahan, tahun=int(w.tahun),
                          lainnya=w.sumber_file_terbit)
            for w in hits.drop_duplicates("wb").itertuples()]


def _who(w: pd.Series) -> dict[str, object]:
    return {"wb": int(w["wb"]), "sumber_file": w["sumber_file"], "sha256": w["sha256"]}


def _supersede(group: pd.DataFrame, status: pd.Series, kode: str,
               tahun: int) -> list[findings.Finding]:
    """Keep the one workbook with the latest date (dated beats undated); a tie rejects all."""
    dates = pd.to_datetime(group["tanggal_pendataan"], errors="coerce")
    latest = dates.max()
    winners = group[dates == latest] if pd.notna(latest) else group
    out = []
    if len(winners) == 1:
        winner = winners.iloc[0]
        for _, w in group.iterrows():
            if w["wb"] != winner["wb"]:
                status[w["wb"]] = DIGANTIKAN
                out.append(findings.make("digantikan", **_who(w),
                                         lainnya=winner["sumber_file"]))
        return out
    for _, w in group.iterrows():
        status[w["wb"]] = DITOLAK
        others = ", ".join(sorted(set(group["sumber_file"]) - {w["sumber_file"]}))
        out.append(findings.make("workbook_ganda", **_who(w), kolom="tanggal_pendataan",
                                 kode=kode, tahun=tahun, lainnya=others))
    return out
