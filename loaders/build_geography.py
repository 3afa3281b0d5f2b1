"""Build the shipped geography file from the thaiaddress subdistrict list.

    python -m loaders.build_geography SOURCE.csv [loaders/data/thai_geography.csv.gz]

The source (province, district, subdistrict, zipcode, latitude, longitude; Apache-2.0, from
the PyPI package thaiaddress 0.2.1 by Titipat Achakulvisut) has names but no codes. It lists
provinces, districts and subdistricts in DOPA order, so:

* province codes are the official DOPA codes, taken from `PROVINCES` below (public facts);
* district codes are generated: province code + 2-digit sequence in source order;
* subdistrict codes are generated: district code + 2-digit sequence in source order.

Generated codes follow the DOPA scheme and are stable (the derived file is committed), but
they are not guaranteed to equal the official ones; `hub geography import` loads an official
registry in the same CSV format and re-codes existing rows by name.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

from loaders.geography import COLUMNS, SHIPPED_GEOGRAPHY

# (DOPA code, Thai name, English name), in DOPA order.
PROVINCES: tuple[tuple[str, str, str], ...] = (
    ("10", "กรุงเทพมหานคร", "Bangkok"),
    ("11", "สมุทรปราการ", "Samut Prakan"),
    ("12", "นนทบุรี", "Nonthaburi"),
    ("13", "ปทุมธานี", "Pathum Thani"),
    ("14", "พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya"),
    ("15", "อ่างทอง", "Ang Thong"),
    ("16", "ลพบุรี", "Lop Buri"),
    ("17", "สิงห์บุรี", "Sing Buri"),
    ("18", "ชัยนาท", "Chai Nat"),
    ("19", "สระบุรี", "Saraburi"),
    ("20", "ชลบุรี", "Chon Buri"),
    ("21", "ระยอง", "Rayong"),
    ("22", "จันทบุรี", "Chanthaburi"),
    ("23", "ตราด", "Trat"),
    ("24", "ฉะเชิงเทรา", "Chachoengsao"),
    ("25", "ปราจีนบุรี", "Prachin Buri"),
    ("26", "นครนายก", "Nakhon Nayok"),
    ("27", "สระแก้ว", "Sa Kaeo"),
    ("30", "นครราชสีมา", "Nakhon Ratchasima"),
    ("31", "บุรีรัมย์", "Buri Ram"),
    ("32", "สุรินทร์", "Surin"),
    ("33", "ศรีสะเกษ", "Si Sa Ket"),
    ("34", "อุบลราชธานี", "Ubon Ratchathani"),
    ("35", "ยโสธร", "Yasothon"),
    ("36", "ชัยภูมิ", "Chaiyaphum"),
    ("37", "อำนาจเจริญ", "Amnat Charoen"),
    ("38", "บึงกาฬ", "Bueng Kan"),
    ("39", "หนองบัวลำภู", "Nong Bua Lam Phu"),
    ("40", "ขอนแก่น", "Khon Kaen"),
    ("41", "อุดรธานี", "Udon Thani"),
    ("42", "เลย", "Loei"),
    ("43", "หนองคาย", "Nong Khai"),
    ("44", "มหาสารคาม", "Maha Sarakham"),
    ("45", "ร้อยเอ็ด", "Roi Et"),
    ("46", "กาฬสินธุ์", "Kalasin"),
    ("47", "สกลนคร", "Sakon Nakhon"),
    ("48", "นครพนม", "Nakhon Phanom"),
    ("49", "มุกดาหาร", "Mukdahan"),
    ("50", "เชียงใหม่", "Chiang Mai"),
    ("51", "ลำพูน", "Lamphun"),
    ("52", "ลำปาง", "Lampang"),
    ("53", "อุตรดิตถ์", "Uttaradit"),
    ("54", "แพร่", "Phrae"),
    ("55", "น่าน", "Nan"),
    ("56", "พะเยา", "Phayao"),
    ("57", "เชียงราย", "Chiang Rai"),
    ("58", "แม่ฮ่องสอน", "Mae Hong Son"),
    ("60", "นครสวรรค์", "Nakhon Sawan"),
    ("61", "อุทัยธานี", "Uthai Thani"),
    ("62", "กำแพงเพชร", "Kamphaeng Phet"),
    ("63", "ตาก", "Tak"),
    ("64", "สุโขทัย", "Sukhothai"),
    ("65", "พิษณุโลก", "Phitsanulok"),
    ("66", "พิจิตร", "Phichit"),
    ("67", "เพชรบูรณ์", "Phetchabun"),
    ("70", "ราชบุรี", "Ratchaburi"),
    ("71", "กาญจนบุรี", "Kanchanaburi"),
    ("72", "สุพรรณบุรี", "Suphan Buri"),
    ("73", "นครปฐม", "Nakhon Pathom"),
    ("74", "สมุทรสาคร", "Samut Sakhon"),
    ("75", "สมุทรสงคราม", "Samut Songkhram"),
    ("76", "เพชรบุรี", "Phetchaburi"),
    ("77", "ประจวบคีรีขันธ์", "Prachuap Khiri Khan"),
    ("80", "นครศรีธรรมราช", "Nakhon Si Thammarat"),
    ("81", "กระบี่", "Krabi"),
    ("82", "พังงา", "Phangnga"),
    ("83", "ภูเก็ต", "Phuket"),
    ("84", "สุราษฎร์ธานี", "Surat Thani"),
    ("85", "ระนอง", "Ranong"),
    ("86", "ชุมพร", "Chumphon"),
    ("90", "สงขลา", "Songkhla"),
    ("91", "สตูล", "Satun"),
    ("92", "ตรัง", "Trang"),
    ("93", "พัทลุง", "Phatthalung"),
    ("94", "ปัตตานี", "Pattani"),
    ("95", "ยะลา", "Yala"),
    ("96", "นราธิวาส", "Narathiwat"),
)


def build(source: Path, target: Path) -> int:
    by_name = {th: (code, en) for code, th, en in PROVINCES}
    district_codes: dict[tuple[str, str], str] = {}
    next_district: dict[str, int] = {}
    next_subdistrict: dict[str, int] = {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    with source.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            province_code, province_en = by_name[row["province"]]
            key = (row["province"], row["district"])
            if key not in district_codes:
                next_district[province_code] = next_district.get(province_code, 0) + 1
                district_codes[key] = f"{province_code}{next_district[province_code]:02d}"
            district_code = district_codes[key]
            next_subdistrict[district_code] = next_subdistrict.get(district_code, 0) + 1
            subdistrict_code = f"{district_code}{next_subdistrict[district_code]:02d}"
            lat, lon = row["latitude"], row["longitude"]
            writer.writerow(
                [
                    province_code,
                    row["province"],
                    province_en,
                    district_code,
                    row["district"],
                    subdistrict_code,
                    row["subdistrict"],
                    row["zipcode"],
                    "" if lat == "null" else lat,
                    "" if lon == "null" else lon,
                ]
            )
            rows += 1
    # mtime=0 keeps the gzip bytes identical across rebuilds.
    target.write_bytes(gzip.compress(out.getvalue().encode("utf-8"), mtime=0))
    return rows


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    target = Path(sys.argv[2]) if len(sys.argv) == 3 else SHIPPED_GEOGRAPHY
    print(f"wrote {build(Path(sys.argv[1]), target)} subdistricts to {target}")
