"""Which workbooks are published: byte duplicates, errors and supersession (spec §5, §2b).

Produces, for the ``pengiriman`` table and for publishing, one status per file:
``diterima`` (published), ``ditolak`` (an error, an undecidable pair for one kelurahan-year,
or a form of a kelurahan-year held back by another form), ``digantikan`` (a later
``tanggal_pendataan`` won) or ``duplikat`` (a byte-identical copy of a file earlier in path
order), plus the findings these decisions add.

Official Form Data RT files (one RT each, ``form_rt``) of one kelurahan-year form one
submission: two forms for one RT compete by date; a rejected form holds back every form of its
kelurahan-year (unless a later accepted form of its RT replaced it); the forms then compete as
one source, dated by their latest form, against the kelurahan workbooks of that kelurahan-year.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms.assess import findings

DITERIMA, DITOLAK, DUPLIKAT, DIGANTIKAN = "diterima", "ditolak", "duplikat", "digantikan"
KEY = ["kode_kelurahan", "tahun"]


@dataclass
class _Source:
    """One side of a supersession: a kelurahan workbook, one form, or a kelurahan-year's
    forms taken together; ``name`` is how the other side's findings call it."""

    rows: pd.DataFrame
    date: pd.Timestamp
    name: str


def decide(workbooks: pd.DataFrame, found: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(statuses, findings): ``statuses`` has ``wb, status, jumlah_error, jumlah_warning``;
    ``findings`` is ``found`` without the copies' findings plus the decision findings.
    ``workbooks``: the reference-joined workbook frame (``form_rt``, ``rt_rw`` and
    ``nama_ke_kode`` say which files are forms, their RT and a suggested code)."""
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

    with_error = set(found.loc[found["keparahan"] == "error", "wb"])
    status[status.index.isin(with_error) & (status != DUPLIKAT)] = DITOLAK

    is_form = (wbs["form_rt"].fillna(False).astype(bool) if "form_rt" in wbs
               else pd.Series(False, index=wbs.index))
    forms, others = wbs[is_form], wbs[~is_form]
    if not forms.empty:
        live = _live(forms, status)
        for (kode, tahun, _), group in live[live.duplicated([*KEY, "rt_rw"], keep=False)
                                            ].groupby([*KEY, "rt_rw"], sort=False):
            added.extend(_supersede([_one(w) for _, w in group.iterrows()], status, kode,
                                    int(tahun)))  # two forms for one RT
        added.extend(_hold_back(forms[status[forms["wb"]].ne(DUPLIKAT).to_numpy()], status))

    # the sources of a kelurahan-year compete as wholes: each workbook, and its forms together
    candidates = _live(others, status).assign(_form=False)
    sets = _live(forms, status).assign(_form=True)
    both = pd.concat([candidates, sets])
    by_key = both.assign(_workbook=~both["_form"].astype(bool)).groupby(KEY)
    sides = (by_key["_workbook"].transform("sum")
             + by_key["_form"].transform("any").astype("int64"))
    competing = both[sides.gt(1).to_numpy()]  # two workbooks, or a workbook and forms
    for (kode, tahun), group in competing.groupby(KEY, sort=False):
        sources = [_one(w) for _, w in group[~group["_form"]].iterrows()]
        if group["_form"].any():
            sources.append(_form_set(group[group["_form"]]))
        if len(sources) > 1:
            added.extend(_supersede(sources, status, kode, int(tahun)))

    all_findings = pd.concat([found, findings.to_frame(added)], ignore_index=True)
    out = pd.DataFrame({"wb": status.index, "status": status.to_numpy()})
    return with_counts(out, all_findings), all_findings


def _live(frame: pd.DataFrame, status: pd.Series) -> pd.DataFrame:
    """Rows of ``frame`` still accepted, with a complete kelurahan-year."""
    return frame[frame["wb"].map(status).eq(DITERIMA) & frame[KEY].notna().all(axis=1)]


def _date(w: pd.Series) -> pd.Timestamp:
    return pd.to_datetime(w["tanggal_pendataan"], errors="coerce")


def _one(w: pd.Series) -> _Source:
    return _Source(w.to_frame().T, _date(w), str(w["sumber_file"]))


def _form_set(forms: pd.DataFrame) -> _Source:
    """A kelurahan-year's accepted forms as one source, dated by its latest form."""
    dates = pd.to_datetime(forms["tanggal_pendataan"], errors="coerce")
    latest = forms.loc[dates.idxmax(), "sumber_file"] if dates.notna().any() else None
    name = f"Form Data RT kelurahan ini ({len(forms)} berkas" + (
        f", terbaru {latest})" if latest else ")")
    return _Source(forms, dates.max(), name)


def _set_key(forms: pd.DataFrame) -> pd.Series:
    """The kelurahan a form belongs to for holding back: its code, else the code its names
    suggest (a form whose kabupaten was miswritten still holds back its kelurahan-year)."""
    suggested = (forms["nama_ke_kode"].map(lambda m: getattr(m, "saran_kode", None))
                 if "nama_ke_kode" in forms else pd.Series(None, index=forms.index))
    return forms["kode_kelurahan"].where(forms["kode_kelurahan"].notna(), suggested)


def _hold_back(forms: pd.DataFrame, status: pd.Series) -> list[findings.Finding]:
    """Every accepted form of a kelurahan-year with a rejected form becomes ``ditolak`` (spec
    §2b: the kelurahan-year's last good version stays published). A form without a year
    counts for every year of its kelurahan; a rejected form does not hold back when a later
    accepted form of its RT replaced it."""
    if forms.empty:
        return []
    forms = forms.assign(_kode=_set_key(forms), _date=pd.to_datetime(
        forms["tanggal_pendataan"], errors="coerce"), _status=forms["wb"].map(status))
    accepted = forms[forms["_status"] == DITERIMA]
    out = []
    for (kode, tahun), members in accepted.groupby(["_kode", "tahun"], sort=False):
        same_year = forms["tahun"].isna() | forms["tahun"].eq(tahun).fillna(False)
        same = forms[(forms["_kode"] == kode) & same_year.astype(bool)]
        rejected = same[(same["_status"] == DITOLAK) & ~same.apply(
            lambda w, m=members: _replaced(w, m), axis=1)]
        if rejected.empty:
            continue
        lainnya = ", ".join(rejected["sumber_file"])
        for _, w in members.iterrows():
            status[w["wb"]] = DITOLAK
            out.append(findings.make("form_lain_ditolak", **_who(w), kode=kode,
                                     tahun=int(tahun), lainnya=lainnya))
    return out


def _replaced(rejected: pd.Series, accepted: pd.DataFrame) -> bool:
    """Whether an accepted form of the same RT, dated later, replaced a rejected form."""
    if pd.isna(rejected["rt_rw"]) or pd.isna(rejected["_date"]):
        return False
    same_rt = accepted[accepted["rt_rw"] == rejected["rt_rw"]]
    return bool((same_rt["_date"] > rejected["_date"]).any())


def with_counts(statuses: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """``statuses`` with ``jumlah_error`` and ``jumlah_warning`` per workbook from ``found``."""
    counts = found.groupby(["wb", "keparahan"]).size().unstack(fill_value=0)
    out = statuses.drop(columns=["jumlah_error", "jumlah_warning"], errors="ignore")
    for keparahan in ("error", "warning"):
        col = counts[keparahan] if keparahan in counts else pd.Series(dtype="int64")
        out[f"jumlah_{keparahan}"] = out["wb"].map(col).fillna(0).astype("int32")
    return out


def kept_versions(statuses: pd.DataFrame, workbooks: pd.DataFrame,
                  published: pd.DataFrame) -> list[findings.Finding]:
    """For each rejected workbook with an error, of a kelurahan-year that already has
    published data: a warning that the earlier valid version stays published
    (``versi_lama_tetap``; a form held back by another form is told so by its own warning)."""
    rejected = statuses["status"] == DITOLAK
    if "jumlah_error" in statuses:
        rejected &= statuses["jumlah_error"] > 0
    rejected = workbooks.merge(statuses.loc[rejected, ["wb"]], on="wb")
    published = published.merge(rejected[KEY].drop_duplicates(), on=KEY)  # theirs only
    sources = published.groupby(KEY, as_index=False).agg(sumber_file=(
        "sumber_file", lambda files: files.iloc[0] if files.nunique() == 1
        else f"Form Data RT kelurahan ini ({files.nunique()} berkas)"))
    hits = rejected.merge(sources, on=KEY, suffixes=("", "_terbit"))
    return [findings.make("versi_lama_tetap", wb=int(w.wb), sumber_file=w.sumber_file,
                          sha256=w.sha256, kode=w.kode_kelurahan, tahun=int(w.tahun),
                          lainnya=w.sumber_file_terbit)
            for w in hits.drop_duplicates("wb").itertuples()]


def _who(w: pd.Series) -> dict[str, object]:
    return {"wb": int(w["wb"]), "sumber_file": w["sumber_file"], "sha256": w["sha256"]}


def _supersede(sources: list[_Source], status: pd.Series, kode: str,
               tahun: int) -> list[findings.Finding]:
    """Keep the one source with the latest date (dated beats undated); the others'
    files are ``digantikan``. A tie for the latest date rejects every file of every source."""
    dated = [s.date for s in sources if pd.notna(s.date)]
    latest = max(dated) if dated else None
    winners = [s for s in sources if latest is not None and s.date == latest] or sources
    out = []
    if len(winners) == 1:
        [winner] = winners
        for source in sources:
            if source is winner:
                continue
            for _, w in source.rows.iterrows():
                status[w["wb"]] = DIGANTIKAN
                out.append(findings.make("digantikan", **_who(w), lainnya=winner.name))
        return out
    for source in sources:
        others = ", ".join(sorted(s.name for s in sources if s is not source))
        for _, w in source.rows.iterrows():
            status[w["wb"]] = DITOLAK
            out.append(findings.make("workbook_ganda", **_who(w), kolom="tanggal_pendataan",
                                     kode=kode, tahun=tahun, lainnya=others))
    return out
