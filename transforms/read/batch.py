"""Many read workbooks as three frames, so validation and scoring run once per batch.

``workbooks`` has one row per file (identity, structure, provenance), ``rows`` one row per RT
with its provenance columns, ``problems`` one row per cell that could not be read as a number.
Every frame carries ``wb``, the workbook's id in the batch, so a failing row maps back to its file.
An official Form Data RT (spec §2b) is one file with one RT row: ``form_rt`` marks it, ``rt_rw``
names its RT, and :attr:`Batch.cells` says where each of its values was read (a form's values
sit on different rows and sheets, so a column letter and the row do not locate them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from transforms.intake.inventory import InputFile
from transforms.read.row_stack import RowStack
from transforms.read.rt_form import FormRead
from transforms.read.rt_table import stack_rows
from transforms.read.workbook import WorkbookRead, read_workbook
from transforms.spec import criteria, reference
from transforms.spec.names_to_code import NameMatch, code_from_names

PROBLEM_COLUMNS = ["wb", "baris", "kolom", "sel", "isi_sel", "masalah"]
PROVENANCE = ["wb", "sumber_file", "sha256", "sumber_sheet", "sumber_baris"]


@dataclass
class Batch:
    """Frames of a set of read workbooks (see module docstring)."""

    workbooks: pd.DataFrame
    rows: pd.DataFrame
    problems: pd.DataFrame
    letters: dict[int, dict[str, str]] = field(default_factory=dict)
    #: wb → (Excel row, column) → a number cell's text as the clerk typed it, where it matters
    #: (:attr:`transforms.read.workbook.WorkbookRead.typed`).
    typed: dict[int, dict[tuple[int, str], str]] = field(default_factory=dict)
    #: Form Data RT only: column or identity field → its cell (``Kekumuhan Awal_RT!C25``).
    cells: dict[int, dict[str, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.workbooks)


def _workbook_record(wb: int, r: WorkbookRead) -> dict[str, object]:
    rec: dict[str, object] = {
        "wb": wb,
        "sumber_file": r.sumber_file,
        "sha256": r.sha256,
        "size": r.size,
        "terbaca": r.terbaca,
        "detail": r.read_error,
        "alasan": r.read_error_code,
        "rt_sheet": r.rt_sheet,
        "header_row": r.header_row,
        "tabel_rt_ditemukan": bool(r.terbaca and r.rt_sheet is not None
                                   and r.header_row is not None),
        "kolom_hilang": ",".join(r.missing_columns) if r.missing_columns else None,
        "jumlah_baris_rt": 0 if r.table is None else len(r.table["sumber_baris"]),
        "convention": r.convention,
        "form_rt": isinstance(r, FormRead),
        "rt_rw": _form_rt_rw(r),
        #: Form Data RT: required column → (sheet, label) missing on the form.
        "label_hilang": dict(r.missing_labels) if isinstance(r, FormRead) and
        r.missing_labels else None,
    }
    for f in criteria.identity_fields():
        rec[f.field] = r.identity.get(f.field) if r.identity else None
        rec[f"{f.field}_raw"] = (r.identity_raw or {}).get(f.field)
        sheet_cell = (r.identity_cells or {}).get(f.field)
        rec[f"{f.field}_sel"] = f"{sheet_cell[0]}!{sheet_cell[1]}" if sheet_cell else None
    return rec


def _form_rt_rw(r: WorkbookRead) -> str | None:
    """``RT/RW`` of a form's one RT (None for a kelurahan workbook or an unread RT)."""
    if not isinstance(r, FormRead) or r.table is None or not len(r.table["rt"]):
        return None
    rt, rw = r.table["rt"][0], r.table["rw"][0]
    return None if rt is None else f"{rt}/{rw or '?'}"


def combine(reads: list[WorkbookRead], first_wb: int = 0) -> Batch:
    """A batch of ``reads`` numbered from ``first_wb``."""
    records, with_rows, problems, letters, typed, cells = [], [], [], {}, {}, {}
    for i, r in enumerate(reads):
        wb = first_wb + i
        records.append(_workbook_record(wb, r))
        letters[wb] = dict(r.columns or {})
        if r.typed:
            typed[wb] = r.typed
        if isinstance(r, FormRead):
            cells[wb] = dict(r.cells)
        if r.terbaca and r.table is not None:
            with_rows.append((wb, r))
        problems.extend(
            (wb, p.baris, p.kolom, f"{p.sheet}!{p.sel}", p.isi_sel, p.masalah) for p in r.problems
        )
    columns = list(_workbook_record(0, WorkbookRead("", "", 0, False, None)))
    workbooks = pd.DataFrame.from_records(records, columns=columns)
    workbooks["tahun"] = pd.to_numeric(workbooks["tahun"], errors="coerce").astype("Int64")
    if any(len(r.table["sumber_baris"]) for _, r in with_rows):
        rows = stack_rows(with_rows)  # column arrays: no DataFrame per workbook
    else:
        rows = pd.DataFrame(columns=[*PROVENANCE, "rt", "rw", "kawasan",
                                     *criteria.numeric_columns()])
    return Batch(workbooks, rows, pd.DataFrame(problems, columns=PROBLEM_COLUMNS), letters,
                 typed, cells)


