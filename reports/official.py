"""The fixed wording of the official progress report, shared by the three renderers.

The report is an official Thai document in the NACC's layout, so its wording is Thai whatever language
the person who asks for it reads the site in; the prose blocks live in templates/reports/official/.
"""

from __future__ import annotations

from approvals.models import Indicator

TITLE = "รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
ROUND_TITLES = {6: "รอบ ๖ เดือน", 12: "รอบ ๑๒ เดือน"}

# The columns of the measures table, as in the agency's own reports.
COLUMN_INDICATOR = "ตัวชี้วัด"
COLUMN_ACTION = "แนวทางการแก้ไข/พัฒนา/วิธีการดำเนินการ"
COLUMN_RESPONSIBLE = "ผู้รับผิดชอบ"
COLUMN_RESULTS = "สรุปผลการดำเนินการตามมาตรการ"
COLUMN_OUTCOME = "ผลลัพธ์/ความสำเร็จ"
COLUMNS = (COLUMN_INDICATOR, COLUMN_ACTION, COLUMN_RESPONSIBLE, COLUMN_RESULTS, COLUMN_OUTCOME)

ALL_DIVISIONS = "ทุกส่วนราชการ"
NO_DIVISION = "-"
# Said in the results column of an action that has no approved result by the round's closing date.
NO_APPROVED_RESULT = "ยังไม่มีผลการดำเนินการที่ได้รับอนุมัติ ณ วันที่ {date}"
CANCELLED = "ยกเลิกการดำเนินการ"

INDICATOR_STATUS = {
    Indicator.Status.MAINTAIN: "รักษาระดับ",
    Indicator.Status.URGENT: "แก้ไขเร่งด่วน",
    Indicator.Status.DEVELOP: "พัฒนายกระดับ",
}

BUDGET_HEADING = "งบประมาณในการดำเนินการ"
BUDGET_COLUMNS = ("ที่", "รายการดำเนินงาน", "งบประมาณ (บาท)", "เบิกจ่าย (บาท)", "คงเหลือ (บาท)")
BUDGET_TOTAL = "รวม"
NO_BUDGET = "ไม่มีรายการงบประมาณ"

SIGNATURE_PREPARED = "ผู้จัดทำรายงาน"
SIGNATURE_REVIEWED = "ผู้ตรวจสอบ"
SIGNATURE_APPROVED = "ผู้อนุมัติ"
SIGNATURE_LINE = "ลงชื่อ ........................................"
SIGNATURE_DATE = "วันที่ {date}"
SIGNATURE_BLANK_DATE = "วันที่ ........ / ........ / ........"
BLANK_NAME = "........................................"
# Printed under the position of someone who signed for another (รักษาราชการแทน / ปฏิบัติราชการแทน).
ACTING_FOR = "ปฏิบัติราชการแทน {position}"

PAGE = "หน้า {page}"
DISTRICT = "อำเภอ"
PROVINCE = "จังหวัด"
