"""The spec §4 worked example as data, shared by the scoring and end-to-end tests."""

COLUMNS = ["rt_rw", "luas_ha", "jumlah_bangunan", "jumlah_penduduk", "jumlah_kk",
           "panjang_jalan_ideal_m", "panjang_drainase_ideal_m",
           "vol_1a", "vol_1b", "vol_1c", "vol_2a", "vol_2b", "vol_3a", "vol_3b",
           "vol_4a", "vol_4b", "vol_4c", "vol_5a", "vol_5b", "vol_6a", "vol_6b",
           "vol_7a", "vol_7b"]
ROWS = [
    ["001/002", 1.25, 120, 540, 150, 800, 900, 92, 0.31, 61, 200, 404, 38, 0, 0.95, 450, 230,
     114, 76, 150, 39, 120, 91],
    ["002/002", 0.80, 75, 300, 80, 500, 500, 10, 0, 5, 0, 100, 0, 0, 0, 0, 50, 20, 20, 80, 80,
     75, 75],
    ["003/003", 2.10, 210, 820, 230, 1200, 1300, 168, 1.7, 170, 960, 1000, 184, 190, 1.62, 1100,
     1000, 200, 180, 230, 220, 210, 200],
]
NILAI = {
    "001/002": [5, 0, 1, 1, 1, 1, 0, 5, 1, 1, 5, 1, 5, 1, 5, 3],
    "002/002": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 5, 5, 5, 5],
    "003/003": [5] * 16,
    "kelurahan": [3, 1, 3, 1, 3, 1, 1, 3, 3, 1, 3, 3, 5, 3, 5, 5],
}
TOTAL = {"001/002": 36, "002/002": 22, "003/003": 80, "kelurahan": 44}
TINGKAT = {"001/002": "Kumuh Ringan", "002/002": "Kumuh Ringan", "003/003": "Kumuh Berat",
           "kelurahan": "Kumuh Sedang"}
LUAS_KUMUH = {"total": 4.15, "ringan": 2.05, "sedang": 0.0, "berat": 2.10}