def concat(batches: list[Batch]) -> Batch:
    """One batch from several, renumbering workbook ids so they stay unique."""
    stack = Stacker(sum(len(b) for b in batches))
    for b in batches:
        stack.add(b)
    return stack.batch()


class Stacker:
    """One batch from batches added one at a time, for a run that reads in chunks: each is
    stacked as it arrives (its RT rows copied into the growing arrays of a
    :class:`transforms.read.row_stack.RowStack`), and :meth:`batch` is :func:`concat` of them,
    ready soon after the last one. ``expected``: how many workbooks the batches will hold in
    all (an estimate: it sizes the row arrays)."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self._offset = 0
        self._workbooks: list[pd.DataFrame] = []
        self._problems: list[pd.DataFrame] = []
        self._rows = RowStack()
        self._no_rows: pd.DataFrame | None = None  # the first batch's rows, if none has any
        self._letters: dict[int, dict[str, str]] = {}
        self._typed: dict[int, dict[tuple[int, str], str]] = {}
        self._cells: dict[int, dict[str, str]] = {}

    def add(self, b: Batch) -> None:
        """Stack ``b`` after the batches added before, its workbook ids following theirs."""
        if b.workbooks.empty:
            return
        shift = self._offset - int(b.workbooks["wb"].min())
        self._workbooks.append(b.workbooks.assign(wb=b.workbooks["wb"] + shift))
        self._problems.append(b.problems.assign(wb=b.problems["wb"] + shift))
        self._letters.update({wb + shift: cols for wb, cols in b.letters.items()})
        self._typed.update({wb + shift: cells for wb, cells in b.typed.items()})
        self._cells.update({wb + shift: where for wb, where in b.cells.items()})
        self._offset += len(b.workbooks)
        if len(b.rows):
            per_workbook = (self._rows.rows + len(b.rows)) / self._offset
            self._rows.add(b.rows, shift, round(per_workbook * max(self.expected, self._offset)))
        elif self._no_rows is None:
            self._no_rows = b.rows.assign(wb=b.rows["wb"] + shift)

    def batch(self) -> Batch:
        """The batches added, as one."""
        if not self._workbooks:
            return combine([])
        return Batch(pd.concat(self._workbooks, ignore_index=True),
                     self._rows.frame() if self._rows.rows else self._no_rows,
                     pd.concat(self._problems, ignore_index=True),
                     self._letters, self._typed, self._cells)


def select(batch: Batch, keep: list[bool]) -> Batch:
    """The workbooks of ``batch`` whose flag in ``keep`` (one per workbook row) is true."""
    wbs = set(batch.workbooks.loc[keep, "wb"])
    return Batch(batch.workbooks[batch.workbooks["wb"].isin(wbs)].reset_index(drop=True),
                 batch.rows[batch.rows["wb"].isin(wbs)].reset_index(drop=True),
                 batch.problems[batch.problems["wb"].isin(wbs)].reset_index(drop=True),
                 {wb: cols for wb, cols in batch.letters.items() if wb in wbs},
                 {wb: cells for wb, cells in batch.typed.items() if wb in wbs},
                 {wb: where for wb, where in batch.cells.items() if wb in wbs})


def codes_from_names(workbooks: pd.DataFrame, ref: reference.Reference) -> pd.DataFrame:
    """The workbook frame with ``kode_kelurahan`` of every readable Form Data RT that has no
    ``Kode Wilayah`` found from its region names (spec §2b), and ``nama_ke_kode``: the
    :class:`transforms.spec.names_to_code.NameMatch` of a form whose names found no code (for
    the ``kode_dari_nama`` error; None elsewhere). Forms already matched are not matched again."""
    out = workbooks.copy()
    if "nama_ke_kode" not in out:
        out["nama_ke_kode"] = pd.Series(None, index=out.index, dtype=object)
    todo = (out["form_rt"].astype(bool) & out["terbaca"].astype(bool)
            & out["kode_kelurahan"].isna() & out["kode_kelurahan_raw"].isna()
            & out["nama_ke_kode"].isna())
    names = ["kabupaten", "kecamatan", "kelurahan", "provinsi"]
    matches: dict[tuple, NameMatch] = {}  # the forms of a kelurahan repeat its names
    for i in out.index[todo]:
        key = tuple(out.loc[i, names])
        if key not in matches:
            matches[key] = code_from_names(ref, *key)
        match = matches[key]
        if match.ok:
            out.at[i, "kode_kelurahan"] = match.kode
        else:
            out.at[i, "nama_ke_kode"] = match
    return out


def kelurahan_years(workbooks: pd.DataFrame) -> pd.DataFrame:
    """``kode_kelurahan, tahun`` the files of a batch may compete in: their own, and for a
    form whose names found no code, the kelurahan its names suggest; ``tahun`` is NA for a
    form without a year (every year of its kelurahan). After :func:`codes_from_names`."""
    kode = workbooks["kode_kelurahan"]
    if "nama_ke_kode" in workbooks:
        kode = kode.where(kode.notna(), workbooks["nama_ke_kode"].map(
            lambda m: getattr(m, "saran_kode", None)))
    keys = pd.DataFrame({"kode_kelurahan": kode, "tahun": workbooks["tahun"]})
    forms = workbooks["form_rt"].astype(bool)
    keep = keys["kode_kelurahan"].notna() & (keys["tahun"].notna() | forms)
    return keys[keep].drop_duplicates().reset_index(drop=True)


def with_reference(workbooks: pd.DataFrame, ref: reference.Reference) -> pd.DataFrame:
    """Workbook frame plus the official hierarchy of its code (``*_resmi``), ``kode_dikenal``
    (None when the code is malformed) and ``nama_*_cocok`` flags (None unless both names are
    known) for the code rule and the name warning; forms without a code get theirs from their
    names first (:func:`codes_from_names`)."""
    workbooks = codes_from_names(workbooks, ref)
    official = ref.villages_for(workbooks["kode_kelurahan"]).add_suffix("_resmi").rename(
        columns={"kode_kelurahan_resmi": "kode_kelurahan"})
    out = workbooks.merge(official, on="kode_kelurahan", how="left")
    well_formed = out["kode_kelurahan"].astype("string").str.fullmatch(
        reference.KODE_KELURAHAN_PATTERN).fillna(False).astype(bool)
    out["kode_dikenal"] = out["nama_kelurahan_resmi"].notna().where(well_formed, None)
    for level in ("kelurahan", "kecamatan", "kabupaten"):
        written = _norm_names(out[level])
        resmi = _norm_names(out[f"nama_{level}_resmi"])
        known = (written != "") & (resmi != "")
        out[f"nama_{level}_cocok"] = (written == resmi).where(known, None).astype("object")
    return out


def _norm_names(names: pd.Series) -> pd.Series:
    """:func:`reference.norm_name` of each name, each distinct text normalised once (a
    kecamatan's or kabupaten's name repeats over its workbooks)."""
    done: dict[str, str] = {}

    def norm(name: object) -> str:
        if not isinstance(name, str):
            return reference.norm_name(name)
        if name not in done:
            done[name] = reference.norm_name(name)
        return done[name]

    return names.map(norm)


def read_files(root: Path, files: list[InputFile], first_wb: int = 0) -> Batch:
    """Read the workbooks ``files`` under ``root`` (one process's share of a run) into a batch.
    A file whose size or mtime changed since it was listed is marked ``alasan`` = ``MOVED``
    (still being copied: the run leaves it for the next one)."""
    return combine([_read_one(root, f) for f in files], first_wb)


#: ``alasan`` of a workbook that changed while it was read (still being copied).
MOVED = "sedang_disalin"


def moved(batch: Batch) -> list[str]:
    """Files of ``batch`` that changed while they were read."""
    return batch.workbooks.loc[batch.workbooks["alasan"] == MOVED, "sumber_file"].tolist()


def _read_one(root: Path, f: InputFile) -> WorkbookRead:
    read = read_workbook(root / f.rel, f.rel)
    try:
        st = (root / f.rel).stat()
        moved = (st.st_size, st.st_mtime_ns) != (f.size, f.mtime_ns) or read.size != f.size
    except OSError:
        moved = True
    if moved:
        return WorkbookRead(sumber_file=f.rel, sha256=read.sha256, size=read.size,
                            terbaca=False, read_error="ukuran/waktu ubah berganti",
                            read_error_code=MOVED)
    return read
