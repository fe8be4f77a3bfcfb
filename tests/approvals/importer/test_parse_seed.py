"""The sample report of อบต.เกาะลอยบางหัก (2566), parsed and checked in full."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from approvals.importer import ParsedReport, decode_report, parse_report, parse_report_bytes

SEED = Path(__file__).resolve().parents[3] / "approvals/sample_data/ita_report_2566.txt"

MEASURE_TITLES = [
    (1, "มาตรการเพิ่มประสิทธิภาพการดำเนินงานและการสื่อสารกับบุคลากรภายในองค์กร"),
    (2, "มาตรการสร้างการรับรู้และส่งเสริมการมีส่วนร่วมของผู้มีส่วนได้ส่วนเสียภายนอกองค์กร"),
    (3, "มาตรการปรับปรุงการเปิดเผยข้อมูลสาธารณะขององค์กร"),
]

# (measure, ITA number, assessment, status, name)
INDICATORS = [
    (1, 1, "IIT", "maintain", "การปฏิบัติหน้าที่"),
    (1, 2, "IIT", "urgent", "การใช้งบประมาณ"),
    (1, 3, "IIT", "develop", "การใช้อำนาจ"),
    (1, 4, "IIT", "develop", "การใช้ทรัพย์สินของราชการ"),
    (1, 5, "IIT", "develop", "การแก้ไขปัญหาการทุจริต"),
    (2, 6, "EIT", "urgent", "คุณภาพการดำเนินงาน"),
    (2, 7, "EIT", "urgent", "ประสิทธิภาพการสื่อสาร"),
    (2, 8, "EIT", "urgent", "การปรับปรุงการทำงาน"),
    (3, 9, "OIT", "maintain", "การเปิดเผยข้อมูล"),
    (3, 10, "OIT", "urgent", "การป้องกันการทุจริต"),
]

# ITA number -> [(number as written, in Arabic digits; first words of the text; responsible)]
ACTIONS = {
    1: [
        ("", "ดำเนินการทบทวน", ["สำนักปลัด"]),
        ("", "มีการกำกับติดตามการทำงานของเจ้าหน้าที่", ["สำนักปลัด"]),
        ("", "กำหนดให้มีการปรึกษา", ["สำนักปลัด"]),
    ],
    2: [
        ("", "มีมาตรการแจ้งเวียนให้บุคลากรภายในหน่วยงานและสื่อสารให้สาธารณชนทราบ", "all"),
        ("", "เผยแพร่ประชาสัมพันธ์แผนการใช้จ่ายงบประมาณประจำปี", "all"),
        ("3", "มีมาตรการการลงโทษที่ชัดเจน", "all"),
    ],
    3: [
        ("1", "มีแนวทางในการมอบหมายงาน", ["สำนักปลัด"]),
        ("2", "จัดทำคำสั่งมอบหมายงานแก่บุคลากรในองค์กรปกครองส่วนท้องถิ่น", ["สำนักปลัด"]),
    ],
    4: [
        ("1", "จัดทำแนวทางปฏิบัติ/ระเบียบการใช้ทรัพย์สิน", "all"),
        ("2", "จัดทำคู่มือเกี่ยวกับแนวทางปฏิบัติเกี่ยวกับการ", "all"),
        ("3", "กำหนดกลไกในติดตามตรวจสอบการ", "all"),
    ],
    5: [
        ("1", "ผู้บริหารแสดงเจตจำนงในการบริหารงานด้วยความซื่อสัตย์สุจริต", ["สำนักปลัด"]),
        ("2", "มีการจัดทำการถ่ายทอดเกี่ยวกับแบบวัดความรู้ผู้มีส่วนได้เสียภายใน", "all"),
        ("3", "ผู้บริหารกำหนดนโยบาย", "all"),
    ],
    6: [
        ("1", "ดำเนินการทบทวน", "all"),
        ("2", "จัดทำคู่มือสำหรับประชาชนในรูปแบบอิเล็กทรอนิกส์", "all"),
        ("3", "มีกำกับติดตามการให้บริการประชาชนอย่างเท่าเทียมกันโดยไม่เลือกปฏิบัติของเจ้าหน้าที่", "all"),
    ],
    7: [
        ("1", "ปรับปรุงศูนย์ข้อมูลข่าวสาร", ["สำนักปลัด"]),
        (
            "2",
            "เผยแพร่ผลงานและข้อมูลที่เป็นประโยชน์กับสาธารณชนให้เป็นปัจจุบันผ่านทางเว็บไซต์ขององค์กรปกครองส่วนท้องถิ่นและสื่อออนไลน์รูปแบบอื่นๆ",
            "all",
        ),
        ("3", "จัดให้มีช่องทางการสื่อสารเพื่ออำนวยความสะดวกให้แก่ประชาชนผู้รับบริการ", "all"),
    ],
    8: [
        ("1", "มีการประเมินความพึงพอใจของประชาชน", ["สำนักปลัด"]),
        (
            "2",
            "จัดประชุมระดมความคิดเห็นบุคลากรเพื่อวิเคราะห์ปัญหาอุปสรรคในการดำเนินงานและกำหนดแนวทางร่วมกัน"
            "ในการปรับปรุงกระบวนการทำงานและพัฒนาการบริการประชาชนให้ดีขึ้น",
            "all",
        ),
    ],
    9: [
        ("1", "ดำเนินการตรวจสอบ", ["สำนักปลัด"]),
        ("2", "จัดทำนโยบายคุ้มครองข้อมูลส่วนบุคคลของหน่วยงาน", ["สำนักปลัด"]),
    ],
    10: [
        ("1", "จัดทำการประเมินความเสี่ยงการทุจริตและประพฤติมิชอบประจำปี", ["สำนักปลัด"]),
        (
            "2",
            "ประชาสัมพันธ์คู่มือหรือแนวทางดังกล่าวให้บุคลากรถือปฏิบัติอย่างเคร่งครัดและกำชับให้บุคลากรภายในหน่วยงานมีการป้องกันการทุจริต",
            ["สำนักปลัด"],
        ),
        ("2", "จัดทำมาตรการส่งเสริมคุณธรรมและความโปร่งใสของหน่วยงาน", ["สำนักปลัด"]),
        (
            "3",
            "แสดงความก้าวหน้าหรือผลการดำเนินการตามมาตรการเพื่อส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
            ["สำนักปลัด"],
        ),
    ],
}

BUDGET = [
    {"item": "ดำเนินการจัดทำแผนปฏิบัติการป้องกันการทุจริต", "amount": "1000.00"},
    {"item": "ดำเนินการประชาสัมพันธ์แผนปฏิบัติการป้องกันการทุจริต", "amount": "1000.00"},
    {"item": "ดำเนินการติดตามและประเมินผลแผนปฏิบัติการป้องกันการทุจริต", "amount": "1000.00"},
    {"item": "ดำเนินการรายงานผลการดำเนินงานตามแผนปฏิบัติการป้องกันการทุจริต", "amount": "1000.00"},
]


@pytest.fixture(scope="module")
def report() -> ParsedReport:
    return parse_report_bytes(SEED.read_bytes())


@pytest.fixture(scope="module")
def plan(report: ParsedReport) -> dict[str, Any]:
    return report.to_dict()


def _indicators(plan: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {indicator["number"]: indicator for measure in plan["measures"] for indicator in measure["indicators"]}


def test_the_agency_comes_from_the_cover(plan: dict[str, Any]) -> None:
    assert plan["agency"] == "องค์การบริหารส่วนตำบลเกาะลอยบางหัก"


def test_the_district_and_province_come_from_the_cover(plan: dict[str, Any]) -> None:
    assert (plan["district"], plan["province"]) == ("พานทอง", "ชลบุรี")


def test_the_fiscal_year_is_the_buddhist_era_year_of_the_cover_in_arabic_digits(plan: dict[str, Any]) -> None:
    assert plan["fiscal_year"] == 2566


def test_the_report_has_three_measures_with_their_titles(plan: dict[str, Any]) -> None:
    assert [(measure["number"], measure["title"]) for measure in plan["measures"]] == MEASURE_TITLES


def test_every_indicator_is_identified_by_its_ita_number_assessment_status_and_official_name(
    plan: dict[str, Any],
) -> None:
    found = [
        (
            measure["number"],
            indicator["number"],
            indicator["assessment"],
            indicator["status"],
            indicator["name"],
        )
        for measure in plan["measures"]
        for indicator in measure["indicators"]
    ]
    assert found == INDICATORS


def test_every_action_keeps_its_own_number_its_first_words_and_its_responsible(plan: dict[str, Any]) -> None:
    found = {
        number: [
            (action["number"], action["text"].split(" ")[0], action["responsible"]) for action in indicator["actions"]
        ]
        for number, indicator in _indicators(plan).items()
    }
    assert found == ACTIONS


def test_the_dataclasses_keep_action_numbers_as_written_in_thai_digits(report: ParsedReport) -> None:
    assert [action.number for action in report.measures[2].indicators[1].actions] == ["๑", "๒", "๒", "๓"]


def test_an_indicator_written_as_number_2_is_ita_indicator_6_identified_by_its_name(
    report: ParsedReport,
) -> None:
    indicator = report.measures[1].indicators[0]

    assert (indicator.number, indicator.written_number, indicator.name) == (6, 2, "คุณภาพการดำเนินงาน")


def test_the_written_number_of_indicator_6_is_warned_about_in_thai_then_english(plan: dict[str, Any]) -> None:
    assert (
        'บรรทัด 79: ตัวชี้วัด "คุณภาพการดำเนินงาน" เขียนเป็นตัวชี้วัดที่ 2 แต่ในการประเมิน ITA คือตัวชี้วัดที่ 6 / '
        "line 79: indicator 'คุณภาพการดำเนินงาน' is written as number 2 but is ITA indicator 6"
    ) in plan["warnings"]


def test_the_repeated_action_number_2_of_indicator_10_is_warned_about(plan: dict[str, Any]) -> None:
    assert (
        "บรรทัด 105: ตัวชี้วัดที่ 10 มีแนวทางลำดับที่ 2 ซ้ำ (แถวต่อจากหน้าก่อน) นำเข้าทั้งสองรายการ / "
        "line 105: indicator 10 has action number 2 twice (a row continued from the previous page); "
        "both were imported"
    ) in plan["warnings"]


def test_the_continuation_of_indicator_10_keeps_its_two_part_paragraphs_in_action_2(
    plan: dict[str, Any],
) -> None:
    assert _indicators(plan)[10]["actions"][2]["text"] == (
        "จัดทำมาตรการส่งเสริมคุณธรรมและความโปร่งใสของหน่วยงาน โดยมี ๒ ส่วนคือ "
        "ส่วนที่ ๑ การวิเคราะห์ผลการประเมิน ITA ของหน่วยงานในปีงบประมาณ พ.ศ. ๒๕๖๕ "
        "ทั้งประเด็นที่เป็นจุดอ่อนที่จะต้องแก้ไขโดยเร่งด่วน ประเด็นที่จะต้องพัฒนาให้ดีขึ้นที่มีความสอดคล้องกับผลการประเมินฯ "
        "ส่วนที่ ๒ การกำหนดแนวทางการนำผลการวิเคราะห์ไปสู่การปฏิบัติหรือมาตรการเพื่อขับเคลื่อนการส่งเสริมคุณธรรม"
        "และความโปร่งใสภายในหน่วยงานให้ดีขึ้น ซึ่งสอดคล้องตามผลการวิเคราะห์ผลการประเมินฯ "
        "มีการเปิดเผยและแจ้งเวียนให้บุคลากรทุกฝ่าย/กอง/สำนักได้รับทราบและร่วมกันดำเนินการขับเคลื่อนอย่างเป็นรูปธรรมต่อไป"
    )


def test_the_row_that_lost_its_tabs_after_a_page_break_is_action_3_of_indicator_5(
    plan: dict[str, Any],
) -> None:
    assert _indicators(plan)[5]["actions"][2] == {
        "number": "3",
        "text": "ผู้บริหารกำหนดนโยบาย มาตรการ แผนงาน หรือโครงการ/กิจกรรม เพื่อพัฒนาหน่วยงานให้มี คุณธรรมและความโปร่งใส "
        "ด้วยการจัดทำ แผนปฏิบัติการป้องกันการทุจริต และเผยแพร่ ประชาสัมพันธ์ให้บุคลากรและประชาชนทราบ",
        "responsible": "all",
        "results": "- มีการจัดทำแผนปฏิบัติการป้องกันการทุจริต ประจำปีงบประมาณ พ.ศ. ๒๕๖๖ "
        "และเผยแพร่ประชาสัมพันธ์ให้บุคลากรและประชาชนทราบ\n"
        "- รายงานผลการดำเนินงานตามแผนฯ รอบ ๖ เดือน/ ๑๒ เดือน",
        "outcome": "- มีการบริหารราชการเป็นไปตามหลักธรรมาภิบาล เปิดเผย โปร่งใส และตรวจสอบได้\n"
        "- ยกระดับกลไกการตรวจสอบ การดำเนินงานขององค์กร ที่มีประสิทธิภาพ เข้มแข็ง และลด การทุจริต\n"
        "- ประชาชนมีส่วนร่วมในการ ป้องกันตรวจสอบและต่อต้านการ ทุจริตขององค์กร",
    }


def test_eit_actions_take_the_responsible_paragraph_aligned_with_them(plan: dict[str, Any]) -> None:
    assert [action["responsible"] for action in _indicators(plan)[7]["actions"]] == [
        ["สำนักปลัด"],
        "all",
        "all",
    ]


def test_a_responsible_cell_split_as_ทุกส่วน_ราชการ_means_all_divisions(plan: dict[str, Any]) -> None:
    assert [action["responsible"] for action in _indicators(plan)[4]["actions"]] == ["all", "all", "all"]


def test_text_in_the_responsible_cell_of_indicator_9_is_moved_to_the_end_of_the_results(
    plan: dict[str, Any],
) -> None:
    assert _indicators(plan)[9]["actions"][1]["results"] == (
        "- มีนโยบายคุ้มครองข้อมูลส่วนบุคคลของหน่วยงาน\n"
        "จัดทำเป็นเอกสารข่าว สรุปข้อมูลการดำเนินการอย่างย่อๆ เผยแพร่ ผ่านสื่อ Social Media และอื่นๆ "
        "และรายงานผลการดำเนินการให้นายกฯ ทราบ"
    )


def test_moving_text_out_of_the_responsible_cell_is_warned_about(plan: dict[str, Any]) -> None:
    assert (
        'บรรทัด 96: ช่องผู้รับผิดชอบของตัวชี้วัดที่ 9 มีข้อความอื่นปน: "จัดทำเป็นเอกสารข่าว '
        'สรุปข้อมูลการดำเนินการอย่างย่อๆ เผยแพร่ …" ย้ายไปไว้ท้ายสรุปผลการดำเนินการ / line 96: the responsible '
        "cell of indicator 9 holds other text; it was moved to the end of the results"
    ) in plan["warnings"]


def test_results_keep_each_bullet_of_an_html_list_on_its_own_dash_line(plan: dict[str, Any]) -> None:
    assert _indicators(plan)[1]["actions"][0]["results"] == (
        "- มีการจัดประชุมคณะผู้บริหาร หัวหน้าส่วนราชการ ข้าราชการ พนักงานเจ้าหน้าที่ เดือนละ ๑ ครั้ง\n"
        "- ปรับปรุงขั้นตอนการปฏิบัติงานให้มีความชัดเจนและประชาสัมพันธ์ให้ประชาชนทราบ ณ จุดให้บริการ\n"
        "- สำนวจความพึงพอใจในการให้บริการ เพื่อนำไปพัฒนาการให้บริการให้ดีขึ้น"
    )


def test_an_outcome_without_bullets_is_kept_as_its_paragraph(plan: dict[str, Any]) -> None:
    assert _indicators(plan)[5]["actions"][0]["outcome"] == (
        "บุคลากรในองค์กรมีจิตสำนึกตระหนักในการปฏิบัติหน้าที่ราชการด้วยความซื่อสัตย์สุจริต"
        "ปราศจากพฤติกรรมที่สื่อไปในทางทุจริต และแสวงหาประโยชน์โดยมิชอบ"
    )


def test_every_action_of_a_row_gets_the_results_and_outcome_of_the_whole_row(plan: dict[str, Any]) -> None:
    actions = _indicators(plan)[6]["actions"]

    assert actions[0]["results"] == actions[1]["results"] == actions[2]["results"]
    assert actions[0]["outcome"] == actions[1]["outcome"] == actions[2]["outcome"]


def test_no_html_is_left_in_any_text(plan: dict[str, Any]) -> None:
    assert "<" not in str(plan["measures"])


def test_the_duplicated_budget_table_gives_four_items_of_one_thousand_baht(plan: dict[str, Any]) -> None:
    assert plan["budget"] == BUDGET


def test_budget_amounts_are_decimals_in_the_dataclasses(report: ParsedReport) -> None:
    assert [(item.number, item.amount) for item in report.budget] == [
        ("1", Decimal("1000.00")),
        ("2", Decimal("1000.00")),
        ("3", Decimal("1000.00")),
        ("4", Decimal("1000.00")),
    ]


def test_the_duplicated_budget_table_is_warned_about_once(plan: dict[str, Any]) -> None:
    assert (
        plan["warnings"].count(
            "ตารางงบประมาณซ้ำกัน นำเข้าเพียงครั้งเดียว / the budget table is repeated; it was imported once"
        )
        == 1
    )


def test_the_seed_gives_exactly_five_warnings(plan: dict[str, Any]) -> None:
    assert len(plan["warnings"]) == 5


def test_the_plan_has_exactly_the_documented_keys(plan: dict[str, Any]) -> None:
    assert (
        list(plan),
        list(plan["measures"][0]),
        list(plan["measures"][0]["indicators"][0]),
        list(plan["measures"][0]["indicators"][0]["actions"][0]),
    ) == (
        ["agency", "district", "province", "fiscal_year", "measures", "budget", "warnings"],
        ["number", "title", "indicators"],
        ["number", "assessment", "name", "status", "actions"],
        ["number", "text", "responsible", "results", "outcome"],
    )


def test_agency_and_fiscal_year_can_be_overridden() -> None:
    report = parse_report(decode_report(SEED.read_bytes()), agency="เทศบาลตำบลทดสอบ", fiscal_year=2567)

    assert (report.agency, report.fiscal_year) == ("เทศบาลตำบลทดสอบ", 2567)
