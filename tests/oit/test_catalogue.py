"""The OIT catalogues shipped as data: every shipped file reads; a duplicate item or a missing field is refused
with a message naming the file and the item, and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from approvals.exceptions import InvalidTransition
from approvals.models import Action, Measure
from oit import catalogue, services
from oit.models import DisclosureItem


def _write(tmp_path, year, items, **extra):
    data = {
        "assessment_year": year,
        "title": "แบบตรวจทดสอบ",
        "indicators": {"9": "การเปิดเผยข้อมูล"},
        "items": items,
        **extra,
    }
    (tmp_path / f"{year}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _item(number, **fields):
    return {
        "number": number,
        "title": f"รายการ {number}",
        "publish": "ข้อมูลที่ต้องเผยแพร่",
        "division": "สำนักปลัด",
        "period": "ปี พ.ศ. 2567",
        "indicator": 9,
        **fields,
    }


def test_the_shipped_2566_and_2567_catalogues_list_o1_to_o43_each_with_every_field():
    for year in (2566, 2567):
        chosen = catalogue.load(year)
        assert [item.number for item in chosen.items] == [f"O{n}" for n in range(1, 44)]
        assert all(item.title and item.publish and item.division and item.period for item in chosen.items)
        assert chosen.usable and chosen.sources


def test_the_2568_catalogue_lists_only_the_renumbered_items_a_source_confirms_and_cannot_be_adopted(
    plan, agency_admin, division
):
    chosen = catalogue.load(2568)

    assert [(item.number, item.title) for item in chosen.items] == [
        ("O1", "โครงสร้างและอำนาจหน้าที่"),
        ("O2", "ข้อมูลผู้บริหาร"),
        ("O3", "ข้อมูลการติดต่อ"),
        ("O4", "ข่าวประชาสัมพันธ์"),
    ]
    assert not chosen.usable and not chosen.unconfirmed and any("2568" in note for note in chosen.notes)
    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        services.adopt_catalogue(plan, 2568, by=agency_admin, divisions={})
    assert str(refused.value) == (
        "The OIT catalogue of 2568 is incomplete: public sources confirmed only 4 of its items, "
        "so it cannot be adopted."
    )


@pytest.mark.parametrize("year", [2566, 2567, 2568])
def test_every_confirmed_item_cites_a_source_of_its_file_and_no_unconfirmed_one_does(year):
    data = json.loads((catalogue.directory() / f"{year}.json").read_text(encoding="utf-8"))
    sources = data["sources"]

    for item in data["items"]:
        cited = item.get("sources") or []
        assert all(0 <= index < len(sources) and sources[index]["url"] for index in cited), item["number"]
        assert bool(cited) == (item.get("confirmed") is True), item["number"]


@pytest.mark.parametrize("year", [2566, 2567, 2568])
def test_a_confirmed_item_rests_only_on_local_agencies_pages_of_its_own_year(year):
    data = json.loads((catalogue.directory() / f"{year}.json").read_text(encoding="utf-8"))
    sources = data["sources"]

    for item in data["items"]:
        for index in item.get("sources") or []:
            assert (sources[index]["agency"], sources[index]["year"]) == ("local", year), (item["number"], index)


def test_the_adopt_page_says_which_items_are_not_confirmed_in_thai(client, agency_admin):
    client.force_login(agency_admin)

    page = client.get(reverse("oit:adopt"), {"catalogue": 2567}).content.decode()

    assert "40 จาก 43 รายการยังไม่ได้ยืนยันกับแหล่งข้อมูลสาธารณะที่อ้างอิง" in page
    assert page.count("ยังไม่ยืนยัน</span>") == 40


def test_the_adopt_page_says_which_items_are_not_confirmed_in_english(client, agency_admin):
    client.force_login(agency_admin)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("oit:adopt")})

    page = client.get(reverse("oit:adopt"), {"catalogue": 2567}).content.decode()

    assert "40 of the 43 items are not confirmed against a cited public source" in page
    assert page.count("Not confirmed</span>") == 40


def test_the_adopt_page_says_an_incomplete_catalogue_cannot_be_adopted(client, agency_admin):
    client.force_login(agency_admin)

    page = client.get(reverse("oit:adopt"), {"catalogue": 2568}).content.decode()

    assert "แบบตรวจนี้ยังไม่ครบ แหล่งข้อมูลสาธารณะยืนยันรายการได้เพียง 4 รายการ" in page
    assert 'name="adopt"' not in page


def test_a_duplicate_item_is_refused_naming_the_file_and_both_places(settings, tmp_path):
    settings.OIT_CATALOGUE_DIR = tmp_path
    _write(tmp_path, 2599, [_item("O1"), _item("O2"), _item("o1")])
    with translation.override("en"), pytest.raises(catalogue.CatalogueError) as refused:
        catalogue.load(2599)
    assert str(refused.value) == "2599.json, item 3: the item o1 is listed twice (first as item 1)."


def test_a_missing_field_is_refused_naming_the_file_the_item_and_the_field(settings, tmp_path):
    settings.OIT_CATALOGUE_DIR = tmp_path
    broken = _item("O2")
    del broken["period"]
    _write(tmp_path, 2599, [_item("O1"), broken])
    with translation.override("en"), pytest.raises(catalogue.CatalogueError) as refused:
        catalogue.load(2599)
    assert str(refused.value) == "2599.json, item 2 (O2): the field period is missing."


def test_the_refusal_is_in_thai_for_a_thai_reader(settings, tmp_path):
    settings.OIT_CATALOGUE_DIR = tmp_path
    _write(tmp_path, 2599, [_item("O1", title="  ")])
    with translation.override("th"), pytest.raises(catalogue.CatalogueError) as refused:
        catalogue.load(2599)
    assert str(refused.value) == "2599.json รายการที่ 1 (O1): ไม่มีช่อง title"


def test_an_unreadable_file_is_refused_not_crashed(settings, tmp_path):
    settings.OIT_CATALOGUE_DIR = tmp_path
    (tmp_path / "2599.json").write_bytes(b'{"assessment_year": 2599, "items": [')
    with pytest.raises(catalogue.CatalogueError, match=r"2599\.json"):
        catalogue.load(2599)


def test_adopting_a_broken_catalogue_writes_nothing(settings, tmp_path, plan, agency_admin, division):
    settings.OIT_CATALOGUE_DIR = tmp_path
    _write(tmp_path, 2599, [_item("O1"), _item("O1")])
    with pytest.raises(catalogue.CatalogueError):
        services.adopt_catalogue(plan, 2599, by=agency_admin, divisions={"สำนักปลัด": division.pk})
    assert not Measure.objects.filter(plan=plan).exists()
    assert not Action.objects.filter(indicator__measure__plan=plan).exists()
    assert not DisclosureItem.objects.exists()


def test_adoption_makes_each_item_an_action_of_its_mapped_division(plan, agency_admin, division, other_division):
    items = services.adopt_catalogue(
        plan, 2567, by=agency_admin, divisions={"สำนักปลัด": division.pk, "กองคลัง": other_division.pk}
    )
    assert len(items) == 43
    procurement = next(item for item in items if item.usual_division == "กองคลัง")
    assert list(procurement.action.divisions.all()) == [other_division]
    assert items[0].action.indicator.assessment == "OIT"
    assert items[0].history.first().history_user == agency_admin


def test_adoption_needs_every_usual_division_mapped(plan, agency_admin, division):
    with pytest.raises(InvalidTransition, match="กองคลัง"):
        services.adopt_catalogue(plan, 2567, by=agency_admin, divisions={"สำนักปลัด": division.pk})
    assert not DisclosureItem.objects.exists()


def test_only_the_agency_administrator_adopts_a_catalogue(plan, staff_member, division, other_division):
    from approvals.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        services.adopt_catalogue(
            plan, 2567, by=staff_member, divisions={"สำนักปลัด": division.pk, "กองคลัง": other_division.pk}
        )
