"""The demo's rollout tracker: every task of the 2019 plan for the agency, in a realistic mix of statuses, four weeks
of progress reports with one department missing this week, and two supervision findings (one rectified).

Everything goes through ``oversight.rollout_services`` (each row with its ledger entries). ``seed`` is idempotent:
once the agency has tasks it writes nothing (the whole seed is one transaction, so there is no half-seeded state).

The tasks of the first two phases (安排部署, 制修订相关制度) are done, the lists among them with a link to the list the
demo publishes on the portal; of the implementation phase some are done, most in progress, the summing-up not
started. Called from ``sanxiang.demo.seed`` as ``oversight_demo.seed(agency=xlt, users=self.users,
count=self.result.count)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sanxiang.org.models import Agency, Department, User
from sanxiang.oversight import rollout_services as services
from sanxiang.oversight.models import RolloutStatus, RolloutTask

DONE, IN_PROGRESS = RolloutStatus.DONE, RolloutStatus.IN_PROGRESS
MISSING_THIS_WEEK = "工贸行业安全监督管理科"
WEEKS = 4


def _list(key: str) -> str:
    return reverse("portal:list", args=[key])


def outcomes() -> dict[str, tuple[str, str, str]]:
    """ref → (status, evidence link, note) for the tasks the demo moves on (the others stay 未开始)."""
    return {
        "三(一)": (DONE, "", "《全面推行行政执法三项制度实施方案》于2019年6月28日印发，已报区司法局审核。"),
        "四(一)": (DONE, "", "成立推行三项制度工作领导小组，局长任组长，明确各科室责任人。"),
        "二(一)1": (DONE, "", "制定《兴隆台区应急管理局行政执法公示办法》，局务会审议通过。"),
        "二(一)2": (DONE, reverse("portal:home"), "公示专栏上线，执法决定即时推送至区公示平台。"),
        "二(一)3": (DONE, reverse("portal:home"), "事前公开各清单均已在公示网站发布。"),
        "二(一)3(1)": (DONE, _list("powers"), "权责清单已公示。"),
        "二(一)3(2)": (DONE, _list("items"), "行政执法事项清单（含裁量基准）已公示，随法规修订动态更新。"),
        "二(一)3(3)": (DONE, _list("inspection-items"), "随机抽查事项清单已公示。"),
        "二(一)3(4)": (DONE, _list("agencies"), "主体资格清单（含受委托组织及委托协议）经区司法局审核后公示。"),
        "二(一)3(5)": (DONE, _list("officers"), "人员资格清单已公示，可在线核验执法证。"),
        "二(一)3(6)": (DONE, reverse("portal:flowcharts"), "行政处罚、行政强制、行政检查流程图已公示。"),
        "二(一)3(7)": (DONE, _list("templates"), "执法文书样本已公示。"),
        "二(一)3(8)": (DONE, _list("complaint-channels"), "监督举报地址、电话、邮箱及受理程序已公示。"),
        "二(二)1": (DONE, "", "制定《执法全过程记录实施办法》。"),
        "二(二)3(1)": (DONE, _list("recording-rules"), "音像记录事项清单已公示。"),
        "二(二)3(2)": (DONE, _list("recording-places"), "执法记录仪按执法人员每人一台配备，制定使用管理办法。"),
        "二(三)1": (DONE, "", "修订《重大执法决定法制审核办法》。"),
        "二(三)2(2)": (DONE, "", "法制审核人员每季度参加一次业务培训。"),
        "二(三)2(3)": (DONE, "", "聘请常年法律顾问，参与重大复杂案件研究。"),
        "二(三)3(1)": (DONE, "", "《重大执法决定法制审核目录清单》经局务会通过并公布。"),
        "二(三)3(2)": (DONE, "", "各执法科室、中队均已指定初审员。"),
        "二(三)4": (DONE, "", "法制审核内容十一项已写入审核办法和审核表。"),
        "二(三)5": (DONE, reverse("portal:flowchart-review"), "法制审核流程图已公示。"),
        "三(二)": (DONE, reverse("portal:home"), "各项制度、清单、流程图均已制定并公示。"),
        "四(三)": (DONE, "", "各科室责任人及法制初审员名单已报法规科，自9月起每周报送工作进度。"),
        "二(一)5(1)": (DONE, reverse("portal:publications"), "行政处罚决定于作出之日起7个工作日内公示。"),
        "二(一)5(2)": (IN_PROGRESS, reverse("portal:inspections"), "双随机抽查结果按批次公示。"),
        "二(一)4(1)": (IN_PROGRESS, "", "统一使用文书样本，办案系统生成文书。"),
        "二(一)4(2)": (IN_PROGRESS, "", "执法时出示执法证并录入系统，现场核验。"),
        "二(二)2": (IN_PROGRESS, "", "纸质文书与电子文书一致性核对中。"),
        "二(二)3(3)": (IN_PROGRESS, "", "现场执法音像记录即时上传。"),
        "二(二)4": (IN_PROGRESS, "", ""),
        "二(二)5": (IN_PROGRESS, "", "按季度统计分析全过程记录数据，用于案卷评查。"),
        "二(三)6": (DONE, "", "重大执法决定均经法制审核后提交集体讨论。"),
        "三(三)1": (IN_PROGRESS, "", ""),
        "三(三)2": (IN_PROGRESS, "", "区司法局督导发现的问题已整改，市局督导问题整改中。"),
        "四(二)": (IN_PROGRESS, "", ""),
    }


REPORT_TEXTS = (
    "本周按计划推进三项制度各项工作，执法文书统一使用样本，现场执法全程音像记录。",
    "本周完成案卷自查，补齐音像资料归档；法制初审意见均已签署。",
    "本周参加法规科组织的业务培训，执法检查时均出示执法证件。",
    "本周执法决定均在规定时限内公示，随机抽查结果已报法规科。",
)


@transaction.atomic
def seed(*, agency: Agency, users: dict[str, User], count: Callable[[str], None]) -> None:
    if RolloutTask.objects.filter(agency=agency).exists():
        return
    legal = users["legal"]
    for _task in services.rollout_seed(agency, actor=legal):
        count("rollout task")
    tasks = {t.ref: t for t in RolloutTask.objects.filter(agency=agency)}
    for ref, (status, url, note) in outcomes().items():
        if ref in tasks:
            services.rollout_task_update(
                actor=legal, task=tasks[ref], status=status, evidence_url=url, evidence_note=note
            )
    _reports(agency, users, count)
    _findings(agency, users, count)


def _reporter(department: Department, users: dict[str, User]) -> User:
    """A member of the department among the demo users, else the legal section recording the report it received."""
    for key in ("head", "office"):
        if department in services.report_departments(users[key], department.agency):
            return users[key]
    return users["legal"]


def _reports(agency: Agency, users: dict[str, User], count: Callable[[str], None]) -> None:
    current = services.this_week()
    departments = list(services.reporting_departments(agency))
    for weeks_ago in range(WEEKS - 1, -1, -1):
        week = current - dt.timedelta(weeks=weeks_ago)
        for n, department in enumerate(departments):
            if weeks_ago == 0 and department.name == MISSING_THIS_WEEK:
                continue
            services.progress_report_submit(
                actor=_reporter(department, users),
                department=department,
                week=week,
                text=REPORT_TEXTS[(n + weeks_ago) % len(REPORT_TEXTS)],
                problems="个别执法记录仪电池续航不足，已报办公室。" if (n, weeks_ago) == (1, 1) else "",
            )
            count("progress report")


def _findings(agency: Agency, users: dict[str, User], count: Callable[[str], None]) -> None:
    today = timezone.localdate()
    justice, city = users["supervisor"], users["city-supervisor"]
    bodies = {b.pk: b for b in services.supervising_bodies(justice, agency)}
    city_bodies = services.supervising_bodies(city, agency)
    if bodies:
        body = next(iter(bodies.values()))
        found = services.finding_record(
            actor=justice,
            agency=agency,
            body=body,
            found_on=today - dt.timedelta(days=40),
            text="人员资格清单未随执法证年度审验及时更新，2名执法人员证件状态与省平台不一致。",
            due_on=today - dt.timedelta(days=10),
        )
        count("supervision finding")
        services.finding_rectify(
            actor=users["legal"],
            finding=found,
            rectification="已核对省行政执法监督管理平台，更新2名执法人员的证件状态并重新公示人员资格清单。",
            rectified_on=today - dt.timedelta(days=14),
        )
    if city_bodies:
        services.finding_record(
            actor=city,
            agency=agency,
            body=city_bodies[0],
            found_on=today - dt.timedelta(days=7),
            text="抽查3份行政处罚案卷，其中1份现场检查音像记录未在24小时内上传归档。",
            due_on=today + dt.timedelta(days=23),
        )
        count("supervision finding")
