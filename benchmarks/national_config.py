"""A national province config: every prefecture-level division of the 31 provinces as a member.

Writes a config that ``literacy simulate --province`` and ``literacy run-province`` read (the
Wuhai template for every member), for the national-scale benchmark (``bench_national.py``)::

    .venv/bin/python benchmarks/national_config.py OUT.yaml [--cities N] [--respondents 1000]

Sources and what is illustrative:

- the number of members per province: the prefecture-level divisions (地级区划: prefecture-level
  cities, prefectures, autonomous prefectures, leagues) of each of the 27 provinces and autonomous
  regions at the end of 2023, 333 in all, as in the National Bureau of Statistics' table of
  administrative divisions (中国统计年鉴 2024, 表1-1 全国行政区划, and the Ministry of Civil
  Affairs' 行政区划统计表); each of the 4 municipalities (Beijing, Tianjin, Shanghai, Chongqing)
  is one member: 337 members. Hainan's count includes Sansha;
- each province's residents: the 2020 (seventh) census (第七次全国人口普查公报, rounded to
  0.1 million), split **equally** among its members (illustrative: real cities differ by a factor
  of 20);
- the rates: illustrative, spread deterministically around the national 10.56% (2020) and
  15.37% (2024, standing for 2025); the two districts of every member (an urban core and its
  counties) and their rural shares are illustrative too.
- ``--cities N`` keeps N members taken round-robin over the provinces (the benchmark's subsets
  span the country).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: (id, 中文, English, prefecture-level members, 2020 census residents in millions)
PROVINCES = [
    ("beijing", "北京市", "Beijing", 1, 21.9), ("tianjin", "天津市", "Tianjin", 1, 13.9),
    ("hebei", "河北省", "Hebei", 11, 74.6), ("shanxi", "山西省", "Shanxi", 11, 34.9),
    ("neimenggu", "内蒙古自治区", "Inner Mongolia", 12, 24.0), ("liaoning", "辽宁省", "Liaoning", 14, 42.6),
    ("jilin", "吉林省", "Jilin", 9, 24.1), ("heilongjiang", "黑龙江省", "Heilongjiang", 13, 31.9),
    ("shanghai", "上海市", "Shanghai", 1, 24.9), ("jiangsu", "江苏省", "Jiangsu", 13, 84.7),
    ("zhejiang", "浙江省", "Zhejiang", 11, 64.6), ("anhui", "安徽省", "Anhui", 16, 61.0),
    ("fujian", "福建省", "Fujian", 9, 41.5), ("jiangxi", "江西省", "Jiangxi", 11, 45.2),
    ("shandong", "山东省", "Shandong", 16, 101.5), ("henan", "河南省", "Henan", 17, 99.4),
    ("hubei", "湖北省", "Hubei", 13, 57.8), ("hunan", "湖南省", "Hunan", 14, 66.4),
    ("guangdong", "广东省", "Guangdong", 21, 126.0), ("guangxi", "广西壮族自治区", "Guangxi", 14, 50.1),
    ("hainan", "海南省", "Hainan", 4, 10.1), ("chongqing", "重庆市", "Chongqing", 1, 32.1),
    ("sichuan", "四川省", "Sichuan", 21, 83.7), ("guizhou", "贵州省", "Guizhou", 9, 38.6),
    ("yunnan", "云南省", "Yunnan", 16, 47.2), ("xizang", "西藏自治区", "Tibet", 7, 3.6),
    ("shaanxi", "陕西省", "Shaanxi", 10, 39.5), ("gansu", "甘肃省", "Gansu", 14, 25.0),
    ("qinghai", "青海省", "Qinghai", 8, 5.9), ("ningxia", "宁夏回族自治区", "Ningxia", 5, 7.2),
    ("xinjiang", "新疆维吾尔自治区", "Xinjiang", 14, 25.9),
]


def national_members() -> list[dict]:
    """Every member (337), round-robin over the provinces (the first N span the country)."""
    per = []
    for k, (pid, zh, en, n, millions) in enumerate(PROVINCES):
        rows = []
        for i in range(1, n + 1):
            j = (7 * k + 3 * i) % 11                       # deterministic, illustrative spread
            r2020 = round(0.1056 + (j - 5) * 0.006, 4)
            rows.append({
                "id": pid if n == 1 else f"{pid}-{i:02d}",
                "name_zh": zh if n == 1 else f"{zh}第{i}地市", "name_en": en if n == 1 else f"{en} city {i}",
                "residents": round(millions * 1e6 / n),
                "rates": {"2020": r2020, "2025": round(r2020 + 0.0481, 4)},
                "districts": {"core": {"zh": "市辖区", "en": "Urban districts", "share": 0.55, "rural_share": 0.12},
                              "counties": {"zh": "所辖县市", "en": "Counties", "share": 0.45,
                                           "rural_share": 0.55}}})
        per.append(rows)
    out = []
    for i in range(max(len(p) for p in per)):
        out.extend(p[i] for p in per if i < len(p))
    return out


def national_config(cities: int | None = None, respondents: int = 1000, psus: int = 24) -> dict:
    """The national config (parsed-YAML form), the first ``cities`` members (default: all 337)."""
    members = national_members()[:cities] if cities else national_members()
    return {
        "province": {"id": "china-national", "name_zh": "全国公民科学素质（地市级）",
                     "name_en": "China: civic science literacy by prefecture", "seed": 20260101},
        "paths": {"raw": "raw", "processed": "processed"},
        "template": str(ROOT / "config" / "wuhai.yaml"),
        "targets": {"headline": 0.15, "baseline_published": 0.1056,
                    "national": {"2020": {"rate": 0.1056, "year": 2020}, "2025": {"rate": 0.1537, "year": 2024}}},
        "rollup": {"variance": "taylor", "fdr": 0.05, "min_cities": 1},
        "simulation": {"population_scale": 0.01, "respondents_per_round": respondents, "psus_per_round": psus,
                       "adults_per_psu": {"urban": 300, "rural": 80}},
        "members": members,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--cities", type=int, default=None, help="keep the first N members (round-robin)")
    ap.add_argument("--respondents", type=int, default=1000, help="interviews per member and round")
    args = ap.parse_args()
    cfg = national_config(args.cities, args.respondents)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(f"{args.out}: {len(cfg['members'])} members")


if __name__ == "__main__":
    main()
