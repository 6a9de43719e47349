"""``sanxiang import`` and ``sanxiang export``: the console face of the Excel import."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from sanxiang.ledger.models import Entry
from sanxiang.registry import services
from sanxiang.registry.models import ComplaintChannel
from sanxiang.registry.specs import CHANNELS

HEADERS = ["渠道名称", "受理地址", "邮政编码", "举报电话", "电子邮箱", "受理时间", "受理反馈程序"]
GOOD = ["局监督举报", "盘锦市兴隆台区泰山路1号", "124010", "0427-2825000", "jubao@example.gov.cn", "", "5日内受理。"]


def write(path, rows):
    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def run(*argv):
    """Run a command as the console does (``sanxiang ...``), returning its exit status.

    ``call_command`` rather than the console entry point: the latter closes every database connection when it
    ends, which would close the test's own transaction on PostgreSQL. A ``CommandError`` is printed to stderr and
    turned into its exit status, exactly as the console does.
    """
    try:
        call_command(*argv)
    except CommandError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")
        return exc.returncode
    return 0


def test_import_writes_and_reports_counts(bureau, tmp_path, capsys):
    path = write(tmp_path / "channels.xlsx", [GOOD])
    status = run("import", "complaint-channels", path, "--agency", "兴隆台区应急管理局", "--actor", "clerk")
    assert status == 0
    assert "导入完成：已新增1条" in capsys.readouterr().out
    assert ComplaintChannel.objects.get().name == "局监督举报"


def test_bad_rows_exit_non_zero_with_the_chinese_row_errors(bureau, tmp_path, capsys):
    bad_phone = [*GOOD[:3], "12", *GOOD[4:]]
    bad_postcode = ["来信", GOOD[1], "abc", *GOOD[3:]]
    path = write(tmp_path / "bad.xlsx", [GOOD, [*bad_phone[:0], "纪检", *bad_phone[1:]], bad_postcode])
    status = run("import", "complaint-channels", path, "--agency", "兴隆台区应急管理局", "--actor", "clerk")
    assert status == 1
    err = capsys.readouterr().err
    assert "第3行：举报电话：电话号码“12”格式不正确" in err
    assert "第4行：邮政编码：邮政编码“abc”应为6位数字。" in err
    assert "导入失败：共2处错误，未写入任何数据。" in err
    assert not ComplaintChannel.objects.exists()
    assert not Entry.objects.filter(subject_type__startswith="registry.").exists()


def test_dry_run_validates_and_writes_nothing(bureau, tmp_path):
    path = write(tmp_path / "channels.xlsx", [GOOD])
    out = io.StringIO()
    call_command(
        "import", "complaint-channels", path, agency="兴隆台区应急管理局", actor="clerk", dry_run=True, stdout=out
    )
    assert "检查通过（未写入）：将新增1条" in out.getvalue()
    assert not ComplaintChannel.objects.exists()
    assert not Entry.objects.filter(subject_type__startswith="registry.").exists()


def test_permission_denied_is_a_command_error_and_writes_nothing(bureau, tmp_path):
    path = write(tmp_path / "channels.xlsx", [GOOD])
    with pytest.raises(CommandError, match="您不能编辑兴隆台区应急管理局的监督举报信息"):
        call_command("import", "complaint-channels", path, agency="兴隆台区应急管理局", actor="outsider")
    assert not ComplaintChannel.objects.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"agency": "不存在的局", "actor": "clerk"}, "没有名为“不存在的局”的执法主体"),
        ({"agency": "兴隆台区应急管理局", "actor": "nobody"}, "没有用户名为“nobody”的有效用户"),
        ({"actor": "clerk"}, "请用 --agency 指定执法主体名称"),
    ],
)
def test_bad_arguments_are_explained(bureau, tmp_path, options, message):
    path = write(tmp_path / "channels.xlsx", [GOOD])
    with pytest.raises(CommandError, match=message):
        call_command("import", "complaint-channels", path, **options)


def test_export_then_import_is_unchanged(bureau, tmp_path):
    data = dict(zip(("name", "address", "postcode", "phone", "email", "hours", "procedure"), GOOD, strict=True))
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=data)
    path = str(tmp_path / "out.xlsx")
    out = io.StringIO()
    call_command("export", "complaint-channels", path, agency="兴隆台区应急管理局", stdout=out)
    assert "已导出1条" in out.getvalue()
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS)
    assert rows[1][0] == channel.name

    before = Entry.objects.count()
    out = io.StringIO()
    call_command("import", "complaint-channels", path, agency="兴隆台区应急管理局", actor="clerk", stdout=out)
    assert "已新增0条，已修改0条，未变化1条" in out.getvalue()
    assert Entry.objects.count() == before


def test_templates_cannot_be_imported(bureau, tmp_path):
    path = write(tmp_path / "t.xlsx", [])
    with pytest.raises(CommandError):
        call_command("import", "templates", path, agency="兴隆台区应急管理局", actor="reviewer")
