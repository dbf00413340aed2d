"""What a generated KOTAKU *Form Data RT* holds (spec §2b): the official template's sheet
names and labels, the layout variations and injected defects a folder of forms cycles through,
the ground-truth record of one form, and the form's own way of computing its stored results
(1a, 1c, 7a and 7b divided by ``Jumlah KRT``). Written by :mod:`transforms.sample.form_writer`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from transforms.sample.truth import SampleRT
from transforms.spec import criteria

COVER = "Cover"
REKAP = "C. Rekap data RT (logbook SIM)"
FORM = "Kekumuhan Awal_RT"
#: Household sheets of the official form (invented residents here; never read by kumuh).
PERSONAL = ("Form FGD RT Versi 1 Lembar A3", "A. DP-RT", "A.1_Update")

#: Every value of every FormLayout variation; a folder of forms cycles through them.
FORM_VARIATIONS: dict[str, tuple[object, ...]] = {
    "row_offset": (0, 3, 1, 7),
    "col_offset": (0, 2, 1),
    "cover_row": (16, 4, 9),
    "cover_col": (3, 0, 1),
    "rekap_offset": (0, 2, 5),
    "colon": ("cell", "inline", "label"),
    "formulas": (True, False),
    "numbers": ("numeric", "text_id", "mixed"),
    "merged": (True, False),
    "tingkat_style": ("upper", "short", "title"),
    "date_style": ("text", "dmy", "month", "cell", "day"),
    "tahun_pair": (False, True),
    "extra_columns": (True, False),
    "kawasan": (False, True),
}

#: Injected errors, one per defective form, and the finding rule each must raise.
DEFECT_RULE: dict[str, str] = {
    "bukan_angka": "bukan_angka",
    "sel_error": "sel_error",
    "nilai_kosong": "nilai_kosong",
    "baris_hilang": "label_form_hilang",
    "kabupaten_salah": "kode_dari_nama",
    "tanggal_hilang": "identitas_hilang",
    "volume_melebihi_penyebut": "volume_melebihi_penyebut",
    "nilai_negatif": "nilai_negatif",
}
FORM_DEFECTS: tuple[str, ...] = tuple(DEFECT_RULE)

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
TINGKAT_SHORT = {"Tidak Kumuh": "TK", "Kumuh Ringan": "KR", "Kumuh Sedang": "KS",
                  "Kumuh Berat": "KB"}
UNIT_LABEL = {"unit": "Unit", "ha": "Ha", "m": "Meter", "KK": "KK"}
#: What the Rekap sheet calls the quantity behind each volume (its row feeds the volume).
REKAP_LABEL = {
    "1a": "Jumlah bangunan hunian tidak teratur", "1b": "Luas area dengan kepadatan tinggi",
    "1c": "Jumlah bangunan hunian tidak sesuai persyaratan teknis",
    "2a": "Panjang kebutuhan Jalan baru diluar eksisting",
    "2b": "Panjang jalan lingkungan dengan permukaan rusak",
    "3a": "Jumlah KK tanpa akses aman air minum",
    "3b": "Jumlah KK tidak terpenuhi kebutuhan air minum",
    "4a": "Luas area permukiman tergenang", "4b": "Panjang kebutuhan drainase baru",
    "4c": "Panjang drainase dengan kualitas buruk",
    "5a": "Jumlah KK dengan sistem air limbah tidak sesuai",
    "5b": "Jumlah KK dengan prasarana air limbah tidak sesuai",
    "6a": "Jumlah KK dengan prasarana persampahan tidak sesuai",
    "6b": "Jumlah KK dengan sistem persampahan tidak sesuai",
    "7a": "Jumlah bangunan tanpa prasarana proteksi kebakaran",
    "7b": "Jumlah bangunan tanpa sarana proteksi kebakaran",
}
#: The form's criterion labels (as on the official template).
FORM_KRITERIA = {
    "1a": "Ketidakteraturan Bangunan", "1b": "Kepadatan Bangunan",
    "1c": "Ketidaksesuaian dengan Persy Teknis Bangunan",
    "2a": "Cakupan Pelayanan Jalan Lingkungan", "2b": "Kualitas Permukaan Jalan lingkungan",
    "3a": "Ketersediaan Akses Aman Air Minum", "3b": "Tidak terpenuhinya Kebutuhan Air Minum",
    "4a": "Ketidakmampuan Mengalirkan Limpasan Air", "4b": "Ketidaktersediaan Drainase",
    "4c": "Kualitas Konstruksi Drainase",
    "5a": "Sistem Pengelolaan Air Limbah Tidak Sesuai Standar Teknis",
    "5b": "Prasarana dan Sarana Pengelolaan Air Limbah Tidak Sesuai dengan Persyaratan Teknis",
    "6a": "Prasarana dan Sarana Persampahan Tidak Sesuai dengan persyaratan Teknis",
    "6b": "Sistem Pengelolaan Persampahan yang tidak sesuai Standar Teknis",
    "7a": "Ketidaktersediaan Prasarana Proteksi Kebakaran",
    "7b": "Ketidaktersediaan Sarana Proteksi Kebakaran",
}
NAMA_WARGA = ("Suhardi", "Sri Wahyuni", "Bambang Sutrisno", "Siti Aminah", "Joko Susilo",
         "Tri Handayani", "Agus Salim", "Dwi Lestari", "Slamet Riyadi", "Endang Purwati")


@dataclass
class FormLayout:
    """How one form is laid out (defaults: the official template as in the real fixture)."""

    row_offset: int = 0  # extra rows above everything on the Kekumuhan Awal_RT sheet
    col_offset: int = 0  # extra columns left of it
    cover_row: int = 16  # 0-based row of the first Cover pair
    cover_col: int = 3  # 0-based column of the Cover labels
    rekap_offset: int = 0  # extra rows and columns on the Rekap sheet
    colon: str = "cell"  # cell: `Provinsi | : | X`; inline: `Provinsi | : X`; label: `Provinsi : X`
    formulas: bool = True  # volumes, percents, scores, totals as formulas with cached values
    numbers: str = "numeric"  # numeric | text_id (Indonesian text numbers) | mixed
    merged: bool = True
    tingkat_style: str = "upper"  # upper `KUMUH RINGAN` | short `KR` | title `Kumuh Ringan`
    date_style: str = "text"  # text | dmy | month | cell | day
    tahun_pair: bool = False  # a `Tahun` pair on the Cover
    extra_columns: bool = True  # manual scores and notes right of NILAI
    kode_wilayah: bool = False  # a `Kode Wilayah` pair on the Cover (not on the template)
    kawasan: bool = False  # a `Kawasan` pair on the Cover


@dataclass
class SampleForm:
    """A generated form and its ground truth."""

    path: Path
    kode_kelurahan: str
    nama_kelurahan: str
    tahun: int
    #: The date a reader must find (the first of the month for a month-only date).
    tanggal_pendataan: dt.date | None
    rt: SampleRT
    jumlah_krt: int
    layout: FormLayout
    #: Identity as written on the Cover (names in the clerk's style, no code).
    identity: dict[str, object] = field(default_factory=dict)
    #: stored_persen_<kode> (percent), stored_nilai_<kode>, stored_total_nilai (the form's way)
    #: and stored_tingkat_kekumuhan (as written).
    stored: dict[str, object] = field(default_factory=dict)
    #: Column or identity field → ``Sheet!C25`` where it was written.
    cells: dict[str, str] = field(default_factory=dict)
    defects: list[str] = field(default_factory=list)
    #: What kumuh must decide for this file: diterima, ditolak, duplikat or digantikan.
    expected_status: str = "diterima"


# --------------------------------------------------------------------------- the form's way


def form_divisor(c: criteria.Criterion, values: Mapping[str, float], krt: float) -> float:
    """What the official form divides a volume by: KRT for 1a, 1c, 7a and 7b, else the spec's
    denominator."""
    return krt if c.penyebut == "jumlah_bangunan" else float(values[c.penyebut])


def form_scores(values: Mapping[str, float], krt: float) -> dict[str, object]:
    """The form's stored results: percent, score per criterion, total and tingkat label."""
    out: dict[str, object] = {}
    total = 0
    for c in criteria.criteria():
        den = form_divisor(c, values, krt)
        frac = 0.0 if den == 0 else float(values[c.vol]) / den
        nilai = 5 if frac >= 0.75995 else 3 if frac >= 0.50995 else 1 if frac >= 0.24995 else 0
        out[f"stored_persen_{c.kode}"] = 100 * frac
        out[f"stored_nilai_{c.kode}"] = nilai
        total += nilai
    out["stored_total_nilai"] = total
    out["tingkat_kekumuhan"] = next(label for low, label in criteria.TINGKAT_BANDS if total >= low)
    return out


def tingkat_text(label: str, style: str) -> str:
    if style == "short":
        return TINGKAT_SHORT[label]
    return label.upper() if style == "upper" else label


def date_text(d: dt.date, style: str) -> tuple[object, dt.date]:
    """(cell value, date a reader must find) of a survey date in a style."""
    month = BULAN[d.month - 1]
    if style == "dmy":
        return f"{d:%d-%m-%Y}", d
    if style == "month":
        return f"{month} {d.year}", d.replace(day=1)
    if style == "cell":
        return d, d
    if style == "day":
        return f"{HARI[d.weekday()]}, {d.day} {month} {d.year}", d
    return f"{d.day} {month.upper()} {d.year}", d
