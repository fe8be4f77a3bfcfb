"""The fixed wording of the official progress report, shared by the three renderers.

The report is an official Thai document in the NACC's layout, so its wording is Thai whatever language
the person who asks for it reads the site in; the prose blocks live in templates/reports/official/.
"""

from __future__ import annotations

from approvals.models import Indicator

TITLE = "รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
# {months} is 6 or 12, in the digits the THAI_DIGITS setting chooses.
ROUND_TITLE = "รอบ {months} เดือน"

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

INDICATOR_STATUS: dict[str, str] = {
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
# Printed under the position of someone who signs while standing in for the holder of the office: the
# office and its holder's name. "รักษาราชการแทน" is the term of the acting appointment (the app's own
# word everywhere); "ปฏิบัติราชการแทน" (a delegation) is a different legal act and is never printed.
ACTING_FOR = "รักษาราชการแทน{position} ({name})"

PAGE = "หน้า {page}"
# The verification line of the last page, beside the QR code of the same address.
VERIFICATION = "ตรวจสอบว่าไฟล์นี้ตรงกับฉบับที่หน่วยงานเผยแพร่: ค่า SHA-256 ของไฟล์ที่เผยแพร่แสดงไว้ที่ {url} และหน้านั้นรับไฟล์เพื่อตรวจสอบได้"
DISTRICT = "อำเภอ"
PROVINCE = "จังหวัด"
