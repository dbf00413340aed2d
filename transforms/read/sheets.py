"""Sheet access: a checked workbook's sheets as grids, merged ranges and Excel error cells.

python-calamine (0.9) returns Excel error cells (``#DIV/0!``) as empty strings, so for
``.xlsx``/``.xlsm`` and ``.ods`` the error cells of a sheet are looked up in the file's XML;
in a legacy ``.xls`` an error cell reads as empty (``kosong``, still an error).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from functools import lru_cache

import python_calamine as pc

from transforms.read.cells import Grid, MergeMap, column_index
from transforms.read.container import (
    ODS_CALCEXT,
    ODS_TABLE,
    ReadFailure,
    calamine_failure,
    charge_cells,
    check_ole,
    check_zip,
    ods_grid_cells,
    sniff,
    xlsx_grid_cells,
)


class Book:
    """A parsed workbook: sheet names and sheets as grids, loaded once each, never past the
    caps (``MAX_*``): the container is checked before calamine opens it, and each sheet's grid
    size is measured from its XML before calamine builds it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.kind = sniff(data)
        self._parts: dict[str, bytes] = {}
        self._sheet_paths: dict[str, str] | None = None
        if self.kind == "ole":
            check_ole(data)
        else:
            self.kind, self._parts = check_zip(data)
        self._cells_loaded = 0
        if self.kind == "ods":  # calamine builds every ODS table when it opens the file
            for name, cells in self._ods_grid_cells().items():
                self._reserve(name, cells)
        try:
            self.book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.names = [
                m.name for m in self.book.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet
            ]
        except Exception as exc:  # calamine raises many types for bad input
            raise calamine_failure(exc, self.data) from exc
        self._grids: dict[str, Grid] = {}
        self._merges: dict[str, MergeMap] = {}

    def _reserve(self, name: str, cells: int) -> None:
        """Count ``cells`` against the caps before a sheet of that size is built."""
        self._cells_loaded = charge_cells(name, cells, self._cells_loaded)

    def _ods_grid_cells(self) -> dict[str, int]:
        """Grid size of every ODS table, from content.xml."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                return ods_grid_cells(zf.read("content.xml"))
        except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError, OSError) as exc:
            raise ReadFailure("isi XML workbook tidak utuh", "berkas_rusak") from exc

    def _xlsx_grid_cells(self, name: str) -> int:
        """Grid size of an xlsx sheet, from its XML part (inflated once, by the zip check)."""
        parts = self._parts
        try:
            if self._sheet_paths is None:
                self._sheet_paths = _xlsx_sheet_paths(parts["xl/workbook.xml"],
                                                      parts["xl/_rels/workbook.xml.rels"])
            path = self._sheet_paths.get(name)
            if path is not None and path not in parts:
                raise ReadFailure(f"sheet '{name}' tidak ada di dalam arsip", "berkas_rusak")
            paths = [path] if path else [n for n in parts if n.startswith("xl/worksheets/")]
            return max((xlsx_grid_cells(parts[p]) for p in paths), default=0)
        except (KeyError, ET.ParseError, ValueError) as exc:
            raise ReadFailure("isi XML workbook tidak utuh", "berkas_rusak") from exc

    def grid(self, name: str) -> Grid:
        """All cells of a sheet from A1, as calamine returns them ('' for empty)."""
        if name not in self._grids:
            if self.kind == "xlsx":
                self._reserve(name, self._xlsx_grid_cells(name))
            try:
                sheet = self.book.get_sheet_by_name(name)
                if self.kind in ("ole", "xlsb"):  # no XML to measure: check calamine's range
                    end = sheet.end
                    self._reserve(name, 0 if end is None else (end[0] + 1) * (end[1] + 1))
                self._grids[name] = sheet.to_python(skip_empty_area=False)
                ranges = sheet.merged_cell_ranges
            except ReadFailure:
                raise
            except Exception as exc:
                raise calamine_failure(exc, self.data) from exc
            self._merges[name] = None if ranges is None else _merge_map(ranges)
        return self._grids[name]

    def merges(self, name: str) -> MergeMap:
        """Merged ranges of a loaded sheet keyed by top-left cell (None: format has none)."""
        self.grid(name)
        return self._merges[name]

    def error_cells(self, name: str) -> dict[tuple[int, int], str]:
        """Excel error values of a sheet by 0-based (row, col), read from the file's XML."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                members = set(zf.namelist())
                if "xl/workbook.xml" in members:
                    return _xlsx_error_cells(zf, name)
                if "content.xml" in members:
                    return _ods_error_cells(zf, name)
        except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError):
            return {}
        return {}


def _merge_map(ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> MergeMap:
    """Merged ranges keyed by their top-left cell: (row0, col0, row1, col1)."""
    return {(r0, c0): (r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges}


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_XLSX_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_XLSX_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


@lru_cache(maxsize=256)  # workbooks made from one template repeat these two parts
def _xlsx_sheet_paths(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Zip member of every worksheet of an xlsx/xlsm, by sheet name (shared: not to be
    changed)."""
    book = ET.fromstring(workbook_xml)
    rels = ET.fromstring(rels_xml)
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        out.setdefault(sheet.get("name", ""),
                       target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    return out


def _xlsx_sheet_path(zf: zipfile.ZipFile, name: str) -> str | None:
    """Zip member of the worksheet called ``name`` in an xlsx/xlsm."""
    return _xlsx_sheet_paths(zf.read("xl/workbook.xml"),
                             zf.read("xl/_rels/workbook.xml.rels")).get(name)


def _xlsx_error_cells(zf: zipfile.ZipFile, name: str) -> dict[tuple[int, int], str]:
    """Error cells (``t="e"``) of one xlsx worksheet."""
    path = _xlsx_sheet_path(zf, name)
    if path is None:
        return {}
    xml = zf.read(path)
    if b't="e"' not in xml:
        return {}
    out: dict[tuple[int, int], str] = {}
    for m in _XLSX_CELL.finditer(xml):
        attrs = m.group(1)
        if b't="e"' not in attrs:
            continue
        ref = _XLSX_REF.search(attrs)
        value = _XLSX_VALUE.search(m.group(2) or b"")
        if ref:
            text = value.group(1).decode() if value else "#VALUE!"
            out[(int(ref.group(2)) - 1, column_index(ref.group(1).decode()))] = text
    return out





def _ods_error_cells(zf: zipfile.ZipFile, name: str) -> dict[tuple[int, int], str]:
    """Error cells (``calcext:value-type="error"``) of one ODS table."""
    content = zf.read("content.xml")
    if b'value-type="error"' not in content:
        return {}
    out: dict[tuple[int, int], str] = {}
    for table in ET.fromstring(content).iter(f"{ODS_TABLE}table"):
        if table.get(f"{ODS_TABLE}name") != name:
            continue
        row0 = 0
        for row in table.iter(f"{ODS_TABLE}table-row"):
            col0 = 0
            for cell in row:
                span = int(cell.get(f"{ODS_TABLE}number-columns-repeated", "1"))
                if cell.get(f"{ODS_CALCEXT}value-type") == "error":
                    text = "".join(cell.itertext()).strip() or "#VALUE!"
                    for c in range(col0, col0 + min(span, 1024)):
                        out[(row0, c)] = text
                col0 += span
            row0 += int(row.get(f"{ODS_TABLE}number-rows-repeated", "1"))
    return out

